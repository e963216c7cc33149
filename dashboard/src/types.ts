/**
 * The answers the dashboard draws, derived from the types `npm run codegen`
 * generates from schema/*.graphql and the operations in dashboard/page.ts, so
 * a schema change that breaks the page fails the type check.
 */
import type {
  AssessmentMetricsQuery,
  AssessmentSupervisionQuery,
  AssessmentTrendsQuery,
  TopicFlowchartQuery,
  WarningLevel,
} from './__generated__/operations.ts';

export type { WarningLevel };

/** The answer of the contract's AssessmentMetrics operation. */
export type AssessmentMetrics = AssessmentMetricsQuery['metrics'];
export type TopicMetrics = AssessmentMetrics['topics'][number];
export type DepartmentMetrics = AssessmentMetrics['departments'][number];
export type GradeCount = TopicMetrics['ratings'][number];

/** The answer of the gateway's AssessmentTrends operation. */
export type AssessmentTrends = AssessmentTrendsQuery['metrics'];

/** The answer of the gateway's AssessmentSupervision operation. */
export type AssessmentSupervision = AssessmentSupervisionQuery['metrics'];

/** The answer of the gateway's TopicFlowchart operation. */
export type TopicFlowchart = NonNullable<NonNullable<TopicFlowchartQuery['topic']>['flowchart']>;

/** A problem code's Chinese texts (domain/problem-texts.ts). */
export interface ProblemText {
  title: string;
  detail: string;
}

/** What the server puts in the page (dashboard/page.ts). */
export interface DashboardConfig {
  endpoint: string;
  csvPath: string;
  operation: string;
  /** The gateway's AssessmentTrends operation. */
  trendsOperation: string;
  defaultRegion: string;
  /** The problem codes' texts, by code. */
  problemTexts: Record<string, ProblemText>;
}
