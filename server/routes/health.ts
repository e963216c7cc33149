/** GET /healthz (the process answers) and /readyz (it can serve: server/readiness.ts). */
import { sendJson } from '../http.ts';
import type { ReadinessProbe } from '../readiness.ts';
import type { Route } from './route.ts';

export function healthzRoute(): Route {
  return { method: '*', path: '/healthz', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) };
}

export function readyzRoute(readiness: ReadinessProbe): Route {
  return { method: '*', path: '/readyz', handle: (req, res) => readiness.handle(req, res) };
}
