import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AccessLog, encodeAccessLogCursor, type NewAccessLogEntry } from '../../store/access-log.ts';
import { openDatabase } from '../../store/database.ts';
import { MIGRATIONS_DIR } from '../../store/migrate.ts';
import { backends, openFresh, openTracked, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file, 'utf8')).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What schema_migrations should hold once the gateway's migrations ran: one row per store/migrations file. */
async function expectedMigrations() {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  expect(files[0]).toBe('001_access_log.sql');
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, file.indexOf('_'))),
      name: file.slice(file.indexOf('_') + 1, -'.sql'.length),
      checksum: await sha256(join(MIGRATIONS_DIR, file)),
      applied_at: expect.any(Date),
    })),
  );
}

const MIGRATIONS_SQL = 'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version';

describe.each(backends.map((b) => [b.kind, b] as const))('the %s database', (_kind, backend) => {
  describe('values', () => {
    it('returns rows as plain objects with the documented JavaScript type for each column type', async () => {
      const db = await openFresh(backend);
      await db.query(`CREATE TABLE sample (
        id bigserial PRIMARY KEY, n integer, big bigint, amount numeric, ok boolean, name text,
        at timestamptz, day date, doc jsonb, tags text[], bigs bigint[], nothing text)`);
      const insert = await db.query(
        `INSERT INTO sample (n, big, amount, ok, name, at, day, doc, tags, bigs, nothing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11), (7, 8, 9, false, 'b', now(), '2024-12-31', '[]', '{}', '{}', NULL)`,
        [
          42,
          '9007199254740993',
          '12345678901234567890.5',
          true,
          '张三',
          new Date('2024-03-01T08:30:00.123Z'),
          '2024-02-29',
          JSON.stringify({ a: [1, { b: null }], c: '一件事' }),
          ['x', 'with,comma', 'with "quote"', ''],
          ['9223372036854775807'],
          null,
        ],
      );
      const { rows, rowCount } = await db.query('SELECT * FROM sample WHERE id = $1', ['1']);

      expect(insert).toEqual({ rows: [], rowCount: 2 });
      expect({ rows, rowCount }).toEqual({
        rows: [
          {
            id: '1',
            n: 42,
            big: '9007199254740993',
            amount: '12345678901234567890.5',
            ok: true,
            name: '张三',
            at: new Date('2024-03-01T08:30:00.123Z'),
            day: '2024-02-29',
            doc: { a: [1, { b: null }], c: '一件事' },
            tags: ['x', 'with,comma', 'with "quote"', ''],
            bigs: ['9223372036854775807'],
            nothing: null,
          },
        ],
        rowCount: 1,
      });
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(await db.query(`UPDATE sample SET n = n + 1 RETURNING id`)).toEqual({
        rows: [{ id: '1' }, { id: '2' }],
        rowCount: 2,
      });
      expect(await db.query(`DELETE FROM sample WHERE name = 'nobody'`)).toEqual({ rows: [], rowCount: 0 });
    });

    it('rejects two statements in one query call', async () => {
      const db = await openFresh(backend);

      await expect(db.query('SELECT 1; SELECT 2')).rejects.toThrow(/multiple commands|prepared statement/);
    });
  });

  describe('transactions', () => {
    it('commits what the callback wrote and returns its result', async () => {
      const db = await openFresh(backend);
      await db.query('CREATE TABLE t (v text)');

      const result = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO t VALUES ('a'), ('b')`);
        return (await tx.query<{ n: string }>('SELECT count(*) AS n FROM t')).rows[0]?.n;
      });

      expect(result).toBe('2');
      expect((await db.query('SELECT v FROM t ORDER BY v')).rows).toEqual([{ v: 'a' }, { v: 'b' }]);
    });

    it('rolls back everything when the callback throws, and rethrows its error', async () => {
      const db = await openFresh(backend);
      await db.query('CREATE TABLE t (v text)');
      const failure = new Error('boom');

      const outcome = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO t VALUES ('a')`);
        throw failure;
      });

      await expect(outcome).rejects.toBe(failure);
      expect((await db.query('SELECT v FROM t')).rows).toEqual([]);
    });

    it('rolls back when a statement fails, and the database stays usable', async () => {
      const db = await openFresh(backend);
      await db.query('CREATE TABLE t (v text PRIMARY KEY)');

      const outcome = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO t VALUES ('a')`);
        await tx.query(`INSERT INTO t VALUES ('a')`);
      });

      await expect(outcome).rejects.toThrow(/duplicate key/);
      expect((await db.query('SELECT v FROM t')).rows).toEqual([]);
      await db.transaction((tx) => tx.query(`INSERT INTO t VALUES ('b')`));
      expect((await db.query('SELECT v FROM t')).rows).toEqual([{ v: 'b' }]);
    });

    it('does not let a concurrent query see the uncommitted rows of a running transaction', async () => {
      const db = await openFresh(backend);
      await db.query('CREATE TABLE t (v text)');
      let inserted!: () => void;
      const insertedYet = new Promise<void>((resolve) => (inserted = resolve));

      const transaction = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO t VALUES ('uncommitted')`);
        inserted();
        await sleep(50);
        throw new Error('roll back');
      });
      await insertedYet;
      const seen = await db.query('SELECT v FROM t');

      expect(seen.rows).toEqual([]);
      await expect(transaction).rejects.toThrow('roll back');
    });

    it('rejects db.query inside a transaction, and tx once the transaction is over', async () => {
      const db = await openFresh(backend);
      let leaked!: { query: (sql: string) => Promise<unknown> };

      const inner = await db.transaction(async (tx) => {
        leaked = tx;
        return db.query('SELECT 1').then(
          () => 'ran',
          (error: Error) => error.message,
        );
      });

      expect(inner).toBe(
        'db.query() and db.transaction() cannot be called inside db.transaction(): use its tx argument',
      );
      await expect(leaked.query('SELECT 1')).rejects.toThrow('this transaction is over: tx can no longer be used');
    });
  });

  describe('migrations', () => {
    it('are applied once at open and recorded with version, name, checksum and time', async () => {
      const db = await openFresh(backend);

      expect((await db.query(MIGRATIONS_SQL)).rows).toEqual(await expectedMigrations());
      expect((await db.query(`SELECT to_regclass('access_log') IS NOT NULL AS exists`)).rows).toEqual([
        { exists: true },
      ]);
    });

    it('are not applied again when the same database is opened a second time', async () => {
      const place = await backend.placeOfItsOwn();
      const first = await openDatabase(place);
      const before = (await first.query(MIGRATIONS_SQL)).rows;
      await new AccessLog(first).record([
        { actor: 'a', actorRole: 'ADMIN', subject: 's', system: 'x', items: ['i'], purpose: 'p' },
      ]);
      await first.close();

      const second = await openTracked(place);

      expect(before).toEqual(await expectedMigrations());
      expect((await second.query(MIGRATIONS_SQL)).rows).toEqual(before);
      expect((await second.query('SELECT id, subject FROM access_log')).rows).toEqual([{ id: '1', subject: 's' }]);
    });

    it('are applied exactly once when several gateways open one database at the same time', async () => {
      const place = await backend.place();

      const dbs = await Promise.all(Array.from({ length: 6 }, () => openTracked(place)));

      for (const db of dbs) expect((await db.query(MIGRATIONS_SQL)).rows).toEqual(await expectedMigrations());
      expect(
        (await dbs[5]!.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'access_log'::regclass AND NOT tgisinternal`))
          .rows,
      ).toEqual([{ tgname: 'access_log_append_only' }]);
    });

    it('refuse to start when an applied migration was edited afterwards', async () => {
      const place = await backend.place();
      const first = await openDatabase(place);
      // As if 001_access_log.sql had been different when it was applied.
      await first.query(`UPDATE schema_migrations SET checksum = 'a0b1c2d3e4f5' || checksum WHERE version = 1`);
      await first.close();

      await expect(openDatabase(place)).rejects.toThrow(
        /^migration 001_access_log\.sql was changed after it was applied \(checksum [0-9a-f]{12}…, applied a0b1c2d3e4f5…\): restore the applied version and put the change in a new migration$/,
      );
    });

    it('refuse to start on a database migrated by a newer gateway', async () => {
      const place = await backend.place();
      const first = await openDatabase(place);
      await first.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'from_the_future', 'x')`);
      await first.close();

      await expect(openDatabase(place)).rejects.toThrow(
        'the database has migration 999_from_the_future.sql applied, which this gateway does not have: it was migrated by a newer version of the gateway',
      );
    });
  });

  if (backend.kind === 'embedded') {
    describe('data directory', () => {
      it('is shared by the handles one process opens on it, and closed with the last one', async () => {
        const place = await backend.placeOfItsOwn();
        const dir = place.dataDir!;
        const a = await openDatabase(place);
        const b = await openDatabase({ ...place, schema: 'other' });
        await a.query('CREATE TABLE only_in_public (v int)');

        expect(await readFile(`${dir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
        expect((await b.query(`SELECT to_regclass('only_in_public') AS t`)).rows).toEqual([{ t: null }]);
        await a.close();
        expect((await b.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        // Opening while the last handle closes waits for the engine to stop, then starts it again.
        const [, c] = await Promise.all([b.close(), openDatabase(place)]);
        expect((await c.query(`SELECT to_regclass('only_in_public') AS t`)).rows).toEqual([{ t: 'only_in_public' }]);
        await c.close();
        await expect(readFile(`${dir}.lock`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
        await expect(a.query('SELECT 1')).rejects.toThrow('the database is closed');
      });

      it('cannot be opened while another live process holds its lock', async () => {
        const place = await backend.placeOfItsOwn();
        await mkdir(dirname(place.dataDir!), { recursive: true });
        await writeFile(`${place.dataDir}.lock`, `${process.ppid}\n`);

        await expect(openDatabase(place)).rejects.toThrow(
          `embedded database ${place.dataDir} is in use by process ${process.ppid} (lock file ${place.dataDir}.lock); ` +
            'stop that process, or delete the lock file if no gateway uses this directory',
        );
      });

      it('is taken over from a process that has gone without unlocking it', async () => {
        const place = await backend.placeOfItsOwn();
        await mkdir(dirname(place.dataDir!), { recursive: true });
        await writeFile(`${place.dataDir}.lock`, '2147483646\n');

        const db = await openTracked(place);

        expect((await db.query(MIGRATIONS_SQL)).rows).toEqual(await expectedMigrations());
        expect(await readFile(`${place.dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
      });
    });
  }

  describe('access log', () => {
    const entry = (n: number, subject = '440000199001011234'): NewAccessLogEntry => ({
      actor: `staff-${n}`,
      actorRole: 'DEPARTMENT_STAFF',
      subject,
      system: 'e-certificate',
      items: ['birth-certificate', `item-${n}`],
      purpose: 'application:A1',
      requestId: `req-${n}`,
    });
    const stored = (id: number, n: number, subject = '440000199001011234') => ({
      id: String(id),
      at: expect.any(Date),
      actor: `staff-${n}`,
      actorRole: 'DEPARTMENT_STAFF',
      subject,
      system: 'e-certificate',
      items: ['birth-certificate', `item-${n}`],
      purpose: 'application:A1',
      requestId: `req-${n}`,
      hall: null,
      consent: null,
    });

    it('records entries with one insert and reads them back whole, newest first', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);

      await log.record([
        entry(1),
        { ...entry(2), requestId: undefined, items: [] },
        entry(3, 'someone-else'),
        { ...entry(4), items: ['户口簿', 'a,b', '"quoted"'] },
      ]);
      await log.record([]);
      const page = await log.forSubject('440000199001011234', { first: 10 });

      expect(page).toEqual({
        entries: [
          { ...stored(4, 4), items: ['户口簿', 'a,b', '"quoted"'] },
          { ...stored(2, 2), requestId: null, items: [] },
          stored(1, 1),
        ],
        hasNextPage: false,
        endCursor: encodeAccessLogCursor('1'),
      });
      const [newest, , oldest] = page.entries;
      expect(newest!.at.getTime()).toBeGreaterThanOrEqual(oldest!.at.getTime());
    });

    it('rejects an entry with a missing field, recording none of the batch', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);

      await expect(log.record([entry(1), { ...entry(2), purpose: '' }])).rejects.toThrow(
        new TypeError('access-log entry 1: purpose must be a non-empty string'),
      );
      expect((await log.forSubject('440000199001011234', { first: 10 })).entries).toEqual([]);
    });

    it('is append-only: the database rejects UPDATE, DELETE and TRUNCATE', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);
      await log.record([entry(1)]);

      for (const [sql, op] of [
        [`UPDATE access_log SET purpose = 'rewritten'`, 'UPDATE'],
        [`DELETE FROM access_log WHERE id = 1`, 'DELETE'],
        [`DELETE FROM access_log WHERE id = 999`, 'DELETE'],
        [`TRUNCATE access_log`, 'TRUNCATE'],
      ] as const) {
        await expect(db.query(sql), sql).rejects.toMatchObject({
          message: `access_log is append-only: ${op} is not allowed`,
          code: '42501',
        });
      }
      expect((await log.forSubject('440000199001011234', { first: 10 })).entries).toEqual([stored(1, 1)]);
    });

    it('records inside a transaction, and rolls back with it', async () => {
      const db = await openFresh(backend);

      await db.transaction((tx) => new AccessLog(tx).record([entry(1)]));
      await expect(
        db.transaction(async (tx) => {
          await new AccessLog(tx).record([entry(2)]);
          throw new Error('the read failed');
        }),
      ).rejects.toThrow('the read failed');

      expect(await new AccessLog(db).forSubject('440000199001011234', { first: 10 })).toEqual({
        entries: [stored(1, 1)],
        hasNextPage: false,
        endCursor: encodeAccessLogCursor('1'),
      });
    });

    it('pages a subject’s entries newest first, with cursors and hasNextPage', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);
      await log.record([entry(1), entry(2), entry(3, 'other'), entry(4), entry(5), entry(6)]);
      const subject = '440000199001011234';

      const page1 = await log.forSubject(subject, { first: 2 });
      const page2 = await log.forSubject(subject, { first: 2, after: page1.endCursor });
      const page3 = await log.forSubject(subject, { first: 2, after: page2.endCursor });
      const beyond = await log.forSubject(subject, { first: 2, after: page3.endCursor });

      expect(page1).toEqual({ entries: [stored(6, 6), stored(5, 5)], hasNextPage: true, endCursor: encodeAccessLogCursor('5') });
      expect(page2).toEqual({ entries: [stored(4, 4), stored(2, 2)], hasNextPage: true, endCursor: encodeAccessLogCursor('2') });
      expect(page3).toEqual({ entries: [stored(1, 1)], hasNextPage: false, endCursor: encodeAccessLogCursor('1') });
      expect(beyond).toEqual({ entries: [], hasNextPage: false, endCursor: null });
      expect(await log.forSubject(subject, { first: 0 })).toEqual({ entries: [], hasNextPage: true, endCursor: null });
      expect(await log.forSubject('nobody', { first: 5 })).toEqual({ entries: [], hasNextPage: false, endCursor: null });
    });

    it('caps a page at 100 entries', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);
      await log.record(Array.from({ length: 101 }, (_, i) => entry(i + 1)));

      const page = await log.forSubject('440000199001011234', { first: 1000 });

      expect(page.entries.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => String(101 - i)));
      expect(page).toMatchObject({ hasNextPage: true, endCursor: encodeAccessLogCursor('2') });
    });

    it('rejects an invalid cursor or page size with a RangeError', async () => {
      const db = await openFresh(backend);
      const log = new AccessLog(db);
      const b64 = (text: string) => Buffer.from(text).toString('base64url');

      for (const after of ['', 'not a cursor!', b64('42'), b64('access_log:abc'), b64('access_log:0'), b64('access_log:99999999999999999999'), b64('other:42')]) {
        await expect(log.forSubject('s', { first: 1, after }), after).rejects.toThrow(
          new RangeError(`invalid access-log cursor ${JSON.stringify(after)}: pass the endCursor of a previous page`),
        );
      }
      await expect(log.forSubject('s', { first: -1 })).rejects.toThrow(
        new RangeError('first must be a non-negative integer, got -1'),
      );
      await expect(log.forSubject('s', { first: 1.5 })).rejects.toThrow(RangeError);
    });
  });
});
