/**
 * A case's status as its department reports it (DESIGN.md, "Applications",
 * rules 4–5; table `cases` of `store/migrations/002_applications.sql`):
 * the case rows and their reads, recording a department's view of a case,
 * and settling the cases that wait for a decided one. The outbox (leases,
 * claims, attempts) is `store/outbox.ts`.
 *
 * Every function takes a {@link Queryable} (the database or a transaction)
 * and the time as `now` (a `Date`), so tests can run on a fake clock. All
 * timestamps come back as `Date`. Every change a case's applicant can see
 * (status, reason, dates, result) also sets `applications.updated_at`, in
 * the same statement. Functions that read and then write
 * ({@link applyRemoteCase}, {@link settleDependents}) expect to run in a
 * transaction that first took {@link lockApplication}.
 *
 * @module
 */
import type { Case } from '../connectors/approval/models.ts';
import {
  DECIDED,
  blockedByRejection,
  prerequisiteWithdrawalReason,
  readyToSend,
  type CaseNode,
  type CaseStatus,
} from '../domain/case-lifecycle.ts';
import type { Queryable } from './database.ts';
import type { WarningLevel } from '../domain/warning-level.ts';

/** One row of `cases`: one matter of an application and its delivery state. */
export interface CaseRecord {
  /** The gateway's own case id. */
  id: string;
  applicationId: string;
  /** Topic order within the application. */
  position: number;
  matterCode: string;
  matterName: string;
  departmentCode: string;
  /** Matter codes of the same application this case waits for. */
  dependsOn: string[];
  resultCertificateType: string | null;
  /** Keys of the application's form fields this case's matter takes, in the matter's order (its CaseSubmission's `form`). */
  formFields: string[];
  status: CaseStatus;
  /** The department's reason, or the gateway's (a refused delivery, a withdrawal for a rejected prerequisite). */
  statusReason: string | null;
  /** The department's case id, once delivered. */
  remoteCaseId: string | null;
  receivedAt: Date | null;
  dueAt: Date | null;
  decidedAt: Date | null;
  requestedMaterials: string[];
  resultCertificateId: string | null;
  resultCertificateNumber: string | null;
  deliveryAttempts: number;
  /** When the outbox sends the case next; null = nothing to send (delivered, waiting, or refused). */
  nextAttemptAt: Date | null;
  /** The last delivery failure, without upstream bodies. */
  lastError: string | null;
  claimedBy: string | null;
  claimedUntil: Date | null;
  deliveredAt: Date | null;
  /** When the poller reads the case next; null = not polled (decided, or not delivered). */
  nextPollAt: Date | null;
  /** The department's `updatedAt` of the last view of the case applied; null before any. */
  remoteUpdatedAt: Date | null;
  updatedAt: Date;
  /** 效能监督: the level as the warning monitor evaluated it last (NONE before). */
  warningLevel: WarningLevel;
}

/** Outcome of {@link settleDependents}. */
export interface SettledDependents {
  /** Matter codes of the WAITING_FOR_PREREQUISITE cases now QUEUED (due at once). */
  released: string[];
  /** Waiting cases now WITHDRAWN because a prerequisite was REJECTED or WITHDRAWN. */
  withdrawn: { matterCode: string; rejectedPrerequisite: string }[];
}

/** @internal The decided statuses as an SQL list, for `status NOT IN ...`. */
export const DECIDED_SQL = `(${[...DECIDED].map((status) => `'${status}'`).join(', ')})`;

/** @internal Bumps the updated_at of the applications of the cases a CTE named `c` changed. */
export const BUMP_APPLICATIONS = `bump AS (
    UPDATE applications SET updated_at = GREATEST(applications.updated_at, c.updated_at)
    FROM c WHERE applications.id = c.application_id
    RETURNING applications.id)`;

/** A `cases` row as the database returns it. */
export interface CaseRow {
  id: string;
  application_id: string;
  position: number;
  matter_code: string;
  matter_name: string;
  department_code: string;
  depends_on: string[];
  result_certificate_type: string | null;
  form_fields: string[];
  status: string;
  status_reason: string | null;
  remote_case_id: string | null;
  received_at: Date | null;
  due_at: Date | null;
  decided_at: Date | null;
  requested_materials: string[];
  result_certificate_id: string | null;
  result_certificate_number: string | null;
  delivery_attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  claimed_by: string | null;
  claimed_until: Date | null;
  delivered_at: Date | null;
  next_poll_at: Date | null;
  remote_updated_at: Date | null;
  updated_at: Date;
  warning_level: string;
}

/** A `cases` row as the rest of the gateway sees it. */
export function toCase(row: CaseRow): CaseRecord {
  return {
    id: row.id,
    applicationId: row.application_id,
    position: row.position,
    matterCode: row.matter_code,
    matterName: row.matter_name,
    departmentCode: row.department_code,
    dependsOn: row.depends_on,
    resultCertificateType: row.result_certificate_type,
    formFields: row.form_fields ?? [],
    status: row.status as CaseStatus,
    statusReason: row.status_reason,
    remoteCaseId: row.remote_case_id,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    decidedAt: row.decided_at,
    requestedMaterials: row.requested_materials,
    resultCertificateId: row.result_certificate_id,
    resultCertificateNumber: row.result_certificate_number,
    deliveryAttempts: row.delivery_attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    deliveredAt: row.delivered_at,
    nextPollAt: row.next_poll_at,
    remoteUpdatedAt: row.remote_updated_at,
    updatedAt: row.updated_at,
    warningLevel: (row.warning_level ?? 'NONE') as WarningLevel,
  };
}

/** The case as the domain's prerequisite rules see it. */
export function toCaseNode(c: CaseRecord): CaseNode {
  return { matterCode: c.matterCode, status: c.status, dependsOn: c.dependsOn, resultCertificateId: c.resultCertificateId };
}

/** One case by the gateway's id, or null. */
export async function findCase(db: Queryable, caseId: string): Promise<CaseRecord | null> {
  const { rows } = await db.query<CaseRow>('SELECT * FROM cases WHERE id = $1', [caseId]);
  return rows[0] ? toCase(rows[0]) : null;
}

/** The case a department knows by `remoteCaseId`, or null. */
export async function findCaseByRemoteId(db: Queryable, departmentCode: string, remoteCaseId: string): Promise<CaseRecord | null> {
  const { rows } = await db.query<CaseRow>(
    'SELECT * FROM cases WHERE department_code = $1 AND remote_case_id = $2 ORDER BY id LIMIT 1',
    [departmentCode, remoteCaseId],
  );
  return rows[0] ? toCase(rows[0]) : null;
}

/** Every case of an application, in topic order. */
export async function loadApplicationCases(db: Queryable, applicationId: string): Promise<CaseRecord[]> {
  const { rows } = await db.query<CaseRow>('SELECT * FROM cases WHERE application_id = $1 ORDER BY position, id', [applicationId]);
  return rows.map(toCase);
}

/**
 * Locks the application's row until the end of the transaction `tx`, so that
 * changes to its cases and the release of their dependents are serialised.
 * @returns whether the application exists.
 */
export async function lockApplication(tx: Queryable, applicationId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT id FROM applications WHERE id = $1 FOR UPDATE', [applicationId]);
  return rows.length > 0;
}

/** @internal The remote case's fields, as SQL parameters $2..$11 (the last: its `updatedAt`); the outbox records them on delivery too. */
export function remoteFields(remote: Case): unknown[] {
  return [
    remote.status,
    remote.statusReason ?? null,
    remote.caseId,
    new Date(remote.receivedAt),
    new Date(remote.dueAt),
    remote.decidedAt ? new Date(remote.decidedAt) : null,
    remote.requestedMaterials ?? [],
    remote.result?.certificateId ?? null,
    remote.result?.certificateNumber ?? null,
    new Date(remote.updatedAt),
  ];
}

function sameInstant(a: Date | null, b: string | null | undefined): boolean {
  if (a === null || b === null || b === undefined) return a === null && (b === null || b === undefined);
  return a.getTime() === Date.parse(b);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether the department's view `remote` says nothing new about `local`. */
export function unchanged(local: CaseRecord, remote: Case): boolean {
  return (
    local.status === remote.status &&
    local.statusReason === (remote.statusReason ?? null) &&
    local.remoteCaseId === remote.caseId &&
    sameInstant(local.receivedAt, remote.receivedAt) &&
    sameInstant(local.dueAt, remote.dueAt) &&
    sameInstant(local.decidedAt, remote.decidedAt) &&
    sameList(local.requestedMaterials, remote.requestedMaterials ?? []) &&
    local.resultCertificateId === (remote.result?.certificateId ?? null) &&
    local.resultCertificateNumber === (remote.result?.certificateNumber ?? null)
  );
}

/**
 * Applies the department's view of a case (from the poller, a webhook, or
 * a supplement's answer) to its row: status, reason, dates, requested
 * materials, result certificate and the view's `updatedAt`. Only a view
 * newer than the last one applied changes anything (domain
 * `decideCaseUpdate`, which the caller asks first; the statement holds to
 * it too), and a decided case is final and never changed again. A newer
 * view that says nothing new records only its `updatedAt`. A decided
 * `remote` stops the polling (`next_poll_at` null), an undecided one keeps
 * it (or starts it at `now`). Run it in a transaction holding
 * {@link lockApplication}, with `local` read in it.
 * @returns the updated case, or null when nothing the applicant sees changed.
 */
export async function applyRemoteCase(
  db: Queryable,
  local: CaseRecord,
  remote: Case,
  options: { now: Date },
): Promise<CaseRecord | null> {
  if (DECIDED.has(local.status)) return null;
  if (unchanged(local, remote)) {
    await db.query('UPDATE cases SET remote_updated_at = $2 WHERE id = $1 AND (remote_updated_at IS NULL OR remote_updated_at < $2)', [
      local.id,
      new Date(remote.updatedAt),
    ]);
    return null;
  }
  const { rows } = await db.query<CaseRow>(
    `WITH c AS (
       UPDATE cases SET
         status = $2, status_reason = $3, remote_case_id = COALESCE(remote_case_id, $4), received_at = $5, due_at = $6,
         decided_at = $7, requested_materials = $8, result_certificate_id = $9, result_certificate_number = $10,
         remote_updated_at = $11,
         next_poll_at = CASE WHEN $12::boolean THEN NULL ELSE COALESCE(next_poll_at, $13) END,
         next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL,
         delivered_at = COALESCE(delivered_at, $13), updated_at = $13
       WHERE id = $1 AND status NOT IN ${DECIDED_SQL} AND (remote_updated_at IS NULL OR remote_updated_at < $11)
       RETURNING *),
     ${BUMP_APPLICATIONS}
     SELECT * FROM c`,
    [local.id, ...remoteFields(remote), DECIDED.has(remote.status), options.now],
  );
  return rows[0] ? toCase(rows[0]) : null;
}

/**
 * After a case of the application was decided: its WAITING_FOR_PREREQUISITE
 * cases whose prerequisites are now all APPROVED become QUEUED, due at
 * `now` (domain `readyToSend`); those that can never be sent because a
 * prerequisite was REJECTED or WITHDRAWN (domain `blockedByRejection`)
 * become WITHDRAWN, decided at `now`, with a reason naming the prerequisite.
 * Idempotent. Run it in a transaction holding {@link lockApplication}, so
 * that two prerequisites decided at once cannot both miss the release.
 */
export async function settleDependents(db: Queryable, applicationId: string, options: { now: Date }): Promise<SettledDependents> {
  const cases = await loadApplicationCases(db, applicationId);
  const nodes = cases.map(toCaseNode);
  const released = readyToSend(nodes);
  const withdrawn = blockedByRejection(nodes);
  const settled: SettledDependents = { released: [], withdrawn: [] };
  if (released.length > 0) {
    const { rows } = await db.query<{ matter_code: string }>(
      `WITH c AS (
         UPDATE cases SET status = 'QUEUED', status_reason = NULL, next_attempt_at = $3, updated_at = $3
         WHERE application_id = $1 AND matter_code = ANY($2::text[]) AND status = 'WAITING_FOR_PREREQUISITE'
         RETURNING *),
       ${BUMP_APPLICATIONS}
       SELECT matter_code FROM c`,
      [applicationId, released, options.now],
    );
    const done = new Set(rows.map((row) => row.matter_code));
    settled.released = released.filter((code) => done.has(code));
  }
  for (const block of withdrawn) {
    const prerequisite = cases.find((c) => c.matterCode === block.rejectedPrerequisite);
    const reason = prerequisiteWithdrawalReason(prerequisite?.matterName ?? block.rejectedPrerequisite, prerequisite?.status ?? 'REJECTED');
    const { rows } = await db.query(
      `WITH c AS (
         UPDATE cases SET status = 'WITHDRAWN', status_reason = $3, decided_at = $4, next_attempt_at = NULL,
           next_poll_at = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = $4
         WHERE application_id = $1 AND matter_code = $2 AND status = 'WAITING_FOR_PREREQUISITE'
         RETURNING *),
       ${BUMP_APPLICATIONS}
       SELECT id FROM c`,
      [applicationId, block.matterCode, reason, options.now],
    );
    if (rows.length > 0) settled.withdrawn.push(block);
  }
  return settled;
}
