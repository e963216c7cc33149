/**
 * The assessment metrics of a region and period (evaluator.graphql,
 * `AssessmentMetrics`; DESIGN.md, "Assessment metrics"): gathers the facts —
 * the region's topics from the registry with the latest check of their online
 * address, the period's applications and cases from the database, the
 * period's ratings from the rating system — and computes them with
 * `domain/metrics.ts`. Aggregates only: nothing personal is in the result.
 *
 * @module
 */
import { mapLimit } from '../lib/concurrency.ts';
import type { EvaluationClient } from '../connectors/evaluation/client.ts';
import type { Matter, Topic, TopicSummary } from '../connectors/matter-registry/models.ts';
import { InvalidInputError, type InputProblem } from '../domain/answers.ts';
import { computeMetrics, countingSpans, type AssessmentMetrics, type TopicFacts } from '../domain/metrics.ts';
import { assessReadiness } from '../domain/readiness.ts';
import { widestSituation } from '../domain/widest.ts';
import type { Queryable } from '../store/database.ts';
import { latestOnlineUrlCheck, onlineUrlCheckOf } from '../store/guide-checks.ts';
import { periodApplications, periodCases, periodPlanCounts, periodRatings, type MetricsPeriod } from '../store/metrics.ts';
import { compareWithOtherRegions } from './cross-region.ts';
import { summariseFollowUps, type FollowUpSummary } from '../domain/follow-up.ts';
import { periodFollowUps, periodWarningCounts, type WarningCount } from '../store/supervision.ts';

export type { AssessmentMetrics, DepartmentMetrics, GradeCount, MonthMetrics, TopicFunnel, TopicMetrics } from '../domain/metrics.ts';

/** The assessment metrics with the supervision figures: warnings by department, topic and level; the 差评 follow-ups. */
export type SupervisedMetrics = AssessmentMetrics & { warnings: WarningCount[]; followUps: FollowUpSummary };

/** The registry as the metrics need it (`CachedMatterRegistry` fits). */
export interface MetricsRegistry {
  topics(region: string | null | undefined): Promise<TopicSummary[]>;
  topic(code: string): Promise<Topic | null>;
  mattersByCode(codes: readonly string[]): Promise<(Matter | null)[]>;
}

export interface MetricsDeps {
  registry: MetricsRegistry;
  db: Queryable;
  evaluation: Pick<EvaluationClient, 'listAll'>;
  /** When overdue is judged. Default: the current time. */
  now?: () => Date;
}

export interface MetricsParams {
  /** Region code; absent, null or blank = every region. */
  region?: string | null;
  /** Start of the period, inclusive. */
  from: Date;
  /** End of the period, exclusive. */
  to: Date;
}

/** Topics read from the registry at once (with the rating listings, at most 10 upstream calls in flight). */
const TOPICS_AT_ONCE = 6;

/**
 * The metrics of `params.region` (every region when none) over [from, to).
 *
 * - Topics: the region's PUBLISHED topics, in the registry's order; each
 *   assessed with `assessReadiness` and the latest guide check of its current
 *   online address (a topic never checked, or whose address changed since,
 *   is assessed with no check: an unchecked address does not fail it); its
 *   problems also list how it differs from the same-name topics of its city
 *   and the city's other districts (DIFFERS_FROM_CITY:…, DIFFERS_FROM_DISTRICT:…),
 *   which do not change whether it is guidable or online-processable.
 * - Applications and cases: those of the region submitted in [from, to).
 * - Ratings: those the rating system recorded in [from, to) for the region's
 *   topics (any status) and for the topics of the period's applications.
 * - Warnings: the period's delivered cases by department, topic and stored
 *   level; follow-ups: those of the region's 差评 opened in [from, to).
 * - Plans: the counters of the region's topics for the China-time days that
 *   start in [from, to) (a period starting at 10:00 leaves that day out).
 *
 * @throws InvalidInputError (BAD_USER_INPUT) when from/to is not a valid
 *   instant or `to` is not after `from`; `UpstreamError`s when the registry
 *   or the rating system fails (metrics are never computed on partial data).
 */
export async function assessmentMetrics(deps: MetricsDeps, params: MetricsParams): Promise<SupervisedMetrics> {
  const period = checkPeriod(params);
  const now = deps.now?.() ?? new Date();
  const spans = countingSpans(period.from, period.to);

  const [summaries, applications, cases, plans, warnings, followUps] = await Promise.all([
    deps.registry.topics(period.region),
    periodApplications(deps.db, period.region, spans),
    periodCases(deps.db, period.region, spans, now),
    periodPlanCounts(deps.db, period),
    periodWarningCounts(deps.db, period),
    periodFollowUps(deps.db, period),
  ]);
  const ratingTopics = [...new Set([...summaries.map((t) => t.code), ...applications.map((a) => a.topicCode)])];
  const [topics, ratings] = await Promise.all([
    assessTopics(deps, summaries.filter((t) => t.status === 'PUBLISHED')),
    periodRatings(deps.evaluation, ratingTopics, period),
  ]);
  return { ...computeMetrics({ topics, applications, cases, ratings, plans, period }), warnings, followUps: summariseFollowUps(followUps, now) };
}

function checkPeriod(params: MetricsParams): MetricsPeriod {
  const problems: InputProblem[] = [];
  const valid = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
  if (!valid(params.from)) problems.push({ field: 'from', code: 'INVALID_DATE_TIME', message: 'from must be a valid instant' });
  if (!valid(params.to)) problems.push({ field: 'to', code: 'INVALID_DATE_TIME', message: 'to must be a valid instant' });
  if (problems.length === 0 && params.to.getTime() <= params.from.getTime()) {
    problems.push({ field: 'to', code: 'EMPTY_PERIOD', message: 'to must be after from (the period is [from, to))' });
  }
  if (problems.length) throw new InvalidInputError(problems);
  const region = params.region?.trim();
  return { region: region ? region : null, from: params.from, to: params.to };
}

async function assessTopics(deps: MetricsDeps, published: readonly TopicSummary[]): Promise<TopicFacts[]> {
  const checks = await latestOnlineUrlCheck(deps.db, published.map((t) => t.code));
  const compare = compareWithOtherRegions(deps.registry);
  const results = await mapLimit(published, TOPICS_AT_ONCE, async (summary): Promise<TopicFacts | null> => {
    const topic = await deps.registry.topic(summary.code);
    if (!topic) return null; // listed but gone since: nothing to assess
    const codes = topic.matters.map((m) => m.matterCode);
    const found = codes.length ? await deps.registry.mattersByCode(codes) : [];
    const matters = new Map<string, Matter>();
    for (const m of found) if (m) matters.set(m.code, m);
    const readiness = assessReadiness(topic, matters, onlineUrlCheckOf(topic, checks));
    const crossRegion = await compare({ topic, matters });
    return {
      code: topic.code,
      name: topic.name,
      status: topic.status,
      readiness: { ...readiness, problems: [...readiness.problems, ...crossRegion.problems] },
      widest: widestSituation(topic, matters),
    };
  });
  return results.filter((t): t is TopicFacts => t !== null);
}
