import { afterEach, describe, expect, it } from 'vitest';
import { AccessLog, RequestReads, type NewAccessLogEntry } from '../../store/access-log.ts';
import { openDatabase, type Database, type Queryable } from '../../store/database.ts';

let db: Database | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

const read = (subject: string, item: string): NewAccessLogEntry => ({
  actor: '440514199403120356',
  actorRole: 'APPLICANT',
  subject,
  system: 'e-certificates',
  items: [item],
  purpose: 'CN-YJS-XSECS',
});

/** Counts the statements sent, and can be told to fail the next INSERT or hold it until released. */
function counting(inner: Queryable) {
  const statements: string[] = [];
  let failNext = false;
  let hold: Promise<void> | null = null;
  return {
    statements,
    failNextInsert: () => (failNext = true),
    holdNextInsert() {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    query: (async (sql: string, params?: readonly unknown[]) => {
      statements.push(sql.trim().split(/\s+/)[0]!);
      if (failNext && sql.includes('INSERT')) {
        failNext = false;
        throw new Error('disk full');
      }
      if (hold && sql.includes('INSERT')) {
        const held = hold;
        hold = null;
        await held;
      }
      return inner.query(sql, params);
    }) as Queryable['query'],
  };
}

describe('access log group commit', () => {
  it('writes reads recorded together in one insert, in order', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const spy = counting(db);
    const log = new AccessLog(spy);

    await Promise.all([
      log.record([read('A', 'CT-SFZ')]),
      log.record([read('B', 'CT-HKB')]),
      log.record([read('C', 'CT-JHZ'), read('D', 'CT-SBK')]),
    ]);

    expect(spy.statements).toEqual(['INSERT']);
    const { rows } = await db.query<{ subject: string; items: string[] }>('SELECT subject, items FROM access_log ORDER BY id');
    expect(rows).toEqual([
      { subject: 'A', items: ['CT-SFZ'] },
      { subject: 'B', items: ['CT-HKB'] },
      { subject: 'C', items: ['CT-JHZ'] },
      { subject: 'D', items: ['CT-SBK'] },
    ]);
  });

  it('tells every caller of a failed insert, and goes on writing later reads', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const spy = counting(db);
    const log = new AccessLog(spy);
    spy.failNextInsert();

    const results = await Promise.allSettled([log.record([read('A', 'CT-SFZ')]), log.record([read('B', 'CT-HKB')])]);
    await log.record([read('C', 'CT-JHZ')]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const { rows } = await db.query<{ subject: string }>('SELECT subject FROM access_log ORDER BY id');
    expect(rows.map((r) => r.subject)).toEqual(['C']);
  });

  it('writes reads recorded while an insert is under way together in the next insert, after it', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const spy = counting(db);
    const log = new AccessLog(spy);
    const release = spy.holdNextInsert();

    const first = log.record([read('A', 'CT-SFZ')]);
    while (spy.statements.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const later = [log.record([read('B', 'CT-HKB')]), log.record([read('C', 'CT-JHZ')])];
    release();
    await Promise.all([first, ...later]);

    expect(spy.statements).toEqual(['INSERT', 'INSERT']);
    const { rows } = await db.query<{ subject: string }>('SELECT subject FROM access_log ORDER BY id');
    expect(rows.map((r) => r.subject)).toEqual(['A', 'B', 'C']);
  });
});

describe("one request's reads", () => {
  it('are stored together in one insert when the request flushes them, in the order they were read', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const spy = counting(db);
    const reads = new RequestReads(new AccessLog(spy));

    reads.add([read('A', 'CT-SFZ')]);
    reads.add([read('B', 'CT-HKB'), read('C', 'CT-JHZ')]);
    const beforeFlush = [...spy.statements];
    await reads.flush();
    await reads.flush();

    expect(beforeFlush).toEqual([]);
    expect(spy.statements).toEqual(['INSERT']);
    const { rows } = await db.query<{ subject: string }>('SELECT subject FROM access_log ORDER BY id');
    expect(rows.map((r) => r.subject)).toEqual(['A', 'B', 'C']);
  });

  it('refuse a malformed read at once, keeping none of its batch', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const reads = new RequestReads(new AccessLog(db));

    expect(() => reads.add([read('A', 'CT-SFZ'), { ...read('B', 'CT-HKB'), purpose: '' }])).toThrow(
      new TypeError('access-log entry 1: purpose must be a non-empty string'),
    );
    await reads.flush();

    const { rows } = await db.query('SELECT subject FROM access_log');
    expect(rows).toEqual([]);
  });

  it('make the flush fail when they cannot be stored', async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    const spy = counting(db);
    const reads = new RequestReads(new AccessLog(spy));
    spy.failNextInsert();

    reads.add([read('A', 'CT-SFZ')]);

    await expect(reads.flush()).rejects.toThrow('disk full');
  });
});
