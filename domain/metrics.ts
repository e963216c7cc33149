/**
 * The assessment metrics (DESIGN.md, "Assessment metrics"): 效能监督,
 * 第三方评估, 标杆大厅评估 and 常态化监测 read these. Pure functions over facts
 * the use case gathers; no GraphQL, HTTP or database here.
 *
 * What "in the period [from, to)" means (the use case selects the facts):
 * - applications: those of the region submitted in [from, to);
 * - cases: every case of those applications, with its status as of now (a
 *   cohort: an application of March decided in April counts for March);
 *   a case carries its application's topic and month;
 * - ratings: those the rating system recorded in [from, to) for topics of
 *   the region (`createdAt`, from inclusive, to exclusive, as the rating
 *   system filters), whatever application they rate.
 *
 * Every rate is a fraction 0..1, `null` when there is nothing to divide by
 * (never NaN, never a division by zero). Nothing personal goes in or out:
 * applications and cases are reduced to plan numbers, department codes,
 * statuses, months and time comparisons; ratings to topic and grade.
 *
 * Applications and cases come **grouped**, with how many there are
 * (`count`): applications by topic, channel, month and plan numbers (their
 * materials summed), cases by topic, month, department and status (their
 * time limits counted, `CaseTimingCounts`). The store counts them in SQL, so
 * a period of a million cases reaches this module as a few hundred groups.
 *
 * @module
 */
import { DECIDED, overdueAmong, type CaseTimingCounts } from './application-status.ts';
import { APPLICATION_CHANNELS, type ApplicationChannel } from './channel.ts';
import type { PlanSummary } from './plan.ts';
import type { Readiness } from './readiness.ts';
import { materialReduction, timeCompression } from './widest.ts';

/** What the metrics need of applications: their topic, channel, month and plan numbers at submission, shared by `count` of them. */
export interface ApplicationFacts {
  topicCode: string;
  materialsBefore: number;
  materialsToSubmit: number;
  legalDaysTotal: number;
  committedDays: number;
  /** Where it was made. */
  channel: ApplicationChannel;
  /** Materials of their merged lists the departments get, summed over the `count` applications: handed in, deferred or exempt (optional ones not given are left out). */
  materialsNeeded: number;
  /** Of those, exempt (免提交: e-certificate, data sharing, another matter's result, government-issued), summed likewise. */
  materialsExempt: number;
  /** The China-time month they were submitted in (YYYY-MM), their month in the monthly series; '' when the period was counted whole ({@link countingSpans}). */
  month: string;
  /** How many of the period's applications have exactly these facts (≥ 1). */
  count: number;
}

/**
 * Of an application's merged material list, those its departments get —
 * handed in, deferred or exempt (an optional material not given has neither a
 * provision nor an exemption) — and of those, the exempt ones: the two
 * figures behind 免提交率, stored with the application when it is submitted.
 */
export function materialCounts(materials: ReadonlyArray<{ provision: string | null; exemption: unknown }>): { needed: number; exempt: number } {
  let needed = 0;
  let exempt = 0;
  for (const m of materials) {
    if (m.provision !== null || (m.exemption !== null && m.exemption !== undefined)) needed++;
    if (m.exemption !== null && m.exemption !== undefined) exempt++;
  }
  return { needed, exempt };
}

/** What the metrics need of cases: `count` cases of one topic, month, department and status, and how their time limits stand now. */
export interface CaseFacts extends CaseTimingCounts {
  /** Its application's topic. */
  topicCode: string;
  /** Its application's month, as for applications: a case counts in the month its application was submitted in. */
  month: string;
  departmentCode: string;
  /** How many of the period's cases these are (≥ 1). */
  count: number;
}

/** What the metrics need of one rating. */
export interface RatingFacts {
  topicCode: string;
  grade: number;
  /** When the rating system recorded it, ISO 8601: its month in the monthly series. */
  createdAt: string;
}

/** Personal plans computed for signed-in applicants of one topic on one China-time day (a counter: never who). */
export interface PlanCountFacts {
  topicCode: string;
  /** YYYY-MM-DD in Asia/Shanghai. */
  day: string;
  plans: number;
}

/** A topic of the region, assessed. */
export interface TopicFacts {
  code: string;
  name: string;
  status: 'DRAFT' | 'PUBLISHED' | 'RETIRED';
  /**
   * From `assessReadiness`, with the latest check of its online address; its
   * problems followed by the cross-region ones (`domain/cross-region.ts`).
   */
  readiness: Readiness;
  /** The summary of its widest anonymous situation (`widestSituation`). */
  widest: PlanSummary;
}

export interface GradeCount {
  grade: number;
  count: number;
}

export interface TopicMetrics {
  topicCode: string;
  topicName: string;
  guidable: boolean;
  onlineProcessable: boolean;
  problems: string[];
  /** Of its widest anonymous situation; null when that situation needs no material at all. */
  materialReduction: number | null;
  /** Of its widest anonymous situation; null when its legal time limits add up to 0. */
  timeCompression: number | null;
  /** Its applications in the period. */
  applications: number;
  onTimeRate: number | null;
  /** Every grade 1..5, lowest first, zero counts included. */
  ratings: GradeCount[];
  goodRatingRate: number | null;
}

export interface DepartmentMetrics {
  departmentCode: string;
  /** Its cases of the period's applications, whatever their status. */
  cases: number;
  /** Of those, overdue at `now` (`isOverdue`). */
  overdueCases: number;
  onTimeRate: number | null;
}

/** How many of the period's applications were made on one channel. */
export interface ChannelCount {
  channel: ApplicationChannel;
  applications: number;
}

/** One topic's plan → application funnel (引导 → 申办) of the period. */
export interface TopicFunnel {
  topicCode: string;
  topicName: string;
  /** Personal plans computed for signed-in applicants on the period's days. */
  plans: number;
  /** Applications submitted in the period. */
  applications: number;
  /** applications / plans; null without plans. Above 1 when clients submit without asking for a plan first. */
  conversionRate: number | null;
}

/** The application-based figures of one calendar month (China time) of the period, clipped to the period. */
export interface MonthMetrics {
  /** YYYY-MM. */
  month: string;
  /** Start of the month or of the period, whichever is later. */
  from: Date;
  /** End of the month or of the period, whichever is earlier (exclusive). */
  to: Date;
  applications: number;
  /** Plans computed for signed-in applicants on the month's days. */
  plans: number;
  ratings: number;
  materialReduction: number | null;
  timeCompression: number | null;
  onTimeRate: number | null;
  goodRatingRate: number | null;
  exemptionRate: number | null;
}

export interface AssessmentMetrics {
  /** PUBLISHED topics of the region. */
  topicCount: number;
  guidableRate: number | null;
  onlineProcessableRate: number | null;
  /** Applications of the region in the period (any topic, whatever its status now). */
  applications: number;
  /** Over every decided case of the period's applications. */
  onTimeRate: number | null;
  /** Over every rating of the period. */
  goodRatingRate: number | null;
  /** Mean, over the period's applications, of 1 − materialsToSubmit / materialsBefore. */
  averageMaterialReduction: number | null;
  /** Mean, over the period's applications, of 1 − committedDays / legalDaysTotal. */
  averageTimeCompression: number | null;
  /** The PUBLISHED topics of the region, in the order given. */
  topics: TopicMetrics[];
  /** Departments with at least one case in the period, by department code. */
  departments: DepartmentMetrics[];
  /** 免提交率: exempt materials / needed materials, summed over the period's applications. */
  exemptionRate: number | null;
  /** The period's applications by channel, every channel listed (PC, MOBILE, WINDOW, KIOSK), zero counts included. */
  channels: ChannelCount[];
  /** Per published topic, in the topics' order. */
  funnel: TopicFunnel[];
  /** One entry per China-time month the period touches; null when that is more than {@link MAX_SERIES_MONTHS}. */
  monthly: MonthMetrics[] | null;
}

/** part / whole, or `null` when whole is 0. */
export function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Sum of `count` over the groups (optionally only those `where` holds for). */
export function total<T extends { count: number }>(groups: readonly T[], where?: (group: T) => boolean): number {
  let sum = 0;
  for (const g of groups) if (!where || where(g)) sum += g.count;
  return sum;
}

/** The mean of `value` over every member of the groups, skipping groups whose value is null; `null` when none is left. */
function meanOverGroups<T extends { count: number }>(groups: readonly T[], value: (group: T) => number | null): number | null {
  let sum = 0;
  let members = 0;
  for (const g of groups) {
    const v = value(g);
    if (v === null) continue;
    sum += v * g.count;
    members += g.count;
  }
  return members === 0 ? null : sum / members;
}

/**
 * How many of the cases count for `onTimeRate`: those decided (APPROVED,
 * REJECTED or WITHDRAWN: `DECIDED`) with a `dueAt`. A case decided without a
 * `dueAt` never reached a department (e.g. withdrawn by the gateway because a
 * prerequisite was rejected): no time limit ran for it, so it is neither on
 * time nor late, and is left out.
 */
export function countedForOnTime(c: CaseTimingCounts): number {
  return DECIDED.has(c.status) ? c.withDue : 0;
}

/**
 * 按时办结率: decided cases decided by their `dueAt` / decided cases (see
 * {@link countedForOnTime}); `null` when there is none. A case decided exactly
 * at `dueAt` is on time. Lateness is `isOverdue`'s: a decided case whose
 * `decidedAt` is missing is not claimed late.
 */
export function onTimeRate(cases: readonly CaseFacts[]): number | null {
  let counted = 0;
  let onTime = 0;
  for (const c of cases) {
    const n = countedForOnTime(c);
    counted += n;
    // For decided cases overdueAmong counts those decided late.
    if (n > 0) onTime += n - overdueAmong(c);
  }
  return rate(onTime, counted);
}

/** How many ratings of each grade, for grades 1..5 (lowest first), zero counts included. */
export function ratingDistribution(ratings: readonly RatingFacts[]): GradeCount[] {
  return [1, 2, 3, 4, 5].map((grade) => ({ grade, count: ratings.filter((r) => r.grade === grade).length }));
}

/** 好评率: ratings of grade 3 (基本满意) to 5 / all ratings; `null` when there is none. */
export function goodRatingRate(ratings: readonly RatingFacts[]): number | null {
  return rate(ratings.filter((r) => r.grade >= 3).length, ratings.length);
}

/** One application's 1 − materialsToSubmit / materialsBefore; `null` when materialsBefore is 0. */
export function applicationMaterialReduction(a: ApplicationFacts): number | null {
  return a.materialsBefore === 0 ? null : 1 - a.materialsToSubmit / a.materialsBefore;
}

/** One application's 1 − committedDays / legalDaysTotal; `null` when legalDaysTotal is 0. */
export function applicationTimeCompression(a: ApplicationFacts): number | null {
  return a.legalDaysTotal === 0 ? null : 1 - a.committedDays / a.legalDaysTotal;
}

/** Mean material reduction over the applications, skipping those with materialsBefore 0; `null` when none is left. */
export function averageMaterialReduction(applications: readonly ApplicationFacts[]): number | null {
  return meanOverGroups(applications, applicationMaterialReduction);
}

/** Mean time compression over the applications, skipping those with legalDaysTotal 0; `null` when none is left. */
export function averageTimeCompression(applications: readonly ApplicationFacts[]): number | null {
  return meanOverGroups(applications, applicationTimeCompression);
}

/** Per department with cases: cases, overdue now (`isOverdue`, as the cases' `pastDue` was counted), on-time rate; sorted by department code. */
export function departmentMetrics(cases: readonly CaseFacts[]): DepartmentMetrics[] {
  const byDepartment = new Map<string, CaseFacts[]>();
  for (const c of cases) {
    const list = byDepartment.get(c.departmentCode);
    if (list) list.push(c);
    else byDepartment.set(c.departmentCode, [c]);
  }
  return [...byDepartment.keys()].sort().map((departmentCode) => {
    const own = byDepartment.get(departmentCode)!;
    return {
      departmentCode,
      cases: total(own),
      overdueCases: own.reduce((sum, c) => sum + overdueAmong(c), 0),
      onTimeRate: onTimeRate(own),
    };
  });
}

/** One topic's metrics from its readiness, widest situation, and its applications, cases and ratings of the period. */
export function topicMetrics(
  topic: TopicFacts,
  applications: readonly ApplicationFacts[],
  cases: readonly CaseFacts[],
  ratings: readonly RatingFacts[],
): TopicMetrics {
  return {
    topicCode: topic.code,
    topicName: topic.name,
    guidable: topic.readiness.guidable,
    onlineProcessable: topic.readiness.onlineProcessable,
    problems: [...topic.readiness.problems],
    materialReduction: materialReduction(topic.widest),
    timeCompression: timeCompression(topic.widest),
    applications: total(applications),
    onTimeRate: onTimeRate(cases),
    ratings: ratingDistribution(ratings),
    goodRatingRate: goodRatingRate(ratings),
  };
}

/**
 * 免提交率: exempt materials / needed materials, summed over the
 * applications (not a mean of per-application rates: an application with
 * twelve materials weighs more than one with two); null when none needed any.
 */
export function exemptionRate(applications: readonly ApplicationFacts[]): number | null {
  let exempt = 0;
  let needed = 0;
  for (const a of applications) {
    exempt += a.materialsExempt;
    needed += a.materialsNeeded;
  }
  return rate(exempt, needed);
}

/** Applications by channel, in the order of `APPLICATION_CHANNELS`, zero counts included. */
export function channelCounts(applications: readonly ApplicationFacts[]): ChannelCount[] {
  return APPLICATION_CHANNELS.map((channel) => ({ channel, applications: total(applications, (a) => a.channel === channel) }));
}

const sumPlans = (counts: readonly PlanCountFacts[]): number => counts.reduce((sum, c) => sum + c.plans, 0);

/** Longest period, in months, a monthly series is given for (ten years). */
export const MAX_SERIES_MONTHS = 120;

/** China Standard Time has had no daylight saving since 1991: a fixed UTC+8. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The instant a China-time calendar day starts (`day`: YYYY-MM-DD). */
export function chinaDayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS);
}

/** A span of the period [from, to) and the key its figures carry: a China-time month (YYYY-MM), clipped to the period. */
export interface MonthSpan {
  month: string;
  from: Date;
  to: Date;
}

/** The China-time months [from, to) touches, each clipped to the period; null when more than {@link MAX_SERIES_MONTHS}. */
export function periodMonths(from: Date, to: Date): MonthSpan[] | null {
  const local = new Date(from.getTime() + CHINA_OFFSET_MS);
  let year = local.getUTCFullYear();
  let month = local.getUTCMonth();
  const months: MonthSpan[] = [];
  for (let start = from; start < to; ) {
    if (months.length === MAX_SERIES_MONTHS) return null;
    const next = new Date(Date.UTC(year, month + 1, 1) - CHINA_OFFSET_MS);
    const end = next < to ? next : to;
    months.push({ month: `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`, from: start, to: end });
    start = end;
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
  return months;
}

/**
 * The spans of the period the store counts applications and cases in, each
 * with the key its counts carry as `month`: the period's China-time months
 * ({@link periodMonths}) when it has a monthly series, otherwise the whole
 * period as one span keyed ''.
 */
export function countingSpans(from: Date, to: Date): MonthSpan[] {
  return periodMonths(from, to) ?? [{ month: '', from, to }];
}

/**
 * The application-based figures month by month: applications and their
 * cases by the month they were submitted in (a cohort, like the period's
 * figures), ratings by the month they were recorded in, plans by their day.
 * Guidable and online-processable are the topics' state now, so they have no
 * series.
 */
export function monthlySeries(
  months: readonly MonthSpan[],
  facts: Pick<MetricsFacts, 'applications' | 'cases' | 'ratings' | 'plans'>,
): MonthMetrics[] {
  const within = (at: Date, m: { from: Date; to: Date }) => at >= m.from && at < m.to;
  return months.map((m) => {
    const applications = facts.applications.filter((a) => a.month === m.month);
    const ratings = facts.ratings.filter((r) => within(new Date(r.createdAt), m));
    return {
      ...m,
      applications: total(applications),
      plans: sumPlans(facts.plans.filter((p) => within(chinaDayStart(p.day), m))),
      ratings: ratings.length,
      materialReduction: averageMaterialReduction(applications),
      timeCompression: averageTimeCompression(applications),
      onTimeRate: onTimeRate(facts.cases.filter((c) => c.month === m.month)),
      goodRatingRate: goodRatingRate(ratings),
      exemptionRate: exemptionRate(applications),
    };
  });
}

/** Everything the metrics of one region and period are computed from. */
export interface MetricsFacts {
  /** The region's topics (only PUBLISHED ones are counted and listed), in display order. */
  topics: readonly TopicFacts[];
  /** The period's applications, grouped. */
  applications: readonly ApplicationFacts[];
  /** The cases of those applications, grouped, their time limits judged now. */
  cases: readonly CaseFacts[];
  /** The period's ratings. */
  ratings: readonly RatingFacts[];
  /** Plan counters of the period's days (a day is in the period when it starts in it). */
  plans: readonly PlanCountFacts[];
  /** The period [from, to), for the monthly series. */
  period: { from: Date; to: Date };
}

/** The metrics of a region and period (topic, period and department levels). */
export function computeMetrics(facts: MetricsFacts): AssessmentMetrics {
  const published = facts.topics.filter((t) => t.status === 'PUBLISHED');
  const { cases } = facts;

  const group = <T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> => {
    const map = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      if (k === undefined) continue;
      const list = map.get(k);
      if (list) list.push(item);
      else map.set(k, [item]);
    }
    return map;
  };
  const applicationsByTopic = group(facts.applications, (a) => a.topicCode);
  const casesByTopic = group(cases, (c) => c.topicCode);
  const ratingsByTopic = group(facts.ratings, (r) => r.topicCode);
  const plansByTopic = group(facts.plans, (p) => p.topicCode);
  const months = periodMonths(facts.period.from, facts.period.to);

  return {
    topicCount: published.length,
    guidableRate: rate(published.filter((t) => t.readiness.guidable).length, published.length),
    onlineProcessableRate: rate(published.filter((t) => t.readiness.onlineProcessable).length, published.length),
    applications: total(facts.applications),
    onTimeRate: onTimeRate(cases),
    goodRatingRate: goodRatingRate(facts.ratings),
    averageMaterialReduction: averageMaterialReduction(facts.applications),
    averageTimeCompression: averageTimeCompression(facts.applications),
    topics: published.map((t) =>
      topicMetrics(t, applicationsByTopic.get(t.code) ?? [], casesByTopic.get(t.code) ?? [], ratingsByTopic.get(t.code) ?? []),
    ),
    departments: departmentMetrics(cases),
    exemptionRate: exemptionRate(facts.applications),
    channels: channelCounts(facts.applications),
    funnel: published.map((t) => {
      const plans = sumPlans(plansByTopic.get(t.code) ?? []);
      const applications = total(applicationsByTopic.get(t.code) ?? []);
      return { topicCode: t.code, topicName: t.name, plans, applications, conversionRate: rate(applications, plans) };
    }),
    monthly: months && monthlySeries(months, facts),
  };
}
