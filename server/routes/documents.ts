/**
 * The printable documents: notices, receipts, their verification and the
 * seal's public keys at /.well-known (server/notices.ts, server/receipts.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Viewer } from '../context.ts';
import { errorBody, sendJson } from '../http.ts';
import { NOTICE_ROUTE, handleNotice } from '../notices.ts';
import { RECEIPT_KEYS_PATH, RECEIPT_ROUTE, RECEIPT_VERIFY_PATH, handleReceiptKeys, handleReceiptPdf, handleReceiptVerify } from '../receipts.ts';
import type { GatewayServices } from '../services.ts';
import type { Route, RouteContext } from './route.ts';

export interface DocumentRouteDeps {
  services: GatewayServices;
  /** Who calls, from a bearer token and the assistance session of the request. */
  identify(req: IncomingMessage, authorization: string | undefined): Promise<Viewer>;
}

/** A route on the document named by the path's one segment; a segment that is not valid percent-encoding is a 400. */
function documentRoute(
  path: RegExp,
  handle: (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, name: string) => Promise<void>,
): Route {
  return {
    method: '*',
    path,
    async handle(req, res, ctx) {
      let name: string;
      try {
        name = decodeURIComponent(ctx.params[0]!);
      } catch {
        return sendJson(res, 400, errorBody('BAD_REQUEST', 'The path is not valid percent-encoding'));
      }
      await handle(req, res, ctx, name);
    },
  };
}

export function documentRoutes({ services, identify }: DocumentRouteDeps): Route[] {
  const depsOf = (req: IncomingMessage, requestId: string) => ({
    services,
    requestId,
    identify: (authorization: string | undefined) => identify(req, authorization),
  });
  return [
    { method: '*', path: RECEIPT_KEYS_PATH, handle: (req, res) => handleReceiptKeys(req, res, services) },
    { method: '*', path: RECEIPT_VERIFY_PATH, handle: (req, res, { url }) => handleReceiptVerify(req, res, url, services) },
    documentRoute(NOTICE_ROUTE, (req, res, { url, requestId }, topicCode) => handleNotice(req, res, url, topicCode, depsOf(req, requestId))),
    documentRoute(RECEIPT_ROUTE, (req, res, { requestId }, applicationId) => handleReceiptPdf(req, res, applicationId, depsOf(req, requestId))),
  ];
}
