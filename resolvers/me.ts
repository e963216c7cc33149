/**
 * The signed-in caller's own things. Everything here is scoped to the
 * token's subject; there is no argument that could name someone else.
 */
import { maskIdNumbers } from '../lib/mask.ts';
import { encodeAccessLogCursor, isAccessLogCursor } from '../store/access-log.ts';
import type { Resolvers } from './__generated__/types.ts';
import type { Role } from '../server/context.ts';
import { checkedPage } from './paging.ts';

export const meResolvers: Resolvers = {
  Query: {
    me: (_root, _args, { viewer }) =>
      viewer.kind === 'user' ? { subject: viewer.subject, name: viewer.name, role: viewer.role } : null,
  },
  Me: {
    subjectId: (me) => me.subject,
    dataAccessLog: async (me, { first, after }, { services }) => {
      const page = await services.accessLog.forSubject(me.subject, checkedPage({ first, after }, isAccessLogCursor));
      return {
        edges: page.entries.map((entry) => ({
          cursor: encodeAccessLogCursor(entry.id),
          node: {
            at: entry.at.toISOString(),
            // Whoever read my data is shown, but not their full ID number unless it is mine.
            actor: entry.actor === me.subject ? entry.actor : maskIdNumbers(entry.actor),
            actorRole: entry.actorRole as Role,
            purpose: entry.purpose,
            system: entry.system,
            items: entry.items,
            assistedBy:
              entry.actorRole === 'WINDOW_STAFF' && entry.hall && entry.consent
                ? { staffId: entry.actor, hall: entry.hall, consent: entry.consent as 'CODE' | 'IN_PERSON' }
                : null,
          },
        })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
};
