/**
 * 补正 and 容缺: materials a department asked for (SUPPLEMENT_REQUIRED), or
 * that the applicant deferred, handed in later. The supplement is stored
 * first and delivered by the outbox like a case, so it survives a department
 * that is down.
 */
import type { Actor } from '../domain/actor.ts';
import { InvalidInputError, type InputProblem } from '../domain/answers.ts';
import { isDecided } from '../domain/case-lifecycle.ts';
import { idempotencyKeyProblem } from '../domain/idempotency.ts';
import type { UploadRef } from '../domain/submission.ts';
import { requireSessionTopic } from './assistance.ts';
import { casesOfApplications, findApplication, materialsOf, type ApplicationRecord } from '../store/applications.ts';
import type { Database } from '../store/database.ts';
import { insertSupplement } from '../store/supplements.ts';

export interface SupplementRequest {
  applicationId: string;
  matterCode: string;
  uploads: readonly UploadRef[];
  idempotencyKey: string;
}

const FILE_REF = /^sha256:[0-9a-f]{64}$/;

export interface SupplementDeps {
  db: Database;
  /** The subset of `fileRefs` this applicant uploaded. */
  ownedFileRefs(owner: string, fileRefs: readonly string[]): Promise<Set<string>>;
  /** Told after the supplement is stored, so delivery starts at once rather than on its next tick. */
  onSubmitted?(applicationId: string): void;
  now?: () => Date;
}

/**
 * Stores the supplement for delivery and returns the application.
 * @throws InvalidInputError listing every problem: UNKNOWN_APPLICATION (none
 *   of the actor's), UNKNOWN_MATTER, BAD_IDEMPOTENCY_KEY, CASE_DECIDED,
 *   NOTHING_OWED, REQUIRED, NOT_REQUESTED, BAD_FILE_REF, FILE_NOT_FOUND.
 */
export async function supplementMaterials(deps: SupplementDeps, actor: Actor, request: SupplementRequest): Promise<ApplicationRecord> {
  const { db } = deps;
  const applicant = actor.kind === 'user' ? actor.subject : '';
  const application = await findApplication(db, request.applicationId);
  if (!application || application.applicant !== applicant) {
    throw new InvalidInputError([
      { field: 'applicationId', code: 'UNKNOWN_APPLICATION', message: 'you have no application with this id' },
    ]);
  }
  requireSessionTopic(actor, application.topicCode);
  const cases = (await casesOfApplications(db, [application.id])).get(application.id) ?? [];
  const target = cases.find((c) => c.matterCode === request.matterCode);
  if (!target) {
    throw new InvalidInputError([
      { field: 'matterCode', code: 'UNKNOWN_MATTER', message: `matter ${request.matterCode} is not part of this application` },
    ]);
  }

  const deferred = (await materialsOf(db, application.id))
    .filter((m) => m.provision === 'DEFERRED' && m.requiredBy.includes(target.matterCode))
    .map((m) => m.code);
  const owed = new Set([...(target.status === 'SUPPLEMENT_REQUIRED' ? target.requestedMaterials : []), ...deferred]);
  const owned = await deps.ownedFileRefs(applicant, request.uploads.map((u) => u.fileRef));

  const problems: InputProblem[] = [];
  const keyProblem = idempotencyKeyProblem(request.idempotencyKey);
  if (keyProblem) problems.push(keyProblem);
  if (isDecided(target.status)) {
    problems.push({ field: 'matterCode', code: 'CASE_DECIDED', message: `the case of matter ${target.matterCode} is already decided` });
  } else if (owed.size === 0) {
    problems.push({ field: 'matterCode', code: 'NOTHING_OWED', message: `the department asks for no material of matter ${target.matterCode}` });
  }
  if (request.uploads.length === 0) problems.push({ field: 'uploads', code: 'REQUIRED', message: 'at least one upload is required' });
  for (const upload of request.uploads) {
    const field = `uploads.${upload.materialCode}`;
    if (owed.size && !owed.has(upload.materialCode)) {
      problems.push({ field, code: 'NOT_REQUESTED', message: `material ${upload.materialCode} is not asked for (owed: ${[...owed].join(', ')})` });
    }
    if (!FILE_REF.test(upload.fileRef)) {
      problems.push({ field, code: 'BAD_FILE_REF', message: 'fileRef must be sha256:<64 lowercase hex digits> as POST /uploads answered' });
    } else if (!owned.has(upload.fileRef)) {
      problems.push({ field, code: 'FILE_NOT_FOUND', message: 'no uploaded file with this fileRef was found among your uploads; upload the file again' });
    }
  }
  if (problems.length) throw new InvalidInputError(problems);

  const materials = request.uploads.map((u) => ({ code: u.materialCode, provision: 'UPLOADED', fileRef: u.fileRef }));
  await insertSupplement(db, { applicationId: application.id, caseId: target.id, idempotencyKey: request.idempotencyKey, materials }, deps.now?.() ?? new Date());
  deps.onSubmitted?.(application.id);
  return (await findApplication(db, application.id))!;
}
