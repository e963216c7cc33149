/**
 * Health of the systems the gateway depends on, for the `connectors` query:
 * every live approval connector (from an {@link ApprovalDirectory}) and the
 * central upstreams added with {@link HealthMonitor.track} (matter registry,
 * e-certificates, data center, evaluation).
 *
 * A check is one `GET <baseUrl>/health` (no token: the contracts serve it
 * unauthenticated) with the target's own deadline, an `UpstreamClient.probe`
 * (connectors/http.ts): no retries and no circuit breaker, so it reports what
 * the system does now. Each target has a client of its own, apart from the
 * ones that deliver cases, so health checks never queue behind (or hold up)
 * case deliveries.
 *
 * Status of a target, from its latest check alone:
 * - `UP`: answered 2xx within `degradedAfterMs`;
 * - `DEGRADED`: answered 2xx, but slower than `degradedAfterMs`;
 * - `DOWN`: no answer within the deadline, a connection error, or a non-2xx;
 * - `UNKNOWN`: not checked yet (just registered, or the monitor just started).
 *
 * A failed check is DOWN at once, even right after a good one: softening a
 * single failure to DEGRADED would hide an outage for a whole interval, and
 * case delivery does not depend on this status anyway (the outbox retries on
 * its own). A one-off blip therefore shows as DOWN until the next check.
 *
 * `latencyMs` is the round trip of the latest check when the system answered
 * (any status), null when it did not (timeout, refused). `lastError` is a
 * short description of what was wrong with the latest check (never an
 * upstream body), null when it was UP.
 *
 * @module
 */
import { BackgroundLoop } from '../../lib/background-loop.ts';
import { UpstreamError, UpstreamTimeoutError, type UpstreamName } from '../../lib/errors.ts';
import { DestinationRefusedError, type EgressPolicy } from '../egress.ts';
import { UpstreamClient } from '../http.ts';
import type { ApprovalDirectory } from './endpoint.ts';

export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN' | 'UNKNOWN';

/** What the `health` field of a connector shows. */
export interface ConnectorHealth {
  status: HealthStatus;
  /** Round trip of the latest check in milliseconds, null when no answer came (or never checked). */
  latencyMs: number | null;
  /** When the latest check finished, ISO 8601 (UTC); null when never checked. */
  checkedAt: string | null;
  /** What was wrong with the latest check, in a few words; null when it was UP or never checked. */
  lastError: string | null;
}

export interface HealthMonitorOptions {
  /** Where the live approval connectors are; omit to check only tracked targets. */
  directory?: ApprovalDirectory;
  /** Pause between two rounds of checks, in milliseconds. Default 30000. */
  intervalMs?: number;
  /** A 2xx slower than this is DEGRADED, in milliseconds. Default 1000. */
  degradedAfterMs?: number;
  /** Told about every finished check (for logs and metrics). */
  onCheck?: (id: string, health: ConnectorHealth) => void;
  /** Told when a round could not list the approval connectors. */
  onError?: (error: Error) => void;
  /** Clock for `checkedAt`; default `() => new Date()`. */
  now?: () => Date;
  /**
   * Where the approval connectors may be reached (connectors/egress.ts); a
   * refused one is DOWN without a connection. Tracked targets are the
   * operator's own and are not checked. Default: no check.
   */
  egress?: EgressPolicy;
}

export const DEFAULT_HEALTH_INTERVAL_MS = 30_000;
export const DEFAULT_DEGRADED_AFTER_MS = 1000;

/** The health of something never checked. */
export const UNKNOWN_HEALTH: Readonly<ConnectorHealth> = Object.freeze({
  status: 'UNKNOWN',
  latencyMs: null,
  checkedAt: null,
  lastError: null,
});

interface Target {
  id: string;
  /** The name its calls are recorded and reported under. */
  upstream: UpstreamName;
  baseUrl: string;
  timeoutMs: number;
  /** A department's approval system, checked by the egress policy; false for tracked targets. */
  connector: boolean;
}

/** Bytes of a /health body read before it is dropped; the body itself is never looked at. */
const MAX_HEALTH_BODY = 64 * 1024;

/** Checks targets' `/health`; see the module comment. */
export class HealthMonitor {
  readonly #directory: ApprovalDirectory | undefined;
  readonly #degradedAfterMs: number;
  readonly #onCheck: (id: string, health: ConnectorHealth) => void;
  readonly #onError: (error: Error) => void;
  readonly #now: () => Date;
  readonly #tracked = new Map<string, Target>();
  readonly #health = new Map<string, ConnectorHealth>();
  /** One check at a time per target: a second request for it joins the running one. */
  readonly #running = new Map<string, Promise<ConnectorHealth>>();
  /** Each target's client, with what it was made for: a new base URL or deadline gets a new one. */
  readonly #clients = new Map<string, { made: string; client: UpstreamClient }>();
  readonly #egress: EgressPolicy | undefined;
  readonly #stop = new AbortController();
  readonly #rounds: BackgroundLoop<void>;
  #closed = false;

  constructor(options: HealthMonitorOptions = {}) {
    const intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    const degradedAfterMs = options.degradedAfterMs ?? DEFAULT_DEGRADED_AFTER_MS;
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
    if (!(Number.isFinite(degradedAfterMs) && degradedAfterMs >= 0)) {
      throw new RangeError(`degradedAfterMs must be >= 0, got ${degradedAfterMs}`);
    }
    this.#directory = options.directory;
    this.#rounds = new BackgroundLoop({ step: () => this.#checkAll(), intervalMs, onError: (error) => this.#report(error) });
    this.#degradedAfterMs = degradedAfterMs;
    this.#onCheck = options.onCheck ?? (() => undefined);
    this.#onError = options.onError ?? (() => undefined);
    this.#now = options.now ?? (() => new Date());
    this.#egress = options.egress;
  }

  /**
   * Adds (or updates) a target that is not an approval connector, such as a
   * central upstream: `monitor.track('matter-registry', url, 3000)`. Its
   * health is UNKNOWN until the next round or {@link checkNow}.
   */
  track(id: UpstreamName, baseUrl: string, timeoutMs: number): void {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
    const previous = this.#tracked.get(id);
    const target = { id, upstream: id, baseUrl: baseUrl.replace(/\/+$/, ''), timeoutMs, connector: false };
    if (previous && previous.baseUrl !== target.baseUrl) this.#health.delete(id);
    this.#tracked.set(id, target);
  }

  /** Stops checking a tracked target and forgets its health. */
  untrack(id: string): void {
    this.#tracked.delete(id);
    this.#health.delete(id);
    this.#dropClient(id);
  }

  /**
   * The latest health of a target (approval connector id or tracked id);
   * UNKNOWN when it was never checked or is not known.
   */
  healthOf(id: string): ConnectorHealth {
    return { ...(this.#health.get(id) ?? UNKNOWN_HEALTH) };
  }

  /**
   * Runs a round of checks at once and every `intervalMs` after the previous
   * round ended. The timer is unref'd: it never keeps the process alive.
   * Calling it again does nothing.
   */
  start(): void {
    if (this.#closed) return;
    this.#rounds.start();
  }

  /**
   * Checks now and resolves when done: every target, or only the one with
   * this id (an approval connector id or a tracked id; an unknown id is
   * UNKNOWN). For start-up, tests, and right after a registration.
   */
  async checkNow(id?: string): Promise<void> {
    if (this.#closed) throw new Error('the health monitor is closed');
    if (id === undefined) return this.#checkAll();
    const target = (await this.#targets()).find((t) => t.id === id);
    if (target) await this.#check(target);
  }

  /** Stops the timer, abandons running checks and closes the connection pools. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await this.#rounds.stop();
    await Promise.all([...this.#clients.values()].map(({ client }) => client.close().catch(() => undefined)));
    this.#clients.clear();
  }

  /** Tells onError, which must not break a round by throwing. */
  #report(error: unknown): void {
    try {
      this.#onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // ignored: see above
    }
  }

  async #targets(): Promise<Target[]> {
    const targets = [...this.#tracked.values()];
    if (this.#directory) {
      for (const endpoint of await this.#directory.all()) {
        targets.push({
          id: endpoint.id,
          upstream: `approval:${endpoint.departmentCode}`,
          baseUrl: endpoint.baseUrl,
          timeoutMs: endpoint.timeoutMs,
          connector: true,
        });
      }
    }
    return targets;
  }

  async #checkAll(): Promise<void> {
    let targets: Target[];
    try {
      targets = await this.#targets();
    } catch (error) {
      // Keep what is known; tracked targets are still checked.
      this.#report(error);
      targets = [...this.#tracked.values()];
      await Promise.all(targets.map((target) => this.#check(target)));
      return;
    }
    // Forget removed connectors, so their ids (and pools) do not pile up.
    const live = new Set(targets.map((t) => t.id));
    for (const id of this.#health.keys()) if (!live.has(id)) this.#health.delete(id);
    for (const id of this.#clients.keys()) if (!live.has(id)) this.#dropClient(id);
    await Promise.all(targets.map((target) => this.#check(target)));
  }

  #check(target: Target): Promise<ConnectorHealth> {
    const running = this.#running.get(target.id);
    if (running) return running;
    const check = this.#probe(target)
      .then((health) => {
        if (!this.#closed) {
          this.#health.set(target.id, health);
          try {
            this.#onCheck(target.id, health);
          } catch {
            // A listener's failure is not the target's.
          }
        }
        return health;
      })
      .finally(() => this.#running.delete(target.id));
    this.#running.set(target.id, check);
    return check;
  }

  async #probe(target: Target): Promise<ConnectorHealth> {
    // A check that starts after close() would open a pool nothing closes; its result is dropped anyway.
    if (this.#closed) return this.#result('DOWN', null, 'check abandoned');
    let latencyMs: number;
    let status: number;
    try {
      const answer = await this.#clientFor(target).probe({
        path: '/health',
        headers: { accept: 'application/json' },
        // Read (and drop) the body so the connection can be reused; its content does not matter.
        discardBytes: MAX_HEALTH_BODY,
        signal: this.#stop.signal,
      });
      latencyMs = Math.round(answer.durationMs);
      status = answer.status;
    } catch (error) {
      if (error instanceof UpstreamTimeoutError) return this.#result('DOWN', null, `no answer within ${error.deadlineMs} ms`);
      return this.#result('DOWN', null, describeFailure(error instanceof UpstreamError ? (error.cause ?? error) : error));
    }
    if (status < 200 || status > 299) return this.#result('DOWN', latencyMs, `HTTP ${status}`);
    if (latencyMs > this.#degradedAfterMs) {
      return this.#result('DEGRADED', latencyMs, `slow: answered in ${latencyMs} ms (over ${this.#degradedAfterMs} ms)`);
    }
    return this.#result('UP', latencyMs, null);
  }

  #clientFor(target: Target): UpstreamClient {
    const made = `${target.connector} ${target.timeoutMs} ${target.baseUrl}`;
    const held = this.#clients.get(target.id);
    if (held?.made === made) return held.client;
    if (held) this.#dropClient(target.id);
    const client = new UpstreamClient({
      upstream: target.upstream,
      baseUrl: target.baseUrl,
      // One check at a time per target (see #running): a small pool is plenty.
      policy: { timeoutMs: target.timeoutMs, retries: 0, maxConcurrent: 4 },
      // Tracked targets are the operator's own upstreams, which the connector policy does not cover.
      ...(target.connector && this.#egress ? { egress: this.#egress } : {}),
    });
    this.#clients.set(target.id, { made, client });
    return client;
  }

  /** Closes a target's client; a check still running on it finishes first. */
  #dropClient(id: string): void {
    const held = this.#clients.get(id);
    if (!held) return;
    this.#clients.delete(id);
    void held.client.close().catch(() => undefined);
  }

  #result(status: HealthStatus, latencyMs: number | null, lastError: string | null): ConnectorHealth {
    return { status, latencyMs, checkedAt: this.#now().toISOString(), lastError };
  }
}

/** A few words on why no answer came, from the error code only (never a body or a stack). */
function describeFailure(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return 'connection reset';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'host not found';
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return 'host unreachable';
      case 'ERR_DESTINATION_REFUSED':
        if (current instanceof DestinationRefusedError && current.reason === 'HOST_NOT_RESOLVED') return 'host not found';
        return 'address not allowed for connectors';
      case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
        return 'health answer too large';
      case 'CERT_HAS_EXPIRED':
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return `TLS certificate refused (${code})`;
    }
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `request failed (${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  return 'request failed';
}
