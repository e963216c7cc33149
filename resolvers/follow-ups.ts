/**
 * 效能监督 and 差评整改: the warning level of cases, the supervision figures
 * of the assessment metrics, and the follow-ups of 差评 — thin resolvers over
 * usecases/follow-ups.ts. Who may call them: server/authorization.ts.
 */
import type { Department, TopicSummary } from '../connectors/matter-registry/models.ts';
import { nextActions, NotLeadDepartmentError, overdueStep } from '../domain/follow-up.ts';
import { ForbiddenError } from '../lib/errors.ts';
import type { GatewayContext } from '../server/context.ts';
import { followUpsOfApplications } from '../store/supervision.ts';
import { listFollowUps, takeFollowUpStep, type FollowUpActor } from '../usecases/follow-ups.ts';
import type { Resolvers } from './__generated__/types.ts';

/** The caller as the follow-up use cases see it (authorization already let only ADMIN and DEPARTMENT_STAFF through). */
function actorOf(ctx: GatewayContext): FollowUpActor {
  const viewer = ctx.viewer;
  if (viewer.kind === 'user' && viewer.role === 'ADMIN') return { role: 'ADMIN' };
  const department = viewer.kind === 'user' ? viewer.department : undefined;
  if (!department) throw new ForbiddenError('A department staff token names its department');
  return { role: 'DEPARTMENT_STAFF', department };
}

async function topicOf(code: string, ctx: GatewayContext): Promise<TopicSummary> {
  return (await ctx.loaders.registry.topic.load(code)) ?? { code, name: code, region: '', leadDepartment: '', status: 'PUBLISHED', updatedAt: '' };
}

async function departmentOf(code: string, ctx: GatewayContext): Promise<Department> {
  return (await ctx.loaders.registry.department.load(code)) ?? { code, name: code, region: '' };
}

const iso = (at: Date | null) => (at ? at.toISOString() : null);

export const followUpResolvers: Resolvers = {
  Query: {
    followUps: (_root, { status, first }, ctx) =>
      listFollowUps({ db: ctx.services.db }, actorOf(ctx), { status: status ?? null, first: first ?? null }),
  },
  Mutation: {
    followUpStep: async (_root, { input }, ctx) => {
      try {
        const followUp = await takeFollowUpStep({ db: ctx.services.db }, actorOf(ctx), input);
        return { followUp };
      } catch (error) {
        if (error instanceof NotLeadDepartmentError) throw new ForbiddenError(error.message);
        throw error;
      }
    },
  },
  Case: {
    warning: ({ record }) => record.warningLevel,
  },
  WarningCount: {
    department: ({ departmentCode }, _args, ctx) => departmentOf(departmentCode, ctx),
    topic: ({ topicCode }, _args, ctx) => topicOf(topicCode, ctx),
  },
  FollowUp: {
    topic: (f, _args, ctx) => topicOf(f.topicCode, ctx),
    leadDepartment: (f, _args, ctx) => departmentOf(f.leadDepartment, ctx),
    nextActions: (f) => nextActions(f),
    openedAt: (f) => f.openedAt.toISOString(),
    contactDueAt: (f) => f.contactDueAt.toISOString(),
    closeDueAt: (f) => f.closeDueAt.toISOString(),
    contactedAt: (f) => iso(f.contactedAt),
    closedAt: (f) => iso(f.closedAt),
    overdueStep: (f) => overdueStep(f, new Date()),
  },
  Evaluation: {
    followUp: async (evaluation, _args, ctx) =>
      (await followUpsOfApplications(ctx.services.db, [evaluation.applicationId])).get(evaluation.applicationId) ?? null,
  },
};
