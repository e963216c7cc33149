-- Issue 10, items 3 and 5.
--
-- The department's `updatedAt` of the last view of a case the gateway
-- applied: a webhook or a poll is applied only when it is newer, so a replayed
-- or late update cannot move a case backwards. Null for cases stored before
-- (the next view is applied, and from then on the order holds).
ALTER TABLE cases ADD COLUMN remote_updated_at timestamptz;

-- SHA-256 (hex) of the canonical submission (topic, answers, form, uploads,
-- deferred materials, delivery method) stored under an idempotency key: the
-- same key with a different payload is refused (IDEMPOTENCY_KEY_REUSED)
-- instead of answering with the first application. Null for applications
-- stored before: their key still finds them, whatever the payload.
ALTER TABLE applications ADD COLUMN request_fingerprint text;
