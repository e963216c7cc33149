/**
 * What the delivery worker, the status poller and the webhook share: their
 * dependencies, error descriptions fit for the database (no upstream
 * bodies), and bounded parallelism (the background loop is lib/background-loop.ts).
 */
import type { ApprovalClients } from '../connectors/approval/client.ts';
import type { ApprovalDirectory } from '../connectors/approval/endpoint.ts';
import { departmentRefusalReason } from '../domain/case-lifecycle.ts';
import { UpstreamError, UpstreamRejectedError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { Database } from '../store/database.ts';

/** The process-wide parts the delivery engine works with. */
export interface DeliveryDeps {
  db: Database;
  /** Where each department's approval system is found (registered connectors). */
  directory: ApprovalDirectory;
  /** Pooled HTTP clients of the approval systems; closed by their owner, not here. */
  clients: ApprovalClients;
  /** Default: silent. */
  logger?: Logger;
  /** Told when a case's status or dates changed (the warning monitor re-evaluates it). */
  onCaseChanged?: () => void;
}

let silent: Logger | undefined;
/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return (silent ??= createLogger({ level: 'silent' }));
}

/**
 * A short description of a failure for `last_error` and logs: the error
 * class, the upstream and HTTP status, never the upstream's body (the
 * department's error code is kept, its message is not).
 */
export function describeError(error: unknown): string {
  if (error instanceof UpstreamRejectedError) {
    return `${error.code} ${error.upstream} HTTP ${error.httpStatus ?? '?'}${error.upstreamCode ? ` ${error.upstreamCode}` : ''}`;
  }
  if (error instanceof UpstreamError) return `${error.code}: ${error.message}${error.httpStatus ? ` (HTTP ${error.httpStatus})` : ''}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The department's reason for refusing a request, as shown to the applicant. */
export function refusalReason(error: UpstreamRejectedError): string {
  return departmentRefusalReason({ code: error.upstreamCode, message: error.upstreamMessage, httpStatus: error.httpStatus });
}

export { mapLimit } from '../lib/concurrency.ts';

/** Checks a positive number option. */
export function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** Checks a positive integer option. */
export function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
