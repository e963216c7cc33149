/**
 * The gateway's error hierarchy. Every error a client may see is one of
 * these, with a stable `extensions.code`; anything else is masked as
 * INTERNAL_SERVER_ERROR by `formatError` and logged. Upstream bodies never
 * reach a client: only the upstream's name and the HTTP status do.
 */
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_REJECTED'
  | 'INTERNAL_SERVER_ERROR';

/** The name of an upstream system, as it appears in `extensions.upstream`. */
export type UpstreamName =
  | 'matter-registry'
  | 'e-certificates'
  | 'data-center'
  | 'evaluation'
  | 'alert-webhook'
  | `approval:${string}`;

export abstract class GatewayError extends GraphQLError {
  abstract readonly code: ErrorCode;

  protected constructor(message: string, extensions: Record<string, unknown>, code: ErrorCode) {
    super(message, { extensions: { code, ...extensions } });
  }
}

export interface InputProblemInfo {
  /** Where the problem is, e.g. `answers.hasPlace` or `form.child.birthDate`. */
  field: string;
  /** A machine-readable reason, e.g. `NOT_AN_OPTION`. */
  code: string;
  message: string;
}

/** More problems than anyone reads: the rest are counted, not listed, so a hostile request cannot blow up the answer. */
export const MAX_LISTED_PROBLEMS = 100;

export class BadUserInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(message: string, readonly problems: readonly InputProblemInfo[] = []) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const omitted = problems.length - listed.length;
    super(
      omitted > 0 ? `${message.slice(0, 2000)} … and ${omitted} more problems` : message,
      { ...(listed.length ? { problems: listed } : {}), ...(omitted > 0 ? { problemsOmitted: omitted } : {}) },
      'BAD_USER_INPUT',
    );
  }
}

export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'A valid bearer token is required') {
    // Apollo Server answers HTTP 401 for this when it is thrown while building the context.
    super(message, { http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } }, 'UNAUTHENTICATED');
  }
}

export class ForbiddenError extends GatewayError {
  readonly code = 'FORBIDDEN' as const;
  /**
   * @param reason a machine-readable why, as `extensions.reason` (e.g. ASSISTANCE_SESSION_EXPIRED); none by default.
   * @param httpStatus the HTTP status when thrown while the request's caller is identified (before any resolver runs).
   */
  constructor(message = 'Not allowed for this caller', reason?: string, httpStatus?: number) {
    super(message, { ...(reason ? { reason } : {}), ...(httpStatus ? { http: { status: httpStatus } } : {}) }, 'FORBIDDEN');
  }
}

/** Nothing of the caller's has this id: said the same way whether it exists for someone else or not at all. */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND' as const;
  constructor(message: string) {
    super(message, {}, 'NOT_FOUND');
  }
}

/** The caller already has as many live subscriptions open as allowed (`limit`); one must end first. */
export class TooManySubscriptionsError extends GatewayError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(readonly limit: number) {
    super(`At most ${limit} live subscriptions may be open at once; close one first`, { limit }, 'RATE_LIMITED');
  }
}

export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(retryAfterSeconds: number) {
    super('Too many requests; try again later', { retryAfterSeconds }, 'RATE_LIMITED');
  }
}

/** Base of every failure to get a usable answer from an upstream system. */
export abstract class UpstreamError extends GatewayError {
  protected constructor(
    message: string,
    readonly upstream: UpstreamName,
    code: ErrorCode,
    readonly httpStatus?: number,
  ) {
    // Not `extensions.http`: Apollo Server would take that as the status of our own response.
    super(message, { upstream, ...(httpStatus ? { upstreamStatus: httpStatus } : {}) }, code);
  }
}

/** The upstream could not be reached, refused the connection or answered 5xx/429. */
export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
  constructor(upstream: UpstreamName, httpStatus?: number, readonly retryAfterMs?: number) {
    super(`${upstream} is unavailable`, upstream, 'UPSTREAM_UNAVAILABLE', httpStatus);
  }
}

/** The upstream did not answer within the call's deadline. */
export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'UPSTREAM_TIMEOUT' as const;
  constructor(upstream: UpstreamName, readonly deadlineMs: number) {
    super(`${upstream} did not answer within ${deadlineMs} ms`, upstream, 'UPSTREAM_TIMEOUT');
  }
}

/** The upstream answered something that does not follow its contract. */
export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE' as const;
  constructor(upstream: UpstreamName, readonly detail: string, httpStatus?: number) {
    super(`${upstream} answered outside its contract`, upstream, 'UPSTREAM_BAD_RESPONSE', httpStatus);
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
    super(`${upstream} refused the request (HTTP ${httpStatus})`, upstream, 'UPSTREAM_REJECTED', httpStatus);
  }
}

export const isUpstreamError = (error: unknown): error is UpstreamError => error instanceof UpstreamError;
