/**
 * Carries the request id (and, when tracing, the W3C `traceparent`) to the
 * upstream systems: every HTTP request made with undici while a gateway
 * request is being handled gets an `X-Request-Id` header with that request's
 * id, so that an upstream's logs can be matched with the gateway's.
 *
 * How: undici announces every request it creates on the diagnostics channel
 * `undici:request:create` (synchronously, in the caller's async context, as
 * OpenTelemetry's undici instrumentation relies on), and its request object
 * takes extra headers with `addHeader`. Every upstream call goes through
 * undici (connectors/http.ts), so this covers all of them without touching
 * the connectors. A header the caller already set is left alone. Requests
 * made outside a gateway request (the outbox, the status poller, health
 * checks) get none: they have no request id.
 *
 * @module
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { currentRequestScope } from './context.ts';

interface UndiciRequest {
  /** `[name, value, name, value, …]` in undici 6 and 7. */
  headers?: unknown;
  addHeader(name: string, value: string): unknown;
}

const CHANNEL = 'undici:request:create';
let installed = false;

function hasHeader(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return true;
    }
    return false;
  }
  if (typeof headers === 'string') return headers.toLowerCase().includes(`${name}:`);
  return false;
}

function onRequestCreated(message: unknown): void {
  const scope = currentRequestScope();
  if (!scope) return;
  const request = (message as { request?: UndiciRequest }).request;
  if (!request || typeof request.addHeader !== 'function') return;
  try {
    if (!hasHeader(request.headers, 'x-request-id')) request.addHeader('x-request-id', scope.requestId);
    const context = scope.span?.spanContext();
    if (context && context.traceFlags !== undefined && scope.span?.isRecording() && !hasHeader(request.headers, 'traceparent')) {
      request.addHeader('traceparent', `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`);
    }
  } catch {
    // A header undici refuses must never fail the call itself.
  }
}

/** Installs the propagation once per process; later calls do nothing. */
export function propagateRequestIdsUpstream(): void {
  if (installed) return;
  installed = true;
  diagnosticsChannel.subscribe(CHANNEL, onRequestCreated);
}
