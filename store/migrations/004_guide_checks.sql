-- The routine check of every published topic's guide (定期检查: 办事指南、场景导办、
-- 在线申办地址), DESIGN.md "Assessment metrics". One row per run, one finding
-- per topic the run checked. Readiness reads the latest finding of a topic
-- for the reachability of its online address; the report and assessors read
-- the rest. Catalogue data only: nothing personal is stored here.
CREATE TABLE guide_check_runs (
  id           bigserial   PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  region       text                    -- the region checked; null = every region
);

CREATE TABLE guide_check_findings (
  run_id               bigint      NOT NULL REFERENCES guide_check_runs (id) ON DELETE CASCADE,
  topic_code           text        NOT NULL,
  topic_name           text        NOT NULL,
  lead_department      text        NOT NULL,
  region               text        NOT NULL,
  status               text        NOT NULL,  -- the topic's status when checked (PUBLISHED)
  guidable             boolean     NOT NULL,
  online_processable   boolean     NOT NULL,
  problems             text[]      NOT NULL,  -- readiness codes, in assessReadiness order
  -- Which matters are behind UNKNOWN_MATTER / MATTER_NOT_ONLINE, and why the
  -- online address failed: what the lead department needs to fix it.
  details              jsonb       NOT NULL DEFAULT '{}',
  online_url           text,                  -- the address probed; null = the topic has none
  online_url_reachable boolean,               -- null = not probed (no address)
  online_url_status    integer,               -- HTTP status; null = no answer
  online_url_latency_ms integer,              -- time to the answer's headers, or to giving up
  checked_at           timestamptz NOT NULL,
  PRIMARY KEY (run_id, topic_code)
);
-- "The latest finding of each topic": newest check first.
CREATE INDEX guide_check_findings_topic_idx ON guide_check_findings (topic_code, checked_at DESC, run_id DESC);
