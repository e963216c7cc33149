/**
 * The assessment metrics of DESIGN.md, one definition at a time, on small
 * fixtures whose expected figures are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import {
  averageMaterialReduction,
  averageTimeCompression,
  computeMetrics,
  departmentMetrics,
  exemptionRate,
  goodRatingRate,
  materialCounts,
  monthlySeries,
  onTimeRate,
  periodMonths,
  ratingDistribution,
  type ApplicationFacts,
  type CaseFacts,
  type TopicFacts,
} from '../../domain/metrics.ts';
import type { CaseStatus } from '../../domain/application-status.ts';
import type { PlanSummary } from '../../domain/plan.ts';

const summary = (s: Partial<PlanSummary>): PlanSummary => ({
  matterCount: 1,
  materialsBefore: 0,
  materialsToSubmit: 0,
  legalDaysTotal: 0,
  committedDays: 0,
  visits: 1,
  ...s,
});

const topic = (code: string, extra: Partial<TopicFacts> = {}): TopicFacts => ({
  code,
  name: `${code}一件事`,
  status: 'PUBLISHED',
  readiness: { guidable: true, onlineProcessable: true, problems: [] },
  widest: summary({}),
  ...extra,
});

/** One application of March (count 1), unless `plan` says otherwise. */
const application = (topicCode: string, plan: Partial<ApplicationFacts> = {}): ApplicationFacts => ({
  topicCode,
  materialsBefore: 0,
  materialsToSubmit: 0,
  legalDaysTotal: 0,
  committedDays: 0,
  channel: 'PC',
  materialsNeeded: 0,
  materialsExempt: 0,
  month: '2026-03',
  count: 1,
  ...plan,
});

const AT = '2026-03-02T00:00:00Z';

const NOW = new Date('2026-03-10T00:00:00Z');

interface CaseAt {
  status?: CaseStatus;
  dueAt?: string | null;
  decidedAt?: string | null;
  month?: string;
  count?: number;
}

/** `count` (default 1) alike cases of a March application of `topicCode`, their instants compared at NOW and counted as the store counts them. */
const kase = (topicCode: string, departmentCode: string, c: CaseAt): CaseFacts => {
  const count = c.count ?? 1;
  const due = c.dueAt ? Date.parse(c.dueAt) : NaN;
  const decided = c.decidedAt ? Date.parse(c.decidedAt) : NaN;
  const hasDue = !Number.isNaN(due);
  return {
    topicCode,
    month: c.month ?? '2026-03',
    departmentCode,
    status: c.status ?? 'IN_REVIEW',
    count,
    withDue: hasDue ? count : 0,
    decidedLate: hasDue && decided > due ? count : 0,
    pastDue: hasDue && NOW.getTime() > due ? count : 0,
  };
};
const MARCH = { from: new Date('2026-03-01T00:00:00+08:00'), to: new Date('2026-04-01T00:00:00+08:00') };

describe('onTimeRate', () => {
  it('is the decided cases decided by their dueAt over the decided cases', () => {
    const cases = [
      kase('T', 'D', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-04T00:00:00Z' }), // on time
      kase('T', 'D', { status: 'REJECTED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-06T00:00:00Z' }), // late
      kase('T', 'D', { status: 'WITHDRAWN', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-01T00:00:00Z' }), // on time
      kase('T', 'D', { status: 'IN_REVIEW', dueAt: '2026-03-01T00:00:00Z' }), // not decided: not counted
    ];
    // 2 on time of 3 decided.
    expect(onTimeRate(cases)).toBeCloseTo(2 / 3, 12);
  });

  it('counts a case decided exactly at its dueAt as on time', () => {
    expect(onTimeRate([kase('T', 'D', { status: 'APPROVED', dueAt: '2026-03-05T08:00:00+08:00', decidedAt: '2026-03-05T00:00:00Z' })])).toBe(1);
  });

  it('leaves out a decided case that never had a dueAt (it never reached a department)', () => {
    const cases = [
      kase('T', 'D', { status: 'WITHDRAWN', dueAt: null, decidedAt: '2026-03-01T00:00:00Z' }),
      kase('T', 'D', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-06T00:00:00Z' }),
    ];
    // Only the approved case counts, and it was late: 0 / 1.
    expect(onTimeRate(cases)).toBe(0);
  });

  it('is null, not NaN, when no case is decided', () => {
    expect(onTimeRate([])).toBeNull();
    expect(onTimeRate([kase('T', 'D', { status: 'QUEUED' })])).toBeNull();
  });
});

describe('ratings', () => {
  it('counts every grade from 1 to 5, zero counts included', () => {
    expect(ratingDistribution([{ topicCode: 'T', grade: 5, createdAt: AT }, { topicCode: 'T', grade: 5, createdAt: AT }, { topicCode: 'T', grade: 2, createdAt: AT }])).toEqual([
      { grade: 1, count: 0 },
      { grade: 2, count: 1 },
      { grade: 3, count: 0 },
      { grade: 4, count: 0 },
      { grade: 5, count: 2 },
    ]);
    expect(ratingDistribution([]).map((g) => g.count)).toEqual([0, 0, 0, 0, 0]);
  });

  it('takes grades 3 to 5 as good ratings (好评率), 基本满意 included', () => {
    const grades = [1, 2, 3, 4, 5, 3].map((grade) => ({ topicCode: 'T', grade, createdAt: AT }));
    // 3, 4, 5, 3 are good: 4 of 6.
    expect(goodRatingRate(grades)).toBeCloseTo(4 / 6, 12);
    expect(goodRatingRate([])).toBeNull();
  });
});

describe('average material reduction and time compression', () => {
  it('is the mean of each application’s own reduction, skipping zero denominators', () => {
    const apps = [
      application('T', { materialsBefore: 8, materialsToSubmit: 2, legalDaysTotal: 40, committedDays: 10 }), // 0.75, 0.75
      application('T', { materialsBefore: 4, materialsToSubmit: 4, legalDaysTotal: 20, committedDays: 15 }), // 0, 0.25
      application('T', { materialsBefore: 0, materialsToSubmit: 0, legalDaysTotal: 0, committedDays: 0 }), // skipped
    ];
    expect(averageMaterialReduction(apps)).toBeCloseTo((0.75 + 0) / 2, 12);
    expect(averageTimeCompression(apps)).toBeCloseTo((0.75 + 0.25) / 2, 12);
  });

  it('is null when no application has a denominator', () => {
    expect(averageMaterialReduction([])).toBeNull();
    expect(averageTimeCompression([application('T')])).toBeNull();
  });
});

describe('departments', () => {
  it('counts each department’s cases, those overdue now, and its on-time rate, by department code', () => {
    const cases = [
      kase('T', 'D2', { status: 'IN_REVIEW', dueAt: '2026-03-08T00:00:00Z' }), // past due at NOW: overdue
      kase('T', 'D1', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-04T00:00:00Z' }),
      kase('T', 'D2', { status: 'REJECTED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-06T00:00:00Z' }), // decided late: overdue
      kase('T', 'D1', { status: 'ACCEPTED', dueAt: '2026-03-20T00:00:00Z' }), // not yet due
    ];
    expect(departmentMetrics(cases)).toEqual([
      { departmentCode: 'D1', cases: 2, overdueCases: 0, onTimeRate: 1 },
      { departmentCode: 'D2', cases: 2, overdueCases: 2, onTimeRate: 0 },
    ]);
  });
});

describe('computeMetrics', () => {
  const topics: TopicFacts[] = [
    // widest: 1 − 4/10 = 0.6 fewer materials, 1 − 10/40 = 0.75 less time
    topic('T1', { widest: summary({ materialsBefore: 10, materialsToSubmit: 4, legalDaysTotal: 40, committedDays: 10 }) }),
    topic('T2', {
      readiness: { guidable: true, onlineProcessable: false, problems: ['MATTER_NOT_ONLINE'] },
      widest: summary({}), // no material, no legal days: null, null
    }),
    topic('T3', { readiness: { guidable: false, onlineProcessable: false, problems: ['NAME_NOT_STANDARD', 'NO_GUIDE_URL'] } }),
    topic('T4', { status: 'DRAFT' }), // neither counted nor listed
  ];
  const applications = [
    application('T1', { materialsBefore: 8, materialsToSubmit: 2, legalDaysTotal: 40, committedDays: 10 }), // 0.75 / 0.75
    application('T1', { materialsBefore: 4, materialsToSubmit: 4, legalDaysTotal: 20, committedDays: 15 }), // 0 / 0.25
    application('T2'), // 0 / 0 denominators: skipped in the averages
    application('T4', { materialsBefore: 5, materialsToSubmit: 4, legalDaysTotal: 10, committedDays: 10 }), // 0.2 / 0
  ];
  const cases = [
    kase('T1', 'D1', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-04T00:00:00Z' }), // on time
    kase('T1', 'D2', { status: 'REJECTED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-06T00:00:00Z' }), // late
    kase('T1', 'D1', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-05T00:00:00Z' }), // on time (at dueAt)
    kase('T1', 'D2', { status: 'IN_REVIEW', dueAt: '2026-03-08T00:00:00Z' }), // undecided, overdue at NOW
    kase('T2', 'D3', { status: 'WITHDRAWN', dueAt: null, decidedAt: '2026-03-02T00:00:00Z' }), // no dueAt: not counted
    kase('T4', 'D1', { status: 'IN_REVIEW', dueAt: '2026-03-20T00:00:00Z' }), // undecided, not yet due
  ];
  const ratings = [
    { topicCode: 'T1', grade: 5, createdAt: AT },
    { topicCode: 'T1', grade: 3, createdAt: AT },
    { topicCode: 'T1', grade: 2, createdAt: AT },
    { topicCode: 'T4', grade: 1, createdAt: AT },
  ];
  const metrics = computeMetrics({ topics, applications, cases, ratings, plans: [], period: MARCH });

  it('counts the published topics and the shares of them that are guidable and online-processable', () => {
    expect(metrics.topicCount).toBe(3);
    expect(metrics.guidableRate).toBeCloseTo(2 / 3, 12); // T1, T2
    expect(metrics.onlineProcessableRate).toBeCloseTo(1 / 3, 12); // T1
  });

  it('computes the period’s figures over all its applications, decided cases and ratings', () => {
    expect(metrics.applications).toBe(4);
    // Decided cases with a dueAt: A1/D1 (on time), A1/D2 (late), A2/D1 (on time) → 2/3.
    expect(metrics.onTimeRate).toBeCloseTo(2 / 3, 12);
    // Grades 5, 3, 2, 1 → 2 good of 4.
    expect(metrics.goodRatingRate).toBe(0.5);
    // Materials: (0.75 + 0 + 0.2) / 3; time: (0.75 + 0.25 + 0) / 3.
    expect(metrics.averageMaterialReduction).toBeCloseTo(0.95 / 3, 12);
    expect(metrics.averageTimeCompression).toBeCloseTo(1 / 3, 12);
  });

  it('lists each published topic with its readiness, widest-situation figures, applications, cases and ratings', () => {
    expect(metrics.topics.map((t) => t.topicCode)).toEqual(['T1', 'T2', 'T3']);
    const [t1, t2, t3] = metrics.topics;
    expect(t1).toEqual({
      topicCode: 'T1',
      topicName: 'T1一件事',
      guidable: true,
      onlineProcessable: true,
      problems: [],
      materialReduction: expect.closeTo(0.6, 12),
      timeCompression: 0.75,
      applications: 2,
      onTimeRate: expect.closeTo(2 / 3, 12),
      ratings: [
        { grade: 1, count: 0 },
        { grade: 2, count: 1 },
        { grade: 3, count: 1 },
        { grade: 4, count: 0 },
        { grade: 5, count: 1 },
      ],
      goodRatingRate: expect.closeTo(2 / 3, 12),
    });
    expect(t2).toMatchObject({
      guidable: true,
      onlineProcessable: false,
      problems: ['MATTER_NOT_ONLINE'],
      materialReduction: null,
      timeCompression: null,
      applications: 1,
      onTimeRate: null,
      goodRatingRate: null,
    });
    expect(t3).toMatchObject({ guidable: false, problems: ['NAME_NOT_STANDARD', 'NO_GUIDE_URL'], applications: 0, onTimeRate: null });
    expect(t3!.ratings.map((r) => r.count)).toEqual([0, 0, 0, 0, 0]);
  });

  it('lists the departments with cases of the period, by code', () => {
    expect(metrics.departments).toEqual([
      // A1/D1 on time, A2/D1 on time, A4/D1 undecided and not due.
      { departmentCode: 'D1', cases: 3, overdueCases: 0, onTimeRate: 1 },
      // A1/D2 decided late, A2/D2 undecided past due.
      { departmentCode: 'D2', cases: 2, overdueCases: 2, onTimeRate: 0 },
      // A3/D3 withdrawn before delivery.
      { departmentCode: 'D3', cases: 1, overdueCases: 0, onTimeRate: null },
    ]);
  });

  it('gives zero counts and null rates, never NaN, for a period with no data', () => {
    expect(computeMetrics({ topics: [], applications: [], cases: [], ratings: [], plans: [], period: MARCH })).toEqual({
      topicCount: 0,
      guidableRate: null,
      onlineProcessableRate: null,
      applications: 0,
      onTimeRate: null,
      goodRatingRate: null,
      averageMaterialReduction: null,
      averageTimeCompression: null,
      topics: [],
      departments: [],
      exemptionRate: null,
      channels: [
        { channel: 'PC', applications: 0 },
        { channel: 'MOBILE', applications: 0 },
        { channel: 'WINDOW', applications: 0 },
        { channel: 'KIOSK', applications: 0 },
      ],
      funnel: [],
      monthly: [
        {
          month: '2026-03',
          from: MARCH.from,
          to: MARCH.to,
          applications: 0,
          plans: 0,
          ratings: 0,
          materialReduction: null,
          timeCompression: null,
          onTimeRate: null,
          goodRatingRate: null,
          exemptionRate: null,
        },
      ],
    });
    const quiet = computeMetrics({ topics: [topic('T1')], applications: [], cases: [], ratings: [], plans: [], period: MARCH });
    expect(quiet).toMatchObject({ topicCount: 1, guidableRate: 1, onlineProcessableRate: 1, applications: 0, onTimeRate: null });
    expect(quiet.topics[0]).toMatchObject({ applications: 0, onTimeRate: null, goodRatingRate: null });
    const numbers = (value: unknown): number[] =>
      typeof value === 'number' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(numbers) : [];
    expect(numbers(quiet).filter((n) => !Number.isFinite(n))).toEqual([]);
  });
});

describe('免提交率, channels and the funnel', () => {
  const applications = [
    // 3 of 12 needed materials exempt, then 1 of 4, then none needed at all.
    application('T1', { channel: 'MOBILE', materialsNeeded: 12, materialsExempt: 3 }),
    application('T1', { channel: 'PC', materialsNeeded: 4, materialsExempt: 1 }),
    application('T2', { channel: 'MOBILE', materialsNeeded: 0, materialsExempt: 0 }),
  ];
  const plans = [
    { topicCode: 'T1', day: '2026-03-01', plans: 3 },
    { topicCode: 'T1', day: '2026-03-05', plans: 1 },
    { topicCode: 'T9', day: '2026-03-05', plans: 7 }, // not a published topic of the region
  ];
  const metrics = computeMetrics({ topics: [topic('T1'), topic('T2')], applications, cases: [], ratings: [], plans, period: MARCH });

  it('sums exempt materials over needed materials across the applications, not a mean of their rates', () => {
    // (3 + 1 + 0) / (12 + 4 + 0) = 0.25; a mean of 0.25 and 0.25 would agree here, so check a skewed pair too.
    expect(metrics.exemptionRate).toBe(0.25);
    expect(exemptionRate([application('T', { materialsNeeded: 1, materialsExempt: 1 }), application('T', { materialsNeeded: 9 })])).toBe(0.1);
  });

  it('counts the applications of every channel, the window included at zero', () => {
    expect(metrics.channels).toEqual([
      { channel: 'PC', applications: 1 },
      { channel: 'MOBILE', applications: 2 },
      { channel: 'WINDOW', applications: 0 },
      { channel: 'KIOSK', applications: 0 },
    ]);
  });

  it('sets each published topic’s applications against the plans computed for it', () => {
    expect(metrics.funnel).toEqual([
      { topicCode: 'T1', topicName: 'T1一件事', plans: 4, applications: 2, conversionRate: 0.5 },
      { topicCode: 'T2', topicName: 'T2一件事', plans: 0, applications: 1, conversionRate: null },
    ]);
  });
});

describe('the monthly series', () => {
  it('gives the China-time months of the period, the first and last clipped to it', () => {
    expect(periodMonths(new Date('2026-01-15T10:00:00+08:00'), new Date('2026-03-01T00:00:00+08:00'))).toEqual([
      { month: '2026-01', from: new Date('2026-01-15T10:00:00+08:00'), to: new Date('2026-02-01T00:00:00+08:00') },
      { month: '2026-02', from: new Date('2026-02-01T00:00:00+08:00'), to: new Date('2026-03-01T00:00:00+08:00') },
    ]);
    // 2025-12-31T20:00Z is already January 1st in China.
    expect(periodMonths(new Date('2025-12-31T20:00:00Z'), new Date('2026-01-02T00:00:00Z'))!.map((m) => m.month)).toEqual(['2026-01']);
  });

  it('is not given for a period of more than ten years', () => {
    expect(periodMonths(new Date('2016-01-01T00:00:00+08:00'), new Date('2026-01-01T00:00:00+08:00'))).toHaveLength(120);
    expect(periodMonths(new Date('2016-01-01T00:00:00+08:00'), new Date('2026-01-01T00:00:01+08:00'))).toBeNull();
  });

  it('puts applications and their cases in the month they were submitted in, ratings and plans in theirs', () => {
    const months = periodMonths(new Date('2026-01-01T00:00:00+08:00'), new Date('2026-03-01T00:00:00+08:00'))!;
    const series = monthlySeries(months, {
      applications: [
        application('T1', { month: '2026-01', materialsBefore: 4, materialsToSubmit: 1, materialsNeeded: 4, materialsExempt: 2 }),
        application('T1', { month: '2026-02', materialsBefore: 2, materialsToSubmit: 2, legalDaysTotal: 10, committedDays: 5 }),
      ],
      cases: [
        // Decided late in February, but its application is January's.
        kase('T1', 'D1', { month: '2026-01', status: 'APPROVED', dueAt: '2026-02-03T00:00:00Z', decidedAt: '2026-02-04T00:00:00Z' }),
        kase('T1', 'D1', { month: '2026-02', status: 'APPROVED', dueAt: '2026-02-10T00:00:00Z', decidedAt: '2026-02-04T00:00:00Z' }),
      ],
      ratings: [
        { topicCode: 'T1', grade: 1, createdAt: '2026-02-05T00:00:00Z' },
        { topicCode: 'T1', grade: 4, createdAt: '2026-02-06T00:00:00Z' },
      ],
      plans: [
        { topicCode: 'T1', day: '2026-01-31', plans: 2 },
        { topicCode: 'T1', day: '2026-02-01', plans: 5 },
      ],
    });

    expect(series.map(({ from, to, ...figures }) => figures)).toEqual([
      { month: '2026-01', applications: 1, plans: 2, ratings: 0, materialReduction: 0.75, timeCompression: null, onTimeRate: 0, goodRatingRate: null, exemptionRate: 0.5 },
      { month: '2026-02', applications: 1, plans: 5, ratings: 2, materialReduction: 0, timeCompression: 0.5, onTimeRate: 1, goodRatingRate: 0.5, exemptionRate: null },
    ]);
  });
});

describe('grouped facts', () => {
  it('weighs every group by how many applications and cases it stands for, as if each were given alone', () => {
    const groups = {
      applications: [
        // Three applications needing 4 materials each, 2 of them exempt: 12 and 6 in all.
        application('T1', { channel: 'MOBILE', materialsBefore: 4, materialsToSubmit: 2, legalDaysTotal: 10, committedDays: 5, materialsNeeded: 12, materialsExempt: 6, count: 3 }),
        application('T1', { channel: 'PC', materialsBefore: 4, materialsToSubmit: 4, legalDaysTotal: 10, committedDays: 10, materialsNeeded: 4, count: 1 }),
      ],
      cases: [
        kase('T1', 'D1', { status: 'APPROVED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-04T00:00:00Z', count: 3 }),
        kase('T1', 'D1', { status: 'IN_REVIEW', dueAt: '2026-03-08T00:00:00Z', count: 2 }),
        kase('T1', 'D1', { status: 'REJECTED', dueAt: '2026-03-05T00:00:00Z', decidedAt: '2026-03-06T00:00:00Z', count: 1 }),
      ],
    };
    // The same facts one application and one case at a time: the counts and sums of each group shared out.
    const each = <T extends { count: number }>(list: readonly T[], share: (group: T) => T) => list.flatMap((g) => Array.from({ length: g.count }, () => share(g)));
    const ungrouped = {
      applications: each(groups.applications, (g) => ({ ...g, count: 1, materialsNeeded: g.materialsNeeded / g.count, materialsExempt: g.materialsExempt / g.count })),
      cases: each(groups.cases, (g) => ({ ...g, count: 1, withDue: g.withDue / g.count, decidedLate: g.decidedLate / g.count, pastDue: g.pastDue / g.count })),
    };
    const of = (facts: typeof groups) => computeMetrics({ topics: [topic('T1')], ...facts, ratings: [], plans: [], period: MARCH });

    const metrics = of(groups);
    expect(metrics).toEqual(of(ungrouped));
    // Reduction (0.5 × 3 + 0) / 4, compression (0.5 × 3 + 0) / 4, exempt 6 of 16, on time 3 of 4 decided, 3 overdue (2 past due, 1 late).
    expect(metrics).toMatchObject({
      applications: 4,
      averageMaterialReduction: 0.375,
      averageTimeCompression: 0.375,
      exemptionRate: 0.375,
      onTimeRate: 0.75,
      departments: [{ departmentCode: 'D1', cases: 6, overdueCases: 3, onTimeRate: 0.75 }],
      channels: [
        { channel: 'PC', applications: 1 },
        { channel: 'MOBILE', applications: 3 },
        { channel: 'WINDOW', applications: 0 },
        { channel: 'KIOSK', applications: 0 },
      ],
    });
  });
});

describe('materialCounts', () => {
  it('counts the materials departments get — handed in, deferred or exempt — and the exempt ones, leaving out optional ones not given', () => {
    const exemption = { reason: 'E_CERTIFICATE' };
    expect(
      materialCounts([
        { provision: 'UPLOADED', exemption: null },
        { provision: 'DEFERRED', exemption: null },
        { provision: 'E_CERTIFICATE', exemption },
        { provision: null, exemption },
        { provision: null, exemption: null }, // optional, not given
      ]),
    ).toEqual({ needed: 4, exempt: 2 });
    expect(materialCounts([])).toEqual({ needed: 0, exempt: 0 });
  });
});
