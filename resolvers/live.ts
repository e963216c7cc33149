/**
 * Live status (指尖办): the `applicationUpdated` subscription, served over
 * SSE by server/subscriptions.ts, over the follow-application use case.
 */
import { followApplication } from '../usecases/follow-application.ts';
import { ForbiddenError } from '../lib/errors.ts';
import type { GatewayContext } from '../server/context.ts';
import type { ApplicationEventRecord } from '../store/application-events.ts';
import type { Resolvers } from './__generated__/types.ts';

export const liveResolvers: Resolvers = {
  Subscription: {
    applicationUpdated: {
      subscribe: async (_root, { id }, ctx) => {
        if (!ctx.live) throw new ForbiddenError('Subscriptions are served over Server-Sent Events at /graphql/stream');
        const actor = ctx.viewer.kind === 'user' ? { subject: ctx.viewer.subject, role: ctx.viewer.role } : null;
        return followApplication(ctx.live.deps, actor, { applicationId: id, lastEventId: ctx.live.lastEventId });
      },
      resolve: (event: ApplicationEventRecord, _args: unknown, ctx: GatewayContext) => {
        if (ctx.live) ctx.live.sendingEventId = event.id;
        return event;
      },
    },
  },
  ApplicationEvent: {
    department: (event, _args, ctx) => ctx.loaders.registry.department.load(event.departmentCode),
    at: (event) => event.at.toISOString(),
  },
};
