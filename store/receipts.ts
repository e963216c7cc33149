/**
 * Issued receipts (`007_receipts.sql`). A receipt is written once; issuing
 * it again (two instances at the same moment) keeps the first one.
 */
import type { Queryable } from './database.ts';

export interface StoredReceipt {
  applicationId: string;
  /** The canonical JSON the signature covers, exactly as signed. */
  content: string;
  keyId: string;
  algorithm: string;
  signature: string;
  issuedAt: Date;
}

type Row = { application_id: string; content: string; key_id: string; algorithm: string; signature: string; issued_at: Date };

const toReceipt = (r: Row): StoredReceipt => ({
  applicationId: r.application_id,
  content: r.content,
  keyId: r.key_id,
  algorithm: r.algorithm,
  signature: r.signature,
  issuedAt: r.issued_at,
});

export async function findReceipt(db: Queryable, applicationId: string): Promise<StoredReceipt | null> {
  const { rows } = await db.query<Row>(
    'SELECT application_id, content, key_id, algorithm, signature, issued_at FROM receipts WHERE application_id = $1',
    [applicationId],
  );
  return rows[0] ? toReceipt(rows[0]) : null;
}

/** Stores a receipt unless the application has one already; answers the one that is stored. */
export async function insertReceipt(db: Queryable, receipt: StoredReceipt): Promise<StoredReceipt> {
  await db.query(
    `INSERT INTO receipts (application_id, content, key_id, algorithm, signature, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (application_id) DO NOTHING`,
    [receipt.applicationId, receipt.content, receipt.keyId, receipt.algorithm, receipt.signature, receipt.issuedAt],
  );
  return (await findReceipt(db, receipt.applicationId))!;
}
