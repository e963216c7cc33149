-- One application, many departments (DESIGN.md, "Applications").
--
-- An application and its cases are written in one transaction before
-- submitApplication returns. Each case carries its own delivery state: the
-- cases table *is* the outbox. A worker claims due cases with a short lease
-- (claimed_by / claimed_until, taken with FOR UPDATE SKIP LOCKED), posts them
-- with Idempotency-Key = <applicationId>:<matterCode>, and records the answer.
-- A worker that dies mid-delivery simply lets its lease expire; the next one
-- posts again with the same key and the department answers with the same
-- case, so nothing is lost and nothing is doubled.

-- Department approval systems registered at run time.
CREATE TABLE connectors (
  id                 text        PRIMARY KEY,
  department_code    text        NOT NULL,
  base_url           text        NOT NULL,
  token_sealed       text        NOT NULL,  -- AES-256-GCM, never readable through the API
  webhook_secret_sealed text,                -- AES-256-GCM; null = webhooks not accepted
  matter_codes       text[]      NOT NULL,
  timeout_ms         integer     NOT NULL,
  created_by         text        NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  removed_at         timestamptz
);
-- One live approval system per department.
CREATE UNIQUE INDEX connectors_live_department_idx ON connectors (department_code) WHERE removed_at IS NULL;

-- Uploaded files, content-addressed; the bytes live in the database so that
-- any gateway instance can serve any file.
CREATE TABLE uploads (
  sha256      text        PRIMARY KEY,   -- lowercase hex
  media_type  text        NOT NULL,
  size_bytes  integer     NOT NULL,
  content     bytea       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Who uploaded what: an applicant may only refer to its own uploads.
CREATE TABLE upload_owners (
  sha256      text        NOT NULL REFERENCES uploads (sha256),
  owner       text        NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, sha256)
);

CREATE TABLE applications (
  id               text        PRIMARY KEY,
  applicant        text        NOT NULL,   -- citizen ID number or credit code (token sub)
  applicant_kind   text        NOT NULL,   -- PERSON | ENTERPRISE
  applicant_name   text        NOT NULL,
  topic_code       text        NOT NULL,
  topic_name       text        NOT NULL,
  topic_version    integer     NOT NULL,
  region           text        NOT NULL,
  answers          jsonb       NOT NULL,   -- typed effective answers
  form             jsonb       NOT NULL,   -- typed merged form values
  delivery_method  text        NOT NULL,
  idempotency_key  text        NOT NULL,
  -- The plan's numbers at submission, for the assessment metrics.
  materials_before   integer   NOT NULL,
  materials_to_submit integer  NOT NULL,
  legal_days_total   integer   NOT NULL,
  committed_days     integer   NOT NULL,
  submitted_at     timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (applicant, idempotency_key)
);
CREATE INDEX applications_applicant_idx ON applications (applicant, submitted_at DESC, id DESC);
CREATE INDEX applications_submitted_idx ON applications (submitted_at);

-- Every material of the merged list and how the department gets it.
CREATE TABLE application_materials (
  application_id text    NOT NULL REFERENCES applications (id),
  position       integer NOT NULL,
  code           text    NOT NULL,
  name           text    NOT NULL,
  provision      text,             -- UPLOADED | E_CERTIFICATE | ... | DEFERRED; null = optional, not given
  exemption      jsonb,            -- { reason, producedBy?, certificate? }
  file_refs      text[]  NOT NULL,
  required_by    text[]  NOT NULL, -- matter codes
  PRIMARY KEY (application_id, code)
);

CREATE TABLE cases (
  id               text        PRIMARY KEY,   -- the gateway's own case id
  application_id   text        NOT NULL REFERENCES applications (id),
  position         integer     NOT NULL,      -- topic order
  matter_code      text        NOT NULL,
  matter_name      text        NOT NULL,
  department_code  text        NOT NULL,
  depends_on       text[]      NOT NULL,      -- matter codes within the application
  result_certificate_type text,
  -- The approval contract's CaseSubmission for this matter as submitted
  -- (prerequisiteResults are added when it is sent).
  payload          jsonb       NOT NULL,
  status           text        NOT NULL,      -- WAITING_FOR_PREREQUISITE | QUEUED | RECEIVED | ... | WITHDRAWN
  status_reason    text,
  remote_case_id   text,                      -- the department's case id once delivered
  received_at      timestamptz,
  due_at           timestamptz,
  decided_at       timestamptz,
  requested_materials text[]   NOT NULL DEFAULT '{}',
  result_certificate_id     text,
  result_certificate_number text,
  -- Outbox state of the case's creation in the department's system.
  delivery_attempts integer    NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,               -- null = nothing to send now
  last_error       text,
  claimed_by       text,
  claimed_until    timestamptz,
  delivered_at     timestamptz,
  -- When the status poller looks at the case next (null = decided, not polled).
  next_poll_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (application_id, matter_code)
);
CREATE INDEX cases_due_delivery_idx ON cases (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX cases_due_poll_idx ON cases (next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX cases_department_idx ON cases (department_code, id);
CREATE INDEX cases_remote_idx ON cases (department_code, remote_case_id);

-- Materials handed in later (补正 or 容缺), delivered through the same kind of lease.
CREATE TABLE supplements (
  id               text        PRIMARY KEY,
  case_id          text        NOT NULL REFERENCES cases (id),
  idempotency_key  text        NOT NULL,
  materials        jsonb       NOT NULL,      -- MaterialRef[] of the approval contract
  status           text        NOT NULL,      -- PENDING | DELIVERED | REFUSED
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_error       text,
  claimed_by       text,
  claimed_until    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, idempotency_key)
);
CREATE INDEX supplements_due_idx ON supplements (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
