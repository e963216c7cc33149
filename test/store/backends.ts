/**
 * The database backends every storage test runs against: the embedded one
 * (PGlite) always, PostgreSQL when TEST_DATABASE_URL is set.
 *
 * Each test gets databases of its own: a fresh schema (the `schema` option,
 * i.e. `search_path`), on PostgreSQL dropped after the test. Embedded schemas
 * live in one temporary data directory per test file whose engine stays open
 * until the file is done, since starting a PGlite engine takes ~0.5 s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, onTestFinished } from 'vitest';

import { openDatabase, type Database, type DatabaseOptions } from '../../store/database.ts';

export interface Backend {
  readonly kind: Database['kind'];
  /** Options of a new, empty database no other test sees, removed after the test. */
  place(): Promise<DatabaseOptions>;
  /**
   * Like place(), but on the embedded backend a data directory of its own, so
   * that closing the last handle stops its engine and reopening starts it again.
   */
  placeOfItsOwn(): Promise<DatabaseOptions>;
}

const postgresUrl = process.env.TEST_DATABASE_URL;
const freshSchema = () => `test_${randomBytes(6).toString('hex')}`;

async function temporaryDataDir(): Promise<{ dataDir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-store-test-'));
  return { dataDir: join(dir, 'db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

let shared: Promise<{ dataDir: string; keeper: Database; remove: () => Promise<void> }> | undefined;
afterAll(async () => {
  const s = await shared;
  await s?.keeper.close();
  await s?.remove();
});

const embedded: Backend = {
  kind: 'embedded',
  async place() {
    shared ??= temporaryDataDir().then(async (t) => ({ ...t, keeper: await openDatabase({ dataDir: t.dataDir }) }));
    return { dataDir: (await shared).dataDir, schema: freshSchema() };
  },
  async placeOfItsOwn() {
    const { dataDir, remove } = await temporaryDataDir();
    onTestFinished(remove);
    return { dataDir };
  },
};

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const postgres: Backend = {
  kind: 'postgres',
  async place() {
    const schema = freshSchema();
    onTestFinished(() => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    return { url: postgresUrl!, schema, poolSize: 4 };
  },
  placeOfItsOwn() {
    return this.place();
  },
};

/** The backends to run against, as `describe.each` rows. */
export const backends: Backend[] = postgresUrl ? [embedded, postgres] : [embedded];

/** Why the PostgreSQL runs are skipped, or null when they are not. */
export const postgresSkipped: string | null = postgresUrl
  ? null
  : 'TEST_DATABASE_URL is not set: storage tests ran on the embedded database only; ' +
    'the PostgreSQL runs were SKIPPED (.ci/run provides a PostgreSQL and sets it)';

/** Opens a new database for this test (see {@link Backend.place}); closed after the test. */
export async function openFresh(backend: Backend): Promise<Database> {
  return openTracked(await backend.place());
}

/** openDatabase, closing the database after the test. */
export async function openTracked(options: DatabaseOptions): Promise<Database> {
  const db = await openDatabase(options);
  onTestFinished(() => db.close());
  return db;
}
