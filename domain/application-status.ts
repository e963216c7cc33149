/**
 * Status rules of applications and their cases (DESIGN.md, "Applications",
 * rules 3–5): the application's status from its cases, overdue cases, and
 * the prerequisite logic of 并联审批 / 审批结果互通 (a case whose matter
 * depends on others waits until they are APPROVED, then goes with their
 * result certificates).
 *
 * Pure functions: no GraphQL, no HTTP, no database.
 */

/**
 * A case's status: the approval contract's statuses, plus the gateway's own
 * WAITING_FOR_PREREQUISITE (waiting for prerequisite matters to be approved)
 * and QUEUED (in the outbox, not yet accepted by the department's system).
 */
export type CaseStatus =
  | 'WAITING_FOR_PREREQUISITE'
  | 'QUEUED'
  | 'RECEIVED'
  | 'ACCEPTED'
  | 'IN_REVIEW'
  | 'SUPPLEMENT_REQUIRED'
  | 'APPROVED'
  | 'REJECTED'
  | 'WITHDRAWN';

export type ApplicationStatus =
  | 'SUBMITTED'
  | 'IN_PROGRESS'
  | 'NEEDS_SUPPLEMENT'
  | 'COMPLETED'
  | 'PARTIALLY_REJECTED'
  | 'REJECTED'
  | 'WITHDRAWN';

/** Final statuses: the case is decided. */
export const DECIDED: ReadonlySet<CaseStatus> = new Set<CaseStatus>(['APPROVED', 'REJECTED', 'WITHDRAWN']);

/** Whether the case has reached the department (it is neither waiting nor queued). */
export function isDelivered(status: CaseStatus): boolean {
  return status !== 'WAITING_FOR_PREREQUISITE' && status !== 'QUEUED';
}

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
  if (c.dueAt === null) return false;
  const due = Date.parse(c.dueAt);
  if (Number.isNaN(due)) return false;
  if (DECIDED.has(c.status)) {
    if (c.decidedAt === null) return false;
    const decided = Date.parse(c.decidedAt);
    return !Number.isNaN(decided) && decided > due;
  }
  const at = now.getTime();
  return !Number.isNaN(at) && at > due;
}

/** One case of an application, as the prerequisite rules see it. */
export interface CaseNode {
  matterCode: string;
  status: CaseStatus;
  /** Matter codes of the same application this case waits for (the plan's `dependsOn`). */
  dependsOn: readonly string[];
  /** The result e-certificate of an APPROVED case, when the department issued one. */
  resultCertificateId: string | null;
}

/** The application's cases by matter code (the first case of a code, should one repeat). */
function byMatter(cases: readonly CaseNode[]): Map<string, CaseNode> {
  const map = new Map<string, CaseNode>();
  for (const c of cases) if (!map.has(c.matterCode)) map.set(c.matterCode, c);
  return map;
}

/**
 * Matter codes (in case order) of the WAITING_FOR_PREREQUISITE cases whose
 * prerequisites are all APPROVED. A prerequisite with no case in the
 * application is not awaited (the plan already drops prerequisites that do
 * not apply); a waiting case with no prerequisite left is ready.
 */
export function readyToSend(cases: readonly CaseNode[]): string[] {
  const map = byMatter(cases);
  return cases
    .filter(
      (c) =>
        c.status === 'WAITING_FOR_PREREQUISITE' &&
        c.dependsOn.every((dep) => dep === c.matterCode || map.get(dep) === undefined || map.get(dep)!.status === 'APPROVED'),
    )
    .map((c) => c.matterCode);
}

/**
 * The WAITING_FOR_PREREQUISITE cases (in case order) that can never be
 * sent, because a prerequisite was REJECTED or WITHDRAWN — directly, or
 * transitively through prerequisites that are themselves waiting and
 * blocked. `rejectedPrerequisite` is the REJECTED or WITHDRAWN matter found
 * first (prerequisites in `dependsOn` order, depth first); for a transitive
 * block it is that root matter, not the waiting one in between. Dependency
 * cycles are ignored.
 */
export function blockedByRejection(cases: readonly CaseNode[]): { matterCode: string; rejectedPrerequisite: string }[] {
  const map = byMatter(cases);
  const memo = new Map<string, string | null>();

  /** The rejected/withdrawn matter blocking the waiting case `c`, or null. */
  const blocker = (c: CaseNode, path: Set<string>): string | null => {
    const known = memo.get(c.matterCode);
    if (known !== undefined) return known;
    path.add(c.matterCode);
    let found: string | null = null;
    for (const dep of c.dependsOn) {
      const p = map.get(dep);
      if (!p || path.has(dep)) continue;
      if (p.status === 'REJECTED' || p.status === 'WITHDRAWN') {
        found = dep;
        break;
      }
      if (p.status === 'WAITING_FOR_PREREQUISITE') {
        const root = blocker(p, path);
        if (root !== null) {
          found = root;
          break;
        }
      }
    }
    path.delete(c.matterCode);
    // Only memoise results not cut short by a cycle on the current path.
    if (found !== null || path.size === 0) memo.set(c.matterCode, found);
    return found;
  };

  const blocked: { matterCode: string; rejectedPrerequisite: string }[] = [];
  for (const c of cases) {
    if (c.status !== 'WAITING_FOR_PREREQUISITE') continue;
    const root = blocker(c, new Set());
    if (root !== null) blocked.push({ matterCode: c.matterCode, rejectedPrerequisite: root });
  }
  return blocked;
}

/**
 * The result certificates the case of `matterCode` is sent with (the
 * approval contract's `CaseSubmission.prerequisiteResults`): its APPROVED
 * prerequisites that have a result certificate, in `dependsOn` order. An
 * unknown matter code → [].
 */
export function prerequisiteResults(
  cases: readonly CaseNode[],
  matterCode: string,
): { matterCode: string; certificateId: string }[] {
  const map = byMatter(cases);
  const c = map.get(matterCode);
  if (!c) return [];
  const results: { matterCode: string; certificateId: string }[] = [];
  for (const dep of new Set(c.dependsOn)) {
    const p = map.get(dep);
    if (dep === matterCode || !p || p.status !== 'APPROVED' || p.resultCertificateId === null) continue;
    results.push({ matterCode: dep, certificateId: p.resultCertificateId });
  }
  return results;
}

/**
 * The status a new case starts in: WAITING_FOR_PREREQUISITE when its matter
 * depends on others of the application (pass the plan's `dependsOn`, already
 * restricted to the applied matters), else QUEUED for delivery.
 */
export function initialCaseStatus(dependsOn: readonly string[]): CaseStatus {
  return dependsOn.length > 0 ? 'WAITING_FOR_PREREQUISITE' : 'QUEUED';
}
