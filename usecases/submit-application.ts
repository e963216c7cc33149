/**
 * 一表申请、一窗受理: one submission becomes one stored application with one
 * case per applied matter, written in one transaction before the caller gets
 * an answer. Delivery to the departments happens afterwards, from the cases
 * table (the outbox), so a department that is down never loses an
 * application.
 */
import { randomBytes } from 'node:crypto';
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { InvalidInputError, readableAnswers, type RawAnswer } from '../domain/answers.ts';
import { initialCaseStatus } from '../domain/application-status.ts';
import { selfServiceChannel, type ApplicationChannel } from '../domain/channel.ts';
import { idempotencyKeyProblem, isSameSubmission, submissionFingerprint } from '../domain/idempotency.ts';
import { applicantKindOf } from '../domain/personal.ts';
import { draftPlan, type Exemption, type Plan } from '../domain/plan.ts';
import {
  formForMatter,
  materialsForMatter,
  validateSubmission,
  type DeliveryMethod,
  type UploadRef,
  type ValidSubmission,
} from '../domain/submission.ts';
import {
  casesOfApplications,
  findByIdempotencyKey,
  insertApplication,
  type CaseRecord,
  type ApplicationRecord,
  type NewApplication,
  type StoredExemption,
} from '../store/applications.ts';
import type { Database } from '../store/database.ts';
import { personalPlan, type FieldValue, type PersonalPlanDeps } from './personal-plan.ts';
import type { Actor } from '../domain/actor.ts';
import { recordAssistance } from './assistance.ts';

export interface SubmitApplicationRequest {
  topic: Topic;
  matters: ReadonlyMap<string, Matter>;
  answers: readonly RawAnswer[];
  form: readonly FieldValue[];
  uploads: readonly UploadRef[];
  deferredMaterials: readonly string[];
  deliveryMethod: DeliveryMethod;
  /** PC, MOBILE or KIOSK as the client says (default PC); WINDOW is refused (domain/channel.ts). */
  channel?: string | null;
  idempotencyKey: string;
}

/** Where submission finds what it needs besides the plan. */
export interface SubmissionPorts {
  db: Database;
  /** The subset of `fileRefs` this applicant uploaded. */
  ownedFileRefs(owner: string, fileRefs: readonly string[]): Promise<Set<string>>;
  /** Told after a commit, so delivery starts at once rather than on its next tick. */
  onSubmitted?(applicationId: string): void;
  now?: () => Date;
}

/** The submission's ports and the applicant's own look-ups, for the plan the submission is checked against. */
export type SubmitApplicationDeps = SubmissionPorts & PersonalPlanDeps;

export interface SubmitApplicationResult {
  application: ApplicationRecord;
  /** False when the idempotency key named an earlier, identical submission. */
  created: boolean;
  /** The new application's cases, as stored (only when created). */
  cases?: CaseRecord[];
}

/** `OT20261126` + 10 random characters: sortable by day, unguessable. */
export function newApplicationId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `OT${day}${randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 10).toUpperCase()}`;
}

export async function submitApplication(
  deps: SubmitApplicationDeps,
  actor: Actor,
  request: SubmitApplicationRequest,
): Promise<SubmitApplicationResult> {
  if (actor.kind !== 'user') throw new Error('submitApplication needs a signed-in applicant');
  const applicant = actor.subject;
  const keyProblem = idempotencyKeyProblem(request.idempotencyKey);
  if (keyProblem) throw new InvalidInputError([keyProblem]);
  // Window staff acting for the citizen make a WINDOW application; self-service front-ends name their own channel.
  const channel = actor.assistedBy ? 'WINDOW' : selfServiceChannel(request.channel);
  const fingerprint = submissionFingerprint({ ...request, topicCode: request.topic.code });
  const existing = await findByIdempotencyKey(deps.db, applicant, request.idempotencyKey);
  if (existing) return { application: sameSubmissionOrRefuse(existing, fingerprint), created: false };

  // Every problem at once: bad answers are reported, and the rest is checked against the plan of the answers that can be read.
  const answers = readableAnswers(request.topic.questions, request.answers);
  const draft = draftPlan({ topic: request.topic, matters: request.matters, answers: answers.readable });
  const { plan, applicantProblems } = await personalPlan(deps, actor, {
    draft,
    topic: request.topic,
    matters: request.matters,
    answers: answers.readable,
    form: request.form,
  });
  const ownedFileRefs = await deps.ownedFileRefs(applicant, request.uploads.map((u) => u.fileRef));
  const valid = validateSubmission({
    plan,
    unreadableAnswers: answers.problems,
    applicantProblems,
    form: request.form,
    uploads: request.uploads,
    deferredMaterials: request.deferredMaterials,
    ownedFileRefs,
  });

  const now = deps.now?.() ?? new Date();
  const id = newApplicationId(now);
  const next = describeApplication(id, applicant, actor.name, { ...request, channel }, plan, valid, fingerprint);
  try {
    await deps.db.transaction(async (tx) => {
      await insertApplication(tx, next, now);
      // Made with window staff: stored with the application, so it is never an unattributed submission.
      await recordAssistance({ db: tx }, actor, { action: 'SUBMISSION', ref: id });
    });
  } catch (error) {
    // Two submissions with one key raced: the other one won, and that is the answer.
    const winner = await findByIdempotencyKey(deps.db, applicant, request.idempotencyKey);
    if (winner) return { application: sameSubmissionOrRefuse(winner, fingerprint), created: false };
    throw error;
  }
  // Read back before delivery is woken: the answer shows the application as accepted, not as far as delivery got since.
  const stored = await findByIdempotencyKey(deps.db, applicant, request.idempotencyKey);
  const cases = (await casesOfApplications(deps.db, [id])).get(id) ?? [];
  deps.onSubmitted?.(id);
  return { application: stored!, created: true, cases };
}

/** The application stored under the key, when it was stored for this very request; IDEMPOTENCY_KEY_REUSED otherwise. */
function sameSubmissionOrRefuse(stored: ApplicationRecord, fingerprint: string): ApplicationRecord {
  if (isSameSubmission(stored.requestFingerprint, fingerprint)) return stored;
  throw new InvalidInputError([
    {
      field: 'idempotencyKey',
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: `idempotencyKey was already used for application ${stored.id} with a different submission; use a new key for a new submission`,
    },
  ]);
}

function storedExemption(exemption: Exemption | null): StoredExemption | null {
  if (!exemption) return null;
  const c = exemption.certificate;
  return {
    reason: exemption.reason,
    ...(exemption.producedBy ? { producedBy: exemption.producedBy } : {}),
    ...(c ? { certificate: { id: c.id, number: c.number, typeCode: c.typeCode, typeName: c.typeName, validUntil: c.validUntil } } : {}),
  };
}

function describeApplication(
  id: string,
  applicant: string,
  applicantName: string,
  request: SubmitApplicationRequest & { channel: ApplicationChannel },
  plan: Plan,
  valid: ValidSubmission,
  requestFingerprint: string,
): NewApplication {
  const kind = applicantKindOf(applicant);
  const applied = new Set(plan.matters.map((m) => m.matter.code));
  return {
    application: {
      id,
      applicant,
      applicantKind: kind,
      applicantName,
      topicCode: request.topic.code,
      topicName: request.topic.name,
      topicVersion: request.topic.version,
      region: request.topic.region,
      answers: { ...plan.answers },
      form: valid.form,
      deliveryMethod: request.deliveryMethod,
      channel: request.channel,
      idempotencyKey: request.idempotencyKey,
      requestFingerprint,
      materialsBefore: plan.summary.materialsBefore,
      materialsToSubmit: plan.summary.materialsToSubmit,
      legalDaysTotal: plan.summary.legalDaysTotal,
      committedDays: plan.summary.committedDays,
    },
    materials: valid.materials.map((m, position) => ({
      position,
      code: m.code,
      name: m.name,
      provision: m.provision,
      exemption: storedExemption(m.exemption),
      fileRefs: m.fileRefs,
      requiredBy: [...m.requiredBy],
    })),
    cases: plan.matters.map(({ matter, dependsOn }, position) => {
      const materials = materialsForMatter(valid.materials, matter.code);
      // A matter also waits for the matters whose result stands for one of its materials (the plan's order of approval allows it).
      const producers = materials
        .map((m) => (m.provision === 'INTERNAL_RESULT' ? m.exemption?.producedBy : undefined))
        .filter((code): code is string => !!code && applied.has(code) && code !== matter.code);
      const prerequisites = [...new Set([...dependsOn, ...producers])];
      return {
        id: `${id}-${String(position + 1).padStart(2, '0')}`,
        position,
        matterCode: matter.code,
        matterName: matter.name,
        departmentCode: matter.department,
        dependsOn: prerequisites,
        resultCertificateType: matter.resultCertificateType ?? null,
        status: initialCaseStatus(prerequisites),
        // The CaseSubmission is built when the case is sent (connectors/approval/payload.ts); the case keeps which fields it takes.
        formFields: Object.keys(formForMatter(valid.form, matter.form)),
      };
    }),
  };
}
