/** POST /webhooks/case-status/<department>: a department reports a case's status (delivery/webhooks.ts). */
import { handleCaseStatusWebhook } from '../../delivery/webhooks.ts';
import { errorBody, readBody, sendJson } from '../http.ts';
import type { GatewayServices } from '../services.ts';
import type { Route } from './route.ts';

/** Bytes of a webhook body read at most. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

export function caseStatusWebhookRoute(services: GatewayServices): Route {
  return {
    method: '*',
    path: /^\/webhooks\/case-status\/([^/]+)$/,
    async handle(req, res, { params }) {
      if (req.method !== 'POST') return sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use POST'));
      const departmentCode = decodeURIComponent(params[0]!);
      // The signature covers the raw bytes, so the body is verified before it is parsed.
      const raw = await readBody(req, MAX_WEBHOOK_BYTES);
      const result = await handleCaseStatusWebhook(
        { db: services.db, directory: services.connectors, logger: services.logger, onCaseChanged: () => services.warnings.wake() },
        departmentCode,
        raw,
        req.headers['x-signature'],
      );
      if (result.status === 204) {
        res.writeHead(204);
        res.end();
        return;
      }
      sendJson(res, result.status, errorBody(result.code, result.message));
    },
  };
}
