/**
 * The gateway's errors, as plain classes below the GraphQL layer: each has a
 * stable `code` and, where it matters, the upstream's name or the input's
 * problems. `formatError` (server/errors.ts) is the one place that turns them
 * into what a client sees; anything that is not one of these is masked as
 * INTERNAL_SERVER_ERROR and logged. Upstream bodies never reach a client:
 * only the upstream's name and the HTTP status do.
 */

/**
 * Every `extensions.code` a client can see: the gateway's own errors below,
 * then the answers of its plain HTTP routes (uploads, webhooks, exports,
 * documents, trusted documents). GraphQL's own codes (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED) come from Apollo Server and are not listed.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_REJECTED',
  'INTERNAL_SERVER_ERROR',
  'BAD_REQUEST',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'OPERATION_NOT_TRUSTED',
  'PERSISTED_QUERY_NOT_FOUND',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The name of an upstream system, as it appears in `extensions.upstream`. */
export type UpstreamName =
  | 'matter-registry'
  | 'e-certificates'
  | 'data-center'
  | 'evaluation'
  | 'alert-webhook'
  /** A topic's online address, probed by the guide check. */
  | 'online-address'
  | `approval:${string}`;

export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem of a caller's input; a BAD_USER_INPUT error lists every one found. */
export interface InputProblem {
  /** Where the problem is, e.g. `answers.hasPlace` or `form.child.birthDate`. */
  field: string;
  /** A machine-readable reason, e.g. `NOT_AN_OPTION`. */
  code: string;
  message: string;
}

/** More problems than anyone reads: the rest are counted, not listed, so a hostile request cannot blow up the answer. */
export const MAX_LISTED_PROBLEMS = 100;

/** Bad input from the caller, with every problem found (in input order). */
export class BadUserInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT' as const;
  readonly problems: readonly InputProblem[];

  constructor(message: string, problems: readonly InputProblem[] = []) {
    const omitted = problems.length - MAX_LISTED_PROBLEMS;
    super(omitted > 0 ? `${message.slice(0, 2000)} … and ${omitted} more problems` : message);
    this.problems = Object.freeze([...problems]);
  }
}

/** Bad input whose message names every field concerned; what the domain's rules throw. */
export class InvalidInputError extends BadUserInputError {
  constructor(problems: readonly InputProblem[]) {
    super(`Invalid input: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
}

export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'A valid bearer token is required') {
    super(message);
  }
}

export class ForbiddenError extends GatewayError {
  readonly code = 'FORBIDDEN' as const;
  /** @param reason a machine-readable why, as `extensions.reason` (e.g. ASSISTANCE_SESSION_EXPIRED); none by default. */
  constructor(
    message = 'Not allowed for this caller',
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Nothing of the caller's has this id: said the same way whether it exists for someone else or not at all. */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND' as const;
  constructor(message: string) {
    super(message);
  }
}

/** The caller already has as many live subscriptions open as allowed (`limit`); one must end first. */
export class TooManySubscriptionsError extends GatewayError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(readonly limit: number) {
    super(`At most ${limit} live subscriptions may be open at once; close one first`);
  }
}

export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; try again later');
  }
}

/** Which limit of `server/limits.ts` an operation went over. */
export type LimitKind = 'depth' | 'aliases' | 'cost' | 'tokens';

/** An operation refused for asking too much; `actual` is null when counting stopped at the limit (tokens). */
export class QueryTooComplexError extends GatewayError {
  readonly code = 'QUERY_TOO_COMPLEX' as const;
  constructor(
    readonly limit: LimitKind,
    readonly max: number,
    readonly actual: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** Base of every failure to get a usable answer from an upstream system. */
export abstract class UpstreamError extends GatewayError {
  protected constructor(
    message: string,
    readonly upstream: UpstreamName,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** The upstream could not be reached, refused the connection or answered 5xx/429. */
export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
  constructor(upstream: UpstreamName, httpStatus?: number, readonly retryAfterMs?: number) {
    super(`${upstream} is unavailable`, upstream, httpStatus);
  }
}

/** The upstream did not answer within the call's deadline. */
export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'UPSTREAM_TIMEOUT' as const;
  constructor(upstream: UpstreamName, readonly deadlineMs: number) {
    super(`${upstream} did not answer within ${deadlineMs} ms`, upstream);
  }
}

/** The upstream answered something that does not follow its contract. */
export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE' as const;
  constructor(upstream: UpstreamName, readonly detail: string, httpStatus?: number) {
    super(`${upstream} answered outside its contract`, upstream, httpStatus);
  }
}

/**
 * The upstream refused the request with a 4xx that the contract defines
 * (for example 409 or 422). `upstreamCode` is the contract's error code, if
 * any; the upstream's message is kept for logs only.
 */
export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'UPSTREAM_REJECTED' as const;
  constructor(
    upstream: UpstreamName,
    httpStatus: number,
    readonly upstreamCode?: string,
    readonly upstreamMessage?: string,
  ) {
    super(`${upstream} refused the request (HTTP ${httpStatus})`, upstream, httpStatus);
  }
}

export const isUpstreamError = (error: unknown): error is UpstreamError => error instanceof UpstreamError;
