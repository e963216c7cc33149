/**
 * A topic's widest anonymous situation and the assessment metrics computed
 * from a plan summary (DESIGN.md, "Assessment metrics").
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { buildPlan, type PlanSummary } from './plan.ts';

/**
 * The summary of the topic's widest anonymous situation: every matter
 * applies, every material is needed (`appliesIf` and `requiredIf` ignored),
 * and only the anonymous exemptions (INTERNAL_RESULT, GOVERNMENT_ISSUED)
 * count. Computed by the plan code itself, on the topic without conditions
 * or questions. Unknown matter codes are skipped, as in a plan.
 */
export function widestSituation(topic: Topic, matters: ReadonlyMap<string, Matter>): PlanSummary {
  const unconditional: Topic = {
    ...topic,
    questions: [],
    matters: topic.matters.map((tm) => ({
      matterCode: tm.matterCode,
      ...(tm.dependsOn ? { dependsOn: tm.dependsOn } : {}),
    })),
  };
  return buildPlan({ topic: unconditional, matters, answers: [] }).summary;
}

/** 1 − materialsToSubmit / materialsBefore; `null` when materialsBefore is 0. */
export function materialReduction(s: PlanSummary): number | null {
  return s.materialsBefore === 0 ? null : 1 - s.materialsToSubmit / s.materialsBefore;
}

/** 1 − committedDays / legalDaysTotal; `null` when legalDaysTotal is 0. */
export function timeCompression(s: PlanSummary): number | null {
  return s.legalDaysTotal === 0 ? null : 1 - s.committedDays / s.legalDaysTotal;
}
