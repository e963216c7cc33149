/**
 * The one-time notice (一次告知单): everything an applicant needs to know
 * for one situation, on one page, so that nobody has to come twice — the
 * topic, the matters that apply and their departments, the materials to
 * bring or upload, the ones not needed and why, where the window is, how
 * long it takes and where to apply online.
 *
 * Built from a plan (anonymous or personal); pure.
 */
import type { Question, Topic } from '../connectors/matter-registry/models.ts';
import type { RawAnswer } from './answers.ts';
import type { ExemptionReason, Plan, PlanQuestion } from './plan.ts';

export interface NoticeMatter {
  code: string;
  name: string;
  department: { code: string; name: string };
  legalDays: number;
  committedDays: number;
  onlineDepth: number;
  /** Names of the matters of this situation whose results it waits for. */
  after: string[];
}

export interface NoticeMaterial {
  code: string;
  name: string;
  /** false = optional: hand it in if you have it. */
  required: boolean;
  /** May be handed in later on a written commitment (容缺). */
  tolerant: boolean;
  /** Names of the matters that need it. */
  neededFor: string[];
}

export interface NoticeExemptMaterial {
  code: string;
  name: string;
  reason: ExemptionReason;
  /** INTERNAL_RESULT: the name of the matter whose result stands for it. */
  producedBy?: string;
  /** E_CERTIFICATE: the type of the e-certificate that stands for it. */
  certificate?: string;
}

export interface Notice {
  topic: { code: string; name: string; version: number; leadDepartment: string };
  /** Made with the applicant's own e-certificates and data (a signed-in applicant). */
  personal: boolean;
  /** Every question that matters for this situation is answered; otherwise the lists may still change. */
  complete: boolean;
  /** The answers given, as the applicant read them. */
  situation: { question: string; answer: string }[];
  /** Required questions still unanswered. */
  unanswered: string[];
  matters: NoticeMatter[];
  /** To bring to the window or upload. */
  toProvide: NoticeMaterial[];
  /** Not needed, and why. */
  notNeeded: NoticeExemptMaterial[];
  windowAddress: string | null;
  onlineUrl: string | null;
  guideUrl: string | null;
  committedDays: number;
  legalDaysTotal: number;
  visits: number;
  materialsBefore: number;
  materialsToSubmit: number;
  /** Registry data problems found while planning (the notice may be incomplete). */
  problems: string[];
}

export interface NoticeInput {
  topic: Topic;
  plan: Plan;
  personal: boolean;
  /** Department names by code. */
  departmentNames: ReadonlyMap<string, string>;
  /** Used when the topic names no window of its own. */
  defaultWindowAddress: string | null;
}

/** The text of one typed answer as the applicant chose it: option labels, 是/否, the number. */
export function answerText(question: Question, value: unknown): string {
  const label = (v: unknown) => question.options?.find((o) => o.value === v)?.label ?? String(v);
  switch (question.type) {
    case 'SINGLE':
      return label(value);
    case 'MULTI':
      return Array.isArray(value) && value.length > 0 ? value.map(label).join('、') : '均不需要';
    case 'BOOLEAN':
      return value === true ? '是' : '否';
    case 'NUMBER':
      return String(value);
  }
}

/** The effective answers of a plan as the front-end sends them: the canonical form of a situation. */
export function rawAnswersOf(plan: Plan): RawAnswer[] {
  return plan.questions.flatMap((q: PlanQuestion): RawAnswer[] => {
    if (!Object.hasOwn(plan.answers, q.id)) return [];
    const value = plan.answers[q.id];
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    return [{ questionId: q.id, values }];
  });
}

export function buildNotice({ topic, plan, personal, departmentNames, defaultWindowAddress }: NoticeInput): Notice {
  const department = (code: string) => ({ code, name: departmentNames.get(code) ?? code });
  const matterName = new Map(plan.matters.map((m) => [m.matter.code, m.matter.name]));
  const nameOf = (code: string) => matterName.get(code) ?? code;
  return {
    topic: {
      code: topic.code,
      name: topic.name,
      version: topic.version,
      leadDepartment: department(topic.leadDepartment).name,
    },
    personal,
    complete: plan.complete,
    situation: plan.questions
      .filter((q) => q.answered)
      .map((q) => ({ question: q.text, answer: answerText(q, plan.answers[q.id]) })),
    unanswered: plan.questions.filter((q) => q.required && !q.answered).map((q) => q.text),
    matters: plan.matters.map(({ matter, dependsOn }) => ({
      code: matter.code,
      name: matter.name,
      department: department(matter.department),
      legalDays: matter.legalDays,
      committedDays: matter.committedDays,
      onlineDepth: matter.onlineDepth,
      after: dependsOn.map(nameOf),
    })),
    toProvide: plan.materials
      .filter((m) => m.exemption === null)
      .map((m) => ({ code: m.code, name: m.name, required: m.required, tolerant: m.tolerant, neededFor: m.requiredBy.map(nameOf) }))
      // Required first, then optional; each group in plan order.
      .sort((a, b) => Number(b.required) - Number(a.required)),
    notNeeded: plan.materials.flatMap((m): NoticeExemptMaterial[] => {
      if (!m.exemption) return [];
      const { reason, producedBy, certificate } = m.exemption;
      return [
        {
          code: m.code,
          name: m.name,
          reason,
          ...(producedBy ? { producedBy: nameOf(producedBy) } : {}),
          ...(certificate ? { certificate: certificate.typeName } : {}),
        },
      ];
    }),
    windowAddress: topic.windowAddress ?? defaultWindowAddress,
    onlineUrl: topic.onlineUrl ?? null,
    guideUrl: topic.guideUrl ?? null,
    committedDays: plan.summary.committedDays,
    legalDaysTotal: plan.summary.legalDaysTotal,
    visits: plan.summary.visits,
    materialsBefore: plan.summary.materialsBefore,
    materialsToSubmit: plan.summary.materialsToSubmit,
    problems: plan.problems,
  };
}
