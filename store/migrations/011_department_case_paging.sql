-- DepartmentCases pages a department's cases newest application first, by
-- keyset (submitted_at, id). Ordered by a column of applications, every page
-- joined and sorted the department's cases up to the cursor: a page from the
-- middle of 10^5 cases read half of them. A copy of the application's
-- submission time on each case (set by the database on insert, never changed:
-- an application's submission time is fixed) lets one index serve any page
-- with LIMIT rows read (bench --scale, issue 11).
ALTER TABLE cases ADD COLUMN submitted_at timestamptz;

UPDATE cases c SET submitted_at = a.submitted_at FROM applications a WHERE a.id = c.application_id;

CREATE FUNCTION cases_copy_submitted_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  SELECT submitted_at INTO NEW.submitted_at FROM applications WHERE id = NEW.application_id;
  RETURN NEW;
END
$$;

CREATE TRIGGER cases_submitted_at
  BEFORE INSERT ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_copy_submitted_at();

ALTER TABLE cases ALTER COLUMN submitted_at SET NOT NULL;

CREATE INDEX cases_department_page_idx ON cases (department_code, submitted_at DESC, id DESC);
