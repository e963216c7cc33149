/**
 * The HTTP routes of the printable documents: notices, receipts, their
 * verification and the seal's public keys (server/notices.ts,
 * server/receipts.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Viewer } from './context.ts';
import { errorBody, sendJson } from './http.ts';
import { NOTICE_ROUTE, handleNotice } from './notices.ts';
import { RECEIPT_KEYS_PATH, RECEIPT_ROUTE, RECEIPT_VERIFY_PATH, handleReceiptKeys, handleReceiptPdf, handleReceiptVerify } from './receipts.ts';
import type { GatewayServices } from './services.ts';

export interface DocumentRouteDeps {
  services: GatewayServices;
  requestId: string;
  identify(authorization: string | undefined): Promise<Viewer>;
}

/** Answers the request when it is for one of these routes; false otherwise. */
export async function routeDocuments(req: IncomingMessage, res: ServerResponse, url: URL, deps: DocumentRouteDeps): Promise<boolean> {
  const segment = (match: RegExpExecArray | null): string | null | undefined => {
    if (!match) return undefined;
    try {
      return decodeURIComponent(match[1]!);
    } catch {
      return null;
    }
  };
  if (url.pathname === RECEIPT_KEYS_PATH) return handleReceiptKeys(req, res, deps.services), true;
  if (url.pathname === RECEIPT_VERIFY_PATH) return await handleReceiptVerify(req, res, url, deps.services), true;
  const notice = segment(NOTICE_ROUTE.exec(url.pathname));
  const receipt = segment(RECEIPT_ROUTE.exec(url.pathname));
  if (notice === null || receipt === null) return sendJson(res, 400, errorBody('BAD_REQUEST', 'The path is not valid percent-encoding')), true;
  if (notice !== undefined) return await handleNotice(req, res, url, notice, deps), true;
  if (receipt !== undefined) return await handleReceiptPdf(req, res, receipt, deps), true;
  return false;
}
