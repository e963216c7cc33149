/**
 * The gateway's HTTP server: GraphQL at /graphql through Apollo Server, on a
 * plain node:http server so that body limits, strict UTF-8 and request ids
 * are ours to decide. Each route is a small file under server/routes/; the
 * first one that matches answers, and its failures are answered here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayContext, Viewer } from './context.ts';
import { HttpError, errorBody, sendJson } from './http.ts';
import { buildSchema } from './schema.ts';
import { createSubscriptionRoute } from './subscriptions.ts';
import type { GatewayServices } from './services.ts';
import { ASSISTANCE_SESSION_HEADER, identifyCaller } from './assistance.ts';
import { ForbiddenError } from '../lib/errors.ts';
import { errorStatusPlugin, formatError } from './errors.ts';
import { queryLimitRules, tokenLimitRefusal } from './limits.ts';
import { textInputPlugin } from './text-inputs.ts';
import { TokenBucketLimiter, mutationRateLimitPlugin } from './rate-limit.ts';
import { TrustedDocuments, loadManifest } from './trusted-documents.ts';
import { createObservability, type Observability } from './observability/index.ts';
import { ReadinessProbe } from './readiness.ts';
import { createWebUi } from './explorer.ts';
import { matchRoute, type Route } from './routes/route.ts';
import { graphqlRoute } from './routes/graphql.ts';
import { subscriptionsRoute } from './routes/subscriptions.ts';
import { uploadsRoute } from './routes/uploads.ts';
import { caseStatusWebhookRoute } from './routes/webhooks.ts';
import { metricsCsvRoute, replicationBacklogCsvRoute } from './routes/exports.ts';
import { documentRoutes } from './routes/documents.ts';
import { healthzRoute, readyzRoute } from './routes/health.ts';
import { metricsRoute } from './routes/metrics.ts';
import type { DemoApplicant } from '../citizen/page.ts';
import type { DemoStaff } from '../window/page.ts';

export interface RunningGateway {
  /** Base URL, e.g. `http://127.0.0.1:4000`; GraphQL is at `${url}/graphql`. */
  url: string;
  server: Server;
  /**
   * Stops accepting requests (and /readyz answers 503), lets in-flight ones
   * finish for at most SHUTDOWN_GRACE_MS, then closes the services (which
   * drains the outbox work in progress).
   */
  stop(): Promise<void>;
  /** Builds (or loads) the explorer's and the dashboard's bundles now, so that the first page is fast. */
  warmUp(): Promise<void>;
}

export interface StartOptions {
  /** Metrics, traces and access logs; made here when not given (bootstrap makes it, to hook the upstream calls). */
  observability?: Observability;
  /** The sandbox's demo applicants, for the citizen page's sign-in; never given with real upstreams. Default none. */
  demoApplicants?: readonly DemoApplicant[];
  /** The sandbox's demo window staff, for the window console's sign-in; never given with real upstreams. Default none. */
  demoStaff?: readonly DemoStaff[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function startGateway(services: GatewayServices, options: StartOptions = {}): Promise<RunningGateway> {
  const { config, logger } = services;
  const observability = options.observability ?? (await createObservability(config, logger));
  observability.observe(services);
  const readiness = new ReadinessProbe(services, { draining: () => observability.draining });
  const webUi = createWebUi({ config, logger, demoApplicants: options.demoApplicants ?? [], demoStaff: options.demoStaff ?? [] });
  const trusted = config.trustedDocuments === 'contract' ? new TrustedDocuments(loadManifest(), { maxTokens: config.queryLimits.maxTokens }) : null;
  const rateLimiter = config.mutationRateLimit ? new TokenBucketLimiter(config.mutationRateLimit) : null;
  const schema = buildSchema();
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // server/main.ts owns SIGTERM/SIGINT (bounded drain, in order); Apollo's own
    // handlers would stop Apollo while requests are still being drained.
    stopOnTerminationSignals: false,
    formatError: formatError(logger, { parseRefusal: (source) => tokenLimitRefusal(source, config.queryLimits.maxTokens) }),
    validationRules: queryLimitRules(config.queryLimits),
    parseOptions: { maxTokens: config.queryLimits.maxTokens },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      errorStatusPlugin<GatewayContext>(),
      textInputPlugin<GatewayContext>(), // control characters in any argument: BAD_USER_INPUT before execution (server/text-inputs.ts)
      // We send no cache hints; Apollo's default cache-control plugin would still hook every field's resolution.
      ApolloServerPluginCacheControlDisabled(),
      ...(rateLimiter ? [mutationRateLimitPlugin(rateLimiter)] : []),
      observability.apolloPlugin<GatewayContext>(), // per-operation metrics and spans
    ],
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  await apollo.start();

  // Window staff with an assistance session act for the citizen (server/assistance.ts).
  const identify = (req: IncomingMessage, authorization = req.headers.authorization): Promise<Viewer> =>
    identifyCaller(services, authorization, req.headers[ASSISTANCE_SESSION_HEADER]);
  const subscriptions = createSubscriptionRoute({ services, schema, formatError: formatError(logger), identify: (req) => identify(req) });

  // In order: the first route that matches answers (the explorer takes GET /graphql from browsers).
  const routes: readonly Route[] = [
    ...webUi.routes,
    readyzRoute(readiness),
    metricsRoute(observability),
    graphqlRoute({ apollo, services, trusted, identify: (req) => identify(req), logger }),
    subscriptionsRoute(subscriptions),
    healthzRoute(),
    uploadsRoute({ services, identify }),
    metricsCsvRoute(services),
    replicationBacklogCsvRoute(services),
    ...documentRoutes({ services, identify }),
    caseStatusWebhookRoute(services),
  ];

  const server = createServer((req, res) => {
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('x-request-id', requestId);
    // Each request in its own scope: access log, metrics, traces, X-Request-Id upstream.
    void observability.serve(req, res, requestId, () => route(req, res, requestId));
  });
  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const match = matchRoute(routes, req, url);
      if (!match) return sendJson(res, 404, errorBody('NOT_FOUND', `No route for ${url.pathname}`));
      await match.route.handle(req, res, { requestId, url, params: match.params });
    } catch (error) {
      answerFailure(res, error, requestId);
    }
  }
  /** The one place where a route's failure becomes an answer: its own status, 403, or a logged 500. */
  function answerFailure(res: ServerResponse, error: unknown, requestId: string): void {
    if (error instanceof HttpError) {
      if (!res.headersSent) sendJson(res, error.status, errorBody(error.code, error.message), { connection: 'close' });
      return;
    }
    // An assistance session the caller may not use, found while identifying the caller of a document route.
    if (error instanceof ForbiddenError) {
      if (!res.headersSent) sendJson(res, 403, errorBody('FORBIDDEN', error.message));
      return;
    }
    logger.error({ err: error, requestId }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
    else res.destroy();
  }
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  return {
    url,
    server,
    async stop() {
      // readiness fails at once; in-flight requests get SHUTDOWN_GRACE_MS
      observability.beginDrain();
      const streamsEnded = subscriptions.close(); // live status streams end now: their clients resume elsewhere with Last-Event-ID
      await new Promise<void>((resolve) => {
        // Keep-alive connections are closed as soon as their request is answered.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(idle);
          resolve();
        });
        server.closeIdleConnections();
        // A client that never finishes its request must not hold the shutdown hostage.
        setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs).unref();
      });
      await streamsEnded;
      await apollo.stop();
      await services.close();
      await observability.shutdown();
    },
    warmUp: () => webUi.warmUp(),
  };
}
