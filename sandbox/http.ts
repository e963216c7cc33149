/**
 * The plumbing every simulator shares: a node:http server with a tiny
 * router, JSON replies with the contracts' `{code, message}` error bodies,
 * the per-call latency, fault injection and call recording.
 */
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { CallRecorder } from './call-log.ts';
import type { Fault, FaultRegistry } from './faults.ts';
import type { SystemName } from './systems.ts';

/** Thrown by handlers to answer with an error body; the harness turns it into the reply. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
  headers?: Readonly<Record<string, string>>;
}

/** Returned by a handler that must never answer: the connection stays open until the sandbox closes. */
export const NO_REPLY = Symbol('no reply');
export type Outcome = Reply | typeof NO_REPLY;

export function jsonReply(status: number, value: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(value)), headers };
}

export function htmlReply(status: number, html: string): Reply {
  return { status, contentType: 'text/html; charset=utf-8', body: Buffer.from(html) };
}

export function errorReply(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): Reply {
  return jsonReply(status, { code, message }, headers);
}

export interface SimRequest {
  /** Decoded path parameters of the matched route; a trailing `*` is named `rest`. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The simulator's own base URL, without trailing slash. */
  baseUrl: string;
  /** The JSON body checked against `schema`; throws a 400 HttpError when it is missing, not JSON or of the wrong shape. */
  body<T>(schema: z.ZodType<T>): T;
}

export interface Route {
  /** GET routes also answer HEAD (node:http leaves the body out by itself). */
  method: 'GET' | 'POST';
  /** `/api/v1/cases/:caseId/supplements`; a final `*` matches the rest of the path. */
  path: string;
  handle(request: SimRequest): Outcome | Promise<Outcome>;
}

/** `/health`, which every system serves without authentication. */
export const healthRoute: Route = {
  method: 'GET',
  path: '/health',
  handle: () => jsonReply(200, { status: 'ok' }),
};

export interface SimulatorSettings {
  system: SystemName;
  routes: readonly Route[];
  faults: FaultRegistry;
  calls: CallRecorder;
  /** Added before every API call, in milliseconds. */
  latencyMs: number;
  /** Aborted when the sandbox closes, dropping pending delays so no timer outlives it. */
  shutdown: AbortSignal;
}

export interface RunningSimulator {
  /** Without trailing slash. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startSimulator(settings: SimulatorSettings, host: string, port: number): Promise<RunningSimulator> {
  const router = compileRoutes(settings.routes);
  let baseUrl = '';
  const server = createServer((request, response) => {
    serve(settings, router, baseUrl, request, response).catch((error: unknown) => {
      if (settings.shutdown.aborted) return; // the sandbox closed while this call waited
      if (!response.headersSent) send(response, errorReply(500, 'INTERNAL_ERROR', String(error)), null);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging answers and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

async function serve(
  settings: SimulatorSettings,
  router: CompiledRoute[],
  baseUrl: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { system, faults, calls } = settings;
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  calls.record({ system, method, path: url.pathname + url.search });

  if (url.pathname === '/health' && faults.isDown(system)) {
    send(response, unavailable(), null);
    return;
  }
  const isApiCall = url.pathname.startsWith('/api/');
  const fault = isApiCall ? faults.takeForApiCall(system) : null;
  switch (fault?.kind) {
    case 'hang':
      return;
    case 'down':
      send(response, unavailable(), null);
      return;
    case 'status': {
      const headers = fault.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(fault.retryAfterSeconds) };
      send(response, errorReply(fault.status, statusCode(fault.status), 'Injected fault', headers), null);
      return;
    }
  }

  const waitMs = (isApiCall ? settings.latencyMs : 0) + (fault?.kind === 'slow' ? fault.delayMs : 0);
  if (waitMs > 0) await delay(waitMs, undefined, { signal: settings.shutdown });
  const rawBody = await readAll(request);
  const outcome = await dispatch(router, {
    method,
    pathname: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    baseUrl,
    rawBody,
  });
  if (outcome !== NO_REPLY) send(response, outcome, fault);
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        if (segment === '*') {
          names.push('rest');
          return '(.*)';
        }
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { route, pattern: new RegExp(`^${source}$`), names };
  });
}

interface IncomingCall {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  baseUrl: string;
  rawBody: Buffer;
}

async function dispatch(router: CompiledRoute[], call: IncomingCall): Promise<Outcome> {
  const matches = router.flatMap((compiled) => {
    const match = compiled.pattern.exec(call.pathname);
    return match ? [{ compiled, match }] : [];
  });
  if (matches.length === 0) return errorReply(404, 'NOT_FOUND', `No such resource: ${call.pathname}`);
  const routeMethod = call.method === 'HEAD' ? 'GET' : call.method;
  const found = matches.find(({ compiled }) => compiled.route.method === routeMethod);
  if (!found) {
    const allow = [...new Set(matches.map(({ compiled }) => compiled.route.method))].join(', ');
    return errorReply(405, 'METHOD_NOT_ALLOWED', `${call.method} is not allowed here`, { Allow: allow });
  }
  try {
    const params: Record<string, string> = {};
    found.compiled.names.forEach((name, index) => {
      params[name] = decodePathSegment(found.match[index + 1] ?? '');
    });
    return await found.compiled.route.handle({
      params,
      query: call.query,
      headers: call.headers,
      baseUrl: call.baseUrl,
      body: (schema) => parseBody(call.rawBody, schema),
    });
  } catch (error) {
    if (error instanceof HttpError) return errorReply(error.status, error.code, error.message, error.headers);
    throw error;
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Malformed percent-encoding in the path');
  }
}

function parseBody<T>(raw: Buffer, schema: z.ZodType<T>): T {
  if (raw.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'A JSON body is required');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The body is not valid JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, 'BAD_REQUEST', z.prettifyError(result.error));
  return result.data;
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function unavailable(): Reply {
  return errorReply(503, 'SERVICE_UNAVAILABLE', 'The system is down');
}

/** `429` → `TOO_MANY_REQUESTS`, so injected errors carry a plausible machine-readable code. */
function statusCode(status: number): string {
  return (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** Writes `reply`, spoiled the way the fault in force (if any) demands. */
function send(response: ServerResponse, reply: Reply, fault: Fault | null): void {
  const headers = { ...reply.headers, 'Content-Type': reply.contentType };
  switch (fault?.kind) {
    case 'malformedJson': {
      // Any strict prefix of a JSON object is invalid JSON.
      const body = reply.body.subarray(0, Math.floor(reply.body.length / 2));
      response.writeHead(reply.status, { ...headers, 'Content-Length': body.length }).end(body);
      return;
    }
    case 'wrongShape': {
      // Every contract answers with an object, so an array is wrong for all of them.
      const body = Buffer.from(JSON.stringify([{ unexpected: true }]));
      response.writeHead(reply.status, { ...headers, 'Content-Length': body.length }).end(body);
      return;
    }
    case 'resetMidBody': {
      // Announce the whole body, deliver half of it, then drop the connection.
      response.writeHead(reply.status, { ...headers, 'Content-Length': reply.body.length });
      response.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => response.destroy());
      return;
    }
  }
  response.writeHead(reply.status, { ...headers, 'Content-Length': reply.body.length }).end(reply.body);
}
