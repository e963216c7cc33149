/** The live status streams over Server-Sent Events at /graphql/stream (server/subscriptions.ts). */
import { SUBSCRIPTIONS_PATH, type SubscriptionRoute } from '../subscriptions.ts';
import type { Route } from './route.ts';

export function subscriptionsRoute(subscriptions: SubscriptionRoute): Route {
  return { method: '*', path: SUBSCRIPTIONS_PATH, handle: (req, res, { requestId }) => subscriptions.handle(req, res, requestId) };
}
