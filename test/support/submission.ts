import type { CaseSubmission } from '../../connectors/approval/models.ts';
import { caseSubmissionOf } from '../../delivery/outbox.ts';
import { loadApplicationCases } from '../../store/case-status.ts';
import type { Queryable } from '../../store/queryable.ts';

/** The CaseSubmission the gateway sends (or sent) for one matter of an application, as its stored facts make it now. */
export async function submissionOf(db: Queryable, applicationId: string, matterCode: string): Promise<CaseSubmission> {
  const found = (await loadApplicationCases(db, applicationId)).find((c) => c.matterCode === matterCode);
  if (!found) throw new Error(`application ${applicationId} has no case of ${matterCode}`);
  const submission = await caseSubmissionOf(db, found);
  if (!submission) throw new Error(`the stored facts of ${applicationId}:${matterCode} make no valid CaseSubmission`);
  return submission;
}
