/**
 * 补正 and 容缺: materials a department asked for (SUPPLEMENT_REQUIRED), or
 * that the applicant deferred, handed in later. The supplement is stored
 * first and delivered by the outbox like a case, so it survives a department
 * that is down.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError, type InputProblem } from '../domain/answers.ts';
import type { UploadRef } from '../domain/submission.ts';
import type { GatewayContext } from '../server/context.ts';
import { requireSessionTopic } from './assistance.ts';
import { casesOfApplications, findApplication, materialsOf, type ApplicationRecord } from '../store/applications.ts';

export interface SupplementRequest {
  applicationId: string;
  matterCode: string;
  uploads: readonly UploadRef[];
  idempotencyKey: string;
}

const FILE_REF = /^sha256:[0-9a-f]{64}$/;

export async function supplementMaterials(ctx: GatewayContext, request: SupplementRequest): Promise<ApplicationRecord> {
  const { db } = ctx.services;
  const applicant = ctx.viewer.kind === 'user' ? ctx.viewer.subject : '';
  const application = await findApplication(db, request.applicationId);
  if (!application || application.applicant !== applicant) {
    throw new InvalidInputError([
      { field: 'applicationId', code: 'UNKNOWN_APPLICATION', message: 'you have no application with this id' },
    ]);
  }
  requireSessionTopic(ctx.viewer, application.topicCode);
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
  const owned = await ctx.services.submission.ownedFileRefs(applicant, request.uploads.map((u) => u.fileRef));

  const problems: InputProblem[] = [];
  if (!/^[\x21-\x7e]{1,100}$/.test(request.idempotencyKey)) {
    problems.push({ field: 'idempotencyKey', code: 'BAD_IDEMPOTENCY_KEY', message: 'idempotencyKey must be 1–100 printable ASCII characters' });
  }
  if (['APPROVED', 'REJECTED', 'WITHDRAWN'].includes(target.status)) {
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
  await db.transaction(async (tx) => {
    const now = new Date();
    // The same key again is the same supplement: nothing new is stored or sent.
    await tx.query(
      `INSERT INTO supplements (id, case_id, idempotency_key, materials, status, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, 'PENDING', $5, $5)
       ON CONFLICT (case_id, idempotency_key) DO NOTHING`,
      [randomUUID(), target.id, request.idempotencyKey, JSON.stringify(materials), now],
    );
    await tx.query('UPDATE applications SET updated_at = $2 WHERE id = $1', [application.id, now]);
  });
  ctx.services.submission.onSubmitted?.(application.id);
  return (await findApplication(db, application.id))!;
}
