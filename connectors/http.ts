/**
 * The one HTTP seam of the gateway: every call to an upstream system goes
 * through an `UpstreamClient`.
 *
 * Why undici's `request` over a dedicated `Agent` rather than global `fetch`:
 * each upstream gets its own connection pool with its own connect, headers
 * and body timeouts (undici's defaults are 300 s), there is no shared global
 * dispatcher to configure, and it is the faster of the two. The price is that
 * request interceptors such as msw (which patch global `fetch`) cannot see
 * these calls, so the connectors are tested against real HTTP servers on
 * loopback: the sandbox simulators and purpose-built fault servers. That also
 * lets the tests produce faults msw cannot, such as a socket closed mid-body.
 *
 * Policies, outermost first: bulkhead (bounded in-flight calls per upstream),
 * deadline (covers the retries too), retry (idempotent reads only, exponential
 * backoff with jitter, honouring Retry-After), circuit breaker (a dead
 * upstream fails fast and is probed back after a pause).
 *
 * A probe ({@link UpstreamClient.probe}: health checks, the guide check's
 * look at an online address) asks what the upstream does right now: its
 * answer is the status, whatever it is, and it goes through the bulkhead and
 * its own deadline only — a retry or an open circuit would hide the answer.
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IBackoff,
  type IBackoffFactory,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { AsyncResource } from 'node:async_hooks';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { ZodType } from 'zod';
import { guardedConnector, type EgressPolicy } from './egress.ts';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamName,
} from '../lib/errors.ts';
import { parseUpstreamJson } from '../lib/text.ts';

/** Resilience settings of one upstream. */
export interface UpstreamPolicy {
  /** Deadline of one logical call, retries included, in milliseconds. Default 3000. */
  timeoutMs: number;
  /** Extra attempts for idempotent reads after the first one. Default 2. */
  retries: number;
  /** First retry delay in milliseconds; later ones grow exponentially with jitter. Default 50. */
  retryBaseDelayMs: number;
  /** Longest wait between two attempts in milliseconds, Retry-After included. Default 1000. */
  retryMaxDelayMs: number;
  /** Calls in flight at once; more wait in a queue. Default 64. */
  maxConcurrent: number;
  /** Calls that may wait for a free slot before new ones are refused. Default 256. */
  maxQueued: number;
  /** Consecutive failed calls that open the circuit. Default 5. */
  breakerThreshold: number;
  /** Pause before a half-open probe call, in milliseconds. Default 10000. */
  breakerHalfOpenAfterMs: number;
  /** Largest response body accepted, in bytes. Default 8 MiB. */
  maxResponseBytes: number;
}

export const defaultUpstreamPolicy: UpstreamPolicy = {
  timeoutMs: 3000,
  retries: 2,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 1000,
  maxConcurrent: 64,
  maxQueued: 256,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 10_000,
  maxResponseBytes: 8 * 1024 * 1024,
};

/** What a finished upstream call looked like, for metrics and tests. */
export interface UpstreamCallRecord {
  upstream: UpstreamName;
  method: 'GET' | 'POST';
  path: string;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  durationMs: number;
  outcome: 'ok' | 'rejected' | 'unavailable' | 'timeout' | 'bad_response' | 'circuit_open';
}

export interface UpstreamClientOptions {
  upstream: UpstreamName;
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:4101`. */
  baseUrl: string;
  /** Bearer token sent on every call, when the upstream wants one. */
  token?: string;
  policy?: Partial<UpstreamPolicy>;
  /** Told about every finished attempt. */
  onCall?: (record: UpstreamCallRecord) => void;
  /**
   * Where this upstream may connect (connectors/egress.ts): each new
   * connection resolves the host once, checks every address and connects to
   * a checked one. Default: no check (the operator's own upstreams).
   */
  egress?: EgressPolicy;
}

export interface UpstreamRequest<T> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** The contract's schema of the 2xx body; the answer is parsed with it. */
  schema: ZodType<T>;
  /** Safe to repeat: GETs, and POSTs that only read. Only these are retried. Default: GET. */
  idempotent?: boolean;
  /**
   * Non-2xx statuses the contract defines as an answer rather than a failure
   * (typically 404); such an answer resolves to `{ status, data: null }`.
   */
  answerStatuses?: readonly number[];
}

export type UpstreamResponse<T> = { status: number; data: T } | { status: number; data: null };

/** One GET whose answer is its status (see {@link UpstreamClient.probe}). */
export interface UpstreamProbeRequest {
  /** Path under the base URL, query included, e.g. `/health`. */
  path: string;
  headers?: Record<string, string>;
  /**
   * Deadline of this call in milliseconds: connecting, the headers and (see
   * `settlesAt`) the body. Default: the policy's `timeoutMs`, which still
   * bounds connecting when this one is longer.
   */
  timeoutMs?: number;
  /** Body bytes read and dropped, so the connection can be reused; a longer body's connection is closed instead. Default 64 KiB. */
  discardBytes?: number;
  /**
   * When the answer is known. `body` (default): once the body is dropped, so
   * the deadline covers reading it. `headers`: once the headers came; the
   * body is still drained within what is left of the deadline, but nothing
   * that happens to it changes the answer.
   */
  settlesAt?: 'headers' | 'body';
  /** Abandons the call when aborted; it then fails as a timeout. */
  signal?: AbortSignal;
}

export interface UpstreamProbeResponse {
  /** The HTTP status, any one: a 503 is an answer here, not an error. */
  status: number;
  /** Milliseconds from the start of the call until the answer's headers. */
  headersMs: number;
  /** Milliseconds from the start of the call until the body was dropped (or given up, with `settlesAt: 'headers'`). */
  durationMs: number;
}

/** Body bytes a probe reads and drops by default. */
export const DEFAULT_DISCARD_BYTES = 64 * 1024;

const isTransient = (error: Error) =>
  error instanceof UpstreamUnavailableError || error instanceof UpstreamTimeoutError;

/** Waits as long as the upstream's Retry-After asks, within bounds; otherwise exponential backoff. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly fallback: IBackoffFactory<unknown>,
    private readonly maxDelayMs: number,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const fallback = this.fallback.next(context);
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfterMs = error instanceof UpstreamUnavailableError ? error.retryAfterMs : undefined;
    const duration = Math.min(retryAfterMs ?? fallback.duration, this.maxDelayMs);
    return { duration, next: (ctx) => new RetryAfterBackoff(fallback, this.maxDelayMs).next(ctx) };
  }
}

export class UpstreamClient {
  readonly upstream: UpstreamName;
  readonly policy: UpstreamPolicy;
  private readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly dispatcher: Agent;
  private readonly onCall: ((record: UpstreamCallRecord) => void) | undefined;
  private readonly readPolicy: IPolicy<{ signal: AbortSignal }>;
  private readonly writePolicy: IPolicy<{ signal: AbortSignal }>;
  private readonly breaker;
  private readonly limit;

  constructor(options: UpstreamClientOptions) {
    this.upstream = options.upstream;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.onCall = options.onCall;
    const policy = { ...defaultUpstreamPolicy, ...options.policy };
    this.policy = policy;
    this.dispatcher = new Agent({
      connectTimeout: policy.timeoutMs,
      // A connector function replaces undici's own, connectTimeout included: it gets the timeout itself.
      ...(options.egress ? { connect: guardedConnector(options.egress, { timeout: policy.timeoutMs }) } : {}),
      headersTimeout: policy.timeoutMs,
      bodyTimeout: policy.timeoutMs,
      keepAliveTimeout: 10_000,
      connections: policy.maxConcurrent,
    });
    this.breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: policy.breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(policy.breakerThreshold),
    });
    const limit = bulkhead(policy.maxConcurrent, policy.maxQueued);
    this.limit = limit;
    // abortOnReturn off: aborting every finished call's signal builds a DOMException (with its stack) per call for nothing.
    const deadline = timeout(policy.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    // An upstream that asks for a longer pause than we would ever wait is not retried: failing now beats timing out later.
    const worthRetrying = (error: Error) =>
      isTransient(error) &&
      !(error instanceof UpstreamUnavailableError && (error.retryAfterMs ?? 0) > policy.retryMaxDelayMs);
    const retries = retry(handleWhen(worthRetrying), {
      maxAttempts: policy.retries,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({ initialDelay: policy.retryBaseDelayMs, maxDelay: policy.retryMaxDelayMs }),
        policy.retryMaxDelayMs,
      ),
    });
    this.readPolicy = wrap(limit, deadline, retries, this.breaker);
    this.writePolicy = wrap(limit, deadline, this.breaker);
  }

  /** `open`, `halfOpen`, `closed` or `isolated`: the circuit breaker's state, for health and metrics. */
  get circuitState(): string {
    const names = ['closed', 'open', 'halfOpen', 'isolated'];
    return names[this.breaker.state] ?? 'closed';
  }

  /** Calls the upstream; resolves with the parsed 2xx body or a declared answer status, or throws an `UpstreamError`. */
  async send<T>(req: UpstreamRequest<T>): Promise<UpstreamResponse<T>> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const policy = idempotent ? this.readPolicy : this.writePolicy;
    try {
      // A call queued in the bulkhead would run in the context of whichever call freed its slot, and carry that
      // request's id and trace: bound to the caller's async context then. With a slot free it starts at once, in
      // the caller's context, without the cost of binding.
      const run = (signal: AbortSignal) => this.attempt(req, signal);
      const attempt = this.limit.executionSlots > 0 ? run : AsyncResource.bind(run);
      // A fresh signal per call: cockatiel listens on the one it is given, and a shared one would collect listeners.
      return await policy.execute(({ signal }) => attempt(signal), new AbortController().signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        this.onCall?.({ upstream: this.upstream, method: req.method, path: req.path, status: 0, durationMs: 0, outcome: 'circuit_open' });
      }
      throw this.translate(error);
    }
  }

  /**
   * GETs `req.path` once and resolves with the status it answered, whatever
   * it is, and when: no retry, no circuit breaker, no redirect followed, the
   * body dropped unread. Recorded like any call, with the outcome its status
   * stands for (below 400 `ok`, 429 and 5xx `unavailable`, other 4xx
   * `rejected`).
   * @throws UpstreamTimeoutError when no answer came within the deadline (or
   *   the call was abandoned); UpstreamUnavailableError when none could
   *   come (refused, reset, not resolved, refused by the egress policy). The
   *   transport's error is kept as `cause`, for a caller to say why in its
   *   own words.
   */
  async probe(req: UpstreamProbeRequest): Promise<UpstreamProbeResponse> {
    const timeoutMs = req.timeoutMs ?? this.policy.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    // Bound to the caller's async context when it has to queue: see send().
    const run = () => this.probeAttempt(req, signal, timeoutMs);
    try {
      return await this.limit.execute(this.limit.executionSlots > 0 ? run : AsyncResource.bind(run), signal);
    } catch (error) {
      throw this.translate(error, timeoutMs, { keepCause: true });
    }
  }

  /** Convenience for the common case: a GET whose only answer is a 2xx body. */
  async get<T>(path: string, schema: ZodType<T>, query?: Record<string, string | undefined>): Promise<T> {
    const response = await this.send({ method: 'GET', path, query, schema });
    return response.data as T;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private url(path: string, query?: Record<string, string | undefined>): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, value);
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private async attempt<T>(req: UpstreamRequest<T>, signal: AbortSignal): Promise<UpstreamResponse<T>> {
    const started = performance.now();
    let status = 0;
    const record = (outcome: UpstreamCallRecord['outcome']) =>
      this.onCall?.({
        upstream: this.upstream,
        method: req.method,
        path: req.path,
        status,
        durationMs: performance.now() - started,
        outcome,
      });
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      let body: string | undefined;
      if (req.body !== undefined) {
        body = JSON.stringify(req.body);
        headers['content-type'] = 'application/json';
      }
      const response = await request(this.url(req.path, req.query), {
        method: req.method,
        headers,
        body,
        signal,
        dispatcher: this.dispatcher as Dispatcher,
      });
      status = response.statusCode;
      const text = await this.readBody(response.body, signal);
      const result = this.interpret(req, status, text, response.headers['retry-after']);
      record('ok');
      return result;
    } catch (error) {
      const translated = this.translate(error);
      record(outcomeOf(translated));
      throw translated;
    }
  }

  private async probeAttempt(req: UpstreamProbeRequest, signal: AbortSignal, timeoutMs: number): Promise<UpstreamProbeResponse> {
    const started = performance.now();
    let status = 0;
    const record = (outcome: UpstreamCallRecord['outcome']) =>
      this.onCall?.({ upstream: this.upstream, method: 'GET', path: req.path, status, durationMs: performance.now() - started, outcome });
    try {
      const headers: Record<string, string> = { ...req.headers };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      const response = await request(this.url(req.path), {
        method: 'GET',
        headers,
        signal,
        // The Agent's own timeouts are the policy's; this call's deadline may be longer.
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        dispatcher: this.dispatcher as Dispatcher,
      });
      status = response.statusCode;
      const headersMs = performance.now() - started;
      // dump() settles once the body is gone, read or cut off; it fails only when the signal is aborted.
      const dropped = response.body.dump({ limit: req.discardBytes ?? DEFAULT_DISCARD_BYTES, signal });
      await (req.settlesAt === 'headers' ? dropped.catch(() => undefined) : dropped);
      record(status < 400 ? 'ok' : status === 429 || status >= 500 ? 'unavailable' : 'rejected');
      return { status, headersMs, durationMs: performance.now() - started };
    } catch (error) {
      const translated = this.translate(error, timeoutMs, { keepCause: true });
      record(outcomeOf(translated));
      throw translated;
    }
  }

  private async readBody(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.policy.maxResponseBytes) {
        body.destroy();
        throw new UpstreamBadResponseError(this.upstream, `body larger than ${this.policy.maxResponseBytes} bytes`);
      }
      if (signal.aborted) throw signal.reason;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private interpret<T>(
    req: UpstreamRequest<T>,
    status: number,
    text: string,
    retryAfter: string | string[] | undefined,
  ): UpstreamResponse<T> {
    if (status >= 200 && status < 300) {
      let json: unknown;
      try {
        json = parseJson(text);
      } catch {
        throw new UpstreamBadResponseError(this.upstream, `not JSON at ${req.path}`, status);
      }
      const parsed = req.schema.safeParse(json);
      if (!parsed.success) {
        throw new UpstreamBadResponseError(this.upstream, summariseIssues(parsed.error.issues), status);
      }
      return { status, data: parsed.data };
    }
    if (req.answerStatuses?.includes(status)) return { status, data: null };
    if (status === 429 || status >= 500) {
      throw new UpstreamUnavailableError(this.upstream, status, parseRetryAfter(retryAfter));
    }
    const error = safeParseJson(text);
    const upstreamCode = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
    const upstreamMessage = isRecord(error) && typeof error.message === 'string' ? error.message : undefined;
    throw new UpstreamRejectedError(this.upstream, status, upstreamCode, upstreamMessage);
  }

  /**
   * An `UpstreamError` for what went wrong. `keepCause` keeps the transport's
   * error as `cause`; send() leaves it out, so its errors log as they always did.
   */
  private translate(error: unknown, deadlineMs = this.policy.timeoutMs, { keepCause = false } = {}): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const withCause = <E extends UpstreamError>(translated: E): E => {
      if (keepCause) translated.cause = error;
      return translated;
    };
    if (error instanceof TaskCancelledError) return new UpstreamTimeoutError(this.upstream, deadlineMs);
    if (error instanceof BrokenCircuitError || error instanceof BulkheadRejectedError) {
      return new UpstreamUnavailableError(this.upstream);
    }
    if (
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError ||
      (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    ) {
      return withCause(new UpstreamTimeoutError(this.upstream, deadlineMs));
    }
    // Connection refused, reset, closed mid-body: the upstream is not there for us right now.
    return withCause(new UpstreamUnavailableError(this.upstream));
  }
}

function outcomeOf(error: UpstreamError): UpstreamCallRecord['outcome'] {
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  if (error instanceof UpstreamBadResponseError) return 'bad_response';
  if (error instanceof UpstreamRejectedError) return 'rejected';
  return 'unavailable';
}

/** An upstream's body as JSON, its strings cleaned of control characters (lib/text.ts): what an upstream stored is read back clean. */
function parseJson(text: string): unknown {
  if (text === '') return undefined;
  return parseUpstreamJson(text);
}

function safeParseJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function summariseIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
