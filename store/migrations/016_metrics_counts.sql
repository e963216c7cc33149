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
-- The triggers are per statement, with transition tables: a bulk insert adds
-- one change per kind of row, not one per row.

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

-- One function per table for its three triggers: an insert's rows count +1 and a
-- delete's -1 (both name their rows changed_rows), an update's old rows -1 and
-- new rows +1 (old_rows, new_rows).
CREATE FUNCTION applications_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    INSERT INTO application_count_changes (region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total,
                                           committed_days, applications, materials_needed, materials_exempt)
    SELECT region, topic_code, metrics_china_day(submitted_at), channel, materials_before, materials_to_submit, legal_days_total, committed_days,
           sign * count(*), sign * sum(materials_needed), sign * sum(materials_exempt)
      FROM changed_rows, (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) s
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, sign;
  ELSIF EXISTS (
       SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.region, o.topic_code, o.submitted_at, o.channel, o.materials_before, o.materials_to_submit, o.legal_days_total,
               o.committed_days, o.materials_needed, o.materials_exempt)
              IS DISTINCT FROM
              (n.region, n.topic_code, n.submitted_at, n.channel, n.materials_before, n.materials_to_submit, n.legal_days_total,
               n.committed_days, n.materials_needed, n.materials_exempt)) THEN
    -- (Most updates touch updated_at only, and count nothing.)
    INSERT INTO application_count_changes (region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total,
                                           committed_days, applications, materials_needed, materials_exempt)
    SELECT region, topic_code, metrics_china_day(submitted_at), channel, materials_before, materials_to_submit, legal_days_total, committed_days,
           sum(sign), sum(sign * materials_needed), sum(sign * materials_exempt)
      FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows) d
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(sign) <> 0 OR sum(sign * materials_needed) <> 0 OR sum(sign * materials_exempt) <> 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION cases_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    INSERT INTO case_count_changes (region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late)
    SELECT a.region, a.topic_code, metrics_china_day(c.submitted_at), c.department_code, c.status, c.warning_level,
           coalesce(metrics_china_day(c.due_at), 'infinity'),
           s.sign * count(*), s.sign * count(*) FILTER (WHERE c.decided_at > c.due_at)
      FROM changed_rows c JOIN applications a ON a.id = c.application_id,
           (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) s
     GROUP BY 1, 2, 3, 4, 5, 6, 7, s.sign;
  ELSIF EXISTS (
       SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.application_id, o.submitted_at, o.department_code, o.status, o.warning_level, o.due_at, o.decided_at)
              IS DISTINCT FROM
              (n.application_id, n.submitted_at, n.department_code, n.status, n.warning_level, n.due_at, n.decided_at)) THEN
    -- (Most updates are the outbox's and the poller's bookkeeping, and count nothing.)
    INSERT INTO case_count_changes (region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late)
    SELECT a.region, a.topic_code, metrics_china_day(d.submitted_at), d.department_code, d.status, d.warning_level,
           coalesce(metrics_china_day(d.due_at), 'infinity'),
           sum(d.sign), coalesce(sum(d.sign) FILTER (WHERE d.decided_at > d.due_at), 0)
      FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows) d
      JOIN applications a ON a.id = d.application_id
     GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(d.sign) <> 0 OR coalesce(sum(d.sign) FILTER (WHERE d.decided_at > d.due_at), 0) <> 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER applications_counted_inserts AFTER INSERT ON applications
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_count_changes();
CREATE TRIGGER applications_counted_updates AFTER UPDATE ON applications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_count_changes();
CREATE TRIGGER applications_counted_deletes AFTER DELETE ON applications
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION applications_count_changes();

CREATE TRIGGER cases_counted_inserts AFTER INSERT ON cases
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_count_changes();
CREATE TRIGGER cases_counted_updates AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_count_changes();
CREATE TRIGGER cases_counted_deletes AFTER DELETE ON cases
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_count_changes();
