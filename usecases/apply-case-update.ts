/**
 * A department reports the status of one of its cases — by the poller's
 * read, a webhook, the answer to a supplement, or a live read of an
 * application's statuses — and the gateway records it. One use case for
 * all four ways in, so they cannot disagree on what a report changes.
 */
import type { Case } from '../connectors/approval/models.ts';
import { isDecided } from '../domain/case-lifecycle.ts';
import { decideCaseUpdate } from '../domain/case-updates.ts';
import type { Logger } from '../lib/logger.ts';
import {
  applyRemoteCase,
  findCase,
  findCaseByRemoteId,
  lockApplication,
  settleDependents,
  type CaseRecord,
  type SettledDependents,
} from '../store/case-status.ts';
import type { Database } from '../store/database.ts';
import { recordCaseEvents } from '../store/application-events.ts';

export interface ApplyCaseUpdateDeps {
  db: Database;
  /** The time recorded as the change's; default the current time. */
  now?: () => Date;
  /** Where ignored views are logged (at debug); default nowhere. */
  logger?: Pick<Logger, 'debug'>;
  /** Told after the transaction when the case changed (the warning levels are evaluated again). */
  onChanged?: () => void;
}

/** Who reports: the department whose approval system sent the view (only its own cases can match). */
export interface ReportingDepartment {
  departmentCode: string;
}

/** What {@link applyCaseUpdate} did. */
export interface CaseUpdateResult {
  /**
   * `unknown`: no case of this department has that id (ignored);
   * `ignored`: the view is not newer than the one applied last, or the case
   * is decided (final) — see {@link ignoredBecause};
   * `unchanged`: a newer view that says nothing new;
   * `updated`: the case changed.
   */
  outcome: 'unknown' | 'ignored' | 'unchanged' | 'updated';
  /** Why an `ignored` view was: `stale` (replayed or late) or `decided`. */
  ignoredBecause?: 'stale' | 'decided';
  /** The case after the update (as it was, when unchanged); null when unknown. */
  case: CaseRecord | null;
  /** The application's waiting cases released or withdrawn because this case was decided. */
  settled: SettledDependents;
}

const NOTHING_SETTLED: SettledDependents = { released: [], withdrawn: [] };

/**
 * Applies a department's view of one of its cases (from a poll, a
 * webhook, or the answer to a supplement): in one transaction holding the
 * application's lock, the case's status, reason, dates, requested materials
 * and result certificate; then, when the case is now decided, the release
 * (or withdrawal) of the application's cases waiting for it. Only a view
 * newer (by the department's `updatedAt`) than the last one applied is
 * applied, and a decided case is final (domain `decideCaseUpdate`); every
 * view ignored is logged at debug with the case id.
 *
 */
export async function applyCaseUpdate(
  deps: ApplyCaseUpdateDeps,
  reporter: ReportingDepartment,
  request: { remoteCase: Case },
): Promise<CaseUpdateResult> {
  const { db } = deps;
  const { departmentCode } = reporter;
  const { remoteCase } = request;
  const found = await findCaseByRemoteId(db, departmentCode, remoteCase.caseId);
  if (!found) return { outcome: 'unknown', case: null, settled: NOTHING_SETTLED };
  const now = deps.now?.() ?? new Date();
  const result = await db.transaction(async (tx): Promise<CaseUpdateResult> => {
    await lockApplication(tx, found.applicationId);
    const local = (await findCase(tx, found.id)) ?? found;
    const decision = decideCaseUpdate(local, new Date(remoteCase.updatedAt));
    if (decision !== 'apply') {
      deps.logger?.debug(
        {
          caseId: local.id,
          department: departmentCode,
          remoteCaseId: remoteCase.caseId,
          status: remoteCase.status,
          remoteUpdatedAt: remoteCase.updatedAt,
          appliedUpdatedAt: local.remoteUpdatedAt?.toISOString() ?? null,
          reason: decision,
        },
        'case update ignored',
      );
      return { outcome: 'ignored', ignoredBecause: decision, case: local, settled: NOTHING_SETTLED };
    }
    const updated = await applyRemoteCase(tx, local, remoteCase, { now });
    if (updated) await recordCaseEvents(tx, local, updated, now); // the citizen's push messages, committed with the change
    if (!updated) return { outcome: 'unchanged', case: local, settled: NOTHING_SETTLED };
    const settled = isDecided(updated.status) ? await settleDependents(tx, updated.applicationId, { now }) : NOTHING_SETTLED;
    return { outcome: 'updated', case: updated, settled };
  });
  if (result.outcome === 'updated') deps.onChanged?.();
  return result;
}
