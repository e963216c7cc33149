/**
 * Cache policy of the matter registry: topics, matters, departments and
 * certificate types are public catalogue data, the same for every caller, so
 * they are cached process-wide. Nothing personal is ever stored here.
 *
 * Entries live `ttlMs`; concurrent misses for one key share one upstream
 * call; when the registry fails, an expired entry is served rather than an
 * error (the catalogue changes rarely, a stale guide beats no guide). All
 * three are lru-cache's `fetch`: its in-flight sharing and
 * `allowStaleOnFetchRejection`.
 */
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { MatterRegistryClient } from './client.ts';
import { MATTERS_PER_CALL } from './client.ts';
import type { CertificateType, Department, Matter, Topic, TopicSummary } from './models.ts';

export interface RegistryCacheOptions {
  /** How long an entry is fresh, in milliseconds. Default 60000. */
  ttlMs?: number;
  /** How long an unknown topic or matter code is remembered as unknown, in milliseconds. Default 10000. */
  negativeTtlMs?: number;
  /** Entries kept per kind before the least recently used go. Default 5000. */
  maxEntries?: number;
}

/**
 * What a load left behind. The value is wrapped so that "known to be absent"
 * (null) can be cached too. A failure with nothing stale to serve is an entry
 * as well, removed as soon as it is read, so that every request waiting on
 * that load gets the registry's error: with `allowStaleOnFetchRejection`,
 * lru-cache hands the rejection to the first caller only.
 */
type Entry<V> = { value: V } | { failure: unknown };

/** Counts of cache hits and misses, for metrics and tests. */
export interface CacheStats {
  hits: number;
  misses: number;
}

type CatalogueLoad = () => Promise<unknown>;

export class CachedMatterRegistry {
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly catalogue: LRUCache<string, Entry<unknown>, CatalogueLoad>;
  private readonly matters: LRUCache<string, Entry<Matter | null>>;
  /**
   * Batches the matter codes missed in one tick into calls of
   * {@link MATTERS_PER_CALL}; it keeps nothing itself (the cache above does).
   */
  private readonly matterBatches: DataLoader<string, Matter | null>;

  constructor(
    readonly client: MatterRegistryClient,
    options: RegistryCacheOptions = {},
  ) {
    const ttl = options.ttlMs ?? 60_000;
    const max = options.maxEntries ?? 5000;
    const negativeTtl = options.negativeTtlMs ?? 10_000;
    // ignoreFetchAbort: after clear() a load already under way still answers
    // the requests waiting for it; lru-cache then does not store its value.
    const policy = { max, ttl, allowStaleOnFetchRejection: true, ignoreFetchAbort: true } as const;
    this.catalogue = new LRUCache<string, Entry<unknown>, CatalogueLoad>({
      ...policy,
      fetchMethod: (_key, stale, { options: entry, context: load }) =>
        loaded(load(), stale, entry, negativeTtl),
    });
    this.matterBatches = new DataLoader(
      async (codes) => {
        const byCode = new Map((await client.matters([...codes])).map((matter) => [matter.code, matter]));
        return codes.map((code) => byCode.get(code) ?? null);
      },
      { cache: false, maxBatchSize: MATTERS_PER_CALL },
    );
    this.matters = new LRUCache<string, Entry<Matter | null>>({
      ...policy,
      fetchMethod: (code, stale, { options: entry }) =>
        loaded(this.matterBatches.load(code), stale, entry, negativeTtl),
    });
  }

  departments(): Promise<Department[]> {
    return this.cached('departments', () => this.client.departments());
  }

  certificateTypes(): Promise<CertificateType[]> {
    return this.cached('certificate-types', () => this.client.certificateTypes());
  }

  topics(region: string | null | undefined): Promise<TopicSummary[]> {
    return this.cached(`topics:${region ?? '*'}`, () => this.client.topics(region ?? undefined));
  }

  topic(code: string): Promise<Topic | null> {
    return this.cached(`topic:${code}`, () => this.client.topic(code));
  }

  /**
   * Matters for the given codes, in the same order (`null` = unknown code).
   * Codes not cached are fetched together, {@link MATTERS_PER_CALL} per call.
   */
  mattersByCode(codes: readonly string[]): Promise<(Matter | null)[]> {
    const unique = new Map<string, Promise<Matter | null>>();
    for (const code of codes) {
      if (!unique.has(code)) unique.set(code, this.fetched(this.matters, code, undefined));
    }
    return Promise.all(codes.map((code) => unique.get(code)!));
  }

  /** Forgets everything, e.g. after the registry announced a new topic version. */
  clear(): void {
    this.catalogue.clear();
    this.matters.clear();
  }

  private cached<V>(key: string, load: () => Promise<V>): Promise<V> {
    return this.fetched(this.catalogue, key, load) as Promise<V>;
  }

  private async fetched<V, C>(cache: LRUCache<string, Entry<V>, C>, key: string, context: C): Promise<V> {
    const status: LRUCache.Status<Entry<V>> = {};
    // lru-cache types fetch()'s options by whether the context type is void,
    // which TypeScript cannot decide for a generic C.
    const fetch = cache.fetch.bind(cache) as (key: string, options: object) => Promise<Entry<V> | undefined>;
    const loading = fetch(key, { context, status });
    // Read at once: fetch() has settled its status synchronously by now.
    if (status.fetch === 'hit' || status.fetch === 'inflight') this.stats.hits++;
    else this.stats.misses++;
    const entry = await loading;
    if (entry === undefined) throw status.fetchError;
    if ('failure' in entry) {
      if (cache.peek(key, { allowStale: true }) === entry) cache.delete(key);
      throw entry.failure;
    }
    return entry.value;
  }
}

/**
 * The entry for one load: the value (absent ones kept only `negativeTtl`), or
 * the failure when there is no earlier value to serve in its place. With an
 * earlier value the error is rethrown and lru-cache's
 * `allowStaleOnFetchRejection` serves that value.
 */
async function loaded<V>(
  load: Promise<V>,
  stale: Entry<V> | undefined,
  entry: { ttl?: number },
  negativeTtl: number,
): Promise<Entry<V>> {
  try {
    const value = await load;
    if (value === null) entry.ttl = negativeTtl;
    return { value };
  } catch (failure) {
    if (stale !== undefined && 'value' in stale) throw failure;
    return { failure };
  }
}
