-- Receipts of accepted applications (受理回执), issued once and never changed:
-- `content` is the canonical JSON that `signature` covers, kept as the exact
-- text that was signed, so a receipt verifies years later whatever happens
-- to the calendar, the registry or the signing key in use.
CREATE TABLE receipts (
  application_id text        PRIMARY KEY REFERENCES applications (id),
  content        text        NOT NULL,  -- canonical JSON (RFC 8785) of the receipt
  key_id         text        NOT NULL,  -- the seal key that signed it (published at /.well-known/one-thing/receipt-keys.json)
  algorithm      text        NOT NULL,  -- ES256 | SM2-SM3
  signature      text        NOT NULL,  -- base64url r‖s
  issued_at      timestamptz NOT NULL
);
