/**
 * The scope of one HTTP request, carried through every asynchronous step of
 * its handling (resolvers, loaders, upstream calls) by an
 * `AsyncLocalStorage`: its request id, the GraphQL operation it runs (once
 * known) and the OpenTelemetry span of that operation.
 *
 * One storage for the whole process: several gateways in one process (the
 * tests boot many) each run their requests in their own scopes.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';

export interface RequestScope {
  /** The request's id, also in the `x-request-id` response header and sent upstream as `X-Request-Id`. */
  readonly requestId: string;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  /** The GraphQL operation's name, once Apollo resolved it (for the access log). */
  operationName?: string;
  /** The span of the GraphQL operation, parent of the upstream calls' spans. */
  span?: Span;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` in a new request scope. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the request being handled, or undefined outside any request (background work). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
