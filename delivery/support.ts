/**
 * What the delivery worker, the status poller and the webhook share: their
 * dependencies, error descriptions fit for the database (no upstream
 * bodies), bounded parallelism and the background loop.
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

/**
 * Runs one step at a time, now (`run`) or in the background (`start`): the
 * next step starts `intervalMs` after the previous one ended, or at once
 * when it said more work is waiting. The timer is unref'd: it never keeps
 * the process alive. `stop` waits for the step in progress.
 */
export class BackgroundLoop<T> {
  readonly #step: () => Promise<T>;
  readonly #intervalMs: number;
  readonly #moreWork: (result: T) => boolean;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #woken = false;

  constructor(options: {
    step: () => Promise<T>;
    intervalMs: number;
    moreWork: (result: T) => boolean;
    onError: (error: unknown) => void;
  }) {
    this.#step = options.step;
    this.#intervalMs = options.intervalMs;
    this.#moreWork = options.moreWork;
    this.#onError = options.onError;
  }

  get running(): boolean {
    return this.#started;
  }

  /** Runs one step after the one in progress, if any (steps never overlap). */
  run(): Promise<T> {
    const result = this.#tail.then(() => this.#step());
    this.#tail = result.catch(() => undefined);
    return result;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /**
   * Asks for a step as soon as possible when started: at once when idle,
   * right after the step in progress otherwise. Ignored when stopped.
   */
  wake(): void {
    if (!this.#started) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#schedule(0);
    } else {
      this.#woken = true;
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tail;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#woken = false;
      this.run().then(
        (result) => {
          if (this.#started) this.#schedule(this.#woken || this.#moreWork(result) ? 0 : this.#intervalMs);
        },
        (error: unknown) => {
          this.#onError(error);
          if (this.#started) this.#schedule(this.#woken ? 0 : this.#intervalMs);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }
}

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
