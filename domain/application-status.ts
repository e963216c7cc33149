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
  const decided = c.decidedAt === null ? NaN : Date.parse(c.decidedAt);
  const at = now.getTime();
  return isOverdueGiven({
    status: c.status,
    hasDue: !Number.isNaN(due),
    // Comparisons with NaN are false: no evidence, no lateness.
    decidedLate: decided > due,
    pastDue: at > due,
  });
}

/**
 * A case's time limit as comparisons, already made: what {@link isOverdue}
 * decides on. The store makes them in SQL when it counts many cases at once
 * (the assessment metrics); each is false when an instant it compares is
 * missing.
 */
export interface CaseTiming {
  status: CaseStatus;
  /** It has a `dueAt`. */
  hasDue: boolean;
  /** Its `decidedAt` is after its `dueAt`. */
  decidedLate: boolean;
  /** The moment of judging ("now") is after its `dueAt`. */
  pastDue: boolean;
}

/** {@link isOverdue} on comparisons already made: a decided case by when it was decided, any other by now. */
export function isOverdueGiven(t: CaseTiming): boolean {
  if (!t.hasDue) return false;
  return DECIDED.has(t.status) ? t.decidedLate : t.pastDue;
}
