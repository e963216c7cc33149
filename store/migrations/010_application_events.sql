-- What a citizen's app shows as push messages (指尖办): one row per change of
-- a case the applicant should hear about, written in the same transaction as
-- the change itself, so a subscriber that reconnects with Last-Event-ID is
-- replayed exactly what it missed. Rows of one application are written while
-- its row is locked (lockApplication), so their ids grow in commit order and
-- "id > last seen" never skips one.
CREATE TABLE application_events (
  id              bigserial   PRIMARY KEY,
  application_id  text        NOT NULL REFERENCES applications (id),
  case_id         text        NOT NULL REFERENCES cases (id),
  kind            text        NOT NULL,  -- RECEIVED | ACCEPTED | IN_REVIEW | SUPPLEMENT_REQUIRED | DECIDED | RESULT_ISSUED
  matter_code     text        NOT NULL,
  matter_name     text        NOT NULL,
  department_code text        NOT NULL,
  status          text        NOT NULL,  -- the case's status after the change
  text            text        NOT NULL,  -- the push message, in Chinese
  occurred_at     timestamptz NOT NULL
);
CREATE INDEX application_events_replay ON application_events (application_id, id);
