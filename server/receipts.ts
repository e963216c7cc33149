/**
 * Receipts over plain HTTP:
 *
 * - `GET /receipts/<applicationId>.pdf` — the receipt (受理回执) of an
 *   accepted application, issued on first request. The applicant's bearer
 *   token (or ADMIN's); 401 without a valid token, 404 for an unknown
 *   application or someone else's.
 * - `GET /receipts/verify?payload=…` — checks what a receipt's QR code
 *   carries; anyone may ask. 200 `{ valid, reason, message, keyId,
 *   algorithm, receipt }` (`reason`: MALFORMED, UNKNOWN_KEY,
 *   UNKNOWN_APPLICATION, TAMPERED; `receipt` with names and ID numbers
 *   masked, when valid); 400 without `payload`.
 * - `GET /.well-known/one-thing/receipt-keys.json` — the seal's public keys:
 *   the current one and those that signed earlier receipts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderReceiptPdf } from '../documents/receipt-pdf.ts';
import { GatewayError, isUpstreamError } from '../lib/errors.ts';
import { VERIFICATION_MESSAGES, receiptOf, verifyReceipt, type ReceiptVerification } from '../usecases/receipt.ts';
import { createContext, type Viewer } from './context.ts';
import { publicUrl, receiptDeps, verifyReceiptDeps } from './documents.ts';
import { errorBody, sendJson } from './http.ts';
import type { GatewayServices } from './services.ts';

export const RECEIPT_ROUTE = /^\/receipts\/([^/]+)\.pdf$/;
export const RECEIPT_VERIFY_PATH = '/receipts/verify';
export const RECEIPT_KEYS_PATH = '/.well-known/one-thing/receipt-keys.json';

export interface ReceiptRouteDeps {
  services: GatewayServices;
  requestId: string;
  identify(authorization: string | undefined): Promise<Viewer>;
}

/** What the QR code of a receipt carries: the verification address with the payload when the public address is known. */
export function qrTextOf(services: GatewayServices, payload: string): string {
  const base = services.config.publicBaseUrl;
  return base ? `${base}${RECEIPT_VERIFY_PATH}?payload=${payload}` : payload;
}

/** A verification result as JSON clients and people read it. */
export function verificationBody(result: ReceiptVerification) {
  return {
    valid: result.valid,
    reason: result.valid ? null : result.reason,
    message: VERIFICATION_MESSAGES[result.valid ? 'VALID' : result.reason],
    keyId: result.kid,
    algorithm: result.algorithm,
    receipt: result.valid ? result.receipt : null,
  };
}

const onlyGet = (req: IncomingMessage, res: ServerResponse) => {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  res.setHeader('allow', 'GET, HEAD');
  sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use GET'));
  return true;
};

export function handleReceiptKeys(req: IncomingMessage, res: ServerResponse, services: GatewayServices): void {
  if (onlyGet(req, res)) return;
  sendJson(res, 200, { keys: services.seal.published() }, { 'cache-control': 'public, max-age=300' });
}

export async function handleReceiptVerify(req: IncomingMessage, res: ServerResponse, url: URL, services: GatewayServices): Promise<void> {
  if (onlyGet(req, res)) return;
  const payload = url.searchParams.get('payload');
  if (payload === null || payload === '') return sendJson(res, 400, errorBody('BAD_REQUEST', 'Give the scanned payload as ?payload='));
  const result = await verifyReceipt(verifyReceiptDeps(services), { payload });
  sendJson(res, 200, verificationBody(result), { 'cache-control': 'no-store' });
}

export async function handleReceiptPdf(req: IncomingMessage, res: ServerResponse, applicationId: string, deps: ReceiptRouteDeps): Promise<void> {
  if (onlyGet(req, res)) return;
  let viewer: Viewer;
  try {
    viewer = await deps.identify(req.headers.authorization);
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') {
      return sendJson(res, 401, errorBody('UNAUTHENTICATED', error.message), { 'www-authenticate': 'Bearer' });
    }
    throw error;
  }
  if (viewer.kind !== 'user') {
    return sendJson(res, 401, errorBody('UNAUTHENTICATED', 'A receipt needs the applicant\'s bearer token'), { 'www-authenticate': 'Bearer' });
  }
  const ctx = createContext(deps.services, deps.requestId, viewer);
  try {
    const receipt = await receiptOf(receiptDeps(ctx), viewer, { applicationId });
    if (!receipt) return sendJson(res, 404, errorBody('NOT_FOUND', `No application ${applicationId} of yours`));
    const pdf = await renderReceiptPdf(receipt.content, {
      kid: receipt.kid,
      algorithm: receipt.algorithm,
      signature: receipt.signature,
      qrText: qrTextOf(deps.services, receipt.payload),
      verifyUrl: deps.services.config.publicBaseUrl ? publicUrl(ctx, RECEIPT_VERIFY_PATH) : null,
    });
    res.writeHead(200, {
      'content-type': 'application/pdf',
      'content-length': pdf.length,
      'content-disposition': `inline; filename="receipt-${applicationId}.pdf"`,
      'cache-control': 'private, no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : pdf);
  } catch (error) {
    if (isUpstreamError(error)) return sendJson(res, 503, { errors: [{ message: error.message, extensions: { code: error.code, upstream: error.upstream } }] });
    throw error;
  }
}
