-- Ratings forwarded to the rating system (好差评), one per application
-- (一事一评). Kept here too so an application shows its rating without asking
-- the rating system, whose list cannot be filtered by application.
CREATE TABLE evaluations (
  application_id text        PRIMARY KEY REFERENCES applications (id),
  remote_id      text        NOT NULL,
  topic_code     text        NOT NULL,
  grade          integer     NOT NULL CHECK (grade BETWEEN 1 AND 5),
  comment        text,
  channel        text        NOT NULL,
  evaluator      text        NOT NULL,
  created_at     timestamptz NOT NULL
);
