/**
 * Per-request tracing for the benchmark, and the NAIVE build of the gateway.
 *
 * Every request to a traced gateway runs in an AsyncLocalStorage context, so
 * the upstream calls it causes (reported through the gateway's
 * `onUpstreamCall` hook) are recorded for that request, with their start and
 * end, and the chain of dependent calls of one query can be measured. (Only
 * for a query alone: under load, a call queued in an upstream's bulkhead runs
 * in the context of the call that freed its slot.)
 *
 * The NAIVE build is the same gateway code with three things switched off,
 * for the requests of the naive gateway only (the optimised gateway in the
 * same process is untouched):
 * - DataLoader batching and per-request caching: every `load` calls the batch
 *   function with its one key (one upstream call per key and per field);
 * - the process-wide registry cache: every registry read goes upstream;
 * - concurrency: the upstream calls of one request run one after another.
 * The gateway has no such switch (it would belong in server/services.ts and
 * server/context.ts), so this bench-only module patches the prototypes of
 * DataLoader, CachedMatterRegistry and UpstreamClient, each patch doing
 * nothing outside a naive request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import DataLoader from 'dataloader';
import { UpstreamClient, type UpstreamCallRecord } from '../connectors/http.ts';
import { CachedMatterRegistry } from '../connectors/matter-registry/cache.ts';
import type { Matter } from '../connectors/matter-registry/models.ts';

export interface TracedCall {
  upstream: string;
  path: string;
  start: number;
  end: number;
}

/** An upstream request exactly as undici sent it, for the floor build to send again (bench/floor.ts). */
export interface CapturedRequest {
  origin: string;
  method: string;
  /** Path with the query string. */
  path: string;
  /** `[name, value, name, value, …]`, as undici holds them. */
  headers: string[];
  body: string | null;
  start: number;
  /** When the answer's body was complete; Infinity until then. */
  end: number;
}

export interface RequestTrace {
  naive: boolean;
  calls: TracedCall[];
  /** Every undici request made in this request's async context, with headers and body. */
  requests: CapturedRequest[];
  /** The tail of this request's upstream calls, in the naive build. */
  queue: Promise<unknown>;
  /** `extensions.code` of every error in the answer (an HTTP 200 can carry errors). */
  errorCodes: string[];
}

const traces = new AsyncLocalStorage<RequestTrace>();

/** For the gateway's `onUpstreamCall`: attributes the call to the request that made it. */
export function recordUpstreamCall(record: UpstreamCallRecord): void {
  const trace = traces.getStore();
  if (!trace) return;
  const end = performance.now();
  trace.calls.push({ upstream: record.upstream, path: record.path, start: end - record.durationMs, end });
}

/** Whether requests run in traces (see {@link traceRequests}). */
export interface Tracing {
  set(on: boolean): void;
}

/**
 * Runs every request of `server` in a trace of its own; `onFinish` gets it
 * when the response is sent. With tracing set off, requests are still counted
 * and their error codes read, but run outside any trace, and the storage is
 * disabled: each AsyncLocalStorage in use adds its own propagation to every
 * async step of the process (the gateway's own storages stay), which would
 * count as the gateway's CPU. (The naive build needs its traces all the
 * time: they are what makes a request naive.)
 */
export function traceRequests(server: Server, naive: boolean, onFinish: (trace: RequestTrace) => void): Tracing {
  let tracing = true;
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const trace: RequestTrace = { naive, calls: [], requests: [], queue: Promise.resolve(), errorCodes: [] };
    res.once('finish', () => onFinish(trace));
    // The gateway sends a complete GraphQL answer with one `end(string)`.
    const end = res.end as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].includes('"errors"')) {
        trace.errorCodes = [...args[0].matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]!);
      }
      return end.apply(this, args);
    } as typeof res.end;
    const handle = () => {
      for (const listener of listeners) listener.call(server, req, res);
    };
    if (tracing) traces.run(trace, handle);
    else handle();
  });
  return {
    set(on) {
      tracing = on || naive;
      if (!tracing) traces.disable();
    },
  };
}

const captured = new WeakMap<object, CapturedRequest>();
let capturing = false;

/** Records every undici request of a traced request (headers and body included) into its trace's `requests`. */
export function captureUpstreamRequests(): void {
  if (capturing) return;
  capturing = true;
  // Published synchronously in the caller's async context, so the trace is the store.
  diagnosticsChannel.subscribe('undici:request:create', (message) => {
    const trace = traces.getStore();
    if (!trace) return;
    const request = (message as { request: { origin: unknown; method: string; path: string; headers: unknown; body: unknown } }).request;
    const headers = Array.isArray(request.headers) ? request.headers.map(String) : [];
    const body = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : null;
    const entry: CapturedRequest = { origin: String(request.origin), method: request.method, path: request.path, headers, body, start: performance.now(), end: Infinity };
    captured.set(request, entry);
    trace.requests.push(entry);
  });
  diagnosticsChannel.subscribe('undici:request:trailers', (message) => {
    const entry = captured.get((message as { request: object }).request);
    if (entry) entry.end = performance.now();
  });
}

/**
 * The calls grouped in rounds: a call is in round k when the longest chain of
 * calls that ended before it started is k − 1 long. Sending each round's calls
 * in parallel, one round after the other, reproduces the request's dependencies.
 */
export function roundsOf<T extends { start: number; end: number }>(calls: readonly T[], slackMs = 1): T[][] {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth = sorted.map(() => 0);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sorted[j]!.end <= sorted[i]!.start + slackMs) depth[i] = Math.max(depth[i]!, depth[j]! + 1);
    }
  }
  const rounds: T[][] = [];
  sorted.forEach((call, i) => (rounds[depth[i]!] ??= []).push(call));
  return rounds.filter(Boolean);
}

/**
 * The longest chain of calls each of which started after the previous one
 * ended: the calls a query cannot overlap, its critical path in calls.
 */
export function longestChain(calls: readonly TracedCall[], slackMs = 1): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const chain = sorted.map(() => 1);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sorted[j]!.end <= sorted[i]!.start + slackMs) chain[i] = Math.max(chain[i]!, chain[j]! + 1);
    }
  }
  return Math.max(0, ...chain);
}

const inNaiveRequest = () => traces.getStore()?.naive === true;

let installed = false;

/** Installs the naive build's patches (once); they act only inside requests traced as naive. */
export function installNaiveMode(): void {
  if (installed) return;
  installed = true;

  // 1. No DataLoader batching or caching: each load is a batch of its own key.
  const loader = DataLoader.prototype as unknown as {
    load(this: { _batchLoadFn(keys: readonly unknown[]): PromiseLike<ArrayLike<unknown>> }, key: unknown): Promise<unknown>;
  };
  const load = loader.load;
  loader.load = function (key) {
    if (!inNaiveRequest()) return load.call(this, key);
    return Promise.resolve(this._batchLoadFn([key])).then((values) => {
      const value = values[0];
      if (value instanceof Error) throw value;
      return value;
    });
  };

  // 2. No registry cache: every read goes to the registry, matters one code per call.
  const registry = CachedMatterRegistry.prototype;
  const cached = {
    departments: registry.departments,
    certificateTypes: registry.certificateTypes,
    topics: registry.topics,
    topic: registry.topic,
    mattersByCode: registry.mattersByCode,
  };
  registry.departments = function () {
    return inNaiveRequest() ? this.client.departments() : cached.departments.call(this);
  };
  registry.certificateTypes = function () {
    return inNaiveRequest() ? this.client.certificateTypes() : cached.certificateTypes.call(this);
  };
  registry.topics = function (region) {
    return inNaiveRequest() ? this.client.topics(region ?? undefined) : cached.topics.call(this, region);
  };
  registry.topic = function (code) {
    return inNaiveRequest() ? this.client.topic(code) : cached.topic.call(this, code);
  };
  registry.mattersByCode = async function (codes) {
    if (!inNaiveRequest()) return cached.mattersByCode.call(this, codes);
    const found: (Matter | null)[] = [];
    for (const code of codes) found.push((await this.client.matters([code]))[0] ?? null);
    return found;
  };

  // 3. No concurrency: a request's upstream calls wait for each other.
  const client = UpstreamClient.prototype;
  const send = client.send;
  client.send = function (this: UpstreamClient, request) {
    const trace = traces.getStore();
    if (!trace?.naive) return send.call(this, request);
    const run = trace.queue.then(() => send.call(this, request));
    trace.queue = run.catch(() => undefined);
    return run;
  } as typeof send;
}
