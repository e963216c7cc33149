/**
 * The gateway's HTTP server: GraphQL at /graphql through Apollo Server, on a
 * plain node:http server so that body limits, strict UTF-8 and request ids
 * are ours to decide.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { createContext, type GatewayContext, type Viewer } from './context.ts';
import { HttpError, decodeUtf8, errorBody, readBody, sendJson } from './http.ts';
import { buildSchema } from './schema.ts';
import { handleUpload } from './uploads.ts';
import { BACKLOG_CSV_PATH, handleMetricsCsv, handleReplicationBacklogCsv, METRICS_CSV_PATH } from './exports.ts';
import { assessmentMetrics } from '../usecases/metrics.ts';
import { regionReplicationBacklog } from '../usecases/cross-region.ts';
import { handleCaseStatusWebhook } from '../delivery/webhooks.ts';
import { routeDocuments } from './document-routes.ts';
import { createSubscriptionRoute, SUBSCRIPTIONS_PATH } from './subscriptions.ts';
import type { GatewayServices } from './services.ts';
import type { Logger } from '../lib/logger.ts';
import { ASSISTANCE_SESSION_HEADER, identifyCaller } from './assistance.ts';
import { ForbiddenError, GatewayError } from '../lib/errors.ts';
import { recordAssistance } from '../usecases/assistance.ts';
import { errorStatusPlugin, formatError, requestError } from './errors.ts';
import { queryLimitRules, tokenLimitRefusal } from './limits.ts';
import { textInputPlugin } from './text-inputs.ts';
import { TokenBucketLimiter, mutationRateLimitPlugin, rememberClientAddress } from './rate-limit.ts';
import { TrustedDocuments, loadManifest } from './trusted-documents.ts';
import { createObservability, type Observability } from './observability/index.ts';
import { ReadinessProbe } from './readiness.ts';
import { createWebUi } from './explorer.ts';
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
  const identify = (req: IncomingMessage): Promise<Viewer> =>
    identifyCaller(services, req.headers.authorization, req.headers[ASSISTANCE_SESSION_HEADER]);
  const subscriptions = createSubscriptionRoute({ services, schema, formatError: formatError(logger), identify });

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string, url: URL) {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = decodeUtf8(await readBody(req, config.maxBodyBytes));
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
      }
    }
    let search = url.search;
    if (trusted) {
      // Trusted documents: only the contract's operations (server/trusted-documents.ts).
      const admission = trusted.admit({ method: req.method ?? 'GET', body, search });
      if (!admission.ok) return sendJson(res, admission.status, errorBody(admission.code, admission.message));
      ({ body, search } = admission);
    }
    const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search, body };
    let context: GatewayContext | undefined;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => {
        try {
          return (context = rememberClientAddress(createContext(services, requestId, await identify(req)), req.socket.remoteAddress));
        } catch (error) {
          // Apollo Server takes the status of a failed context (401 for a bad token) from the GraphQLError.
          throw error instanceof GatewayError ? requestError(error) : error;
        }
      },
    });
    try {
      // Every read of personal data is stored before any of it leaves the gateway (DESIGN: the access log).
      await context?.reads?.flush();
    } catch (error) {
      logger.error({ err: error, requestId }, 'the access log could not be written: the answer is withheld');
      return sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
    }
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handleWebhook(req: IncomingMessage, res: ServerResponse, departmentCode: string) {
    if (req.method !== 'POST') return sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use POST'));
    // The signature covers the raw bytes, so the body is verified before it is parsed.
    const raw = await readBody(req, 1024 * 1024);
    const result = await handleCaseStatusWebhook(
      { db: services.db, directory: services.connectors, logger, onCaseChanged: () => services.warnings.wake() },
      departmentCode,
      raw,
      req.headers['x-signature'],
    );
    if (result.status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, result.status, errorBody(result.code, result.message));
  }

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
      // explorer, dashboard and their assets; readiness; metrics
      if (await webUi.handle(req, res, url)) return;
      if (url.pathname === '/readyz') return await readiness.handle(req, res);
      if (url.pathname === '/metrics') return await observability.handleMetrics(req, res);
      if (url.pathname === '/graphql') return await handleGraphQL(req, res, requestId, url);
      if (url.pathname === SUBSCRIPTIONS_PATH) return await subscriptions.handle(req, res, requestId);
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/uploads') {
        let uploader: Viewer = { kind: 'anonymous' };
        return await handleUpload(req, res, {
          db: services.db,
          maxBytes: config.maxUploadBytes,
          identify: async (authorization) => {
            uploader = await identifyCaller(services, authorization, req.headers[ASSISTANCE_SESSION_HEADER]);
            return uploader.kind === 'user' ? { subject: uploader.subject, role: uploader.role } : null;
          },
          // Window staff upload scans for the citizen: the file is the citizen's, and the session says who brought it.
          onStored: (fileRef) => recordAssistance(services, uploader, { action: 'UPLOAD', ref: fileRef }),
        });
      }
      if (url.pathname === METRICS_CSV_PATH) {
        return await handleMetricsCsv(req, res, {
          identify: (authorization) => services.verifier.identify(authorization),
          metrics: (params) => assessmentMetrics({ registry: services.registry, db: services.db, evaluation: services.evaluation }, params),
          departmentNames: async () => new Map((await services.registry.departments()).map((d) => [d.code, d.name])),
        });
      }
      if (url.pathname === BACKLOG_CSV_PATH) {
        return await handleReplicationBacklogCsv(req, res, {
          identify: (authorization) => services.verifier.identify(authorization),
          backlog: (region) => regionReplicationBacklog({ registry: services.registry }, { region }),
          departmentNames: async () => new Map((await services.registry.departments()).map((d) => [d.code, d.name])),
        });
      }
      if (await routeDocuments(req, res, url, { services, requestId, identify: (authorization) => identifyCaller(services, authorization, req.headers[ASSISTANCE_SESSION_HEADER]) })) return;
      const webhook = /^\/webhooks\/case-status\/([^/]+)$/.exec(url.pathname);
      if (webhook) return await handleWebhook(req, res, decodeURIComponent(webhook[1]!));
      sendJson(res, 404, errorBody('NOT_FOUND', `No route for ${url.pathname}`));
    } catch (error) {
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
