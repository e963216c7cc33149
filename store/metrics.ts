/**
 * The reads behind the assessment metrics: the period's applications with
 * their plan numbers, their cases, and the period's ratings.
 *
 * Only what the metrics need is read — never who applied or who rated:
 * applications come back as topic and plan numbers, cases as department,
 * status and time comparisons, ratings as topic and grade. Applications and
 * cases are counted in SQL, grouped by those facts: what leaves the database
 * grows with the kinds of applications and cases, not with their number.
 * Whole China-time days are read from counters the database keeps per day
 * (migration 016), so what is read grows with the period's days, not its
 * cases; only the parts of a day at the period's ends come from the rows.
 *
 * Ratings come from the rating system, not from the local `evaluations`
 * table: that copy only holds ratings made through this gateway, while the
 * rating system also has those made at the window, on kiosks and by hotline.
 *
 * @module
 */
import { mapLimit } from '../lib/concurrency.ts';
import { GroupCommit } from '../lib/group-commit.ts';
import type { EvaluationClient } from '../connectors/evaluation/client.ts';
import type { CaseStatus } from '../domain/application-status.ts';
import { chinaDateOf } from '../lib/china-date.ts';
import type { ApplicationFacts, CaseFacts, MonthSpan, PlanCountFacts, RatingFacts } from '../domain/metrics.ts';
import type { Queryable } from './database.ts';

/** A region and a period [from, to). `region` null = every region. */
export interface MetricsPeriod {
  region: string | null;
  from: Date;
  to: Date;
}

export interface PeriodRating extends RatingFacts {
  applicationId: string;
}

type Row = Record<string, any>;

const DAY_MS = 24 * 60 * 60 * 1000;
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The China-time midnight at or after `at` (epoch ms). */
function midnightOnOrAfter(at: number): number {
  return Math.ceil((at + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
}

/** The China-time midnight at or before `at` (epoch ms). */
function midnightOnOrBefore(at: number): number {
  return Math.floor((at + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
}

/** The China-time day that starts at the midnight `at`, as days since 1970-01-01 (China time): a number for any year. */
function dayNumberAt(at: number): number {
  return Math.round((at + CHINA_OFFSET_MS) / DAY_MS);
}

/** Whole China-time days of a span: [fromDay, toDay) as days since 1970-01-01, starting at `from` and ending at `to`. */
export interface DaysOfSpan extends MonthSpan {
  fromDay: number;
  toDay: number;
}

/**
 * The spans cut where the counters can answer: the whole China-time days of
 * each span (read from the counters) and the parts of a day at its ends (read
 * from the rows), at most two per span. A span within one day is all edge.
 */
export function daysAndEdges(spans: readonly MonthSpan[]): { days: DaysOfSpan[]; edges: MonthSpan[] } {
  const days: DaysOfSpan[] = [];
  const edges: MonthSpan[] = [];
  for (const span of spans) {
    const from = span.from.getTime();
    const to = span.to.getTime();
    const first = midnightOnOrAfter(from);
    const last = midnightOnOrBefore(to);
    if (first >= last) {
      edges.push(span);
      continue;
    }
    if (from < first) edges.push({ month: span.month, from: span.from, to: new Date(first) });
    days.push({ month: span.month, from: new Date(first), to: new Date(last), fromDay: dayNumberAt(first), toDay: dayNumberAt(last) });
    if (last < to) edges.push({ month: span.month, from: new Date(last), to: span.to });
  }
  return { days, edges };
}

// Spans arrive as arrays, one row each: the planner then joins a column of a few rows. Instants travel as
// epoch milliseconds and days as day numbers: ISO text of a year past 9999 ("+010000-…") is not PostgreSQL's.
const EPOCH_DAY = `date '1970-01-01'`;
const DAYS = `unnest($2::text[], $3::int[], $4::int[], $5::float8[], $6::float8[]) AS d(month, from_day, to_day, from_ms, to_ms)`;
const EDGES = `unnest($7::text[], $8::float8[], $9::float8[]) AS e(month, from_ms, to_ms)`;
const IN_DAYS = `k.day >= ${EPOCH_DAY} + d.from_day AND k.day < ${EPOCH_DAY} + d.to_day`;
const IN_EDGE = (column: string) => `${column} >= to_timestamp(e.from_ms / 1000) AND ${column} < to_timestamp(e.to_ms / 1000)`;
// The first and end day of all the spans, as bounds on the counters' leading column: only the period's days are read.
const IN_PERIOD_DAYS = `day >= ${EPOCH_DAY} + $10::int AND day < ${EPOCH_DAY} + $11::int`;

/**
 * The statement of {@link periodApplications}: $1 region or null; $2 … $6 the
 * whole days (keys, first and end day numbers, their instants in epoch ms);
 * $7 … $9 the edges (keys, starts and ends in epoch ms); $10, $11 the first
 * and end day of them all. The days are read from the counters (migration
 * 016), the edges from the rows.
 */
export const PERIOD_APPLICATIONS_SQL = `WITH counted AS (
       SELECT region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total, committed_days,
              applications, materials_needed, materials_exempt FROM application_counts WHERE ${IN_PERIOD_DAYS}
       UNION ALL
       SELECT region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total, committed_days,
              applications, materials_needed, materials_exempt FROM application_count_changes WHERE ${IN_PERIOD_DAYS}),
     parts AS (
       SELECT d.month, k.topic_code, k.channel, k.materials_before, k.materials_to_submit, k.legal_days_total, k.committed_days,
              k.applications AS count, k.materials_needed, k.materials_exempt
         FROM ${DAYS} JOIN counted k ON ${IN_DAYS}
        WHERE ($1::text IS NULL OR k.region = $1::text)
       UNION ALL
       SELECT e.month, a.topic_code, a.channel, a.materials_before, a.materials_to_submit, a.legal_days_total, a.committed_days,
              1, a.materials_needed, a.materials_exempt
         FROM ${EDGES} JOIN applications a ON ${IN_EDGE('a.submitted_at')}
        WHERE ($1::text IS NULL OR a.region = $1::text))
SELECT month, topic_code, channel, materials_before, materials_to_submit, legal_days_total, committed_days,
       sum(materials_needed)::int AS materials_needed, sum(materials_exempt)::int AS materials_exempt, sum(count)::int AS count
  FROM parts
 GROUP BY 1, 2, 3, 4, 5, 6, 7
HAVING sum(count) > 0
 ORDER BY 1, 2, 3, 4, 5, 6, 7`;

/**
 * The period's cases counted by `keys` (columns of month, topic_code,
 * department_code, status, warning_level): how many, with a time limit,
 * decided after it, and — with `pastDue` — past it now. Parameters: those of
 * {@link PERIOD_APPLICATIONS_SQL}; with `pastDue`, then $12 now, $13 its
 * China-time day number and $14 that day's start (epoch ms). The counters
 * know the day each case falls due on: those due before today are past due;
 * those due today are read from the rows. Without `pastDue`, `past_due` is 0.
 */
export function periodCasesSql(keys: string, options: { pastDue: boolean }): string {
  const pastDueOfCounters = options.pastDue ? `CASE WHEN k.due_day < ${EPOCH_DAY} + $13::int THEN k.cases ELSE 0 END` : '0';
  const pastDueOfRows = options.pastDue ? `(($12::timestamptz > c.due_at) IS TRUE)::int` : '0';
  const dueToday = options.pastDue
    ? `
       UNION ALL
       SELECT d.month, a.topic_code, c.department_code, c.status, c.warning_level, 0, 0, 0, 1
         FROM cases c
         JOIN ${DAYS} ON c.submitted_at >= to_timestamp(d.from_ms / 1000) AND c.submitted_at < to_timestamp(d.to_ms / 1000)
         JOIN applications a ON a.id = c.application_id
        WHERE c.due_at >= to_timestamp($14::float8 / 1000) AND c.due_at < $12::timestamptz AND ($1::text IS NULL OR a.region = $1::text)`
    : '';
  return `WITH counted AS (
       SELECT region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late
         FROM case_counts WHERE ${IN_PERIOD_DAYS}
       UNION ALL
       SELECT region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late
         FROM case_count_changes WHERE ${IN_PERIOD_DAYS}),
     parts AS (
       SELECT d.month, k.topic_code, k.department_code, k.status, k.warning_level, k.cases AS count,
              CASE WHEN k.due_day <> 'infinity' THEN k.cases ELSE 0 END AS with_due, k.decided_late,
              ${pastDueOfCounters} AS past_due
         FROM ${DAYS} JOIN counted k ON ${IN_DAYS}
        WHERE ($1::text IS NULL OR k.region = $1::text)${dueToday}
       UNION ALL
       SELECT e.month, a.topic_code, c.department_code, c.status, c.warning_level, 1,
              (c.due_at IS NOT NULL)::int, ((c.decided_at > c.due_at) IS TRUE)::int, ${pastDueOfRows}
         FROM ${EDGES} JOIN applications a ON ${IN_EDGE('a.submitted_at')}
         JOIN cases c ON c.application_id = a.id
        WHERE ($1::text IS NULL OR a.region = $1::text))
SELECT ${keys}, sum(count)::int AS count, sum(with_due)::int AS with_due, sum(decided_late)::int AS decided_late, sum(past_due)::int AS past_due
  FROM parts
 GROUP BY ${keys}
HAVING sum(count) > 0
 ORDER BY ${keys}`;
}

/** The statement of {@link periodCases}. */
export const PERIOD_CASES_SQL = periodCasesSql('month, topic_code, department_code, status', { pastDue: true });

/** The parameters of {@link PERIOD_APPLICATIONS_SQL}, and of {@link periodCasesSql} without `pastDue`. */
export function spanParameters(region: string | null, spans: readonly MonthSpan[]): unknown[] {
  const { days, edges } = daysAndEdges(spans);
  return [
    region,
    days.map((d) => d.month),
    days.map((d) => d.fromDay),
    days.map((d) => d.toDay),
    days.map((d) => d.from.getTime()),
    days.map((d) => d.to.getTime()),
    edges.map((e) => e.month),
    edges.map((e) => e.from.getTime()),
    edges.map((e) => e.to.getTime()),
    days.length ? Math.min(...days.map((d) => d.fromDay)) : 0,
    days.length ? Math.max(...days.map((d) => d.toDay)) : 0,
  ];
}

/** The parameters of {@link periodCasesSql} with `pastDue`: those of {@link spanParameters}, then now's. */
export function caseSpanParameters(region: string | null, spans: readonly MonthSpan[], now: Date): unknown[] {
  const today = midnightOnOrBefore(now.getTime());
  return [...spanParameters(region, spans), now, dayNumberAt(today), today];
}

/**
 * The region's applications submitted in the spans (the period cut into its
 * months, or whole: `countingSpans` of domain/metrics.ts), counted by span,
 * topic, channel and plan numbers, with their materials needed and exempt
 * (stored with each application when it was submitted) summed: one row per
 * kind of application, however many there are.
 */
export async function periodApplications(db: Queryable, region: string | null, spans: readonly MonthSpan[]): Promise<ApplicationFacts[]> {
  const { rows } = await db.query<Row>(PERIOD_APPLICATIONS_SQL, spanParameters(region, spans));
  return rows.map((r) => ({
    topicCode: r.topic_code,
    channel: r.channel,
    materialsBefore: r.materials_before,
    materialsToSubmit: r.materials_to_submit,
    legalDaysTotal: r.legal_days_total,
    committedDays: r.committed_days,
    materialsNeeded: r.materials_needed,
    materialsExempt: r.materials_exempt,
    month: r.month,
    count: r.count,
  }));
}

/**
 * Every case of the region's applications submitted in the spans, with its
 * status now, counted by its application's span and topic, its department
 * and its status; and of those, how many have a time limit, were decided
 * after it, and are past it at `now` (`CaseTimingCounts` of
 * `domain/application-status.ts`: a comparison with a missing instant never
 * counts).
 */
export async function periodCases(db: Queryable, region: string | null, spans: readonly MonthSpan[], now: Date): Promise<CaseFacts[]> {
  const { rows } = await db.query<Row>(PERIOD_CASES_SQL, caseSpanParameters(region, spans, now));
  return rows.map((r) => ({
    topicCode: r.topic_code,
    month: r.month,
    departmentCode: r.department_code,
    status: r.status as CaseStatus,
    count: r.count,
    withDue: r.with_due,
    decidedLate: r.decided_late,
    pastDue: r.past_due,
  }));
}

/** The changes folded into the counters by one {@link foldCountChanges}, per table. */
export interface FoldedChanges {
  applications: number;
  cases: number;
}

const FOLD_APPLICATION_CHANGES = `WITH moved AS (
       DELETE FROM application_count_changes
        WHERE id IN (SELECT id FROM application_count_changes ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING *),
     folded AS (
       INSERT INTO application_counts (region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total, committed_days,
                                       applications, materials_needed, materials_exempt)
       SELECT region, topic_code, day, channel, materials_before, materials_to_submit, legal_days_total, committed_days,
              sum(applications), sum(materials_needed), sum(materials_exempt)
         FROM moved
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ORDER BY 3, 1, 2, 4, 5, 6, 7, 8
       ON CONFLICT (day, region, topic_code, channel, materials_before, materials_to_submit, legal_days_total, committed_days) DO UPDATE
          SET applications = application_counts.applications + EXCLUDED.applications,
              materials_needed = application_counts.materials_needed + EXCLUDED.materials_needed,
              materials_exempt = application_counts.materials_exempt + EXCLUDED.materials_exempt)
SELECT count(*)::int AS moved FROM moved`;

const FOLD_CASE_CHANGES = `WITH moved AS (
       DELETE FROM case_count_changes
        WHERE id IN (SELECT id FROM case_count_changes ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING *),
     folded AS (
       INSERT INTO case_counts (region, topic_code, day, department_code, status, warning_level, due_day, cases, decided_late)
       SELECT region, topic_code, day, department_code, status, warning_level, due_day, sum(cases), sum(decided_late)
         FROM moved
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 3, 1, 2, 4, 5, 6, 7
       ON CONFLICT (day, region, topic_code, department_code, status, warning_level, due_day) DO UPDATE
          SET cases = case_counts.cases + EXCLUDED.cases, decided_late = case_counts.decided_late + EXCLUDED.decided_late)
SELECT count(*)::int AS moved FROM moved`;

/**
 * Adds up to `limit` of the oldest appended count changes of each table
 * (migration 016) into the counters, each table in one statement: a reader
 * sums counters and changes, so it sees every change exactly once, before or
 * after. Instances folding at once take different changes (SKIP LOCKED).
 * Counters that drop to zero stay, as zeros: one row per kind of case and
 * day ever seen.
 */
export async function foldCountChanges(db: Queryable, limit: number): Promise<FoldedChanges> {
  const applications = await db.query<Row>(FOLD_APPLICATION_CHANGES, [limit]);
  const cases = await db.query<Row>(FOLD_CASE_CHANGES, [limit]);
  return { applications: applications.rows[0]!.moved, cases: cases.rows[0]!.moved };
}

/** Topics whose ratings are listed at once. */
const RATING_LISTINGS_AT_ONCE = 4;

/**
 * The ratings recorded in [from, to) for the given topics, from the rating
 * system: one listing per topic (the system filters by topic server-side,
 * so no other region's ratings are transferred), a few topics at a time.
 * A failing rating system fails the whole read: metrics are never computed
 * on part of the ratings.
 */
export async function periodRatings(
  evaluation: Pick<EvaluationClient, 'listAll'>,
  topicCodes: readonly string[],
  period: Pick<MetricsPeriod, 'from' | 'to'>,
): Promise<PeriodRating[]> {
  const codes = [...new Set(topicCodes)];
  const lists = await mapLimit(codes, RATING_LISTINGS_AT_ONCE, async (topicCode) => {
    const items = await evaluation.listAll({ topicCode, from: period.from, to: period.to });
    return (
      items
        // The system filters already; this keeps a sloppy answer from counting another topic or period.
        .filter((e) => e.topicCode === topicCode && inPeriod(e.createdAt, period))
        .map((e) => ({ applicationId: e.applicationId, topicCode: e.topicCode, grade: e.grade, createdAt: e.createdAt }))
    );
  });
  return lists.flat();
}

function inPeriod(createdAt: string, period: Pick<MetricsPeriod, 'from' | 'to'>): boolean {
  const at = Date.parse(createdAt);
  return at >= period.from.getTime() && at < period.to.getTime();
}

/** One personal plan to count: its topic and the China-time day (YYYY-MM-DD) it was computed on. */
export interface CountedPlan {
  topicCode: string;
  region: string;
  day: string;
}

/** Adds `plans` to their counters in one statement (a topic and day given n times adds n). */
async function countPlans(db: Queryable, plans: readonly CountedPlan[]): Promise<void> {
  // One row per counter: a multi-row upsert may not touch the same row twice.
  const counters = new Map<string, CountedPlan & { plans: number }>();
  for (const plan of plans) {
    const key = `${plan.topicCode}\u0000${plan.day}`;
    const counter = counters.get(key);
    if (counter) counter.plans += 1;
    else counters.set(key, { ...plan, plans: 1 });
  }
  const params: unknown[] = [];
  const values = [...counters.values()].map((c) => {
    params.push(c.topicCode, c.region, c.day, c.plans);
    const n = params.length;
    return `($${n - 3}, $${n - 2}, $${n - 1}::date, $${n}::integer)`;
  });
  await db.query(
    `INSERT INTO plan_counts (topic_code, region, day, plans) VALUES ${values.join(', ')}
     ON CONFLICT (topic_code, day) DO UPDATE SET plans = plan_counts.plans + EXCLUDED.plans`,
    params,
  );
}

/**
 * Counts the personal plans computed for signed-in applicants: one counter
 * row per topic and China-time day, never who asked. Written by group commit (lib/group-commit.ts): the
 * plans counted while a write is under way, or in the same turn, go into one
 * statement instead of one each — every signed-in plan counts, so at load
 * this is one of the busiest statements.
 */
export class PlanCounter {
  readonly #writes: GroupCommit<CountedPlan>;

  constructor(db: Queryable) {
    this.#writes = new GroupCommit((plans) => countPlans(db, plans), { maxItems: 1000 });
  }

  /** Adds one to the plan's counter; resolves once it is stored. */
  count(plan: CountedPlan): Promise<void> {
    return this.#writes.add([plan]);
  }
}

/** The plan counters of the region's topics for the China-time days that start in [from, to). */
export async function periodPlanCounts(db: Queryable, period: MetricsPeriod): Promise<PlanCountFacts[]> {
  const { rows } = await db.query<Row>(
    `SELECT topic_code, to_char(day, 'YYYY-MM-DD') AS day, plans FROM plan_counts
      WHERE ($1::text IS NULL OR region = $1::text) AND day >= $2::date AND day < $3::date
      ORDER BY day, topic_code`,
    [period.region, firstDayStartingIn(period.from), firstDayStartingIn(period.to)],
  );
  return rows.map((r) => ({ topicCode: r.topic_code, day: r.day, plans: r.plans }));
}

/** The first China-time day, YYYY-MM-DD, that starts at or after `instant`. */
function firstDayStartingIn(instant: Date): string {
  return chinaDateOf(new Date(instant.getTime() + 24 * 60 * 60 * 1000 - 1));
}
