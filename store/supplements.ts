/**
 * Supplements (补正、容缺补交) as the applicant hands them in: stored PENDING
 * for the outbox (store/outbox.ts claims and records their delivery).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from './database.ts';

export interface NewSupplement {
  applicationId: string;
  caseId: string;
  idempotencyKey: string;
  /** The approval contract's MaterialRefs, as they will be sent. */
  materials: readonly { code: string; provision: string; fileRef: string }[];
}

/**
 * Stores a supplement due for delivery at `now` and marks its application
 * updated, in one transaction. The same idempotency key for the same case
 * again stores nothing: it is the same supplement.
 */
export async function insertSupplement(db: Database, supplement: NewSupplement, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO supplements (id, case_id, idempotency_key, materials, status, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, 'PENDING', $5, $5)
       ON CONFLICT (case_id, idempotency_key) DO NOTHING`,
      [randomUUID(), supplement.caseId, supplement.idempotencyKey, JSON.stringify(supplement.materials), now],
    );
    await tx.query('UPDATE applications SET updated_at = $2 WHERE id = $1', [supplement.applicationId, now]);
  });
}
