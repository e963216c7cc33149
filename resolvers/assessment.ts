/**
 * Ratings (好差评) and the assessors' metrics: thin resolvers over the
 * assessment use cases. Who may call them is decided in server/authorization.ts.
 */
import type { Resolvers } from './__generated__/types.ts';
import { assessmentMetrics } from '../usecases/metrics.ts';
import { rateApplication } from '../usecases/rate-application.ts';
import { MAX_SERIES_MONTHS } from '../domain/metrics.ts';
import { BadUserInputError } from '../lib/errors.ts';
import type { GatewayContext } from '../server/context.ts';

/** The topic from the registry, or what the metrics know of it when the registry no longer has it. */
async function topicOfMetrics(metrics: { topicCode: string; topicName: string }, ctx: GatewayContext) {
  return (
    (await ctx.loaders.registry.topic.load(metrics.topicCode)) ?? {
      code: metrics.topicCode,
      name: metrics.topicName,
      region: '',
      leadDepartment: '',
      status: 'PUBLISHED' as const,
      updatedAt: '',
    }
  );
}

export const assessmentResolvers: Resolvers = {
  Query: {
    metrics: (_root, { region, from, to }, { services }) =>
      assessmentMetrics(
        { registry: services.registry, db: services.db, evaluation: services.evaluation },
        { region: region ?? null, from: new Date(from), to: new Date(to) },
      ),
  },
  Mutation: {
    rateApplication: async (_root, { input }, { services, viewer }) => {
      const applicant = viewer.kind === 'user' ? viewer.subject : '';
      const evaluation = await rateApplication(
        {
          db: services.db,
          evaluation: services.evaluation,
          followUps: { leadDepartmentOf: services.leadDepartmentOf, deadlines: services.config.followUpDeadlines },
        },
        applicant,
        input,
      );
      return { evaluation };
    },
  },
  AssessmentMetrics: {
    monthly: (metrics) => {
      if (metrics.monthly) return metrics.monthly;
      throw new BadUserInputError(`the monthly series covers at most ${MAX_SERIES_MONTHS} months`, [
        { field: 'to', code: 'PERIOD_TOO_LONG_FOR_SERIES', message: `ask for the monthly series of at most ${MAX_SERIES_MONTHS} months at a time` },
      ]);
    },
  },
  TopicMetrics: {
    topic: (metrics, _args, ctx) => topicOfMetrics(metrics, ctx),
  },
  TopicFunnel: {
    topic: (funnel, _args, ctx) => topicOfMetrics(funnel, ctx),
  },
  MonthMetrics: {
    from: (month) => month.from.toISOString(),
    to: (month) => month.to.toISOString(),
  },
  DepartmentMetrics: {
    department: async (metrics, _args, ctx) =>
      (await ctx.loaders.registry.department.load(metrics.departmentCode)) ?? {
        code: metrics.departmentCode,
        name: metrics.departmentCode,
        region: '',
      },
  },
};
