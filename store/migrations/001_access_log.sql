-- Append-only log of every read of personal data from the e-certificate
-- library or the big-data center (DESIGN.md, "Access and personal data").
-- The data subject reads it newest first (me.dataAccessLog), hence the index
-- on (subject, id desc); id is the insertion order and the paging key.
CREATE TABLE access_log (
  id         bigserial   PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text        NOT NULL,  -- who read (JWT sub of the caller)
  actor_role text        NOT NULL,  -- the caller's role (APPLICANT, DEPARTMENT_STAFF, ...)
  subject    text        NOT NULL,  -- whose data was read (citizen ID number or credit code)
  system     text        NOT NULL,  -- which upstream system was read
  items      text[]      NOT NULL,  -- which data items (certificate types, data-center fields)
  purpose    text        NOT NULL,  -- topic or application the read was for
  request_id text                   -- the gateway request that read it, for tracing
);

CREATE INDEX access_log_subject_id_idx ON access_log (subject, id DESC);

-- Append-only, enforced by the database itself: any UPDATE, DELETE or
-- TRUNCATE statement on access_log fails, whoever issues it (a statement-level
-- trigger fires even when no row matches). Dropping or disabling the trigger
-- needs the table owner; deployments that want more should also
-- REVOKE UPDATE, DELETE, TRUNCATE on access_log from the gateway's role.
CREATE FUNCTION access_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER access_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION access_log_reject_change();
