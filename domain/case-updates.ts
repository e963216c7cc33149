/**
 * Which department updates of a case the gateway applies (issue 10, item 3).
 *
 * Webhooks can be replayed or arrive out of order, and a poll can answer
 * with a view older than a webhook already applied. The department's
 * `updatedAt` orders its views of one case: an update is applied only when
 * it is strictly newer than the last one applied, so a case never moves
 * backwards (IN_REVIEW → ACCEPTED, or an answered SUPPLEMENT_REQUIRED coming
 * back). A decided case is final, whatever the timestamp says.
 *
 * Pure functions: no GraphQL, no HTTP, no database.
 */
import { DECIDED, type CaseStatus } from './application-status.ts';

/** What the gateway knows of a case when a department's view of it arrives. */
export interface StoredCaseVersion {
  status: CaseStatus;
  /** The department's `updatedAt` of the last view applied; null before any (or for cases stored before it was kept). */
  remoteUpdatedAt: Date | null;
}

/**
 * - `apply`: the view is newer than the stored one and the case is not decided;
 * - `stale`: the view is as old as, or older than, the one already applied (a replay or a late arrival);
 * - `decided`: the case is APPROVED, REJECTED or WITHDRAWN and never reopens.
 */
export type CaseUpdateDecision = 'apply' | 'stale' | 'decided';

/** Whether a department's view of a case, last changed at `remoteUpdatedAt`, is applied to `stored`. */
export function decideCaseUpdate(stored: StoredCaseVersion, remoteUpdatedAt: Date): CaseUpdateDecision {
  if (DECIDED.has(stored.status)) return 'decided';
  if (stored.remoteUpdatedAt !== null && remoteUpdatedAt.getTime() <= stored.remoteUpdatedAt.getTime()) return 'stale';
  return 'apply';
}
