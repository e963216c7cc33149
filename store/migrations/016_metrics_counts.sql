-- The assessment metrics count a period's applications and their cases.
-- Counted from the rows, a year of 10^6 cases read every one of them: 3.6 s
-- (bench --scale, issue 11). These tables hold the same counts per China-time
-- day of submission, kept by the database itself on every write of
-- applications and cases, so a period's whole days are read from a few rows per
-- day, however many cases they hold (store/metrics.ts reads the days at the
-- period's edges, and the cases falling due today, from the rows).
--
-- Writers only append changes, signed counts, to the *_count_changes tables:
-- no counter row is updated on the request path, so concurrent submissions and
-- status updates never wait on one another's counters nor deadlock over them.
-- A background loop (delivery/metrics-counts.ts, `foldCountChanges` of
-- store/metrics.ts) adds the changes into the *_counts tables in one statement
-- each; a reader sums both, so it never sees a change twice or not at all.

-- No write may fall between the counting of what is stored and the triggers
-- (instances of the previous version keep writing during a rolling start).
LOCK TABLE applications, cases IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE application_counts (
  region              text    NOT NULL,
  topic_code          text    NOT NULL,
  day                 date    NOT NULL,  -- China-time day of submission
  channel             text    NOT NULL,
  materials_before    integer NOT NULL,
  materials_to_submit integer NOT NULL,
  legal_days_total    integer NOT NULL,
  committed_days      integer NOT NULL,
  applications        bigint  NOT NULL,
  materials_needed    bigint  NOT NULL,
  materials_exempt    bigint  NOT NULL,
  PRIMARY KEY (day, region, topic_code, channel, materials_before, materials_to_submit, legal_days_total, committed_days)
);

CREATE TABLE application_count_changes (
  id                  bigserial PRIMARY KEY,
  region              text    NOT NULL,
  topic_code          text    NOT NULL,
  day                 date    NOT NULL,
  channel             text    NOT NULL,
  materials_before    integer NOT NULL,
  materials_to_submit integer NOT NULL,
  legal_days_total    integer NOT NULL,
  committed_days      integer NOT NULL,
  applications        bigint  NOT NULL,
  materials_needed    bigint  NOT NULL,
  materials_exempt    bigint  NOT NULL
);

-- A case counts on its application's day, region and topic, with its status
-- and warning level now (periodWarningCounts of store/supervision.ts). due_day is the
-- China-time day of its time limit, 'infinity' when it has none: every case
-- due on a day before today is past due now, and 'infinity' never is.
CREATE TABLE case_counts (
  region          text    NOT NULL,
  topic_code      text    NOT NULL,
  day             date    NOT NULL,
  department_code text    NOT NULL,
  status          text    NOT NULL,
  warning_level   text    NOT NULL,
  due_day         date    NOT NULL,
  cases           bigint  NOT NULL,
  decided_late    bigint  NOT NULL,  -- decided after their due_at
  PRIMARY KEY (day, region, topic_code, department_code, status, warning_level, due_day)
);

CREATE TABLE case_count_changes (
  id              bigserial PRIMARY KEY,
  region          text    NOT NULL,
  topic_code      text    NOT NULL,
  day             date    NOT NULL,
  department_code text    NOT NULL,
  status          text    NOT NULL,
  warning_level   text    NOT NULL,
  due_day         date    NOT NULL,
  cases           bigint  NOT NULL,
  decided_late    bigint  NOT NULL
);

-- What a fold backlog (a bulk load, instances stopped for a while) costs a reader: the days asked for.
CREATE INDEX application_count_changes_day_idx ON application_count_changes (day);
CREATE INDEX case_count_changes_day_idx ON case_count_changes (day);

-- The cases falling due today are counted from the rows (past due or not depends on the instant).
CREATE INDEX cases_due_at_idx ON cases (due_at);

-- China time as the metrics' months and days have it (domain/metrics.ts): UTC+8, whatever the session's time zone.
CREATE FUNCTION metrics_china_day(at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT ((at AT TIME ZONE 'UTC') + interval '8 hours')::date $$;

INSERT INTO application_counts
SELECT region, topic_code, metrics_china_day(submitted_at), channel, materials_before, materials_to_submit, legal_days_total, committed_days,
       count(*), sum(materials_needed), sum(materials_exempt)
  FROM applications
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO case_counts
SELECT a.region, a.topic_code, metrics_china_day(c.submitted_at), c.department_code, c.status, c.warning_level,
       coalesce(metrics_china_day(c.due_at), 'infinity'), count(*), count(*) FILTER (WHERE c.decided_at > c.due_at)
  FROM cases c JOIN applications a ON a.id = c.application_id
 GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- Inserts and deletes are counted per statement, from their transition table
-- (an insert's rows +1, a delete's -1; both name it changed_rows): a bulk
-- insert adds one change per kind of row. Updates are counted per row, and
-- only when what is counted changes (the trigger's WHEN, checked without
-- calling a function): most updates are the outbox's and the poller's
-- bookkeeping, or an application's updated_at, and cost nothing here.
CREATE FUNCTION applications_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO application_count_changes (region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total,
                                         committed_days, applications, materials_needed, materials_exempt)
  SELECT region, topic_code, metrics_china_day(submitted_at), channel, materials_before, materials_to_submit, legal_days_total, committed_days,
         s.sign * count(*), s.sign * sum(materials_needed), s.sign * sum(materials_exempt)
    FROM changed_rows, (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) s
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, s.sign;
  RETURN NULL;
END
$$;

CREATE FUNCTION applications_count_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO application_count_changes (region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total,
                                         committed_days, applications, materials_needed, materials_exempt)
  VALUES (OLD.region, OLD.topic_code, metrics_china_day(OLD.submitted_at), OLD.channel, OLD.materials_before, OLD.materials_to_submit,
          OLD.legal_days_total, OLD.committed_days, -1, -OLD.materials_needed, -OLD.materials_exempt),
         (NEW.region, NEW.topic_code, metrics_china_day(NEW.submitted_at), NEW.channel, NEW.materials_before, NEW.materials_to_submit,
          NEW.legal_days_total, NEW.committed_days, 1, NEW.materials_needed, NEW.materials_exempt);
  RETURN NULL;
END
$$;

CREATE FUNCTION cases_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_count_changes (region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late)
  SELECT a.region, a.topic_code, metrics_china_day(c.submitted_at), c.department_code, c.status, c.warning_level,
         coalesce(metrics_china_day(c.due_at), 'infinity'),
         s.sign * count(*), s.sign * count(*) FILTER (WHERE c.decided_at > c.due_at)
    FROM changed_rows c JOIN applications a ON a.id = c.application_id,
         (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) s
   GROUP BY 1, 2, 3, 4, 5, 6, 7, s.sign;
  RETURN NULL;
END
$$;

CREATE FUNCTION cases_count_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_count_changes (region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late)
  SELECT a.region, a.topic_code, metrics_china_day(d.submitted_at), d.department_code, d.status, d.warning_level,
         coalesce(metrics_china_day(d.due_at), 'infinity'), d.sign, CASE WHEN d.decided_at > d.due_at THEN d.sign ELSE 0 END
    FROM (VALUES (-1, OLD.application_id, OLD.submitted_at, OLD.department_code, OLD.status, OLD.warning_level, OLD.due_at, OLD.decided_at),
                 (1, NEW.application_id, NEW.submitted_at, NEW.department_code, NEW.status, NEW.warning_level, NEW.due_at, NEW.decided_at))
         AS d(sign, application_id, submitted_at, department_code, status, warning_level, due_at, decided_at)
    JOIN applications a ON a.id = d.application_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER applications_counted_inserts AFTER INSERT ON applications
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_count_changes();
CREATE TRIGGER applications_counted_deletes AFTER DELETE ON applications
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_count_changes();
CREATE TRIGGER applications_counted_updates AFTER UPDATE ON applications FOR EACH ROW
  WHEN ((OLD.region, OLD.topic_code, OLD.submitted_at, OLD.channel, OLD.materials_before, OLD.materials_to_submit, OLD.legal_days_total,
         OLD.committed_days, OLD.materials_needed, OLD.materials_exempt)
        IS DISTINCT FROM
        (NEW.region, NEW.topic_code, NEW.submitted_at, NEW.channel, NEW.materials_before, NEW.materials_to_submit, NEW.legal_days_total,
         NEW.committed_days, NEW.materials_needed, NEW.materials_exempt))
  EXECUTE FUNCTION applications_count_update();

CREATE TRIGGER cases_counted_inserts AFTER INSERT ON cases
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_count_changes();
CREATE TRIGGER cases_counted_deletes AFTER DELETE ON cases
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_count_changes();
CREATE TRIGGER cases_counted_updates AFTER UPDATE ON cases FOR EACH ROW
  WHEN ((OLD.application_id, OLD.submitted_at, OLD.department_code, OLD.status, OLD.warning_level, OLD.due_at, OLD.decided_at)
        IS DISTINCT FROM
        (NEW.application_id, NEW.submitted_at, NEW.department_code, NEW.status, NEW.warning_level, NEW.due_at, NEW.decided_at))
  EXECUTE FUNCTION cases_count_update();

-- A case is counted under its application's region, topic and submission
-- time, which the gateway never changes once submitted: a change would move the
-- application's count but leave its cases counted where they were, so it is
-- refused.
CREATE FUNCTION applications_refuse_counted_fact_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'an application''s region, topic and submission time never change (application %)', OLD.id
    USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER applications_counted_facts_fixed BEFORE UPDATE OF region, topic_code, submitted_at ON applications FOR EACH ROW
  WHEN ((OLD.region, OLD.topic_code, OLD.submitted_at) IS DISTINCT FROM (NEW.region, NEW.topic_code, NEW.submitted_at))
  EXECUTE FUNCTION applications_refuse_counted_fact_change();

-- Emptied tables have nothing left to count.
CREATE FUNCTION metrics_counts_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'applications' THEN
    DELETE FROM application_counts;
    DELETE FROM application_count_changes;
  ELSE
    DELETE FROM case_counts;
    DELETE FROM case_count_changes;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER applications_counted_truncates AFTER TRUNCATE ON applications
  FOR EACH STATEMENT EXECUTE FUNCTION metrics_counts_truncated();
CREATE TRIGGER cases_counted_truncates AFTER TRUNCATE ON cases
  FOR EACH STATEMENT EXECUTE FUNCTION metrics_counts_truncated();
