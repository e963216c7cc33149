-- A case's CaseSubmission is built when the case is sent
-- (connectors/approval/payload.ts) from the stored application, its
-- materials and the prerequisites' results; 013 copied out of the old
-- payloads the one thing a case adds (its form fields) and stopped writing
-- the column. Nothing reads it since, so the frozen copies of citizens' forms
-- go with it.
ALTER TABLE cases DROP COLUMN payload;
