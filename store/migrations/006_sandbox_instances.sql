-- Gateways running the sandbox (no upstream URLs configured) that share one
-- database. Each registers its own simulated approval systems as connectors
-- (created_by 'sandbox:<id>') and must not take away those of another
-- instance that is still running: an instance renews its row while it runs,
-- and one whose row is gone or stale has stopped, so its departments may be
-- taken over. Nothing personal is stored here.
CREATE TABLE sandbox_instances (
  id          text        PRIMARY KEY,
  started_at  timestamptz NOT NULL DEFAULT now(),
  renewed_at  timestamptz NOT NULL DEFAULT now()
);
