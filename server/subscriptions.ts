/**
 * GraphQL subscriptions over Server-Sent Events at /graphql/stream
 * (graphql-sse, "distinct connections" mode: one stream per subscription,
 * GET or POST with `Accept: text/event-stream`). Queries and mutations are
 * not served here: they go to POST /graphql, behind its limits.
 *
 * graphql-sse's own node:http adapter is not used because the stream needs
 * three things it does not do: an SSE `id:` on every event (so that
 * EventSource sends Last-Event-ID when it reconnects), a heartbeat of our
 * period, and ending every open stream when the gateway drains.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { createHandler, type ExecutionResult } from 'graphql-sse';
import { UnauthenticatedError } from '../lib/errors.ts';
import { ApplicationEventFeed } from '../store/application-events.ts';
import { SubscriptionSlots } from '../usecases/follow-application.ts';
import { createContext, type GatewayContext, type Viewer } from './context.ts';
import { decodeUtf8, errorBody, readBody, sendJson } from './http.ts';
import { queryLimitRules } from './limits.ts';
import type { GatewayServices } from './services.ts';

export const SUBSCRIPTIONS_PATH = '/graphql/stream';

export interface SubscriptionRouteOptions {
  services: GatewayServices;
  schema: GraphQLSchema;
  /** The gateway's one formatError (server/app.ts): typed errors kept, the rest masked and logged. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  identify: (req: IncomingMessage) => Promise<Viewer>;
}

export interface SubscriptionRoute {
  handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void>;
  /** Ends every open stream (the clients reconnect elsewhere with Last-Event-ID) and stops listening. */
  close(): Promise<void>;
}

interface RequestState {
  requestId: string;
  viewer: Viewer;
  lastEventId: string | null;
}

const NOT_HERE = new GraphQLError('Only subscriptions are served at /graphql/stream; send queries and mutations to POST /graphql', {
  extensions: { code: 'BAD_REQUEST' },
});

export function createSubscriptionRoute(options: SubscriptionRouteOptions): SubscriptionRoute {
  const { services, schema, formatError } = options;
  const { config } = services;
  const feed = new ApplicationEventFeed(services.db);
  const slots = new SubscriptionSlots(config.subscriptions.maxPerSubject);
  const rules = [...specifiedRules, ...queryLimitRules(config.queryLimits)];
  const open = new Set<AsyncGenerator<string, void, undefined>>();

  const handler = createHandler<IncomingMessage, RequestState, GatewayContext & Record<PropertyKey, unknown>>({
    schema,
    authenticate: () => null, // distinct connections only: no stream tokens to keep
    validate: (s, document) => validate(s, document, rules),
    execute: () => ({ errors: [NOT_HERE] }),
    context: (req) => ({
      ...createContext(services, req.context.requestId, req.context.viewer),
      live: {
        deps: { db: services.db, wakeups: feed, slots, recheckMs: config.subscriptions.heartbeatMs },
        lastEventId: req.context.lastEventId,
        sendingEventId: null,
      },
    }),
    onNext: (ctx, _req, result) => {
      // The formatted errors go out as JSON like GraphQLErrors would: the types differ, the wire does not.
      const errors = result.errors?.map((e) => withoutHttp(formatError(e instanceof GraphQLError ? e.toJSON() : { message: String(e) }, e)));
      const eventId = ctx.live?.sendingEventId;
      if (ctx.live) ctx.live.sendingEventId = null;
      return {
        ...(result as ExecutionResult),
        ...(errors ? { errors: errors as unknown as ExecutionResult['errors'] } : {}),
        ...(eventId ? { extensions: { ...result.extensions, eventId } } : {}),
      };
    },
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    let viewer: Viewer;
    try {
      viewer = await options.identify(req);
    } catch (error) {
      if (error instanceof UnauthenticatedError) return sendJson(res, 401, errorBody('UNAUTHENTICATED', error.message), { 'www-authenticate': 'Bearer' });
      throw error;
    }
    const lastEventId = req.headers['last-event-id'];
    const [body, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get: (key) => {
          const value = req.headers[key.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        },
      },
      body: async () => decodeUtf8(await readBody(req, config.maxBodyBytes)),
      raw: req,
      context: { requestId, viewer, lastEventId: typeof lastEventId === 'string' ? lastEventId.trim() : null },
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') {
      res.end(body ?? undefined);
      return;
    }
    open.add(body);
    const end = () => void body.return(undefined);
    res.once('close', end);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), config.subscriptions.heartbeatMs);
    try {
      for await (const message of body) {
        if (!res.writable) break;
        await new Promise<void>((resolve, reject) => res.write(withEventId(message), (error) => (error ? reject(error) : resolve())));
      }
    } finally {
      clearInterval(heartbeat);
      res.off('close', end);
      open.delete(body);
      res.end();
    }
  }

  return {
    handle,
    async close() {
      await Promise.all([...open].map((stream) => stream.return(undefined)));
      await feed.close();
    },
  };
}

/** An HTTP status in `extensions.http` is for Apollo's answer; on a stream already open it means nothing. */
function withoutHttp(error: GraphQLFormattedError): GraphQLFormattedError {
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}

const NEXT = 'event: next\ndata: ';

/** The message with an SSE `id:` line when it is a `next` event carrying our `extensions.eventId`. */
function withEventId(message: string): string {
  if (!message.startsWith(NEXT)) return message;
  try {
    const data = JSON.parse(message.slice(NEXT.length)) as { extensions?: { eventId?: unknown } };
    const eventId = data.extensions?.eventId;
    return typeof eventId === 'string' ? `id: ${eventId}\n${message}` : message;
  } catch {
    return message;
  }
}
