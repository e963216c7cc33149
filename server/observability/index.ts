/**
 * What operators see of a running gateway: Prometheus metrics (./metrics.ts),
 * OpenTelemetry traces (./tracing.ts), one structured access log line per
 * request, and the request id carried to every upstream call
 * (./propagation.ts).
 *
 * Wiring (server/bootstrap.ts, server/app.ts):
 * - `upstreamHook(previous)` is given to the services as `onUpstreamCall`
 *   (it calls `previous` too, which the tests use): metrics, a span and a
 *   debug log line per upstream call attempt;
 * - `observe(services)` lets the scrape-time metrics read the services;
 * - `apolloPlugin()`: the operation's name, outcome, latency and span;
 * - `serve(req, res, requestId, handler)` runs every HTTP request in its
 *   request scope and writes its access log line when it is over;
 * - `handleMetrics` answers GET /metrics.
 *
 * The access log line (`msg: "request"`) has `requestId`, `method`, `path`
 * (without the query string), `operation` (GraphQL only), `status`,
 * `durationMs`, and `aborted` when the client went away first. Never a
 * header, a query string, the GraphQL document or its variables: tokens and
 * personal data stay out of the log by construction (and lib/logger.ts masks
 * ID numbers in any case).
 *
 * @module
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { UpstreamCallRecord } from '../../connectors/http.ts';
import type { Logger } from '../../lib/logger.ts';
import { maskIdNumbers } from '../../lib/mask.ts';
import type { GatewayConfig } from '../config.ts';
import { errorBody, sendJson } from '../http.ts';
import type { GatewayServices } from '../services.ts';
import { currentRequestScope, runInRequestScope, type RequestScope } from './context.ts';
import { GatewayMetrics, routeOf } from './metrics.ts';
import { propagateRequestIdsUpstream } from './propagation.ts';
import { startTracing, type Tracing } from './tracing.ts';

export { currentRequestScope } from './context.ts';
export { GatewayMetrics, routeOf } from './metrics.ts';

export interface Observability {
  readonly metrics: GatewayMetrics;
  readonly tracing: Tracing;
  /** True once the gateway is shutting down: /readyz answers 503 and connections are not kept alive. */
  readonly draining: boolean;
  beginDrain(): void;
  upstreamHook(previous?: (record: UpstreamCallRecord) => void): (record: UpstreamCallRecord) => void;
  observe(services: GatewayServices): void;
  apolloPlugin<C extends object>(): ApolloServerPlugin<C>;
  serve(req: IncomingMessage, res: ServerResponse, requestId: string, handler: () => Promise<void>): Promise<void>;
  handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Sends the buffered spans and stops the exporter. */
  shutdown(): Promise<void>;
}

type ObservabilityConfig = Pick<GatewayConfig, 'metricsToken' | 'tracing'>;

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export async function createObservability(config: ObservabilityConfig, logger: Logger): Promise<Observability> {
  propagateRequestIdsUpstream();
  const metrics = new GatewayMetrics(logger);
  const tracing = await startTracing(config.tracing);
  const { tracer } = tracing;
  let draining = false;

  function recordUpstreamCall(record: UpstreamCallRecord): void {
    metrics.upstreamCall(record);
    const scope = currentRequestScope();
    const path = maskIdNumbers(record.path);
    const end = Date.now();
    const parent = scope?.span;
    const span = tracer.startSpan(
      `${record.method} ${record.upstream}`,
      {
        kind: SpanKind.CLIENT,
        startTime: end - record.durationMs,
        attributes: {
          'http.request.method': record.method,
          'url.path': path,
          'peer.service': record.upstream,
          'gateway.upstream.outcome': record.outcome,
          ...(record.status > 0 ? { 'http.response.status_code': record.status } : {}),
          ...(scope ? { 'gateway.request_id': scope.requestId } : {}),
        },
      },
      parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    if (record.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: record.outcome });
    span.end(end);
    logger.debug(
      { requestId: scope?.requestId, upstreamCall: { ...record, path, durationMs: Math.round(record.durationMs) } },
      'upstream call',
    );
  }

  return {
    metrics,
    tracing,
    get draining() {
      return draining;
    },
    beginDrain() {
      draining = true;
    },
    upstreamHook(previous) {
      return (record) => {
        previous?.(record);
        try {
          recordUpstreamCall(record);
        } catch (error) {
          logger.warn({ err: error }, 'an upstream call could not be recorded');
        }
      };
    },
    observe(services) {
      metrics.watch(services);
    },
    apolloPlugin<C extends object>(): ApolloServerPlugin<C> {
      return {
        // A request whose context could not be made (an invalid token: 401) never starts: counted here.
        async contextCreationDidFail({ error }) {
          const scope = currentRequestScope();
          const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
          const outcome = typeof code === 'string' && ERROR_CODE.test(code) ? code : 'ERROR';
          metrics.graphqlRequest('(unknown)', outcome, scope ? (performance.now() - scope.startedAt) / 1000 : 0);
        },
        async requestDidStart({ request }): Promise<GraphQLRequestListener<C>> {
          const started = performance.now();
          const scope = currentRequestScope();
          const span: Span = tracer.startSpan('graphql', {
            kind: SpanKind.SERVER,
            attributes: scope ? { 'gateway.request_id': scope.requestId } : {},
          });
          if (scope) scope.span = span;
          let operation = metrics.operationLabel(request.operationName);
          if (scope && request.operationName) scope.operationName = operation;
          return {
            async didResolveOperation({ operationName, operation: definition }) {
              operation = metrics.operationLabel(operationName);
              if (scope) scope.operationName = operation;
              const type = definition?.operation ?? 'query';
              span.updateName(`${type} ${operation}`);
              span.setAttribute('graphql.operation.name', operation);
              span.setAttribute('graphql.operation.type', type);
            },
            async willSendResponse({ response }) {
              const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
              const code = errors?.length ? errors[0]?.extensions?.code : undefined;
              const outcome = !errors?.length ? 'ok' : typeof code === 'string' && ERROR_CODE.test(code) ? code : 'ERROR';
              metrics.graphqlRequest(operation, outcome, (performance.now() - started) / 1000);
              span.setAttribute('gateway.outcome', outcome);
              if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
              span.end();
            },
          };
        },
      };
    },
    async serve(req, res, requestId, handler) {
      const started = performance.now();
      const scope: RequestScope = { requestId, startedAt: started };
      if (draining) res.setHeader('connection', 'close');
      res.once('close', () => {
        const durationMs = performance.now() - started;
        const pathname = pathOf(req.url);
        const aborted = !res.writableFinished;
        const status = aborted && !res.headersSent ? 499 : res.statusCode;
        metrics.httpRequest(routeOf(pathname), req.method ?? 'GET', status, durationMs / 1000);
        logger.info(
          {
            requestId,
            method: req.method,
            path: pathname.slice(0, 200),
            ...(scope.operationName ? { operation: scope.operationName } : {}),
            status,
            durationMs: Math.round(durationMs * 10) / 10,
            ...(aborted ? { aborted: true } : {}),
          },
          'request',
        );
      });
      try {
        await runInRequestScope(scope, handler);
      } catch (error) {
        logger.error({ err: error, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
        else res.destroy();
      }
    },
    async handleMetrics(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use GET'), { allow: 'GET, HEAD' });
      }
      if (config.metricsToken !== null && !bearerMatches(req.headers.authorization, config.metricsToken)) {
        return sendJson(res, 401, errorBody('UNAUTHENTICATED', 'The metrics need the METRICS_TOKEN as a bearer token'), {
          'www-authenticate': 'Bearer',
        });
      }
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    shutdown: () => tracing.shutdown(),
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

/** Constant-time comparison of an Authorization header with the expected bearer token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
