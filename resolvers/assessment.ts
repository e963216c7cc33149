/**
 * Ratings (好差评) and the assessors' metrics: thin resolvers over the
 * assessment use cases. Who may call them is decided in server/authorization.ts.
 */
import type { Resolvers } from './__generated__/types.ts';
import { assessmentMetrics } from '../usecases/metrics.ts';
import { rateApplication } from '../usecases/rate-application.ts';

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
      const evaluation = await rateApplication({ db: services.db, evaluation: services.evaluation }, applicant, input);
      return { evaluation };
    },
  },
  TopicMetrics: {
    topic: async (metrics, _args, ctx) =>
      (await ctx.loaders.registry.topic.load(metrics.topicCode)) ?? {
        code: metrics.topicCode,
        name: metrics.topicName,
        region: '',
        leadDepartment: '',
        status: 'PUBLISHED',
        updatedAt: '',
      },
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
