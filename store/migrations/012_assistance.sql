-- Assisted applications at the one-thing window (一窗受理, 帮办代办; issue 13 §1).
-- Window staff act for a citizen only with a recorded consent, and everything
-- they do in an assistance session names both the staff member and the citizen.

-- A code the citizen granted on the phone for one topic: valid 10 minutes,
-- redeemed at most once. Only a salted SHA-256 of the 6-digit code is kept.
CREATE TABLE assistance_grants (
  id           text        PRIMARY KEY,
  code_salt    text        NOT NULL,
  code_hash    text        NOT NULL,  -- hex SHA-256 of salt || code
  subject      text        NOT NULL,  -- the citizen who granted it (ID number or credit code)
  subject_name text        NOT NULL,
  topic_code   text        NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  redeemed_at  timestamptz,
  redeemed_by  text                   -- the staff member who redeemed it
);
CREATE INDEX assistance_grants_expires_idx ON assistance_grants (expires_at);

-- A redemption that matched no usable code, per staff member: enough of them
-- in a short time locks the staff member out of redeeming (no guessing).
CREATE TABLE assistance_code_failures (
  staff_id text        NOT NULL,
  at       timestamptz NOT NULL
);
CREATE INDEX assistance_code_failures_staff_idx ON assistance_code_failures (staff_id, at);

-- One assistance session: one staff member, one citizen, one topic.
CREATE TABLE assistance_sessions (
  id           text        PRIMARY KEY,
  staff_id     text        NOT NULL,
  hall         text        NOT NULL,  -- the service hall's code (the token's `hall`)
  subject      text        NOT NULL,
  subject_name text        NOT NULL,
  topic_code   text        NOT NULL,
  consent      text        NOT NULL CHECK (consent IN ('CODE', 'IN_PERSON')),
  grant_id     text        REFERENCES assistance_grants (id),
  started_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz,
  CHECK ((consent = 'CODE') = (grant_id IS NOT NULL))
);
CREATE INDEX assistance_sessions_subject_idx ON assistance_sessions (subject, started_at DESC);

-- What was done in a session: plans, uploads, submissions, supplements.
CREATE TABLE assisted_actions (
  id         bigserial   PRIMARY KEY,
  session_id text        NOT NULL REFERENCES assistance_sessions (id),
  action     text        NOT NULL CHECK (action IN ('PLAN', 'UPLOAD', 'SUBMISSION', 'SUPPLEMENT')),
  subject    text        NOT NULL,  -- the citizen acted for
  staff_id   text        NOT NULL,
  ref        text        NOT NULL,  -- topic code, fileRef or application id
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assisted_actions_ref_idx ON assisted_actions (ref, action);

-- Reads of personal data made by window staff in a session: the hall and the
-- kind of consent, shown to the citizen in me.dataAccessLog. Null for reads
-- made by the citizen (or anyone else) directly.
ALTER TABLE access_log ADD COLUMN hall text;
ALTER TABLE access_log ADD COLUMN consent text;
