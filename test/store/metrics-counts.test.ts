/**
 * The assessment metrics' counters (migration 016, store/metrics.ts): a
 * period's applications, cases and warning levels, counted from the counters
 * and the rows at its edges, equal those counted from every row — whatever
 * the period, the moment of judging, the writes since, and how much of them
 * has been folded. On the embedded database and on PostgreSQL when
 * TEST_DATABASE_URL names one.
 */
import { describe, expect, it } from 'vitest';
import { countingSpans } from '../../domain/metrics.ts';
import { CountFolder } from '../../delivery/metrics-counts.ts';
import type { Database } from '../../store/database.ts';
import { daysAndEdges, foldCountChanges, periodApplications, periodCases } from '../../store/metrics.ts';
import { periodWarningCounts } from '../../store/supervision.ts';
import { backends, openFresh, openTracked, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

/** A small deterministic generator, so that a failure can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

const DATA_FROM = Date.parse('2026-03-29T00:00:00+08:00');
const DATA_TO = Date.parse('2026-04-04T00:00:00+08:00');
const HOUR = 60 * 60 * 1000;
const STATUSES = ['QUEUED', 'IN_REVIEW', 'APPROVED', 'REJECTED', 'WITHDRAWN'] as const;

/** An instant in the data's days: one in five exactly at a China-time midnight or a millisecond either side of one. */
function instant(random: ReturnType<typeof generator>): Date {
  if (random.int(5) === 0) {
    const midnight = DATA_FROM + random.int(6) * 24 * HOUR;
    return new Date(midnight + random.pick([-1, 0, 0, 1]));
  }
  return new Date(DATA_FROM + random.int(DATA_TO - DATA_FROM));
}

async function insertData(db: Database, random: ReturnType<typeof generator>, prefix: string, applications: number): Promise<void> {
  for (let i = 0; i < applications; i++) {
    const id = `${prefix}${i}`;
    const submittedAt = instant(random);
    await db.query(
      `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region, answers, form,
                                 delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days,
                                 channel, materials_needed, materials_exempt, submitted_at, updated_at)
       VALUES ($1, '440514199001011234', 'PERSON', '张三', $2, '主题', 1, $3, '{}', '{}', 'ONLINE', $1, $4, $5, 20, $6, $7, $8, $9, $10, $10)`,
      [
        id,
        random.pick(['T-A', 'T-B']),
        random.pick(['440514', '440511']),
        random.pick([4, 6]),
        random.pick([1, 2]),
        random.pick([5, 8]),
        random.pick(['PC', 'MOBILE', 'WINDOW']),
        random.int(5),
        random.int(3),
        submittedAt,
      ],
    );
    const cases = 1 + random.int(3);
    for (let position = 1; position <= cases; position++) {
      const status = random.pick(STATUSES);
      const dueAt = random.int(4) === 0 ? null : instant(random);
      const decidedAt = status === 'APPROVED' || status === 'REJECTED' || random.int(6) === 0 ? instant(random) : null;
      await db.query(
        `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on, status, due_at, decided_at,
                            warning_level, updated_at)
         VALUES ($1, $2, $3, $4, '事项', $5, '{}', $6, $7, $8, $9, now())`,
        [`${id}-${position}`, id, position, `M-${position}`, random.pick(['D1', 'D2', 'D3']), status, dueAt, decidedAt,
          random.pick(['NONE', 'NONE', 'YELLOW', 'RED'])],
      );
    }
  }
}

/** Status updates, decisions and warning levels as the gateway writes them, several rows per statement; and bookkeeping that counts nothing. */
async function changeData(db: Database, random: ReturnType<typeof generator>): Promise<void> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM cases ORDER BY id');
  const some = () => rows.filter(() => random.int(4) === 0).map((r) => r.id);
  await db.query(`UPDATE cases SET status = 'APPROVED', decided_at = $2 WHERE id = ANY($1)`, [some(), instant(random)]);
  await db.query(`UPDATE cases SET status = 'IN_REVIEW', decided_at = NULL, due_at = $2 WHERE id = ANY($1)`, [some(), instant(random)]);
  await db.query(`UPDATE cases SET warning_level = 'RED' WHERE id = ANY($1)`, [some()]);
  await db.query(`UPDATE cases SET next_attempt_at = now(), delivery_attempts = delivery_attempts + 1 WHERE id = ANY($1)`, [some()]);
  await db.query(`UPDATE applications SET updated_at = now()`);
}

type Row = Record<string, any>;
/** The groups in one order, each with its keys in one order: the statements order them by collation, which may differ between databases. */
const sorted = (items: object[]) => items.map((i) => JSON.stringify(Object.fromEntries(Object.entries(i).sort()))).sort();

/** The metrics' facts counted from every row, as the statements did before the counters. */
async function countedFromRows(db: Database, region: string | null, from: Date, to: Date, now: Date) {
  const applications = (await db.query<Row>('SELECT * FROM applications')).rows.filter(
    (a) => (region === null || a.region === region) && a.submitted_at >= from && a.submitted_at < to,
  );
  const ids = new Map<string, Row>(applications.map((a) => [a.id, a]));
  const applicationOf = (c: Row): Row => ids.get(c.application_id)!;
  const cases = (await db.query<Row>('SELECT * FROM cases')).rows.filter((c) => ids.has(c.application_id));
  const spans = countingSpans(from, to);
  const monthOf = (at: Date) => spans.find((s) => at >= s.from && at < s.to)!.month;
  const tally = <T extends Row>(items: Row[], key: (item: Row) => Row, add: (sum: T, item: Row) => void, start: () => T) => {
    const groups = new Map<string, T>();
    for (const item of items) {
      const k = key(item);
      const id = JSON.stringify(k);
      const group = groups.get(id) ?? { ...k, ...start() };
      add(group, item);
      groups.set(id, group);
    }
    return [...groups.values()];
  };
  const late = (c: Row) => (c.due_at !== null && c.decided_at !== null && c.decided_at > c.due_at ? 1 : 0);
  return {
    applications: tally(
      applications,
      (a) => ({
        topicCode: a.topic_code, channel: a.channel, materialsBefore: a.materials_before, materialsToSubmit: a.materials_to_submit,
        legalDaysTotal: a.legal_days_total, committedDays: a.committed_days, month: monthOf(a.submitted_at),
      }),
      (g: Row, a) => ((g.count += 1), (g.materialsNeeded += a.materials_needed), (g.materialsExempt += a.materials_exempt)),
      () => ({ count: 0, materialsNeeded: 0, materialsExempt: 0 }),
    ),
    cases: tally(
      cases,
      (c) => ({ topicCode: applicationOf(c).topic_code, month: monthOf(applicationOf(c).submitted_at), departmentCode: c.department_code, status: c.status }),
      (g: Row, c) => {
        g.count += 1;
        g.withDue += c.due_at === null ? 0 : 1;
        g.decidedLate += late(c);
        g.pastDue += c.due_at !== null && now > c.due_at ? 1 : 0;
      },
      () => ({ count: 0, withDue: 0, decidedLate: 0, pastDue: 0 }),
    ),
    warnings: tally(
      cases.filter((c) => c.due_at !== null),
      (c) => ({ departmentCode: c.department_code, topicCode: applicationOf(c).topic_code, level: c.warning_level }),
      (g: Row) => (g.count += 1),
      () => ({ count: 0 }),
    ),
  };
}

async function countedFromCounters(db: Database, region: string | null, from: Date, to: Date, now: Date) {
  const spans = countingSpans(from, to);
  return {
    applications: await periodApplications(db, region, spans),
    cases: await periodCases(db, region, spans, now),
    warnings: await periodWarningCounts(db, { region, from, to }),
  };
}

/** Periods with edges inside days, on midnights, a single day, within one day, across the month's end, and at random. */
function periods(random: ReturnType<typeof generator>): Array<{ from: Date; to: Date; now: Date }> {
  const at = (text: string) => new Date(text);
  const fixed = [
    ['2026-03-30T10:00:00+08:00', '2026-04-02T15:30:00+08:00', '2026-04-01T12:00:00+08:00'],
    ['2026-03-31T00:00:00+08:00', '2026-04-01T00:00:00+08:00', '2026-03-31T08:00:00+08:00'],
    ['2026-03-31T09:00:00+08:00', '2026-03-31T18:00:00+08:00', '2026-04-03T23:59:59.999+08:00'],
    ['2026-01-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00', '2026-04-02T00:00:00+08:00'],
    ['2016-01-01T00:00:00+08:00', '2036-01-01T00:00:00+08:00', '2026-04-01T23:59:59.999+08:00'],
    ['2026-03-31T00:00:00+08:00', '+012026-01-01T00:00:00+08:00', '2026-03-20T00:00:00+08:00'],
  ].map(([from, to, now]) => ({ from: at(from!), to: at(to!), now: at(now!) }));
  const drawn = Array.from({ length: 12 }, () => {
    const a = instant(random).getTime();
    const b = instant(random).getTime();
    return { from: new Date(Math.min(a, b)), to: new Date(Math.max(a, b) + 1), now: instant(random) };
  });
  return [...fixed, ...drawn];
}

async function expectCountsAsRows(db: Database, random: ReturnType<typeof generator>): Promise<void> {
  for (const { from, to, now } of periods(random)) {
    for (const region of ['440514', null]) {
      const rows = await countedFromRows(db, region, from, to, now);
      const counters = await countedFromCounters(db, region, from, to, now);
      const period = `${from.toISOString()} – ${to.toISOString()} at ${now.toISOString()}, region ${region}`;
      expect(sorted(counters.applications), period).toEqual(sorted(rows.applications));
      expect(sorted(counters.cases), period).toEqual(sorted(rows.cases));
      expect(sorted(counters.warnings), period).toEqual(sorted(rows.warnings));
    }
  }
}

async function pendingChanges(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT ((SELECT count(*) FROM application_count_changes) + (SELECT count(*) FROM case_count_changes))::int AS n',
  );
  return rows[0]!.n;
}

describe('cutting spans into whole China-time days and the parts of a day at their ends', () => {
  it('reads whole days from the counters and the rest from the rows', () => {
    const span = { month: '2026-03', from: new Date('2026-03-30T10:00:00+08:00'), to: new Date('2026-04-01T15:30:00+08:00') };
    expect(daysAndEdges([span])).toEqual({
      days: [{ month: '2026-03', from: new Date('2026-03-31T00:00:00+08:00'), to: new Date('2026-04-01T00:00:00+08:00'), fromDay: 20543, toDay: 20544 }],
      edges: [
        { month: '2026-03', from: span.from, to: new Date('2026-03-31T00:00:00+08:00') },
        { month: '2026-03', from: new Date('2026-04-01T00:00:00+08:00'), to: span.to },
      ],
    });
  });

  it('has no edges for a span from midnight to midnight, and no days for one within a day or across one midnight only', () => {
    const whole = { month: '2026-04', from: new Date('2026-04-01T00:00:00+08:00'), to: new Date('2026-05-01T00:00:00+08:00') };
    const inDay = { month: '2026-04', from: new Date('2026-04-02T08:00:00+08:00'), to: new Date('2026-04-02T09:00:00+08:00') };
    const acrossMidnight = { month: '2026-04', from: new Date('2026-04-02T20:00:00+08:00'), to: new Date('2026-04-03T09:00:00+08:00') };
    expect(daysAndEdges([whole, inDay, acrossMidnight])).toEqual({
      days: [{ ...whole, fromDay: 20544, toDay: 20574 }],
      edges: [inDay, acrossMidnight],
    });
  });
});

describe.each(backends.map((b) => [b.kind, b] as const))('the metrics counters on the %s database', (_kind, backend) => {
  it('count every period as the rows do: after inserts, after updates, and however much of the changes is folded', async () => {
    const db = await openFresh(backend);
    const random = generator(11);
    await insertData(db, random, 'A', 60);
    await expectCountsAsRows(db, random);

    await changeData(db, random);
    await expectCountsAsRows(db, random);

    const before = await pendingChanges(db);
    expect(await foldCountChanges(db, 3)).toEqual({ applications: 3, cases: 3 });
    expect(await pendingChanges(db)).toBe(before - 6);
    await expectCountsAsRows(db, random);

    await insertData(db, random, 'B', 20);
    while ((await pendingChanges(db)) > 0) await foldCountChanges(db, 50);
    await changeData(db, random);
    await expectCountsAsRows(db, random);
  });

  it('append one change per kind of row an insert adds, two for each row an update counts differently, and none for bookkeeping', async () => {
    const db = await openFresh(backend);
    await db.query(
      `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region, answers, form,
                                 delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days, submitted_at, updated_at)
       SELECT 'A' || g, '440514199001011234', 'PERSON', '张三', 'T-A', '主题', 1, '440514', '{}', '{}', 'ONLINE', 'A' || g, 4, 1, 20, 5,
              timestamptz '2026-03-30T10:00:00+08:00' + g * interval '1 hour', now()
         FROM generate_series(1, 30) g`,
    );
    expect(await pendingChanges(db)).toBe(2); // 30 applications over two China-time days
    await db.query(
      `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on, status, updated_at)
       SELECT id || '-' || p, id, p, 'M-' || p, '事项', 'D' || p, '{}', 'QUEUED', now() FROM applications, generate_series(1, 3) p`,
    );
    expect(await pendingChanges(db)).toBe(2 + 2 * 3); // two days, three departments
    while ((await pendingChanges(db)) > 0) await foldCountChanges(db, 100);

    await db.query(`UPDATE cases SET next_attempt_at = now(), claimed_by = 'worker', delivery_attempts = 2`);
    await db.query(`UPDATE applications SET updated_at = now()`);
    expect(await pendingChanges(db)).toBe(0);

    await db.query(`UPDATE cases SET status = 'RECEIVED' WHERE department_code = 'D1'`);
    expect(await pendingChanges(db)).toBe(2 * 30);
  });

  it('refuse to move a submitted application to another region, topic or time, and forget what a truncate empties', async () => {
    const db = await openFresh(backend);
    await insertData(db, generator(3), 'A', 5);
    for (const change of [`region = '440511'`, `topic_code = 'T-C'`, `submitted_at = submitted_at + interval '1 day'`]) {
      await expect(db.query(`UPDATE applications SET ${change} WHERE id = 'A1'`)).rejects.toThrow(
        "an application's region, topic and submission time never change (application A1)",
      );
    }
    await db.query(`UPDATE applications SET channel = 'KIOSK', region = region WHERE id = 'A1'`);
    await expectCountsAsRows(db, generator(4));

    await db.query('TRUNCATE applications CASCADE');
    const { rows } = await db.query<Row>(
      `SELECT (SELECT count(*) FROM application_counts) + (SELECT count(*) FROM case_counts) + (SELECT count(*) FROM application_count_changes)
              + (SELECT count(*) FROM case_count_changes) AS n`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('count what was stored before the counters existed (the migration fills them)', async () => {
    const place = await backend.placeOfItsOwn();
    const random = generator(23);
    const first = await openTracked(place);
    for (const statement of [
      'DROP TABLE application_counts, application_count_changes, case_counts, case_count_changes',
      'DROP FUNCTION applications_count_changes, applications_count_update, cases_count_changes, cases_count_update CASCADE',
      'DROP FUNCTION applications_refuse_counted_fact_change, metrics_counts_truncated CASCADE',
      'DROP FUNCTION metrics_china_day',
      'DROP INDEX cases_due_at_idx',
      'DELETE FROM schema_migrations WHERE version = 16',
    ]) {
      await first.query(statement);
    }
    await insertData(first, random, 'OLD', 30);
    await first.close();

    const reopened = await openTracked(place);
    await expectCountsAsRows(reopened, random);
    expect(await pendingChanges(reopened)).toBe(0);
  });

  it('fold in the background until no change is left, a batch at a time, two instances at once counting each change once', async () => {
    const db = await openFresh(backend);
    await insertData(db, generator(7), 'A', 40);
    const folders = [new CountFolder({ db }, { intervalMs: 10, batchSize: 4 }), new CountFolder({ db }, { intervalMs: 10, batchSize: 4 })];
    for (const folder of folders) folder.start();
    try {
      await expect.poll(() => pendingChanges(db), { timeout: 10_000 }).toBe(0);
    } finally {
      await Promise.all(folders.map((f) => f.stop()));
    }
    await expectCountsAsRows(db, generator(8));
  });
});
