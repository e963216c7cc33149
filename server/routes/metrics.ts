/** GET /metrics: the Prometheus exposition (server/observability). */
import type { Observability } from '../observability/index.ts';
import type { Route } from './route.ts';

export function metricsRoute(observability: Observability): Route {
  return { method: '*', path: '/metrics', handle: (req, res) => observability.handleMetrics(req, res) };
}
