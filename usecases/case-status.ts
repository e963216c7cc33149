/**
 * Every department's case status in one query: the cases of an application
 * are read from the departments' systems (one `GET /api/v1/cases?ids=` per
 * department for the whole request), the answers that say something new are
 * recorded like a poll's would be, and the fresh cases are returned. A department that cannot be
 * reached leaves its cases as last recorded: the application still answers.
 */
import { applyCaseUpdate } from '../delivery/poller.ts';
import type { GatewayContext } from '../server/context.ts';
import { casesOfApplications, type CaseRecord } from '../store/applications.ts';
import { unchanged } from '../store/cases.ts';

export async function refreshCaseStatuses(ctx: GatewayContext, applicationId: string): Promise<CaseRecord[]> {
  const { db, delivery } = ctx.services;
  const stored = (await casesOfApplications(db, [applicationId])).get(applicationId) ?? [];
  const delivered = stored.filter((c) => c.remoteCaseId !== null && !['APPROVED', 'REJECTED', 'WITHDRAWN'].includes(c.status));
  if (delivered.length === 0) return stored;

  const remote = await ctx.loaders.approval.caseStatus.loadMany(
    delivered.map((c) => ({ departmentCode: c.departmentCode, remoteCaseId: c.remoteCaseId! })),
  );
  let changed = false;
  let released = false;
  for (const [index, answer] of remote.entries()) {
    if (answer instanceof Error) {
      ctx.logger.warn({ err: answer, caseId: delivered[index]!.id }, 'live case status unavailable; showing the recorded one');
      continue;
    }
    // Most reads find nothing new: no transaction (and no database round trip) for those.
    if (!answer || unchanged(delivered[index]!, answer)) continue;
    const result = await applyCaseUpdate(db, delivered[index]!.departmentCode, answer);
    changed ||= result.outcome === 'updated';
    released ||= result.settled.released.length > 0;
  }
  if (released) delivery.wake();
  if (!changed) return stored;
  const fresh = (await casesOfApplications(db, [applicationId])).get(applicationId) ?? [];
  ctx.loaders.store.casesOf.clear(applicationId).prime(applicationId, fresh);
  return fresh;
}
