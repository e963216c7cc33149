/**
 * The first step of the plan → application funnel (issue 14 §5): a complete
 * personal plan computed for a signed-in applicant is counted for its topic
 * and China-time day. Who asked is never stored — a counter is all there is.
 *
 * Only complete plans count: an applicant walking through the questions
 * asks for a plan after each answer, and those partial plans are not yet a
 * plan anyone could apply with. A complete plan asked for twice counts
 * twice: without storing who, repeats cannot be told apart.
 *
 * @module
 */
import { chinaDateOf } from '../lib/china-date.ts';

export interface PlanFunnelDeps {
  /** Adds one to the counter of the topic and day (`store/metrics.ts`, `PlanCounter`). */
  countPlan(plan: { topicCode: string; region: string; day: string }): Promise<void>;
  /** Default: the current time. */
  now?: () => Date;
}

/** Who asked for the plan, as far as counting needs to know (`Viewer` fits). */
export type PlanActor = { kind: 'anonymous' } | { kind: 'user'; role: string };

export interface CountPlanRequest {
  topic: { code: string; region: string };
  /** Whether every visible required question is answered (`Plan.complete`). */
  complete: boolean;
}

/** Counts the plan when it is complete and the actor a signed-in applicant; says whether it did. */
export async function countSignedInPlan(deps: PlanFunnelDeps, actor: PlanActor, request: CountPlanRequest): Promise<boolean> {
  if (actor.kind !== 'user' || actor.role !== 'APPLICANT' || !request.complete) return false;
  const day = chinaDateOf(deps.now?.() ?? new Date());
  await deps.countPlan({ topicCode: request.topic.code, region: request.topic.region, day });
  return true;
}
