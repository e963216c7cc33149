/**
 * The reads behind the assessment metrics: the period's applications with
 * their plan numbers, their cases, and the period's ratings.
 *
 * Only what the metrics need is read — never who applied or who rated:
 * applications come back as topic and plan numbers, cases as department,
 * status and time comparisons, ratings as topic and grade. Applications and
 * cases are counted in SQL, grouped by those facts: what leaves the database
 * grows with the kinds of applications and cases, not with their number.
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

// The spans arrive as arrays, one row each: PostgreSQL then groups by a column of a few rows (its estimate of
// the groups stays small, so it counts in a hash table) instead of by an expression of `submitted_at`, which
// it would estimate as distinct as the instants themselves, and sort every row for.
// Instants travel as epoch milliseconds: ISO text of a year past 9999 ("+010000-…") is not PostgreSQL's.
const SPANS = `unnest($2::text[], $3::float8[], $4::float8[]) AS s(month, from_ms, to_ms)
       JOIN applications a ON a.submitted_at >= to_timestamp(s.from_ms / 1000) AND a.submitted_at < to_timestamp(s.to_ms / 1000)`;

/** The statement of {@link periodApplications}: $1 region or null; $2, $3, $4 the spans' keys, starts and ends (epoch ms). */
export const PERIOD_APPLICATIONS_SQL = `SELECT s.month, a.topic_code, a.channel, a.materials_before, a.materials_to_submit, a.legal_days_total, a.committed_days,
            sum(a.materials_needed)::int AS materials_needed, sum(a.materials_exempt)::int AS materials_exempt, count(*)::int AS count
       FROM ${SPANS}
      WHERE ($1::text IS NULL OR a.region = $1::text)
      GROUP BY 1, 2, 3, 4, 5, 6, 7
      ORDER BY 1, 2, 3, 4, 5, 6, 7`;

/** The statement of {@link periodCases}: the same parameters, then $5 now. */
export const PERIOD_CASES_SQL = `SELECT s.month, a.topic_code, c.department_code, c.status,
            count(*)::int AS count,
            count(*) FILTER (WHERE c.due_at IS NOT NULL)::int AS with_due,
            count(*) FILTER (WHERE c.decided_at > c.due_at)::int AS decided_late,
            count(*) FILTER (WHERE $5::timestamptz > c.due_at)::int AS past_due
       FROM ${SPANS}
       JOIN cases c ON c.application_id = a.id
      WHERE ($1::text IS NULL OR a.region = $1::text)
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4`;

/** The parameters of both statements. */
export function spanParameters(region: string | null, spans: readonly MonthSpan[]): unknown[] {
  return [region, spans.map((s) => s.month), spans.map((s) => s.from.getTime()), spans.map((s) => s.to.getTime())];
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
  const { rows } = await db.query<Row>(PERIOD_CASES_SQL, [...spanParameters(region, spans), now]);
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
