-- The approval contract's CaseSubmission is built when a case is sent
-- (connectors/approval/payload.ts), from the application, its materials and
-- the prerequisites' results; it is no longer frozen in cases.payload at
-- submission (issue 12, point 4). What the case adds to the application is
-- which of the application's form fields its matter takes, in the matter's
-- order. Cases stored before keep their fields, read from their payload.
ALTER TABLE cases ADD COLUMN form_fields text[] NOT NULL DEFAULT '{}';

UPDATE cases SET form_fields = ARRAY(SELECT jsonb_object_keys(payload -> 'form'))
WHERE jsonb_typeof(payload -> 'form') = 'object';

-- No longer written; a later migration may drop it.
ALTER TABLE cases ALTER COLUMN payload DROP NOT NULL;
