/**
 * Status rules of applications and their cases (DESIGN.md, "Applications",
 * rules 3–5): the application's status from its cases, overdue cases, and
 * the prerequisite logic of 并联审批 / 审批结果互通 (a case whose matter
 * depends on others waits until they are APPROVED, then goes with their
 * result certificates).
 *
 * The case statuses themselves, the decided set and the prerequisite
 * transitions live in case-lifecycle.ts (re-exported here for callers).
 *
 * Pure functions: no GraphQL, no HTTP, no database.
 */
import { DECIDED, isDelivered, type CaseStatus } from './case-lifecycle.ts';

export {
  CASE_STATUSES,
  DECIDED,
  blockedByRejection,
  initialCaseStatus,
  isDecided,
  isDelivered,
  prerequisiteResults,
  readyToSend,
  type CaseNode,
  type CaseStatus,
} from './case-lifecycle.ts';

export type ApplicationStatus =
  | 'SUBMITTED'
  | 'IN_PROGRESS'
  | 'NEEDS_SUPPLEMENT'
  | 'COMPLETED'
  | 'PARTIALLY_REJECTED'
  | 'REJECTED'
  | 'WITHDRAWN';

/**
 * The application's status from its cases (rule 4), the first rule that
 * holds winning, in this order:
 *
 * 1. any case SUPPLEMENT_REQUIRED → NEEDS_SUPPLEMENT;
 * 2. all APPROVED → COMPLETED;
 * 3. all REJECTED → REJECTED;
 * 4. some REJECTED and every other case decided (APPROVED or WITHDRAWN) →
 *    PARTIALLY_REJECTED;
 * 5. all WITHDRAWN → WITHDRAWN;
 * 6. none yet delivered (all WAITING_FOR_PREREQUISITE or QUEUED) → SUBMITTED;
 * 7. otherwise IN_PROGRESS (this includes every case decided as a mix of
 *    APPROVED and WITHDRAWN only, which no earlier rule names).
 *
 * No case at all → SUBMITTED: nothing has been delivered (the "all …" rules
 * are not taken to hold vacuously).
 */
export function applicationStatus(cases: readonly { status: CaseStatus }[]): ApplicationStatus {
  if (cases.length === 0) return 'SUBMITTED';
  const statuses = cases.map((c) => c.status);
  const all = (s: CaseStatus): boolean => statuses.every((x) => x === s);
  if (statuses.includes('SUPPLEMENT_REQUIRED')) return 'NEEDS_SUPPLEMENT';
  if (all('APPROVED')) return 'COMPLETED';
  if (all('REJECTED')) return 'REJECTED';
  if (statuses.includes('REJECTED') && statuses.every((s) => DECIDED.has(s))) return 'PARTIALLY_REJECTED';
  if (all('WITHDRAWN')) return 'WITHDRAWN';
  if (!statuses.some(isDelivered)) return 'SUBMITTED';
  return 'IN_PROGRESS';
}

/**
 * Whether a case is overdue (rule 5): not decided and `now` is after
 * `dueAt`, or decided (`decidedAt`) after `dueAt`. Instants are compared, so
 * offsets may differ. Exactly at `dueAt` is still on time (consistent with
 * `onTimeRate`: "decided by dueAt").
 *
 * No `dueAt` (not delivered yet: the department sets it) → false. A decided
 * case without `decidedAt`, or a timestamp that does not parse → false
 * (overdue is never claimed without evidence). A WITHDRAWN case counts as
 * decided, at its `decidedAt`.
 */
export function isOverdue(
  c: { status: CaseStatus; dueAt: string | null; decidedAt: string | null },
  now: Date,
): boolean {
  const due = c.dueAt === null ? NaN : Date.parse(c.dueAt);
  if (Number.isNaN(due)) return false;
  const decided = c.decidedAt === null ? NaN : Date.parse(c.decidedAt);
  // Comparisons with NaN are false: no evidence, no lateness.
  return overdueAmong({ status: c.status, withDue: 1, decidedLate: decided > due ? 1 : 0, pastDue: now.getTime() > due ? 1 : 0 }) === 1;
}

/**
 * Cases of one status counted by how their time limits stand — what
 * {@link isOverdue} decides on, for many cases at once: the store counts them
 * in SQL for the assessment metrics. Every count is among the cases that have
 * a `dueAt` (a comparison with a missing instant never counts).
 */
export interface CaseTimingCounts {
  status: CaseStatus;
  /** Cases with a `dueAt`. */
  withDue: number;
  /** Of those, decided (`decidedAt`) after their `dueAt`. */
  decidedLate: number;
  /** Of those, whose `dueAt` the moment of judging ("now") is after. */
  pastDue: number;
}

/** How many of the counted cases are overdue ({@link isOverdue}): decided ones by when they were decided, the others by now. */
export function overdueAmong(counts: CaseTimingCounts): number {
  return DECIDED.has(counts.status) ? counts.decidedLate : counts.pastDue;
}
