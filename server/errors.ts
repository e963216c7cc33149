/**
 * The one place where the gateway's typed errors (lib/errors.ts) become what
 * a GraphQL client sees: `extensions` with the code and its details, the
 * HTTP status where Apollo Server takes it from the error, and a masked
 * INTERNAL_SERVER_ERROR for anything else (whose real cause is logged).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { GatewayError, MAX_LISTED_PROBLEMS, UpstreamError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { withVariableProblem } from './variable-problems.ts';

/** What a client sees of a typed error besides its message. */
export function extensionsOf(error: GatewayError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: error.code };
  if ('problems' in error && Array.isArray(error.problems) && error.problems.length > 0) {
    const listed = error.problems.slice(0, MAX_LISTED_PROBLEMS);
    extensions.problems = listed;
    if (error.problems.length > listed.length) extensions.problemsOmitted = error.problems.length - listed.length;
  }
  if (error instanceof UpstreamError) {
    extensions.upstream = error.upstream;
    // Not `extensions.http`: Apollo Server would take that as the status of our own response.
    if (error.httpStatus) extensions.upstreamStatus = error.httpStatus;
  }
  if (error.code === 'RATE_LIMITED' && 'retryAfterSeconds' in error) extensions.retryAfterSeconds = error.retryAfterSeconds;
  if (error.code === 'RATE_LIMITED' && 'limit' in error) extensions.limit = error.limit;
  if (error.code === 'FORBIDDEN' && 'reason' in error && error.reason) extensions.reason = error.reason;
  if (error.code === 'QUERY_TOO_COMPLEX' && 'limit' in error && 'max' in error && 'actual' in error) {
    extensions.limit = error.limit;
    extensions.max = error.max;
    if (error.actual !== null) extensions.actual = error.actual;
  }
  return extensions;
}

interface HttpHead {
  status: number;
  headers?: Map<string, string>;
}

/**
 * The HTTP answer of a request refused as a whole (while its context is made
 * or before it runs). Errors of single fields leave the status at 200, but
 * for UNAUTHENTICATED: a caller without a valid token is told so by 401.
 */
function httpOf(error: GatewayError): HttpHead | null {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) };
    case 'FORBIDDEN':
      return { status: 403 };
    case 'RATE_LIMITED':
      return 'retryAfterSeconds' in error ? { status: 429, headers: new Map([['retry-after', String(error.retryAfterSeconds)]]) } : { status: 429 };
    case 'BAD_USER_INPUT':
    case 'QUERY_TOO_COMPLEX':
      return { status: 400 };
    default:
      return null;
  }
}

/**
 * A typed error as the GraphQLError Apollo Server expects from a context
 * function or a plugin that refuses the whole request: its extensions, the
 * error kept as `originalError` (for `formatError`) and the HTTP status.
 */
export function requestError(error: GatewayError): GraphQLError {
  const http = httpOf(error);
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { ...extensionsOf(error), ...(http ? { http } : {}) },
  });
}

export interface FormatErrorOptions {
  /**
   * The typed refusal behind a document that failed to parse, when the
   * parser stopped on purpose (the token limit), or null. Default: none.
   */
  parseRefusal?: (source: string) => GatewayError | null;
}

/** The typed error behind what Apollo Server hands to `formatError`, if there is one. */
function typedErrorOf(error: unknown): GatewayError | null {
  const thrown = unwrapResolverError(error);
  if (thrown instanceof GatewayError) return thrown;
  if (error instanceof GraphQLError && error.originalError instanceof GatewayError) return error.originalError;
  return null;
}

function parseRefusalOf(error: unknown, options: FormatErrorOptions): GatewayError | null {
  if (!(error instanceof GraphQLError) || error.extensions.code !== 'GRAPHQL_PARSE_FAILED' || !error.source) return null;
  return options.parseRefusal?.(error.source.body) ?? null;
}

/**
 * Apollo Server's `formatError`: typed errors with their extensions,
 * GraphQL's own (syntax, validation, variable coercion) as they are, every
 * other error masked as INTERNAL_SERVER_ERROR and logged.
 */
export function formatError(logger: Logger, options: FormatErrorOptions = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    const typed = typedErrorOf(error);
    if (typed) return { message: typed.message, ...where, extensions: extensionsOf(typed) };
    // Not where the parser stopped: the whole document is what is refused.
    const refusal = parseRefusalOf(error, options);
    if (refusal) return { message: refusal.message, extensions: extensionsOf(refusal) };
    if (unwrapResolverError(error) instanceof GraphQLError) return withVariableProblem(formatted, error);
    logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'unexpected error while resolving');
    return { message: 'Internal server error', ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** Answers 401 (with `WWW-Authenticate`) when a field was refused for want of a valid token. */
export function errorStatusPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ errors, response }) {
          const unauthenticated = errors?.map(typedErrorOf).find((typed) => typed?.code === 'UNAUTHENTICATED');
          if (!unauthenticated) return;
          const http = httpOf(unauthenticated)!;
          response.http.status = http.status;
          for (const [name, value] of http.headers ?? []) response.http.headers.set(name, value);
        },
      };
    },
  };
}
