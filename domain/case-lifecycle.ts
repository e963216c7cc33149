/**
 * The life of one case (DESIGN.md, "Applications", rules 3 and 5): the
 * statuses it can be in, which of them are final, how a new case starts,
 * the prerequisite transitions (WAITING_FOR_PREREQUISITE → QUEUED once every
 * prerequisite is APPROVED, → WITHDRAWN once one is REJECTED or WITHDRAWN),
 * and the texts the applicant reads about those transitions. The one home of
 * these rules: the store, the delivery worker and the use cases ask here.
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

/** Every case status, in the order a case normally goes through them. */
export const CASE_STATUSES: readonly CaseStatus[] = [
  'WAITING_FOR_PREREQUISITE',
  'QUEUED',
  'RECEIVED',
  'ACCEPTED',
  'IN_REVIEW',
  'SUPPLEMENT_REQUIRED',
  'APPROVED',
  'REJECTED',
  'WITHDRAWN',
];

/** Final statuses: the case is decided, and nothing a department or the applicant sends changes it again. */
export const DECIDED: ReadonlySet<CaseStatus> = new Set<CaseStatus>(['APPROVED', 'REJECTED', 'WITHDRAWN']);

export function isDecided(status: CaseStatus): boolean {
  return DECIDED.has(status);
}

/** Whether the case has reached the department (it is neither waiting nor queued). */
export function isDelivered(status: CaseStatus): boolean {
  return status !== 'WAITING_FOR_PREREQUISITE' && status !== 'QUEUED';
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

/** Why a waiting case was withdrawn, as the applicant reads it: its prerequisite `prerequisiteName` was REJECTED or WITHDRAWN. */
export function prerequisiteWithdrawalReason(prerequisiteName: string, prerequisiteStatus: CaseStatus): string {
  const what = prerequisiteStatus === 'WITHDRAWN' ? '已撤回' : '未获批准';
  return `前置事项“${prerequisiteName}”${what}，本事项无法继续办理，已自动撤回`;
}

/** Why a case the gateway cannot turn into a department payload was refused, as the applicant reads it. */
export const INCOMPLETE_PAYLOAD_REASON = '网关保存的申报数据不完整，未能推送至部门审批系统，请联系窗口工作人员';

/**
 * A department's refusal as the applicant reads it: the department's own
 * code and message when it sent them, else what its HTTP status means.
 */
export function departmentRefusalReason(refusal: { code?: string | null; message?: string | null; httpStatus?: number | null }): string {
  const { code, message } = refusal;
  if (code && message) return `${code}: ${message}`;
  if (code || message) return (code ?? message)!;
  if (refusal.httpStatus === 401 || refusal.httpStatus === 403) {
    return `部门审批系统拒绝了网关的访问凭据（HTTP ${refusal.httpStatus}），请联系管理员`;
  }
  return `部门审批系统拒绝受理（HTTP ${refusal.httpStatus ?? '?'}）`;
}
