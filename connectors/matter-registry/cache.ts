/**
 * Cache policy of the matter registry: topics, matters, departments and
 * certificate types are public catalogue data, the same for every caller, so
 * they are cached process-wide. Nothing personal is ever stored here.
 *
 * Entries live `ttlMs`; concurrent misses for one key share one upstream
 * call; when the registry fails, an expired entry is served rather than an
 * error (the catalogue changes rarely, a stale guide beats no guide).
 */
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

/** Wraps a value so that "known to be absent" (null) can be cached too. */
interface Entry<V> {
  value: V;
}

/** Counts of cache hits and misses, for metrics and tests. */
export interface CacheStats {
  hits: number;
  misses: number;
}

export class CachedMatterRegistry {
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly negativeTtlMs: number;
  private readonly catalogue: LRUCache<string, Entry<unknown>>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly matters: LRUCache<string, Entry<Matter | null>>;
  private readonly pendingMatters = new Map<string, Promise<Matter | null>>();

  constructor(
    readonly client: MatterRegistryClient,
    options: RegistryCacheOptions = {},
  ) {
    const ttl = options.ttlMs ?? 60_000;
    const max = options.maxEntries ?? 5000;
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.catalogue = new LRUCache<string, Entry<unknown>>({ max, ttl, noDeleteOnStaleGet: true });
    this.matters = new LRUCache<string, Entry<Matter | null>>({ max, ttl, noDeleteOnStaleGet: true });
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
  async mattersByCode(codes: readonly string[]): Promise<(Matter | null)[]> {
    const results = new Map<string, Promise<Matter | null>>();
    const missing: string[] = [];
    for (const code of new Set(codes)) {
      const entry = this.matters.get(code);
      if (entry) {
        this.stats.hits++;
        results.set(code, Promise.resolve(entry.value));
        continue;
      }
      const pending = this.pendingMatters.get(code);
      if (pending) {
        this.stats.hits++;
        results.set(code, pending);
        continue;
      }
      this.stats.misses++;
      missing.push(code);
    }
    for (let i = 0; i < missing.length; i += MATTERS_PER_CALL) {
      const chunk = missing.slice(i, i + MATTERS_PER_CALL);
      const fetched = this.fetchMatters(chunk);
      for (const code of chunk) {
        const one = fetched.then((byCode) => byCode.get(code) ?? null);
        this.pendingMatters.set(code, one);
        results.set(code, one);
      }
      void fetched.finally(() => chunk.forEach((code) => this.pendingMatters.delete(code))).catch(() => {});
    }
    return Promise.all(codes.map((code) => results.get(code)!));
  }

  /** Forgets everything, e.g. after the registry announced a new topic version. */
  clear(): void {
    this.catalogue.clear();
    this.matters.clear();
  }

  private async fetchMatters(codes: string[]): Promise<Map<string, Matter | null>> {
    try {
      const items = await this.client.matters(codes);
      const byCode = new Map<string, Matter | null>(items.map((matter) => [matter.code, matter]));
      for (const code of codes) {
        const matter = byCode.get(code) ?? null;
        this.matters.set(code, { value: matter }, matter ? {} : { ttl: this.negativeTtlMs });
      }
      return byCode;
    } catch (error) {
      const stale = codes.map((code) => [code, this.matters.get(code, { allowStale: true })] as const);
      if (stale.every(([, entry]) => entry !== undefined)) {
        return new Map(stale.map(([code, entry]) => [code, entry!.value]));
      }
      throw error;
    }
  }

  private cached<V>(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.catalogue.get(key);
    if (entry) {
      this.stats.hits++;
      return Promise.resolve(entry.value as V);
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.hits++;
      return pending as Promise<V>;
    }
    this.stats.misses++;
    const loading = load()
      .then(
        (value) => {
          this.catalogue.set(key, { value }, value === null ? { ttl: this.negativeTtlMs } : {});
          return value;
        },
        (error: unknown) => {
          const stale = this.catalogue.get(key, { allowStale: true });
          if (stale) return stale.value as V;
          throw error;
        },
      )
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, loading);
    return loading;
  }
}
