-- 效能监督 and 差评整改 (README "For supervisors").

-- Each case's warning level (NONE, YELLOW, RED; domain/warning-level.ts), as
-- evaluated last. `warning_final` is set once a decided case was evaluated at
-- its decidedAt: it keeps that level and is not evaluated again.
ALTER TABLE cases ADD COLUMN warning_level text NOT NULL DEFAULT 'NONE' CHECK (warning_level IN ('NONE', 'YELLOW', 'RED'));
ALTER TABLE cases ADD COLUMN warning_final boolean NOT NULL DEFAULT false;
CREATE INDEX cases_warning_pending ON cases (id) WHERE warning_final = false AND due_at IS NOT NULL;

-- The follow-up of a rating of grade 1–2 by the topic's lead department
-- (domain/follow-up.ts), one per rated application.
CREATE TABLE follow_ups (
  application_id  text        PRIMARY KEY REFERENCES evaluations (application_id),
  topic_code      text        NOT NULL,
  lead_department text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('OPEN', 'CONTACTED', 'RECTIFIED', 'EXPLAINED')),
  opened_at       timestamptz NOT NULL,
  contact_due_at  timestamptz NOT NULL,
  close_due_at    timestamptz NOT NULL,
  contacted_at    timestamptz,
  contact_note    text,
  closed_at       timestamptz,
  closing_note    text
);
CREATE INDEX follow_ups_by_department ON follow_ups (lead_department, opened_at);

-- Alerts to the operator's webhook (ALERT_WEBHOOK_URL) as a durable outbox:
-- one row per subject and level, whatever the number of instances or
-- evaluations, sent until the receiver answers 2xx. `subject` is
-- `case:<caseId>` or `follow-up:<applicationId>`; `level` YELLOW or RED for a
-- case, CONTACT_OVERDUE or CLOSE_OVERDUE for a follow-up.
CREATE TABLE alerts (
  id              text        PRIMARY KEY,
  subject         text        NOT NULL,
  level           text        NOT NULL,
  payload         jsonb       NOT NULL,  -- the body sent, without personal data
  created_at      timestamptz NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,           -- null once sent
  last_error      text,
  claimed_by      text,
  claimed_until   timestamptz,
  sent_at         timestamptz,
  UNIQUE (subject, level)
);
CREATE INDEX alerts_due ON alerts (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
