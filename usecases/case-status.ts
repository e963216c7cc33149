/**
 * Every department's case status in one query: the cases of an application
 * are read from the departments' systems (one `GET /api/v1/cases?ids=` per
 * department for the whole request), the answers that say something new are
 * recorded like a poll's would be, and the fresh cases are returned. A department that cannot be
 * reached leaves its cases as last recorded: the application still answers.
 */
import type { Case } from '../connectors/approval/models.ts';
import type { RemoteCaseRef } from '../connectors/approval/loaders.ts';
import type { Actor } from '../domain/actor.ts';
import { isDecided } from '../domain/case-lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { ApplicationRecord, CaseRecord } from '../store/applications.ts';
import type { Database } from '../store/database.ts';
import { applyCaseUpdate } from './apply-case-update.ts';
import { unchanged } from '../store/case-status.ts';

/** Reads of the stored records (store/applications.ts), batched with other requests' reads. */
export interface StoredRecords {
  application(id: string): Promise<ApplicationRecord | null>;
  /** The application's cases as stored now: never an answer kept from before, since a refresh reads them again after recording. */
  cases(applicationId: string): Promise<CaseRecord[]>;
}

export interface CaseStatusDeps {
  /** Where fresh statuses are recorded. */
  db: Database;
  records: StoredRecords;
  /** The departments' current view of cases, batched per department; an Error (or null) for a case that could not be read. */
  remoteCases: { loadMany(refs: readonly RemoteCaseRef[]): Promise<Array<Case | null | Error>> };
  /** Told when fresh statuses were recorded, so this request's later reads of the cases see them. */
  onCasesChanged?(applicationId: string, cases: CaseRecord[]): void;
  /** Told when a recorded status released waiting cases, so delivery starts at once rather than on its next tick. */
  wakeDelivery(): void;
  logger: Pick<Logger, 'warn' | 'debug'>;
}

export interface ApplicationWithCases {
  application: ApplicationRecord;
  cases: CaseRecord[];
}

/**
 * The actor's own application with the statuses its departments report now;
 * null when there is no such application or it is someone else's (the two
 * are indistinguishable).
 */
export async function ownApplicationWithLiveStatus(
  deps: CaseStatusDeps,
  actor: Actor,
  request: { applicationId: string },
): Promise<ApplicationWithCases | null> {
  const application = await deps.records.application(request.applicationId);
  if (!application || actor.kind !== 'user' || application.applicant !== actor.subject) return null;
  return { application, cases: await refreshCaseStatuses(deps, application.id) };
}

/** The application's cases, with what their departments report now recorded first. */
export async function refreshCaseStatuses(deps: CaseStatusDeps, applicationId: string): Promise<CaseRecord[]> {
  const { db } = deps;
  const stored = await deps.records.cases(applicationId);
  const delivered = stored.filter((c) => c.remoteCaseId !== null && !isDecided(c.status));
  if (delivered.length === 0) return stored;

  const remote = await deps.remoteCases.loadMany(
    delivered.map((c) => ({ departmentCode: c.departmentCode, remoteCaseId: c.remoteCaseId! })),
  );
  let changed = false;
  let released = false;
  for (const [index, answer] of remote.entries()) {
    if (answer instanceof Error) {
      deps.logger.warn({ err: answer, caseId: delivered[index]!.id }, 'live case status unavailable; showing the recorded one');
      continue;
    }
    // Most reads find nothing new: no transaction (and no database round trip) for those.
    if (!answer || unchanged(delivered[index]!, answer)) continue;
    const result = await applyCaseUpdate({ db, logger: deps.logger }, { departmentCode: delivered[index]!.departmentCode }, { remoteCase: answer });
    changed ||= result.outcome === 'updated';
    released ||= result.settled.released.length > 0;
  }
  if (released) deps.wakeDelivery();
  if (!changed) return stored;
  const fresh = await deps.records.cases(applicationId);
  deps.onCasesChanged?.(applicationId, fresh);
  return fresh;
}
