/**
 * Applications and their cases: thin resolvers over the submission use case,
 * the store and the status refresh. Role checks live in
 * server/authorization.ts; here, everything is scoped to the caller's own
 * subject or department.
 */
import type { Matter } from '../connectors/matter-registry/models.ts';
import { applicationStatus, isOverdue } from '../domain/application-status.ts';
import { BadUserInputError } from '../lib/errors.ts';
import type { Audience } from '../server/authorization.ts';
import type { GatewayContext } from '../server/context.ts';
import { caseStatusDeps, submitApplicationDeps, supplementDeps } from '../server/usecase-deps.ts';
import {
  applicationsOf,
  casesOfDepartment,
  isCursor,
  findApplication,
  type ApplicationRecord,
  type CaseRecord,
} from '../store/applications.ts';
import { recordAssistance, requireSessionTopic } from '../usecases/assistance.ts';
import { ownApplicationWithLiveStatus } from '../usecases/case-status.ts';
import { submitApplication } from '../usecases/submit-application.ts';
import { supplementMaterials } from '../usecases/supplement-materials.ts';
import type { Resolvers } from './__generated__/types.ts';
import { topicDetail, topicMatters } from './catalogue.ts';
import type { ApplicationView, CaseView, MatterInTopic } from './models.ts';
import { checkedPage } from './paging.ts';

const applicantAudience: Audience = { kind: 'applicant' };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

async function casesOf(view: ApplicationView, ctx: GatewayContext): Promise<CaseRecord[]> {
  const cases = view.cases ?? (await ctx.loaders.store.casesOf.load(view.record.id));
  const audience = view.audience;
  // Department staff see their own department's cases of an application, not the others'.
  return audience.kind === 'department' ? cases.filter((c) => c.departmentCode === audience.departmentCode) : cases;
}

/** The matters of an application's cases, linked along the cases' prerequisites. */
async function caseMatter(view: CaseView, ctx: GatewayContext): Promise<MatterInTopic | null> {
  const matter = await ctx.loaders.registry.matter.load(view.record.matterCode);
  if (!matter) return null;
  const prerequisites = await ctx.loaders.registry.matter.loadMany(view.record.dependsOn);
  return {
    matter,
    dependsOn: prerequisites
      .filter((m): m is Matter => !!m && !(m instanceof Error))
      .map((m) => ({ matter: m, dependsOn: [] })),
  };
}

async function loadTopicForSubmission(ctx: GatewayContext, code: string) {
  const topic = await ctx.loaders.registry.topic.load(code);
  if (!topic || topic.status !== 'PUBLISHED') {
    throw new BadUserInputError(`No published topic ${code}`, [
      { field: 'topicCode', code: 'UNKNOWN_TOPIC', message: `no published topic with code ${code}` },
    ]);
  }
  const detail = await topicDetail(topic, ctx);
  return { topic: detail, matters: await topicMatters(detail, ctx) };
}

const ownView = (record: ApplicationRecord, cases?: CaseRecord[]): ApplicationView => ({
  record,
  audience: applicantAudience,
  ...(cases ? { cases } : {}),
});

export const applicationResolvers: Resolvers = {
  Query: {
    application: async (_root, { id }, ctx) => {
      const own = await ownApplicationWithLiveStatus(caseStatusDeps(ctx), ctx.viewer, { applicationId: id });
      if (!own) return null;
      requireSessionTopic(ctx.viewer, own.application.topicCode);
      return ownView(own.application, own.cases);
    },
    departmentCases: async (_root, { first, after, status, warning }, ctx) => {
      const departmentCode = ctx.viewer.kind === 'user' ? ctx.viewer.department : undefined;
      if (!departmentCode) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      const audience: Audience = { kind: 'department', departmentCode };
      const page = await casesOfDepartment(ctx.services.db, departmentCode, { ...checkedPage({ first, after }, isCursor), status, warning });
      const applications = await ctx.loaders.store.application.loadMany(page.items.map(({ node }) => node.applicationId));
      const edges = page.items.flatMap(({ cursor, node }, i) => {
        const record = applications[i];
        if (record instanceof Error) throw record;
        if (!record) return [];
        return [{ cursor, node: { record: node, application: { record, audience } } }];
      });
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
    },
  },
  Mutation: {
    submitApplication: async (_root, { input }, ctx) => {
      const { topic, matters } = await loadTopicForSubmission(ctx, input.topicCode);
      const { application, cases } = await submitApplication(submitApplicationDeps(ctx), ctx.viewer, {
        topic,
        matters,
        answers: input.answers,
        form: input.form,
        uploads: input.uploads ?? [],
        deferredMaterials: input.deferredMaterials ?? [],
        deliveryMethod: input.deliveryMethod,
        channel: input.channel,
        idempotencyKey: input.idempotencyKey,
      });
      return { application: ownView(application, cases) };
    },
    supplementMaterials: async (_root, { input }, ctx) => {
      const record = await supplementMaterials(supplementDeps(ctx), ctx.viewer, input);
      await recordAssistance(ctx.services, ctx.viewer, { action: 'SUPPLEMENT', ref: record.id });
      return { application: ownView(record) };
    },
  },
  Me: {
    applications: async (me, { first, after }, ctx) => {
      const page = await applicationsOf(ctx.services.db, me.subject, checkedPage({ first, after }, isCursor));
      return {
        edges: page.items.map(({ cursor, node }) => ({ cursor, node: ownView(node) })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  Application: {
    id: (view) => view.record.id,
    // Department staff see a status computed from their own department's cases: the others' are not theirs to learn.
    status: async (view, _args, ctx) => applicationStatus(await casesOf(view, ctx)),
    submittedAt: (view) => view.record.submittedAt.toISOString(),
    updatedAt: (view) => view.record.updatedAt.toISOString(),
    deliveryMethod: (view) => view.record.deliveryMethod,
    channel: (view) => view.record.channel,
    topic: (view, _args, ctx) => ctx.loaders.registry.topic.load(view.record.topicCode),
    materials: async (view, _args, ctx) =>
      (await ctx.loaders.store.materialsOf.load(view.record.id)).map((material) => ({ material })),
    cases: async (view, _args, ctx) => (await casesOf(view, ctx)).map((record) => ({ record, application: view })),
    evaluation: (view, _args, ctx) => ctx.loaders.store.evaluationOf.load(view.record.id),
  },
  ApplicationMaterial: {
    code: ({ material }) => material.code,
    name: ({ material }) => material.name,
    provision: ({ material }) => material.provision,
    exemption: async ({ material }, _args, ctx) => {
      const exemption = material.exemption;
      if (!exemption) return null;
      const producer = exemption.producedBy ? await ctx.loaders.registry.matter.load(exemption.producedBy) : null;
      return {
        reason: exemption.reason,
        certificate: exemption.certificate ? { ...exemption.certificate, holderName: null, issuedAt: null } : null,
        producedBy: producer ? { matter: producer, dependsOn: [] } : null,
      };
    },
  },
  Case: {
    id: ({ record }) => record.id,
    application: ({ application }) => application,
    matter: (view, _args, ctx) => caseMatter(view, ctx),
    department: ({ record }, _args, ctx) => ctx.loaders.registry.department.load(record.departmentCode),
    status: ({ record }) => record.status,
    statusReason: ({ record }) => record.statusReason,
    dueAt: ({ record }) => iso(record.dueAt),
    decidedAt: ({ record }) => iso(record.decidedAt),
    overdue: ({ record }) =>
      isOverdue({ status: record.status, dueAt: iso(record.dueAt), decidedAt: iso(record.decidedAt) }, new Date()),
    requestedMaterials: ({ record }) => record.requestedMaterials,
    result: async ({ record }, _args, ctx) => {
      if (record.status !== 'APPROVED' || !record.resultCertificateId) return null;
      const type = record.resultCertificateType ? await ctx.loaders.registry.certificateType.load(record.resultCertificateType) : null;
      return {
        certificate: {
          id: record.resultCertificateId,
          number: record.resultCertificateNumber ?? '',
          typeCode: record.resultCertificateType ?? '',
          typeName: type?.name ?? '',
          holderName: null,
          issuedAt: null,
          validUntil: null,
        },
      };
    },
  },
  Evaluation: {
    createdAt: (evaluation) => evaluation.createdAt.toISOString(),
    channel: (evaluation) => evaluation.channel as 'PC',
  },
};
