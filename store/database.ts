/**
 * The gateway's own database: embedded PostgreSQL (PGlite, WebAssembly, no
 * server to install) by default, or a PostgreSQL server when a URL is given.
 * One SQL dialect (PostgreSQL), one schema, versioned migrations applied at
 * start (see `./migrate.ts`).
 *
 * Both backends behave the same for callers:
 * - one statement per {@link Queryable.query} call, parameters `$1..$n`;
 * - rows are plain objects keyed by column name;
 * - `timestamptz` → JS `Date`; `bigint`/`bigserial` (int8) and `numeric` →
 *   `string` (no precision loss); `date` → `'YYYY-MM-DD'` string;
 *   `integer`/`smallint`/`real`/`double precision` → `number`; `boolean` →
 *   `boolean`; `json`/`jsonb` → parsed value; `text[]` → `string[]`
 *   (`bigint[]` → `string[]`); SQL NULL → `null`;
 * - parameters: strings, numbers, booleans, `null`, `Date` and arrays of
 *   strings bind as expected; pass JSON as a string (`JSON.stringify(v)`)
 *   cast in SQL (`$1::jsonb`). Avoid `timestamp` without time zone, `bytea`
 *   and arrays of dates in the schema: the drivers return those differently.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

import { applyMigrations, loadMigrations, type MigrationConnection } from './migrate.ts';
import type { Queryable } from './queryable.ts';

/** Something SQL can be sent to: the database, or a transaction. */
export type { Queryable };

/** An open database, already migrated. */
export interface Database extends Queryable {
  /** `embedded` (PGlite) or `postgres` (a PostgreSQL server). */
  readonly kind: 'embedded' | 'postgres';
  /**
   * Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw); nested use not needed.
   * Inside fn, use only `tx`: calling this database's `query` or `transaction`
   * from inside fn throws (on the embedded database it would deadlock; on
   * PostgreSQL it would silently run outside the transaction). `tx` throws
   * once the transaction is over. On the embedded database, transactions and
   * queries run one at a time; on PostgreSQL each transaction holds one pool
   * connection (isolation level READ COMMITTED, the server default).
   * @returns what fn returns, after COMMIT succeeded.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` with the payload of every `pg_notify(channel, …)` on
   * this database until the returned function is called; resolves once
   * listening. A notification sent in a transaction arrives after its
   * COMMIT, in every process listening (PostgreSQL: other gateway
   * instances too; embedded: this process). PostgreSQL listens on one
   * connection of its own, outside the pool, opened again after a loss;
   * what was sent meanwhile is missed, so listeners must also catch up on
   * their own from time to time.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Waits for running work, then closes the database (and releases the data directory). */
  close(): Promise<void>;
}

/** Where the database is. */
export interface DatabaseOptions {
  /**
   * PostgreSQL connection URL (`postgres://user:password@host:port/database`,
   * libpq query parameters such as `sslmode` allowed). Present → PostgreSQL
   * server; absent (or empty) → the embedded database.
   */
  url?: string;
  /**
   * Embedded database: directory holding its data, created if missing;
   * relative paths are resolved against the working directory. Default
   * `'./data/db'`. `'memory://'` → a new, empty in-memory database that lives
   * until `close()`. Opening one directory several times in a process shares
   * one engine (closed with the last handle); another process cannot open it
   * meanwhile (lock file `<dataDir>.lock` holding the process id). Ignored
   * when `url` is given.
   */
  dataDir?: string;
  /**
   * PostgreSQL: most connections kept in the pool. Default 10. Connecting
   * times out after 10 s; idle connections close after 30 s. Ignored for the
   * embedded database, which has one connection.
   */
  poolSize?: number;
  /**
   * Schema (`search_path`) holding the gateway's tables, including
   * `schema_migrations`; created if missing. Lower-case letters, digits and
   * `_`, at most 63 characters. Default: none, i.e. the server's default
   * `search_path` (normally `public`). Lets the gateway share a PostgreSQL
   * database with other applications, and tests isolate themselves.
   * PostgreSQL: sent as `options=-c search_path=…` when connecting (a pooler
   * in between must pass it on). Do not change `search_path` in SQL yourself.
   */
  schema?: string;
}

/** Default embedded data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './data/db';
/** Default PostgreSQL pool size (connections). */
export const DEFAULT_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;
const MEMORY = 'memory://';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the database described by `options`, applies pending migrations from
 * `store/migrations/`, and resolves once it is ready. Rejects (closing what it
 * opened) when the server cannot be reached, the data directory is in use by
 * another process, or migrating fails (a `MigrationError`).
 *
 * @example
 * const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: './data/db' });
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema must be lower-case letters, digits and _ (at most 63), got ${JSON.stringify(schema)}`);
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${String(poolSize)}`);
  }
  const migrations = await loadMigrations();
  const backend = options.url
    ? openPostgres(options.url, poolSize, schema)
    : await openEmbedded(options.dataDir || DEFAULT_DATA_DIR, schema);
  const db = new Db(backend);
  try {
    await backend.withConnection((conn, discard) =>
      // discard: a fresh session next time, with no advisory lock left behind.
      applyMigrations(conn, migrations, schema ? { createSchema: schema } : {}).finally(discard),
    );
  } catch (error) {
    await backend.close().catch(() => undefined);
    throw error;
  }
  return db;
}

// ---------------------------------------------------------------- common

type Result<R> = { rows: R[]; rowCount: number };
interface TxState { active: boolean }

const NESTED = 'db.query() and db.transaction() cannot be called inside db.transaction(): use its tx argument';

/** What the two backends provide; Db turns it into a Database. */
interface Backend {
  readonly kind: Database['kind'];
  /** Marks the async context of a running transaction (shared by handles of one engine). */
  readonly inTransaction: AsyncLocalStorage<TxState>;
  query<R>(sql: string, params: readonly unknown[] | undefined): Promise<Result<R>>;
  /** Runs fn with one connection of its own (the embedded one: exclusively). */
  withConnection<T>(fn: (conn: MigrationConnection, discard: () => void) => Promise<T>): Promise<T>;
  listen: Database['listen'];
  close(): Promise<void>;
}

class Db implements Database {
  readonly kind: Database['kind'];
  readonly #backend: Backend;
  #closed: Promise<void> | undefined;

  constructor(backend: Backend) {
    this.kind = backend.kind;
    this.#backend = backend;
  }

  /** Why a new query or transaction cannot start, if it cannot. */
  #refusal(): Error | undefined {
    if (this.#closed) return new Error('the database is closed');
    if (this.#backend.inTransaction.getStore()?.active) return new Error(NESTED);
    return undefined;
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Result<R>> {
    const refusal = this.#refusal();
    return refusal ? Promise.reject(refusal) : this.#backend.query<R>(sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const refusal = this.#refusal();
    if (refusal) return Promise.reject(refusal);
    return this.#backend.withConnection(async (conn, discard) => {
      const state: TxState = { active: true };
      const tx: Queryable = {
        query: <R,>(sql: string, params?: readonly unknown[]) =>
          state.active
            ? conn.query<R>(sql, params)
            : Promise.reject(new Error('this transaction is over: tx can no longer be used')),
      };
      await conn.query('BEGIN').catch((error: unknown) => {
        discard();
        throw error;
      });
      let result: T;
      try {
        result = await this.#backend.inTransaction.run(state, () => fn(tx));
      } catch (error) {
        state.active = false;
        await conn.query('ROLLBACK').catch(discard);
        throw error;
      }
      state.active = false;
      try {
        await conn.query('COMMIT');
      } catch (error) {
        await conn.query('ROLLBACK').catch(discard);
        throw error;
      }
      return result;
    });
  }

  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (this.#closed) return Promise.reject(new Error('the database is closed'));
    return this.#backend.listen(channel, onNotify);
  }

  close(): Promise<void> {
    return (this.#closed ??= this.#backend.close());
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// ---------------------------------------------------------------- PostgreSQL

const PG_INT8 = 20;
const PG_DATE = 1082;
const keepText = (value: string): string => value;

/** pg's type parsers, with the choices above pinned whatever else changes pg.types. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (oid === PG_INT8 || oid === PG_DATE) return keepText;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/** Runs in the extended protocol, so a string with two statements is an error, as on PGlite. */
function pgQuery<R>(client: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[] | undefined) {
  const config = { text: sql, values: params ? [...params] : [], queryMode: 'extended' } as pg.QueryConfig;
  return client.query(config).then((r) => ({ rows: r.rows as R[], rowCount: r.rowCount ?? 0 }));
}

/** `url` with `-c search_path=<schema>` added to its libpq `options` parameter. */
function withSearchPath(url: string, schema: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError('the schema option needs a URL of the form postgres://user@host:port/database');
  }
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${schema}`);
  return parsed.toString();
}

function openPostgres(url: string, poolSize: number, schema: string | undefined): Backend {
  const pool = new pg.Pool({
    // The search_path goes in the startup packet: each connection has it from the start.
    connectionString: schema ? withSearchPath(url, schema) : url,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    types: pgTypes,
  });
  // An idle connection that breaks (server restart) is dropped by the pool;
  // without a listener the 'error' event would crash the process.
  pool.on('error', (error) => process.emitWarning(`PostgreSQL connection lost: ${error.message}`));
  let closed: Promise<void> | undefined;
  const notifications = new PostgresNotifications(url);
  return {
    kind: 'postgres',
    inTransaction: new AsyncLocalStorage<TxState>(),
    query: (sql, params) => pgQuery(pool, sql, params),
    listen: (channel, onNotify) => notifications.listen(channel, onNotify),
    async withConnection(fn) {
      const client = await pool.connect();
      let broken = false;
      const conn: MigrationConnection = {
        query: (sql, params) => pgQuery(client, sql, params),
        exec: async (sql) => void (await client.query(sql)),
      };
      try {
        return await fn(conn, () => void (broken = true));
      } finally {
        client.release(broken);
      }
    },
    close: () => (closed ??= Promise.all([notifications.close(), pool.end()]).then(() => undefined)),
  };
}

const LISTEN_RECONNECT_MS = 1000;

/** The LISTEN side of one PostgreSQL handle: one connection for all its channels. */
class PostgresNotifications {
  readonly #url: string;
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  #client: Promise<pg.Client> | null = null;
  #reconnect: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(url: string) {
    this.#url = url;
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let callbacks = this.#listeners.get(channel);
    const first = !callbacks;
    if (!callbacks) this.#listeners.set(channel, (callbacks = new Set()));
    callbacks.add(onNotify);
    const client = await this.#connected();
    if (first) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      callbacks.delete(onNotify);
      if (callbacks.size > 0 || this.#listeners.get(channel) !== callbacks) return;
      this.#listeners.delete(channel);
      const current = await this.#client?.catch(() => null);
      await current?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    };
  }

  #connected(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('the database is closed'));
    this.#client ??= this.#connect();
    return this.#client;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('notification', (message) => {
      for (const callback of this.#listeners.get(message.channel) ?? []) callback(message.payload ?? '');
    });
    const lost = () => {
      if (this.#closed || !this.#client) return;
      this.#client = null;
      client.end().catch(() => undefined);
      this.#reconnect ??= setTimeout(() => {
        this.#reconnect = null;
        if (this.#listeners.size > 0) void this.#relisten();
      }, LISTEN_RECONNECT_MS);
      this.#reconnect.unref();
    };
    client.on('error', (error) => {
      process.emitWarning(`PostgreSQL LISTEN connection lost: ${error.message}`);
      lost();
    });
    client.on('end', lost);
    try {
      await client.connect();
    } catch (error) {
      this.#client = null;
      throw error;
    }
    return client;
  }

  async #relisten(): Promise<void> {
    try {
      const client = await this.#connected();
      for (const channel of this.#listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      // Still unreachable: the next loss handler or listen() tries again; listeners catch up on their own meanwhile.
      this.#reconnect ??= setTimeout(() => {
        this.#reconnect = null;
        void this.#relisten();
      }, LISTEN_RECONNECT_MS);
      this.#reconnect.unref();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnect) clearTimeout(this.#reconnect);
    const client = await this.#client?.catch(() => null);
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- embedded

/** Runs async functions one at a time, in call order. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

const pgliteParsers = { [pgliteTypes.INT8]: keepText, [pgliteTypes.DATE]: keepText };

/** One PGlite instance and what its handles share. */
interface Engine {
  readonly pglite: PGlite;
  readonly conn: MigrationConnection;
  /** PGlite has one connection: a transaction must not interleave with other work. */
  readonly mutex: Mutex;
  readonly inTransaction: AsyncLocalStorage<TxState>;
  /** The search_path now set on the connection (null: the default). */
  searchPath: string | null;
  /** Open handles; the engine closes when the last one does. */
  handles: number;
  /** Set once the engine is closing; settles when it is closed and unlocked. */
  closing?: Promise<void>;
  release(): Promise<void>;
}

/** Engines of data directories open in this process, by absolute path. */
const engines = new Map<string, Promise<Engine>>();

/**
 * A new PGlite cluster takes seconds to initialise (initdb); a copy of one
 * takes a fraction of that. The first new cluster of the process is therefore
 * saved (compressed, a few MB) and later new clusters, in memory or in an
 * empty directory, start from it.
 */
let pristineCluster: Promise<Blob> | undefined;

async function createPGlite(dir: string | undefined): Promise<PGlite> {
  const where = dir ? { dataDir: dir } : {};
  if (dir && (await exists(join(dir, 'PG_VERSION')))) return PGlite.create({ ...where, parsers: pgliteParsers });
  if (dir && (await readdir(dir).catch(() => [])).length > 0) {
    throw new Error(`${dir} is neither empty nor an embedded database directory (it has no PG_VERSION)`);
  }
  const template = pristineCluster && (await pristineCluster.catch(() => undefined));
  if (template) return PGlite.create({ ...where, loadDataDir: template, parsers: pgliteParsers });
  const pglite = await PGlite.create({ ...where, parsers: pgliteParsers });
  pristineCluster ??= pglite.dumpDataDir('gzip');
  await pristineCluster.catch(() => undefined);
  return pglite;
}

async function startEngine(dir: string | undefined): Promise<Engine> {
  let unlock = async (): Promise<void> => undefined;
  if (dir) {
    await mkdir(dirname(dir), { recursive: true });
    unlock = await lockDataDir(dir);
  }
  let pglite: PGlite;
  try {
    pglite = await createPGlite(dir);
  } catch (error) {
    await unlock();
    throw error;
  }
  return {
    pglite,
    conn: {
      async query<R>(sql: string, params?: readonly unknown[]) {
        const r = await pglite.query<R>(sql, params ? [...params] : []);
        return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
      },
      exec: async (sql) => void (await pglite.exec(sql)),
    },
    mutex: new Mutex(),
    inTransaction: new AsyncLocalStorage<TxState>(),
    searchPath: null,
    handles: 0,
    async release() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        await unlock();
      }
    },
  };
}

async function openEmbedded(dataDir: string, schema: string | undefined): Promise<Backend> {
  const dir = dataDir === MEMORY ? undefined : resolve(dataDir);
  let engine: Engine;
  let forget = (): void => undefined;
  if (dir) {
    for (;;) {
      let starting = engines.get(dir);
      if (!starting) {
        const started = startEngine(dir);
        engines.set(dir, started);
        started.catch(() => engines.get(dir) === started && engines.delete(dir));
        starting = started;
      }
      engine = await starting;
      if (!engine.closing) {
        const entry = starting;
        forget = () => void (engines.get(dir) === entry && engines.delete(dir));
        break;
      }
      await engine.closing.catch(() => undefined); // then start it again
    }
  } else {
    engine = await startEngine(undefined);
  }
  engine.handles++;
  const wanted = schema ?? null;
  /** Runs fn alone on the engine, with this handle's search_path. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> =>
    engine.mutex.run(async () => {
      if (engine.searchPath !== wanted) {
        await engine.conn.exec(wanted ? `SET search_path TO ${quoteIdent(wanted)}` : 'RESET search_path');
        engine.searchPath = wanted;
      }
      return fn();
    });
  let closed: Promise<void> | undefined;
  return {
    kind: 'embedded',
    inTransaction: engine.inTransaction,
    query: (sql, params) => exclusive(() => engine.conn.query(sql, params)),
    withConnection: (fn) => exclusive(() => fn(engine.conn, () => undefined)),
    async listen(channel, onNotify) {
      const unlisten = await engine.mutex.run(() => engine.pglite.listen(channel, onNotify));
      return () => engine.mutex.run(() => (engine.pglite.closed ? Promise.resolve() : unlisten()));
    },
    close: () =>
      (closed ??= engine.mutex.run(async () => {
        if (--engine.handles > 0) return;
        engine.closing = engine.release().finally(forget);
        await engine.closing;
      })),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Takes `<dir>.lock` for this process, or throws when another live process
 * holds it. A lock left by a process that no longer runs is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockFile = `${dir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt > 0) throw new Error(`embedded database ${dir} is being opened by another process (lock file ${lockFile})`);
    }
    const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `embedded database ${dir} is in use by process ${pid} (lock file ${lockFile}); ` +
          'stop that process, or delete the lock file if no gateway uses this directory',
      );
    }
    await rm(lockFile, { force: true }); // stale: its process is gone, or it was this process before a restart
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
