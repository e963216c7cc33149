-- Where each application was made (DESIGN.md, "Applications"; issue 13 §1):
-- PC, MOBILE, KIOSK as the client says, WINDOW only when the gateway itself
-- records a window-assisted application. Applications stored before the
-- channel was kept were all made online by the applicant on a PC page.
ALTER TABLE applications ADD COLUMN channel text NOT NULL DEFAULT 'PC'
  CHECK (channel IN ('PC', 'MOBILE', 'WINDOW', 'KIOSK'));

-- The plan → application funnel (issue 14 §5): how many personal plans were
-- computed for signed-in applicants, per topic and China-time day. A counter
-- and nothing else: who computed a plan is never stored.
CREATE TABLE plan_counts (
  topic_code text    NOT NULL,
  region     text    NOT NULL,
  day        date    NOT NULL,  -- the calendar day in Asia/Shanghai
  plans      integer NOT NULL CHECK (plans > 0),
  PRIMARY KEY (topic_code, day)
);
CREATE INDEX plan_counts_region_day_idx ON plan_counts (region, day);
