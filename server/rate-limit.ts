/**
 * Per-caller rate limit of mutations: a token bucket per caller, keyed by the
 * token's subject, or by the client's IP address for anonymous callers.
 *
 * MUTATION_RATE_LIMIT "<count>/<seconds>" (default "30/60") is the sustained
 * rate, MUTATION_RATE_BURST (default 10) the bucket's size: a caller may send
 * 10 mutations at once, then one every 2 seconds. Every root field of a
 * mutation operation takes one token (aliasing `submitApplication` 10 times
 * in one operation is 10 mutations), before anything runs; queries are not
 * limited here (the query limits of server/limits.ts bound them). A refused
 * operation runs nothing and answers HTTP 429 with `Retry-After` and a
 * GraphQL error with code RATE_LIMITED and `extensions.retryAfterSeconds`.
 *
 * The buckets live in this process's memory: with several gateway
 * instances behind a load balancer, each instance enforces its own limit
 * (a caller spread over n instances gets up to n times the rate). They are
 * bounded: an LRU of at most `maxKeys` buckets, and a bucket idle long
 * enough to be full again is dropped (which changes nothing). Under a flood
 * of distinct callers the least recently seen buckets go first; such a
 * caller then starts again with a full bucket.
 *
 * Behind a reverse proxy every anonymous caller has the proxy's address;
 * anonymous mutations are refused by authorization anyway, the per-address
 * bucket only bounds how fast they are refused.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { BadUserInputError, RateLimitedError } from '../lib/errors.ts';
import type { GatewayContext } from './context.ts';
import { requestError } from './errors.ts';

export interface RateLimitSettings {
  /** Tokens added per `perSeconds`. */
  count: number;
  perSeconds: number;
  /** Size of the bucket: how many may be taken at once after a pause. */
  burst: number;
  /** Buckets kept at most. Default 100 000. */
  maxKeys?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

export type TakeResult =
  | { allowed: true; remaining: number }
  /** `retryAfterSeconds` is null when the bucket can never hold that many tokens. */
  | { allowed: false; retryAfterSeconds: number | null };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  readonly burst: number;
  private readonly perMs: number;
  private readonly now: () => number;
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(settings: RateLimitSettings) {
    if (!(settings.count > 0 && settings.perSeconds > 0 && settings.burst >= 1)) {
      throw new RangeError('a rate limit needs count > 0, perSeconds > 0 and burst >= 1');
    }
    this.burst = settings.burst;
    this.perMs = settings.count / (settings.perSeconds * 1000);
    this.now = settings.now ?? Date.now;
    // An idle bucket is full again after this long: forgetting it then changes nothing.
    const fullAfterMs = Math.ceil(this.burst / this.perMs);
    this.buckets = new LRUCache<string, Bucket>({ max: settings.maxKeys ?? 100_000, ttl: fullAfterMs, perf: { now: this.now } });
  }

  /** How many buckets are held now (for tests and metrics). */
  get size(): number {
    this.buckets.purgeStale();
    return this.buckets.size;
  }

  /** Takes `tokens` from `key`'s bucket, or says how long to wait; a refusal takes nothing. */
  take(key: string, tokens = 1): TakeResult {
    if (tokens > this.burst) return { allowed: false, retryAfterSeconds: null };
    const now = this.now();
    const bucket = this.buckets.get(key);
    const available = bucket ? Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs) : this.burst;
    if (available + 1e-9 >= tokens) {
      const remaining = Math.max(0, available - tokens);
      this.buckets.set(key, { tokens: remaining, at: now });
      return { allowed: true, remaining: Math.floor(remaining) };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((tokens - available) / this.perMs / 1000)) };
  }
}

const clientAddresses = new WeakMap<object, string>();

/** Remembers the client address of a request's context (set by the HTTP server). */
export function rememberClientAddress<T extends object>(context: T, address: string | undefined): T {
  if (address) clientAddresses.set(context, address.startsWith('::ffff:') ? address.slice(7) : address);
  return context;
}

/** The bucket of a caller: its subject when signed in, else its address. */
export function rateLimitKey(context: GatewayContext): string {
  if (context.viewer.kind === 'user') return `subject:${context.viewer.subject}`;
  return `address:${clientAddresses.get(context) ?? 'unknown'}`;
}

/** Root fields of an operation (fragments on the root type included, `__typename` left out). */
export function rootFieldCount(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number =>
    set.selections.reduce((total, selection) => {
      if (selection.kind === Kind.FIELD) return total + (selection.name.value === '__typename' ? 0 : 1);
      if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return total;
      seen.add(fragment.name.value);
      return total + count(fragment.selectionSet);
    }, 0);
  return count(operation.selectionSet);
}

/** The Apollo plugin that takes one token per root field of every mutation, before it runs. */
export function mutationRateLimitPlugin(limiter: TokenBucketLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const mutations = rootFieldCount(operation, document);
          if (mutations === 0) return;
          const result = limiter.take(rateLimitKey(contextValue), mutations);
          if (result.allowed) return;
          if (result.retryAfterSeconds === null) {
            // Refused before execution: a request error, with its HTTP status (Apollo would answer 500 without one).
            throw requestError(
              new BadUserInputError(`One operation may run at most ${limiter.burst} mutations`, [
                { field: 'mutation', code: 'TOO_MANY_MUTATIONS', message: `the operation has ${mutations} mutations; at most ${limiter.burst} are allowed` },
              ]),
            );
          }
          contextValue.logger.warn({ viewer: contextValue.viewer.kind, mutations }, 'mutation rate limit reached');
          throw requestError(new RateLimitedError(result.retryAfterSeconds)); // 429 with Retry-After
        },
      };
    },
  };
}
