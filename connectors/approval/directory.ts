/**
 * The {@link ApprovalDirectory} of a running gateway: departments' approval
 * systems as registered in the database (`store/connectors.ts`), unsealed and
 * cached in memory.
 *
 * Freshness: the cache is reloaded when a lookup finds it older than
 * `refreshMs` (the lookup waits for the reload; concurrent lookups share one),
 * and at once after a register or remove through this instance. So a
 * registration takes effect without a restart: at once on the instance that
 * made it, and within `refreshMs` on every other gateway instance sharing the
 * database. No timer runs: an idle directory costs nothing.
 *
 * When a reload fails (database unreachable), the previous endpoints keep
 * being served and the next lookup tries again; only a directory that never
 * loaded throws. Connectors whose secrets cannot be unsealed (wrong
 * SECRETS_KEY) are left out and reported through `onError`.
 *
 * @module
 */
import type { SecretBox } from '../../lib/secrets.ts';
import {
  findLive,
  listLive,
  liveEndpoints,
  register,
  registerUnlessKept,
  remove,
  type ConnectorRecord,
  type KeepLiveConnector,
  type RegisterConnectorInput,
  type RegisterResult,
} from '../../store/connectors.ts';
import type { Database } from '../../store/database.ts';
import type { ApprovalDirectory, ApprovalEndpoint } from './endpoint.ts';

export interface ConnectorDirectoryOptions {
  /** Longest age of the cache before a lookup reloads it, in milliseconds. Default 2000. */
  refreshMs?: number;
  /**
   * Told about a reload that failed (`connectorId` absent) and about a live
   * connector left out because its secrets could not be unsealed. Default: ignored.
   */
  onError?: (error: Error, connectorId?: string) => void;
  /** Makes the ids of new connectors; default a random UUID. */
  idFactory?: () => string;
  /** Clock in epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

export const DEFAULT_DIRECTORY_REFRESH_MS = 2000;

interface Snapshot {
  byDepartment: Map<string, ApprovalEndpoint>;
  all: ApprovalEndpoint[];
  loadedAt: number;
  /** The invalidation generation when the load started. */
  generation: number;
}

/** Departments' approval systems from the database, cached; see the module comment. */
export class ConnectorDirectory implements ApprovalDirectory {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #refreshMs: number;
  readonly #onError: (error: Error, connectorId?: string) => void;
  readonly #idFactory: (() => string) | undefined;
  readonly #now: () => number;
  #snapshot: Snapshot | null = null;
  /** The last snapshot loaded, kept through invalidations to be served when a reload fails. */
  #lastGood: Snapshot | null = null;
  #loading: Promise<Snapshot> | null = null;
  /** Bumped by every invalidation, so a reload that started before it is not taken as fresh. */
  #generation = 0;
  #closed = false;
  /** Connectors left out for unsealing failures, already reported. */
  readonly #reportedFailures = new Set<string>();

  constructor(db: Database, box: SecretBox, options: ConnectorDirectoryOptions = {}) {
    const refreshMs = options.refreshMs ?? DEFAULT_DIRECTORY_REFRESH_MS;
    if (!(Number.isFinite(refreshMs) && refreshMs >= 0)) throw new RangeError(`refreshMs must be >= 0, got ${refreshMs}`);
    this.#db = db;
    this.#box = box;
    this.#refreshMs = refreshMs;
    this.#onError = options.onError ?? (() => undefined);
    this.#idFactory = options.idFactory;
    this.#now = options.now ?? Date.now;
  }

  /** The live connector of a department (unsealed), or null when none is registered. */
  async forDepartment(departmentCode: string): Promise<ApprovalEndpoint | null> {
    return (await this.#fresh()).byDepartment.get(departmentCode) ?? null;
  }

  /** Every live connector (unsealed), by department code. */
  async all(): Promise<ApprovalEndpoint[]> {
    return [...(await this.#fresh()).all];
  }

  /**
   * Registers (or replaces) a department's approval system; it is used by
   * this instance from the next lookup on.
   * @throws ConnectorValidationError listing every problem of the input.
   */
  async register(input: RegisterConnectorInput): Promise<RegisterResult> {
    this.#checkOpen();
    const result = await register(this.#db, this.#box, input, this.#idFactory);
    this.#invalidate();
    return result;
  }

  /**
   * Registers a department's approval system unless `keep` says its live
   * connector stays (store/connectors.ts `registerUnlessKept`).
   */
  async registerUnlessKept(input: RegisterConnectorInput, keep: KeepLiveConnector): Promise<RegisterResult & { kept: boolean }> {
    this.#checkOpen();
    const result = await registerUnlessKept(this.#db, this.#box, input, keep, this.#idFactory);
    if (!result.kept) this.#invalidate();
    return result;
  }

  /** Removes a live connector; null when no live connector has this id. */
  async remove(id: string): Promise<ConnectorRecord | null> {
    this.#checkOpen();
    const removed = await remove(this.#db, id);
    this.#invalidate();
    return removed;
  }

  /** Every live connector as the API may show it (no secrets), read from the database. */
  list(): Promise<ConnectorRecord[]> {
    this.#checkOpen();
    return listLive(this.#db);
  }

  /** One live connector as the API may show it (no secrets), or null. */
  find(id: string): Promise<ConnectorRecord | null> {
    this.#checkOpen();
    return findLive(this.#db, id);
  }

  /** Drops the cache; later calls throw. Does not close the database. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#snapshot = this.#lastGood = null;
    await this.#loading?.catch(() => undefined);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the connector directory is closed');
  }

  #invalidate(): void {
    this.#generation++;
    this.#snapshot = null;
  }

  /** Tells onError; a listener that throws must not break lookups. */
  #report(error: Error, connectorId?: string): void {
    try {
      this.#onError(error, connectorId);
    } catch {
      // ignored: see above
    }
  }

  async #fresh(): Promise<Snapshot> {
    this.#checkOpen();
    const current = this.#snapshot;
    if (current && this.#now() - current.loadedAt < this.#refreshMs) return current;
    // A reload started before the last invalidation may miss its change: wait for it, then load again.
    for (;;) {
      const loading = (this.#loading ??= this.#load()
        .catch((error: unknown) => {
          this.#report(error as Error); // once per failed load, however many lookups wait for it
          throw error;
        })
        .finally(() => (this.#loading = null)));
      try {
        const snapshot = await loading;
        if (snapshot.generation !== this.#generation) continue;
        if (!this.#closed) this.#snapshot = this.#lastGood = snapshot;
        return snapshot;
      } catch (error) {
        // Serve the last good endpoints; the next lookup tries again.
        if (this.#lastGood) return this.#lastGood;
        throw error;
      }
    }
  }

  async #load(): Promise<Snapshot> {
    const startedAt = this.#now();
    const generation = this.#generation;
    const { endpoints, failures } = await liveEndpoints(this.#db, this.#box);
    // Each connector that cannot be unsealed is reported once, not at every reload.
    const failed = new Set(failures.map((f) => f.id));
    for (const id of this.#reportedFailures) if (!failed.has(id)) this.#reportedFailures.delete(id);
    for (const failure of failures) {
      if (this.#reportedFailures.has(failure.id)) continue;
      this.#reportedFailures.add(failure.id);
      this.#report(
        new Error(`connector ${failure.id} of department ${failure.departmentCode} is left out: ${failure.error.message}`),
        failure.id,
      );
    }
    return { byDepartment: new Map(endpoints.map((e) => [e.departmentCode, e])), all: endpoints, loadedAt: startedAt, generation };
  }
}
