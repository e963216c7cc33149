/**
 * Versioned schema migrations for the gateway's database.
 *
 * Migrations are the files `store/migrations/NNN_name.sql` (NNN: the version,
 * three or more digits; name: lower-case letters, digits and `_`), applied in
 * version order, each in its own transaction, and recorded in
 * `schema_migrations(version, name, checksum, applied_at)`. The checksum
 * (SHA-256 of the file, line endings normalised to LF) detects an applied
 * migration that was edited afterwards: that is an error, never silently
 * ignored. Change the schema by adding a migration, never by editing one.
 *
 * `openDatabase` (./database.ts) runs {@link applyMigrations} at start;
 * nothing else needs to call it.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Queryable } from './queryable.ts';

/** One migration file. */
export interface Migration {
  /** Version, from the file name's numeric prefix (`001_access_log.sql` → 1). */
  readonly version: number;
  /** Name, from the rest of the file name (`001_access_log.sql` → `access_log`). */
  readonly name: string;
  /** The SQL script; may hold several statements. */
  readonly sql: string;
  /** SHA-256 (hex) of the script with CRLF line endings turned into LF. */
  readonly checksum: string;
}

/** A single database connection that may run multi-statement scripts. */
export interface MigrationConnection extends Queryable {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

/** The schema cannot be migrated: the message says why and what to do. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Directory of the gateway's own migrations (`store/migrations/`). */
export const MIGRATIONS_DIR: string = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Key of the PostgreSQL session-level advisory lock held while migrating, so
 * that gateway instances starting at once against one database migrate one
 * after the other (the later ones then find nothing pending).
 */
export const MIGRATION_LOCK_KEY = '7465737467617465'; // bigint, as a string

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** SHA-256 (hex) of a migration script, line endings normalised to LF. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Reads the migrations in `dir` (default {@link MIGRATIONS_DIR}), sorted by
 * version. Files not ending in `.sql` are ignored; a `.sql` file whose name
 * is not `NNN_name.sql`, or two files with one version, throw a
 * {@link MigrationError}.
 */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(`migration file ${join(dir, file)} is not named NNN_name.sql (name: a-z, 0-9, _)`);
    }
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql, checksum: migrationChecksum(sql) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(`two migrations have version ${migrations[i]!.version} in ${dir}`);
    }
  }
  return migrations;
}

const fileName = (m: { version: number; name: string }): string =>
  `${String(m.version).padStart(3, '0')}_${m.name}.sql`;

/**
 * Brings the schema up to date: creates `schema_migrations` if missing, checks
 * the applied migrations against `migrations`, and applies the pending ones in
 * version order, each in its own transaction together with its
 * `schema_migrations` row. `options.createSchema`: a schema to create first
 * if missing (the connection's `search_path` must already name it). Holds the
 * advisory lock {@link MIGRATION_LOCK_KEY}
 * throughout, so concurrent callers on one PostgreSQL database apply each
 * migration exactly once. `conn` must be one connection used by nobody else
 * meanwhile.
 *
 * Throws a {@link MigrationError}, applying nothing, when an applied migration
 * was edited (checksum differs), is unknown here (the database was migrated by
 * a newer gateway), or a pending migration is older than an applied one. A
 * failing migration is rolled back and reported as a {@link MigrationError}
 * whose `cause` is the database error; the migrations before it stay applied.
 *
 * @returns the migrations applied by this call, in order (empty when none was pending).
 */
export async function applyMigrations(
  conn: MigrationConnection,
  migrations: readonly Migration[],
  options: { createSchema?: string } = {},
): Promise<Migration[]> {
  await conn.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  try {
    if (options.createSchema) await conn.exec(`CREATE SCHEMA IF NOT EXISTS "${options.createSchema.replace(/"/g, '""')}"`);
    await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows: applied } = await conn.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    for (const row of applied) {
      const known = byVersion.get(row.version);
      if (!known) {
        throw new MigrationError(
          `the database has migration ${fileName(row)} applied, which this gateway does not have: ` +
            'it was migrated by a newer version of the gateway',
        );
      }
      if (known.checksum !== row.checksum) {
        throw new MigrationError(
          `migration ${fileName(known)} was changed after it was applied ` +
            `(checksum ${known.checksum.slice(0, 12)}…, applied ${row.checksum.slice(0, 12)}…): ` +
            'restore the applied version and put the change in a new migration',
        );
      }
    }
    const latest = applied.at(-1)?.version ?? 0;
    const done = new Set(applied.map((r) => r.version));
    const pending = migrations.filter((m) => !done.has(m.version));
    const early = pending.find((m) => m.version < latest);
    if (early) {
      throw new MigrationError(
        `migration ${fileName(early)} is pending but the later migration ${latest} is already applied: ` +
          'give it a version above every applied one',
      );
    }
    for (const m of pending) {
      await conn.query('BEGIN');
      try {
        await conn.exec(m.sql);
        await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await conn.query('COMMIT');
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`migration ${fileName(m)} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return pending;
  } finally {
    await conn.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}
