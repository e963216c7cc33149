/**
 * The situation plan: unpack the answers, hand them with the topic and its
 * matters to the use case, and serve the domain's plan; only references
 * (matters by code) and the failed look-ups recorded on fields are resolved
 * here.
 */
import type { Plan } from '../domain/plan.ts';
import { personalPlanDeps } from '../server/usecase-deps.ts';
import { planForViewer } from '../usecases/personal-plan.ts';
import { countSignedInPlan } from '../usecases/plan-funnel.ts';
import { recordAssistance } from '../usecases/assistance.ts';
import type { Resolvers } from './__generated__/types.ts';
import { linkMatters, topicDetail, topicMatters } from './catalogue.ts';
import { certificateView, type LinkedMatters } from './models.ts';

const linkedByPlan = new WeakMap<Plan, LinkedMatters>();

/** The plan's matters linked along their prerequisites in the plan, once per plan. */
function linkedMattersOf(plan: Plan): LinkedMatters {
  let linked = linkedByPlan.get(plan);
  if (!linked) {
    linked = new Map(linkMatters(plan.matters).map((m) => [m.matter.code, m]));
    linkedByPlan.set(plan, linked);
  }
  return linked;
}

export const planResolvers: Resolvers = {
  Topic: {
    plan: async (topic, { answers, form }, ctx) => {
      const detail = await topicDetail(topic, ctx);
      const matters = await topicMatters(detail, ctx);
      const personal = await planForViewer(personalPlanDeps(ctx), ctx.viewer, { topic: detail, matters, answers, form });
      // The funnel is a statistic: a counter that cannot be written never costs the applicant the plan.
      await countSignedInPlan({ countPlan: (plan) => ctx.services.planCounter.count(plan) }, ctx.viewer, {
        topic: detail,
        complete: personal.plan.complete,
      }).catch((error: unknown) => ctx.logger.warn({ err: error, topicCode: detail.code }, 'plan not counted for the funnel'));
      await recordAssistance(ctx.services, ctx.viewer, { action: 'PLAN', ref: topic.code });
      return personal.plan;
    },
  },
  Plan: {
    matters: (plan) => [...linkedMattersOf(plan).values()],
    materials: (plan) => plan.materials.map((material) => ({ ...material, matters: linkedMattersOf(plan) })),
  },
  PlanMaterial: {
    requiredBy: ({ requiredBy, matters }) => requiredBy.flatMap((code) => matters.get(code) ?? []),
    exemption: ({ exemption, undecidedBy, matters }) => {
      if (undecidedBy) throw undecidedBy.error;
      return (
        exemption && {
          reason: exemption.reason,
          certificate: exemption.certificate ? certificateView(exemption.certificate) : null,
          producedBy: exemption.producedBy ? (matters.get(exemption.producedBy) ?? null) : null,
        }
      );
    },
  },
  PlanFormField: {
    prefill: ({ prefill, prefillFailure }) => {
      if (prefillFailure) throw prefillFailure.error;
      return prefill ?? null;
    },
  },
};
