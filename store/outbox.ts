/**
 * Cases and supplements as a durable outbox (DESIGN.md, "Applications",
 * rule 3; tables in `store/migrations/002_applications.sql`): leases,
 * claims, attempts and their backoff. What a department says about a case
 * is recorded by `store/case-status.ts`.
 *
 * - Delivery: a QUEUED case with `next_attempt_at <= now` is due. A worker
 *   claims due cases with a lease (`claimed_by` / `claimed_until`, rows taken
 *   with `FOR UPDATE SKIP LOCKED`, so concurrent workers never share one),
 *   posts them and records the answer. A worker that dies lets its lease
 *   expire; the next one posts again with the same Idempotency-Key.
 * - Polling: a delivered, undecided case has `next_poll_at`; the poller's
 *   lease is that column pushed into the future, so a crashed poller's cases
 *   come due again when the lease ends. Decided cases have it null.
 * - Supplements: the same lease on the `supplements` table.
 *
 * Every function takes a {@link Queryable} (the database or a transaction)
 * and the time as `now` (a `Date`), so tests can run on a fake clock.
 *
 * @module
 */
import type { Case, MaterialRef } from '../connectors/approval/models.ts';
import { DECIDED } from '../domain/case-lifecycle.ts';
import {
  BUMP_APPLICATIONS,
  DECIDED_SQL,
  remoteFields,
  toCase,
  type CaseRecord,
  type CaseRow,
} from './case-status.ts';
import type { Queryable } from './database.ts';

/** One supplement due for delivery, with what is needed to deliver it. */
export interface SupplementRecord {
  id: string;
  caseId: string;
  idempotencyKey: string;
  /** MaterialRef[] of the approval contract. */
  materials: MaterialRef[];
  status: 'PENDING' | 'DELIVERED' | 'REFUSED';
  attempts: number;
  nextAttemptAt: Date | null;
  /** The last failure, or the department's reason for a refusal. */
  lastError: string | null;
  claimedBy: string | null;
  claimedUntil: Date | null;
  createdAt: Date;
  /** Of the supplement's case. */
  applicationId: string;
  departmentCode: string;
  /** The department's id of the supplement's case (claimed supplements always have one). */
  remoteCaseId: string;
}

/** How many rows to claim, for how long, and the time now. */
export interface ClaimOptions {
  /** Most rows claimed at once. */
  limit: number;
  /** Length of the lease, in milliseconds. */
  leaseMs: number;
  now: Date;
}

/** Exponential backoff with full jitter: the n-th retry waits `jitter × min(maxMs, baseMs × 2^(n-1))`. */
export interface BackoffOptions {
  /** Milliseconds; the cap of the first retry's delay. */
  baseMs: number;
  /** Milliseconds; no retry waits longer. */
  maxMs: number;
}

/** A failed attempt to record. */
export interface FailureOptions {
  /** The worker that holds the lease; nothing is recorded when another one holds it now. */
  workerId: string;
  now: Date;
  /** What went wrong, without upstream bodies (truncated to 1000 characters). */
  error: string;
  backoff: BackoffOptions;
  /** A number in [0, 1) drawn for the jitter. Default `Math.random()`. */
  jitter?: number;
}

const MAX_ERROR_LENGTH = 1000;
const MAX_REASON_LENGTH = 500;

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface SupplementRow {
  id: string;
  case_id: string;
  idempotency_key: string;
  materials: MaterialRef[];
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  claimed_by: string | null;
  claimed_until: Date | null;
  created_at: Date;
  application_id: string;
  department_code: string;
  remote_case_id: string;
}

function toSupplement(row: SupplementRow): SupplementRecord {
  return {
    id: row.id,
    caseId: row.case_id,
    idempotencyKey: row.idempotency_key,
    materials: row.materials,
    status: row.status as SupplementRecord['status'],
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    createdAt: row.created_at,
    applicationId: row.application_id,
    departmentCode: row.department_code,
    remoteCaseId: row.remote_case_id,
  };
}

const leaseEnd = (options: ClaimOptions) => new Date(options.now.getTime() + options.leaseMs);
const byTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? 0) - (b?.getTime() ?? 0);

function checkClaim(options: ClaimOptions): void {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  if (!(options.leaseMs > 0)) throw new RangeError(`leaseMs must be positive, got ${options.leaseMs}`);
}

/** The delay before retry number `attempt` (1 = the first retry): full jitter over a capped exponential. */
export function backoffDelayMs(attempt: number, backoff: BackoffOptions, jitter: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.floor(jitter * Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent));
}

/**
 * Claims up to `limit` due deliveries for `workerId`: QUEUED cases whose
 * `next_attempt_at` has come and whose lease (if any) has ended. They are
 * leased until `now + leaseMs`; rows other transactions hold are skipped.
 * One statement, so the claim commits on its own.
 * @returns the claimed cases, most overdue first.
 */
export async function claimDueDeliveries(db: Queryable, workerId: string, options: ClaimOptions): Promise<CaseRecord[]> {
  checkClaim(options);
  const { rows } = await db.query<CaseRow>(
    `WITH due AS (
       SELECT id FROM cases
       WHERE status = 'QUEUED' AND next_attempt_at IS NOT NULL AND next_attempt_at <= $3
         AND (claimed_until IS NULL OR claimed_until < $3)
       ORDER BY next_attempt_at, id
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     UPDATE cases SET claimed_by = $1, claimed_until = $2
     FROM due WHERE cases.id = due.id
     RETURNING cases.*`,
    [workerId, leaseEnd(options), options.now, options.limit],
  );
  return rows.map(toCase).sort((a, b) => byTime(a.nextAttemptAt, b.nextAttemptAt) || a.id.localeCompare(b.id));
}

/**
 * Records that the department accepted the case (`remote` is its answer):
 * the department's id, status and dates, the outbox entry done, the lease
 * released, polling from `nextPollAt` (none once decided). Applies only to a
 * case still QUEUED and undelivered: recording the same answer twice (two
 * workers after a lease expired) changes nothing the second time.
 * @returns the updated case, or null when it was already delivered.
 */
export async function recordDelivered(
  db: Queryable,
  caseId: string,
  remote: Case,
  options: { now: Date; nextPollAt: Date },
): Promise<CaseRecord | null> {
  const decided = DECIDED.has(remote.status);
  const { rows } = await db.query<CaseRow>(
    `WITH c AS (
       UPDATE cases SET
         status = $2, status_reason = $3, remote_case_id = $4, received_at = $5, due_at = $6, decided_at = $7,
         requested_materials = $8, result_certificate_id = $9, result_certificate_number = $10, remote_updated_at = $11,
         delivery_attempts = delivery_attempts + 1, next_attempt_at = NULL, last_error = NULL,
         claimed_by = NULL, claimed_until = NULL, delivered_at = $12, next_poll_at = $13, updated_at = $12
       WHERE id = $1 AND status = 'QUEUED' AND remote_case_id IS NULL
       RETURNING *),
     ${BUMP_APPLICATIONS}
     SELECT * FROM c`,
    [caseId, ...remoteFields(remote), options.now, decided ? null : options.nextPollAt],
  );
  return rows[0] ? toCase(rows[0]) : null;
}

/**
 * Records a failed delivery that may succeed later (department down, timed
 * out, no approval system registered): one more attempt, the lease released,
 * the next attempt after a backoff with full jitter
 * (see {@link backoffDelayMs}). The status stays QUEUED.
 * @returns when the case will be tried again, or null when `workerId` no
 *   longer holds the case (another worker took it over; nothing recorded).
 */
export async function recordDeliveryFailure(db: Queryable, caseId: string, options: FailureOptions): Promise<Date | null> {
  const { rows } = await db.query<{ delivery_attempts: number }>(
    `SELECT delivery_attempts FROM cases WHERE id = $1 AND status = 'QUEUED' AND claimed_by = $2`,
    [caseId, options.workerId],
  );
  const row = rows[0];
  if (!row) return null;
  const delay = backoffDelayMs(row.delivery_attempts + 1, options.backoff, options.jitter ?? Math.random());
  const next = new Date(options.now.getTime() + delay);
  const updated = await db.query(
    `UPDATE cases SET delivery_attempts = delivery_attempts + 1, next_attempt_at = $3, last_error = $4,
       claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND status = 'QUEUED' AND claimed_by = $2`,
    [caseId, options.workerId, next, truncate(options.error, MAX_ERROR_LENGTH)],
  );
  return updated.rowCount > 0 ? next : null;
}

/**
 * Records that the department refused the case (a 4xx: invalid submission,
 * matter not handled, wrong credentials). It is not retried blindly: the
 * status stays QUEUED, `status_reason` shows the department's reason to the
 * applicant, `next_attempt_at` becomes null (see
 * {@link requeueRefusedDeliveries} once the cause is fixed).
 * @returns the updated case, or null when `workerId` no longer holds it.
 */
export async function recordDeliveryRefused(
  db: Queryable,
  caseId: string,
  options: { workerId: string; now: Date; reason: string; error: string },
): Promise<CaseRecord | null> {
  const { rows } = await db.query<CaseRow>(
    `WITH c AS (
       UPDATE cases SET status_reason = $3, last_error = $4, delivery_attempts = delivery_attempts + 1,
         next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = $5
       WHERE id = $1 AND status = 'QUEUED' AND claimed_by = $2
       RETURNING *),
     ${BUMP_APPLICATIONS}
     SELECT * FROM c`,
    [caseId, options.workerId, truncate(options.reason, MAX_REASON_LENGTH), truncate(options.error, MAX_ERROR_LENGTH), options.now],
  );
  return rows[0] ? toCase(rows[0]) : null;
}

/**
 * Puts refused deliveries of a department back in the outbox, due at
 * `now` (for instance after its connector was registered again with the
 * right token). @returns how many cases were requeued.
 */
export async function requeueRefusedDeliveries(db: Queryable, departmentCode: string, now: Date): Promise<number> {
  const { rows } = await db.query(
    `WITH c AS (
       UPDATE cases SET next_attempt_at = $2, status_reason = NULL, updated_at = $2
       WHERE department_code = $1 AND status = 'QUEUED' AND next_attempt_at IS NULL AND remote_case_id IS NULL
       RETURNING *),
     ${BUMP_APPLICATIONS}
     SELECT id FROM c`,
    [departmentCode, now],
  );
  return rows.length;
}

/**
 * Claims up to `limit` cases due for a status poll (`next_poll_at <= now`,
 * delivered). The lease is `next_poll_at` itself, moved to `now + leaseMs`:
 * a poller that dies leaves them due again when the lease ends.
 * @returns the claimed cases, most overdue first.
 */
export async function claimDuePolls(db: Queryable, options: ClaimOptions): Promise<CaseRecord[]> {
  checkClaim(options);
  const { rows } = await db.query<CaseRow & { due_at_poll: Date }>(
    `WITH due AS (
       SELECT id, next_poll_at AS was_due FROM cases
       WHERE next_poll_at IS NOT NULL AND next_poll_at <= $2 AND remote_case_id IS NOT NULL
       ORDER BY next_poll_at, id
       LIMIT $3
       FOR UPDATE SKIP LOCKED)
     UPDATE cases SET next_poll_at = $1
     FROM due WHERE cases.id = due.id
     RETURNING cases.*, due.was_due AS due_at_poll`,
    [leaseEnd(options), options.now, options.limit],
  );
  return rows
    .sort((a, b) => byTime(a.due_at_poll, b.due_at_poll) || a.id.localeCompare(b.id))
    .map(({ due_at_poll: _, ...row }) => toCase(row));
}

/**
 * Sets the next poll of the given cases that are still polled (undecided).
 * @returns how many were rescheduled.
 */
export async function reschedulePolls(db: Queryable, caseIds: readonly string[], nextPollAt: Date): Promise<number> {
  if (caseIds.length === 0) return 0;
  const { rowCount } = await db.query(
    `UPDATE cases SET next_poll_at = $2
     WHERE id = ANY($1::text[]) AND next_poll_at IS NOT NULL AND status NOT IN ${DECIDED_SQL}`,
    [[...caseIds], nextPollAt],
  );
  return rowCount;
}

/**
 * Claims up to `limit` due supplements (PENDING, `next_attempt_at <= now`,
 * lease ended) whose case has reached its department; the others wait for
 * their case's delivery. Leased until `now + leaseMs`.
 * @returns the claimed supplements, oldest first.
 */
export async function claimDueSupplements(db: Queryable, workerId: string, options: ClaimOptions): Promise<SupplementRecord[]> {
  checkClaim(options);
  const { rows } = await db.query<SupplementRow>(
    `WITH due AS (
       SELECT s.id FROM supplements s JOIN cases c ON c.id = s.case_id
       WHERE s.status = 'PENDING' AND s.next_attempt_at IS NOT NULL AND s.next_attempt_at <= $3
         AND (s.claimed_until IS NULL OR s.claimed_until < $3) AND c.remote_case_id IS NOT NULL
       ORDER BY s.created_at, s.id
       LIMIT $4
       FOR UPDATE OF s SKIP LOCKED)
     UPDATE supplements SET claimed_by = $1, claimed_until = $2
     FROM due, cases c
     WHERE supplements.id = due.id AND c.id = supplements.case_id
     RETURNING supplements.*, c.application_id, c.department_code, c.remote_case_id`,
    [workerId, leaseEnd(options), options.now, options.limit],
  );
  return rows.map(toSupplement).sort((a, b) => byTime(a.createdAt, b.createdAt) || a.id.localeCompare(b.id));
}

/** Records that the department took the supplement. @returns false when it was no longer pending. */
export async function recordSupplementDelivered(db: Queryable, supplementId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE supplements SET status = 'DELIVERED', attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL,
       claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND status = 'PENDING'`,
    [supplementId],
  );
  return rowCount > 0;
}

/**
 * Records a failed supplement delivery that may succeed later; like
 * {@link recordDeliveryFailure}. @returns the next attempt, or null when
 * `workerId` no longer holds it.
 */
export async function recordSupplementFailure(db: Queryable, supplementId: string, options: FailureOptions): Promise<Date | null> {
  const { rows } = await db.query<{ attempts: number }>(
    `SELECT attempts FROM supplements WHERE id = $1 AND status = 'PENDING' AND claimed_by = $2`,
    [supplementId, options.workerId],
  );
  const row = rows[0];
  if (!row) return null;
  const next = new Date(options.now.getTime() + backoffDelayMs(row.attempts + 1, options.backoff, options.jitter ?? Math.random()));
  const updated = await db.query(
    `UPDATE supplements SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND status = 'PENDING' AND claimed_by = $2`,
    [supplementId, options.workerId, next, truncate(options.error, MAX_ERROR_LENGTH)],
  );
  return updated.rowCount > 0 ? next : null;
}

/**
 * Records that the department refused the supplement (404 no such case, 409
 * not waiting for materials, 400): REFUSED, not retried, with the
 * department's reason in `last_error`. @returns false when `workerId` no longer holds it.
 */
export async function recordSupplementRefused(
  db: Queryable,
  supplementId: string,
  options: { workerId: string; reason: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE supplements SET status = 'REFUSED', attempts = attempts + 1, next_attempt_at = NULL, last_error = $3,
       claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND status = 'PENDING' AND claimed_by = $2`,
    [supplementId, options.workerId, truncate(options.reason, MAX_ERROR_LENGTH)],
  );
  return rowCount > 0;
}

