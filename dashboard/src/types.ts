/** The answer of the contract's AssessmentMetrics operation (schema/assessment.graphql). */

export interface GradeCount {
  grade: number;
  count: number;
}

export interface TopicMetrics {
  topic: { code: string; name: string };
  guidable: boolean;
  onlineProcessable: boolean;
  problems: string[];
  materialReduction: number | null;
  timeCompression: number | null;
  applications: number;
  onTimeRate: number | null;
  ratings: GradeCount[];
  goodRatingRate: number | null;
}

export interface DepartmentMetrics {
  department: { code: string; name: string };
  cases: number;
  overdueCases: number;
  onTimeRate: number | null;
}

export interface AssessmentMetrics {
  topicCount: number;
  guidableRate: number | null;
  onlineProcessableRate: number | null;
  applications: number;
  onTimeRate: number | null;
  goodRatingRate: number | null;
  averageMaterialReduction: number | null;
  averageTimeCompression: number | null;
  topics: TopicMetrics[];
  departments: DepartmentMetrics[];
}

/** The answer of the gateway's AssessmentTrends operation (dashboard/page.ts). */
export interface AssessmentTrends {
  exemptionRate: number | null;
  channels: Array<{ channel: 'PC' | 'MOBILE' | 'WINDOW' | 'KIOSK'; applications: number }>;
  funnel: Array<{ topic: { code: string; name: string }; plans: number; applications: number; conversionRate: number | null }>;
  monthly: Array<{
    month: string;
    applications: number;
    plans: number;
    ratings: number;
    materialReduction: number | null;
    timeCompression: number | null;
    onTimeRate: number | null;
    goodRatingRate: number | null;
    exemptionRate: number | null;
  }>;
}

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
