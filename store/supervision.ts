/**
 * 效能监督 and 差评整改 in the database (`008_supervision.sql`): the warning
 * level stored with each case, the follow-ups of 差评, and the outbox of
 * alerts to the operator's webhook.
 *
 * Alerts are claimed like the cases of the delivery outbox: a lease
 * (`claimed_by` / `claimed_until`) on rows taken with `FOR UPDATE SKIP
 * LOCKED`, so several instances never send one alert at once, and a worker
 * that dies lets its lease expire. The unique (subject, level) key makes
 * "one alert per case and level" hold whoever notices the change first.
 *
 * @module
 */
import type { CaseStatus } from '../domain/application-status.ts';
import type { FollowUp, FollowUpStatus } from '../domain/follow-up.ts';
import type { WarningLevel } from '../domain/warning-level.ts';
import { periodCasesSql, spanParameters } from './metrics.ts';
import { backoffDelayMs, type ClaimOptions, type FailureOptions } from './outbox.ts';
import type { Queryable } from './database.ts';

type Row = Record<string, any>;
const DECIDED_SQL = `('APPROVED', 'REJECTED', 'WITHDRAWN')`;
const MAX_ERROR_LENGTH = 1000;

/** A case whose warning level may still change: what the level and its alert need. */
export interface WarningCandidate {
  caseId: string;
  applicationId: string;
  topicCode: string;
  matterCode: string;
  departmentCode: string;
  status: CaseStatus;
  receivedAt: Date | null;
  dueAt: Date | null;
  decidedAt: Date | null;
  warningLevel: WarningLevel;
}

/**
 * Cases whose level is not final yet: delivered (a `dueAt`) and either
 * undecided or decided but not evaluated at their decision, by id, after
 * `afterId` (for paging through them), at most `limit`.
 */
export async function warningCandidates(db: Queryable, options: { afterId: string; limit: number }): Promise<WarningCandidate[]> {
  const { rows } = await db.query<Row>(
    `SELECT c.id, c.application_id, a.topic_code, c.matter_code, c.department_code, c.status, c.received_at, c.due_at,
            c.decided_at, c.warning_level
       FROM cases c JOIN applications a ON a.id = c.application_id
      WHERE c.warning_final = false AND c.due_at IS NOT NULL AND c.id > $1
      ORDER BY c.id LIMIT $2`,
    [options.afterId, options.limit],
  );
  return rows.map((r) => ({
    caseId: r.id,
    applicationId: r.application_id,
    topicCode: r.topic_code,
    matterCode: r.matter_code,
    departmentCode: r.department_code,
    status: r.status as CaseStatus,
    receivedAt: r.received_at,
    dueAt: r.due_at,
    decidedAt: r.decided_at,
    warningLevel: r.warning_level as WarningLevel,
  }));
}

/**
 * Stores a case's level; `final` when the case is decided (it keeps this
 * level). Only a case whose status is still `status` is changed, so a
 * decision that arrived meanwhile is evaluated again on the next pass.
 * @returns whether anything changed.
 */
export async function recordWarningLevel(
  db: Queryable,
  caseId: string,
  options: { level: WarningLevel; final: boolean; status: CaseStatus },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE cases SET warning_level = $2, warning_final = $3
      WHERE id = $1 AND status = $4 AND (warning_level <> $2 OR warning_final <> $3)`,
    [caseId, options.level, options.final, options.status],
  );
  return rowCount > 0;
}

/** The count of cases of one department, topic and level. */
export interface WarningCount {
  departmentCode: string;
  topicCode: string;
  level: WarningLevel;
  count: number;
}

const PERIOD_WARNING_COUNTS_SQL = periodCasesSql('department_code, topic_code, warning_level', { pastDue: false });

/**
 * Cases by department, topic and stored level, of the region's applications
 * submitted in [from, to) (`region` null = every region); only delivered
 * cases (with a `dueAt`) have a level to count. Read from the metrics'
 * counters (store/metrics.ts).
 */
export async function periodWarningCounts(db: Queryable, period: { region: string | null; from: Date; to: Date }): Promise<WarningCount[]> {
  const { rows } = await db.query<Row>(
    PERIOD_WARNING_COUNTS_SQL,
    spanParameters(period.region, [{ month: '', from: period.from, to: period.to }]),
  );
  return rows
    .filter((r) => r.with_due > 0)
    .map((r) => ({ departmentCode: r.department_code, topicCode: r.topic_code, level: r.warning_level, count: r.with_due }));
}

/** Undecided cases at YELLOW or RED now, by department, topic and level (for the gauges). */
export async function currentWarningCounts(db: Queryable): Promise<WarningCount[]> {
  const { rows } = await db.query<Row>(
    `SELECT c.department_code, a.topic_code, c.warning_level, count(*)::int AS count
       FROM cases c JOIN applications a ON a.id = c.application_id
      WHERE c.status NOT IN ${DECIDED_SQL} AND c.warning_level IN ('YELLOW', 'RED')
      GROUP BY c.department_code, a.topic_code, c.warning_level`,
  );
  return rows.map((r) => ({ departmentCode: r.department_code, topicCode: r.topic_code, level: r.warning_level, count: r.count }));
}

// ---------------------------------------------------------------- alerts

/** One alert of the outbox. */
export interface AlertRecord {
  /** Also the `Idempotency-Key` the receiver sees. */
  id: string;
  subject: string;
  level: string;
  /** The JSON body sent. */
  payload: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
}

const toAlert = (r: Row): AlertRecord => ({
  id: r.id,
  subject: r.subject,
  level: r.level,
  payload: r.payload,
  createdAt: r.created_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  sentAt: r.sent_at,
});

/**
 * Puts an alert in the outbox, due at `now`, unless one of the same subject
 * and level is there already (sent or not).
 * @returns whether it was added.
 */
export async function enqueueAlert(
  db: Queryable,
  alert: { id: string; subject: string; level: string; payload: Record<string, unknown>; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO alerts (id, subject, level, payload, created_at, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (subject, level) DO NOTHING`,
    [alert.id, alert.subject, alert.level, JSON.stringify(alert.payload), alert.now],
  );
  return rowCount > 0;
}

/** Every alert, oldest first (for tests and operators). */
export async function listAlerts(db: Queryable): Promise<AlertRecord[]> {
  const { rows } = await db.query<Row>('SELECT * FROM alerts ORDER BY created_at, id');
  return rows.map(toAlert);
}

/** Claims up to `limit` due alerts for `workerId`, leased until `now + leaseMs`. @returns them, oldest first. */
export async function claimDueAlerts(db: Queryable, workerId: string, options: ClaimOptions): Promise<AlertRecord[]> {
  const { rows } = await db.query<Row>(
    `WITH due AS (
       SELECT id FROM alerts
        WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
        ORDER BY next_attempt_at, id LIMIT $4
        FOR UPDATE SKIP LOCKED)
     UPDATE alerts SET claimed_by = $1, claimed_until = $2 FROM due WHERE alerts.id = due.id
     RETURNING alerts.*`,
    [workerId, new Date(options.now.getTime() + options.leaseMs), options.now, options.limit],
  );
  return rows.map(toAlert).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

/** Records that the receiver took the alert. @returns false when `workerId` no longer holds it. */
export async function recordAlertSent(db: Queryable, alertId: string, options: { workerId: string; now: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE alerts SET attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL, claimed_by = NULL,
       claimed_until = NULL, sent_at = $3
     WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL`,
    [alertId, options.workerId, options.now],
  );
  return rowCount > 0;
}

/** Records a failed attempt: the next one after a backoff with full jitter. @returns when, or null when no longer held. */
export async function recordAlertFailure(db: Queryable, alertId: string, options: FailureOptions): Promise<Date | null> {
  const { rows } = await db.query<Row>('SELECT attempts FROM alerts WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL', [
    alertId,
    options.workerId,
  ]);
  if (!rows[0]) return null;
  const next = new Date(options.now.getTime() + backoffDelayMs(rows[0].attempts + 1, options.backoff, options.jitter ?? Math.random()));
  const { rowCount } = await db.query(
    `UPDATE alerts SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, claimed_by = NULL, claimed_until = NULL
     WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL`,
    [alertId, options.workerId, next, options.error.slice(0, MAX_ERROR_LENGTH)],
  );
  return rowCount > 0 ? next : null;
}

/** Alerts not sent yet (for the gauges and readiness). */
export async function pendingAlertCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM alerts WHERE sent_at IS NULL');
  return rows[0]?.count ?? 0;
}

// ---------------------------------------------------------------- follow-ups

/** A stored follow-up: the domain's, with the rating it follows up. */
export interface FollowUpRecord extends FollowUp {
  applicationId: string;
  topicCode: string;
  /** The rating's grade (1 or 2) and the citizen's reason. */
  grade: number;
  comment: string | null;
}

/** Follow-ups with the rating they follow up. */
const FOLLOW_UPS = `SELECT f.*, e.grade, e.comment FROM follow_ups f JOIN evaluations e ON e.application_id = f.application_id`;

const toFollowUp = (r: Row): FollowUpRecord => ({
  applicationId: r.application_id,
  topicCode: r.topic_code,
  grade: r.grade,
  comment: r.comment,
  leadDepartment: r.lead_department,
  status: r.status as FollowUpStatus,
  openedAt: r.opened_at,
  contactDueAt: r.contact_due_at,
  closeDueAt: r.close_due_at,
  contactedAt: r.contacted_at,
  contactNote: r.contact_note,
  closedAt: r.closed_at,
  closingNote: r.closing_note,
});

/** Stores a new follow-up unless the application has one. @returns the one stored. */
export async function insertFollowUp(db: Queryable, followUp: Omit<FollowUpRecord, 'grade' | 'comment'>): Promise<FollowUpRecord> {
  await db.query(
    `INSERT INTO follow_ups (application_id, topic_code, lead_department, status, opened_at, contact_due_at, close_due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (application_id) DO NOTHING`,
    [followUp.applicationId, followUp.topicCode, followUp.leadDepartment, followUp.status, followUp.openedAt, followUp.contactDueAt, followUp.closeDueAt],
  );
  const stored = await findFollowUp(db, followUp.applicationId);
  if (!stored) throw new Error(`the follow-up of ${followUp.applicationId} is missing after it was written`);
  return stored;
}

export async function findFollowUp(db: Queryable, applicationId: string): Promise<FollowUpRecord | null> {
  const { rows } = await db.query<Row>(`${FOLLOW_UPS} WHERE f.application_id = $1`, [applicationId]);
  return rows[0] ? toFollowUp(rows[0]) : null;
}

/** The follow-ups of the given applications, by application id. */
export async function followUpsOfApplications(db: Queryable, applicationIds: readonly string[]): Promise<Map<string, FollowUpRecord>> {
  const found = new Map<string, FollowUpRecord>();
  if (applicationIds.length === 0) return found;
  const { rows } = await db.query<Row>(`${FOLLOW_UPS} WHERE f.application_id = ANY($1)`, [[...applicationIds]]);
  for (const row of rows) found.set(row.application_id, toFollowUp(row));
  return found;
}

/** Follow-ups of one lead department (null = every one), optionally of one status, oldest first, at most `limit`. */
export async function listFollowUps(
  db: Queryable,
  filter: { leadDepartment: string | null; status: FollowUpStatus | null; limit: number },
): Promise<FollowUpRecord[]> {
  const { rows } = await db.query<Row>(
    `${FOLLOW_UPS}
      WHERE ($1::text IS NULL OR f.lead_department = $1::text) AND ($2::text IS NULL OR f.status = $2::text)
      ORDER BY f.opened_at, f.application_id LIMIT $3`,
    [filter.leadDepartment, filter.status, filter.limit],
  );
  return rows.map(toFollowUp);
}

/** Follow-ups not closed yet, oldest first. */
export async function openFollowUps(db: Queryable): Promise<FollowUpRecord[]> {
  const { rows } = await db.query<Row>(
    `${FOLLOW_UPS} WHERE f.status IN ('OPEN', 'CONTACTED') ORDER BY f.opened_at, f.application_id`,
  );
  return rows.map(toFollowUp);
}

/**
 * Stores the follow-up after a step, provided it is still in status `from`
 * (a concurrent step wins once). @returns whether it was stored.
 */
export async function recordFollowUpStep(db: Queryable, next: FollowUpRecord, from: FollowUpStatus): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE follow_ups SET status = $3, contacted_at = $4, contact_note = $5, closed_at = $6, closing_note = $7
      WHERE application_id = $1 AND status = $2`,
    [next.applicationId, from, next.status, next.contactedAt, next.contactNote, next.closedAt, next.closingNote],
  );
  return rowCount > 0;
}

/** The follow-ups opened in [from, to) of the region's applications (`region` null = every region). */
export async function periodFollowUps(db: Queryable, period: { region: string | null; from: Date; to: Date }): Promise<FollowUpRecord[]> {
  const { rows } = await db.query<Row>(
    `${FOLLOW_UPS} JOIN applications a ON a.id = f.application_id
      WHERE ($1::text IS NULL OR a.region = $1::text) AND f.opened_at >= $2 AND f.opened_at < $3
      ORDER BY f.opened_at, f.application_id`,
    [period.region, period.from, period.to],
  );
  return rows.map(toFollowUp);
}
