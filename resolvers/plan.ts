/**
 * The situation plan: unpack the answers, hand them with the topic and its
 * matters to the domain's `buildPlan`, and link the result for GraphQL.
 */
import { dataItemOf } from '../domain/personal.ts';
import type { PlanMatter } from '../domain/plan.ts';
import { personalPlanDeps } from '../server/usecase-deps.ts';
import { planForViewer, type PersonalPlan } from '../usecases/personal-plan.ts';
import { countSignedInPlan } from '../usecases/plan-funnel.ts';
import { countPlan } from '../store/metrics.ts';
import { BadUserInputError } from '../lib/errors.ts';
import { recordAssistance } from '../usecases/assistance.ts';
import type { Resolvers } from './__generated__/types.ts';
import { linkMatters, topicDetail, topicMatters } from './catalogue.ts';
import { certificateView, type MatterInTopic, type PlanView } from './models.ts';

function presentPlan(
  { plan, prefill, materialErrors, prefillError }: PersonalPlan,
  topicOrder: { matters: readonly { matterCode: string }[] },
): PlanView {
  const applied = new Map<string, PlanMatter>(plan.matters.map((m) => [m.matter.code, m]));
  const matters = linkMatters(
    { matters: topicOrder.matters.filter((m) => applied.has(m.matterCode)) } as Parameters<typeof linkMatters>[0],
    new Map([...applied].map(([code, m]) => [code, m.matter])),
    (code) => applied.get(code)?.dependsOn ?? [],
  );
  const byCode = new Map<string, MatterInTopic>(matters.map((m) => [m.matter.code, m]));
  const linked = (code: string) => byCode.get(code);
  return {
    plan,
    matters,
    materials: plan.materials.map((material) => ({
      ...material,
      requiredBy: material.requiredBy.map(linked).filter((m) => m !== undefined),
      exemption: material.exemption && {
        reason: material.exemption.reason,
        certificate: material.exemption.certificate ? certificateView(material.exemption.certificate) : null,
        producedBy: material.exemption.producedBy ? (linked(material.exemption.producedBy) ?? null) : null,
      },
      exemptionError: materialErrors.get(material.code) ?? null,
    })),
    form: plan.form.map((field) => ({
      ...field,
      prefill: prefill.get(field.key) ?? null,
      // Only fields the data center would have filled in are affected by its failure.
      prefillError: !prefill.has(field.key) && dataItemOf(field) ? prefillError : null,
    })),
  };
}

export const planResolvers: Resolvers = {
  Topic: {
    plan: async (topic, { answers, form }, ctx) => {
      const detail = await topicDetail(topic, ctx);
      const matters = await topicMatters(detail, ctx);
      const personal = await planForViewer(personalPlanDeps(ctx), ctx.viewer, { topic: detail, matters, answers, form });
      // The funnel is a statistic: a counter that cannot be written never costs the applicant the plan.
      await countSignedInPlan({ countPlan: (plan) => countPlan(ctx.services.db, plan) }, ctx.viewer, {
        topic: detail,
        complete: personal.plan.complete,
      }).catch((error: unknown) => ctx.logger.warn({ err: error, topicCode: detail.code }, 'plan not counted for the funnel'));
      await recordAssistance(ctx.services, ctx.viewer, { action: 'PLAN', ref: topic.code });
      return presentPlan(personal, detail);
    },
  },
  Plan: {
    complete: ({ plan }) => plan.complete,
    questions: ({ plan }) => plan.questions,
    matters: ({ matters }) => matters,
    materials: ({ materials }) => materials,
    form: ({ form }) => form,
    summary: ({ plan }) => plan.summary,
    problems: ({ plan }) => plan.problems,
  },
  PlanQuestion: {
    answered: (question) => question.answered,
  },
  PlanMaterial: {
    exemption: (material) => {
      if (material.exemptionError) throw material.exemptionError;
      return material.exemption;
    },
  },
  PlanFormField: {
    prefill: (field) => {
      if (field.prefillError) throw field.prefillError;
      return field.prefill;
    },
  },
};
