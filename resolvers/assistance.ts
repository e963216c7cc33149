/**
 * 帮办代办: thin resolvers over usecases/assistance.ts. Who may call what is
 * in server/authorization.ts; the use cases check it again for themselves.
 */
import { maskIdNumbers } from '../lib/mask.ts';
import { assistanceDeps } from '../server/assistance.ts';
import { assistanceOf, endAssistance, grantAssistance, startAssistance } from '../usecases/assistance.ts';
import type { Resolvers } from './__generated__/types.ts';

export const assistanceResolvers: Resolvers = {
  Mutation: {
    grantAssistance: async (_root, { topicCode }, ctx) => {
      const granted = await grantAssistance(assistanceDeps(ctx.services), ctx.viewer, { topicCode });
      return { ...granted, expiresAt: granted.expiresAt.toISOString() };
    },
    startAssistance: (_root, { code, inPerson }, ctx) =>
      startAssistance(assistanceDeps(ctx.services), ctx.viewer, { code, inPerson }),
    endAssistance: (_root, { sessionId }, ctx) => endAssistance(assistanceDeps(ctx.services), ctx.viewer, { sessionId }),
  },
  Me: {
    assistance: (_me, { first }, ctx) => assistanceOf(ctx.services, ctx.viewer, { first: first ?? 20 }),
  },
  AssistanceSession: {
    topic: (session, _args, ctx) => ctx.loaders.registry.topic.load(session.topicCode),
    applicantId: (session) => maskIdNumbers(session.subject),
    applicantName: (session) => session.subjectName,
    startedAt: (session) => session.startedAt.toISOString(),
    expiresAt: (session) => session.expiresAt.toISOString(),
    endedAt: (session) => session.endedAt?.toISOString() ?? null,
    active: (session) => !session.endedAt && session.expiresAt.getTime() > Date.now(),
  },
  Application: {
    assistedBy: async (view, _args, ctx) => {
      const session = await ctx.loaders.store.submissionSessionOf.load(view.record.id);
      return session ? { staffId: session.staffId, hall: session.hall, consent: session.consent } : null;
    },
  },
};
