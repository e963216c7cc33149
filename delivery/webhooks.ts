/**
 * The receiving end of the approval contract's `caseStatusChanged` webhook:
 * a department pushes a case's new state, signed with HMAC-SHA256 over the
 * raw body (hex, header `X-Signature`) with the secret agreed when its
 * connector was registered. The change is applied like a poll's; polling
 * stays authoritative, so a webhook lost or refused costs only latency.
 *
 * The HTTP route is mounted elsewhere; it must hand over the body exactly as
 * received (a Buffer, before any JSON parsing) and answer with the status
 * this returns (a JSON `{ code, message }` body for the errors).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { caseSchema } from '../connectors/approval/models.ts';
import type { ApprovalDirectory } from '../connectors/approval/endpoint.ts';
import type { Logger } from '../lib/logger.ts';
import { parseUpstreamJson } from '../lib/text.ts';
import type { Database } from '../store/database.ts';
import { applyCaseUpdate } from '../usecases/apply-case-update.ts';
import { describeError, silentLogger } from './support.ts';

export interface WebhookDeps {
  db: Database;
  directory: ApprovalDirectory;
  /** Default: silent. */
  logger?: Logger;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Told when a case's status or dates changed. */
  onCaseChanged?: () => void;
}

export type WebhookResult =
  | { status: 204 }
  | { status: 400 | 401 | 404; code: 'BAD_REQUEST' | 'UNAUTHENTICATED' | 'NOT_FOUND'; message: string };

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** The `X-Signature` of `rawBody` under `secret`: hex HMAC-SHA256. */
export function webhookSignature(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/** Whether `header` is the signature of `rawBody` under `secret` (constant-time comparison). */
export function verifyWebhookSignature(secret: string, rawBody: Buffer, header: string | readonly string[] | undefined): boolean {
  const value = typeof header === 'string' ? header.trim() : undefined;
  if (value === undefined || !HEX_SHA256.test(value)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(value, 'hex'));
}

/**
 * Handles one `caseStatusChanged` webhook of `departmentCode`:
 * - unknown department (no live connector) → 404;
 * - the connector accepts no webhooks (no secret), or the signature is
 *   missing or wrong → 401, nothing changed;
 * - a body that is not the contract's Case → 400;
 * - otherwise the case is updated (see `applyCaseUpdate`) → 204; a case id
 *   the department has no case under here is ignored (logged) → 204.
 *
 * Database failures are thrown (answer 500: the department may retry).
 */
export async function handleCaseStatusWebhook(
  deps: WebhookDeps,
  departmentCode: string,
  rawBody: Buffer,
  signatureHeader: string | readonly string[] | undefined,
): Promise<WebhookResult> {
  const logger = (deps.logger ?? silentLogger()).child({ component: 'case-webhook', department: departmentCode });
  const endpoint = await deps.directory.forDepartment(departmentCode);
  if (!endpoint) return { status: 404, code: 'NOT_FOUND', message: `No approval system is registered for ${departmentCode}` };
  if (endpoint.webhookSecret === null) {
    logger.warn('webhook refused: the connector accepts no webhooks');
    return { status: 401, code: 'UNAUTHENTICATED', message: 'This connector accepts no webhooks' };
  }
  if (!verifyWebhookSignature(endpoint.webhookSecret, rawBody, signatureHeader)) {
    logger.warn('webhook refused: bad or missing X-Signature');
    return { status: 401, code: 'UNAUTHENTICATED', message: 'Missing or wrong X-Signature' };
  }
  let json: unknown;
  try {
    json = parseUpstreamJson(rawBody.toString('utf8'));
  } catch {
    return { status: 400, code: 'BAD_REQUEST', message: 'The body is not JSON' };
  }
  const parsed = caseSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((issue) => issue.path.map(String).join('.') || '(root)');
    return { status: 400, code: 'BAD_REQUEST', message: `The body is not a Case (${where.join(', ')})` };
  }
  const remote = parsed.data;
  try {
    const result = await applyCaseUpdate(
      { db: deps.db, now: () => new Date((deps.now ?? Date.now)()), logger, ...(deps.onCaseChanged ? { onChanged: deps.onCaseChanged } : {}) },
      { departmentCode },
      { remoteCase: remote },
    );
    if (result.outcome === 'unknown') logger.warn({ remoteCaseId: remote.caseId }, 'webhook for an unknown case ignored');
    else if (result.outcome !== 'ignored') {
      logger.info({ caseId: result.case?.id, remoteCaseId: remote.caseId, status: remote.status, outcome: result.outcome }, 'case webhook applied');
    }
  } catch (error) {
    logger.error({ remoteCaseId: remote.caseId, err: describeError(error) }, 'case webhook could not be applied');
    throw error;
  }
  return { status: 204 };
}
