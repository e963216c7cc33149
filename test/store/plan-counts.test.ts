/**
 * The plan counters behind the funnel (store/metrics.ts), on the embedded
 * database and on PostgreSQL when TEST_DATABASE_URL names one.
 */
import { describe, expect, it } from 'vitest';
import { PlanCounter, periodPlanCounts, type CountedPlan } from '../../store/metrics.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

describe.each(backends.map((b) => [b.kind, b] as const))('plan counters on the %s database', (_kind, backend) => {
  it('count each plan once per topic and China-time day, in one row, concurrent plans included', async () => {
    const db = await openFresh(backend);
    const counter = new PlanCounter(db);
    const plan = { topicCode: 'CN-YJS-XSECS', region: '440514', day: '2026-03-01' };

    // Counted together: one write carries the same counter five times, and two others.
    await Promise.all([
      ...Array.from({ length: 5 }, () => counter.count(plan)),
      counter.count({ ...plan, day: '2026-03-02' }),
      counter.count({ topicCode: 'SY-YJS-XX', region: '440511', day: '2026-03-01' }),
    ]);

    const { rows } = await db.query(`SELECT * FROM plan_counts ORDER BY region, day`);
    expect(rows.map((r: any) => Object.keys(r).sort())).toEqual([0, 1, 2].map(() => ['day', 'plans', 'region', 'topic_code']));
    expect(
      await periodPlanCounts(db, { region: '440514', from: new Date('2026-03-01T00:00:00+08:00'), to: new Date('2026-04-01T00:00:00+08:00') }),
    ).toEqual([
      { topicCode: 'CN-YJS-XSECS', day: '2026-03-01', plans: 5 },
      { topicCode: 'CN-YJS-XSECS', day: '2026-03-02', plans: 1 },
    ]);
  });

  it('add to the stored counters plans counted later, one by one', async () => {
    const db = await openFresh(backend);
    const counter = new PlanCounter(db);
    const plan: CountedPlan = { topicCode: 'CN-YJS-XSECS', region: '440514', day: '2026-03-01' };

    for (let i = 0; i < 3; i++) await counter.count(plan);

    expect(
      await periodPlanCounts(db, { region: '440514', from: new Date('2026-03-01T00:00:00+08:00'), to: new Date('2026-03-02T00:00:00+08:00') }),
    ).toEqual([{ topicCode: 'CN-YJS-XSECS', day: '2026-03-01', plans: 3 }]);
  });

  it('take the days that start in the period: a period from 10:00 leaves that day out', async () => {
    const db = await openFresh(backend);
    const counter = new PlanCounter(db);
    await counter.count({ topicCode: 'T', region: '440514', day: '2026-03-01' });
    await counter.count({ topicCode: 'T', region: '440514', day: '2026-03-02' });

    const days = async (from: string, to: string) =>
      (await periodPlanCounts(db, { region: null, from: new Date(from), to: new Date(to) })).map((c) => c.day);

    expect(await days('2026-03-01T10:00:00+08:00', '2026-03-03T00:00:00+08:00')).toEqual(['2026-03-02']);
    expect(await days('2026-02-28T16:00:00Z', '2026-03-02T00:00:00+08:00')).toEqual(['2026-03-01']);
    expect(await days('2026-03-01T00:00:00+08:00', '2026-03-02T00:00:01+08:00')).toEqual(['2026-03-01', '2026-03-02']);
  });
});
