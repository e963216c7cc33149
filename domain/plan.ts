/**
 * The situation plan (导办): from a topic, its matters and the applicant's
 * answers, the exact matters, merged materials with their exemptions, the
 * merged form and the summary (DESIGN.md, "Guidance and plan", "Exemptions",
 * "Plan summary").
 *
 * Pure functions over the connector models: no GraphQL, no HTTP. Personal
 * look-ups (e-certificates, data center) are done by the caller and passed in
 * as {@link PlanEvidence}.
 */
import type {
  FieldType,
  Matter,
  Question,
  SourceChannel,
  Topic,
  TopicMatter,
} from '../connectors/matter-registry/models.ts';
import type { Certificate } from '../connectors/e-certificates/models.ts';
import { typeAnswers, type AnswerValue, type RawAnswer, type TypedAnswers } from './answers.ts';
import { ApprovalOrder } from './approval-order.ts';
import { evaluateCondition } from './conditions.ts';
import type { UpstreamError } from '../lib/errors.ts';

/**
 * Personal evidence of an authenticated applicant. Absent = anonymous plan:
 * exemption rules 2 (E_CERTIFICATE) and 3 (DATA_SHARING) are skipped.
 */
export interface PlanEvidence {
  /** YYYY-MM-DD, local date of the gateway. */
  today: string;
  /**
   * The resolved holder id for this material (from the form field named by
   * `material.holder`, or the applicant); `null` = cannot be looked up (e.g.
   * an unconfirmed third party) → not exempt by rules 2–3.
   */
  holderOf(material: PlanMaterialBase): string | null;
  /** Certificates the library returned for the permitted holders (any status). */
  certificates: readonly Certificate[];
  /** Dataset → subject ids the data center holds a record for. */
  availableDatasets: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What {@link buildPlan} needs. */
export interface PlanInput {
  topic: Topic;
  /** The registry's matters by code; a topic matter missing here is skipped. */
  matters: ReadonlyMap<string, Matter>;
  answers: readonly RawAnswer[];
  evidence?: PlanEvidence;
}

/** A visible question and whether it has an (effective) answer. */
export interface PlanQuestion extends Question {
  answered: boolean;
}

/**
 * An applied matter. `dependsOn` = its prerequisites in the order of approval
 * ({@link ApprovalOrder.prerequisitesOf}): the topic's `dependsOn` codes of
 * this matter restricted to the applied matters of the plan (deduplicated,
 * without the matter itself and without a dependency that would close a
 * cycle): a prerequisite that does not apply is not awaited.
 */
export interface PlanMatter {
  matter: Matter;
  dependsOn: readonly string[];
}

/** Why a material need not be handed in (免提交). */
export type ExemptionReason = 'INTERNAL_RESULT' | 'E_CERTIFICATE' | 'DATA_SHARING' | 'GOVERNMENT_ISSUED';

/**
 * An exemption. INTERNAL_RESULT sets `producedBy` (a matter code);
 * E_CERTIFICATE sets `certificate` and `holderId`; DATA_SHARING sets
 * `dataset` and `holderId`; GOVERNMENT_ISSUED sets nothing else.
 */
export interface Exemption {
  reason: ExemptionReason;
  producedBy?: string;
  certificate?: Certificate;
  dataset?: string;
  holderId?: string;
}

/** A merged material, before its exemption is decided. */
export interface PlanMaterialBase {
  code: string;
  name: string;
  /** Any needing matter requires it. */
  required: boolean;
  /** Every needing matter allows 容缺. */
  tolerant: boolean;
  sourceChannel: SourceChannel;
  certificateType: string | null;
  dataItem: string | null;
  /** Form field key whose value identifies the holder; null = the applicant. */
  holder: string | null;
  /** Codes of the applied matters that need it, in topic order. */
  requiredBy: readonly string[];
}

/**
 * A personal look-up that failed: `RECORD` is the applicant's data-center
 * record (prefill, and the links that name whose records may be read),
 * `CERTIFICATES` the e-certificate library, `DATASETS` the data center's
 * shared datasets.
 */
export interface LookupFailure {
  lookup: 'RECORD' | 'CERTIFICATES' | 'DATASETS';
  error: UpstreamError;
}

/** A merged material with its exemption (`null` = must be handed in). */
export interface PlanMaterial extends PlanMaterialBase {
  exemption: Exemption | null;
  /** Present when a failed look-up could have exempted it: its exemption is undecided rather than `null`. */
  undecidedBy?: LookupFailure;
}

/** A value the gateway already knows for a form field. */
export interface PrefillValue {
  value: string;
  source: 'DATA_CENTER' | 'IDENTITY';
}

/** A merged form field. */
export interface PlanFormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  maxLength: number | null;
  /** ENUM only: the intersection of the given option lists; null when none given. */
  options: readonly string[] | null;
  dataItem: string | null;
  /** Codes of the applied matters whose form has the field, in topic order. */
  usedBy: readonly string[];
  /** A signed-in applicant's known value; absent in an anonymous plan. */
  prefill?: PrefillValue;
  /** Present when the data center, which would have filled the field in, could not be read. */
  prefillFailure?: LookupFailure;
}

/** The plan's numbers (DESIGN.md, "Plan summary"). */
export interface PlanSummary {
  matterCount: number;
  materialsBefore: number;
  materialsToSubmit: number;
  legalDaysTotal: number;
  committedDays: number;
  visits: number;
}

/** The plan for one situation. */
export interface Plan {
  topicCode: string;
  /** Every visible required question is answered. */
  complete: boolean;
  /** Effective answers: those of visible questions only. */
  answers: TypedAnswers;
  /** Visible questions, in topic order. */
  questions: PlanQuestion[];
  /** Applied matters, in topic order. */
  matters: PlanMatter[];
  /** Merged materials, in order of first occurrence (topic order, then material order). */
  materials: PlanMaterial[];
  /** Merged form, in order of first occurrence. */
  form: PlanFormField[];
  summary: PlanSummary;
  /**
   * Registry data errors, deduplicated, in discovery order:
   * `INVALID_CONDITION:question.<id>.showIf`,
   * `INVALID_CONDITION:matter.<code>.appliesIf`,
   * `INVALID_CONDITION:matter.<code>.materialRules.<materialCode>`,
   * `UNKNOWN_MATTER:<code>`, `DUPLICATE_MATTER:<code>`,
   * `FORM_FIELD_TYPE_CONFLICT:<key>`, `DEPENDENCY_CYCLE:<a>><b>>…><a>`.
   */
  problems: string[];
}

/** Ordered, deduplicated problem list. */
class Problems {
  private readonly set = new Set<string>();
  add(problem: string): void {
    this.set.add(problem);
  }
  list(): string[] {
    return [...this.set];
  }
}

/**
 * Visible questions and effective answers. Questions are taken in topic
 * order; each `showIf` is evaluated over the answers of the questions found
 * visible before it, so a question that depends on a hidden question's answer
 * sees that answer as null.
 */
function visibleQuestions(
  questions: readonly Question[],
  typed: TypedAnswers,
  problems: Problems,
): { visible: Question[]; effective: Record<string, AnswerValue> } {
  const visible: Question[] = [];
  const effective: Record<string, AnswerValue> = {};
  for (const q of questions) {
    const shown = evaluateCondition(q.showIf, effective);
    if (shown.error !== undefined) problems.add(`INVALID_CONDITION:question.${q.id}.showIf`);
    if (!shown.holds) continue;
    visible.push(q);
    const answer = Object.hasOwn(typed, q.id) ? typed[q.id] : undefined;
    if (answer !== undefined) effective[q.id] = answer;
  }
  return { visible, effective };
}

interface AppliedMatter {
  topicMatter: TopicMatter;
  matter: Matter;
}

/** Applied matters in topic order; unknown and repeated matter codes are skipped and reported. */
function appliedMatters(
  topic: Topic,
  matters: ReadonlyMap<string, Matter>,
  answers: TypedAnswers,
  problems: Problems,
): AppliedMatter[] {
  const applied: AppliedMatter[] = [];
  const seen = new Set<string>();
  for (const topicMatter of topic.matters) {
    const code = topicMatter.matterCode;
    if (seen.has(code)) {
      problems.add(`DUPLICATE_MATTER:${code}`);
      continue;
    }
    seen.add(code);
    const matter = matters.get(code);
    if (!matter) {
      problems.add(`UNKNOWN_MATTER:${code}`);
      continue;
    }
    const applies = evaluateCondition(topicMatter.appliesIf, answers);
    if (applies.error !== undefined) problems.add(`INVALID_CONDITION:matter.${code}.appliesIf`);
    if (applies.holds) applied.push({ topicMatter, matter });
  }
  return applied;
}

/**
 * The materials one applied matter needs in this situation: all of its
 * materials, except those with a `materialRules` entry whose `requiredIf` is
 * falsy. A material code listed twice by the matter counts once (required if
 * either entry is).
 */
function neededMaterials(
  { topicMatter, matter }: AppliedMatter,
  answers: TypedAnswers,
  problems: Problems,
): Matter['materials'] {
  const rules = topicMatter.materialRules ?? [];
  const needed = new Map<string, Matter['materials'][number]>();
  for (const material of matter.materials) {
    const isNeeded = rules
      .filter((r) => r.materialCode === material.code)
      .every((r) => {
        const result = evaluateCondition(r.requiredIf, answers);
        if (result.error !== undefined) {
          problems.add(`INVALID_CONDITION:matter.${matter.code}.materialRules.${material.code}`);
        }
        return result.holds;
      });
    if (!isNeeded) continue;
    const earlier = needed.get(material.code);
    if (earlier) needed.set(material.code, { ...earlier, required: earlier.required || material.required });
    else needed.set(material.code, material);
  }
  return [...needed.values()];
}

/** Merges the needed materials of the applied matters by code. */
function mergeMaterials(needs: readonly { matterCode: string; materials: Matter['materials'] }[]): PlanMaterialBase[] {
  const merged = new Map<string, PlanMaterialBase & { requiredBy: string[] }>();
  for (const { matterCode, materials } of needs) {
    for (const m of materials) {
      const earlier = merged.get(m.code);
      if (!earlier) {
        merged.set(m.code, {
          code: m.code,
          name: m.name,
          required: m.required,
          tolerant: m.tolerant,
          sourceChannel: m.sourceChannel,
          certificateType: m.certificateType ?? null,
          dataItem: m.dataItem ?? null,
          holder: m.holder ?? null,
          requiredBy: [matterCode],
        });
        continue;
      }
      earlier.required ||= m.required;
      earlier.tolerant &&= m.tolerant;
      if (!earlier.requiredBy.includes(matterCode)) earlier.requiredBy.push(matterCode);
    }
  }
  return [...merged.values()];
}

/**
 * Merges the forms of the applied matters (topic order, field order) by key:
 * the first field's label and type, `required` = any, `maxLength` = the
 * smallest given, ENUM `options` = the intersection of the given lists (in
 * the order of the first), `dataItem` = the first given, `usedBy` = the
 * matters having the key. A field whose type differs from the first is a
 * registry data error (`FORM_FIELD_TYPE_CONFLICT:<key>`): the first
 * definition is kept, the conflicting field still counts for `required` and
 * `usedBy` (its matter needs a value) but not for `maxLength`, `options` or
 * `dataItem`.
 */
export function mergeForms(
  forms: readonly { matterCode: string; form: Matter['form'] }[],
  problems: { add(problem: string): void },
): PlanFormField[] {
  const merged = new Map<string, PlanFormField & { usedBy: string[] }>();
  for (const { matterCode, form } of forms) {
    for (const f of form) {
      const earlier = merged.get(f.key);
      if (!earlier) {
        merged.set(f.key, {
          key: f.key,
          label: f.label,
          type: f.type,
          required: f.required,
          maxLength: f.maxLength ?? null,
          options: f.type === 'ENUM' ? (f.options ? [...new Set(f.options)] : null) : null,
          dataItem: f.dataItem ?? null,
          usedBy: [matterCode],
        });
        continue;
      }
      if (!earlier.usedBy.includes(matterCode)) earlier.usedBy.push(matterCode);
      earlier.required ||= f.required;
      if (f.type !== earlier.type) {
        problems.add(`FORM_FIELD_TYPE_CONFLICT:${f.key}`);
        continue;
      }
      const maxLength = f.maxLength ?? null;
      if (maxLength !== null && (earlier.maxLength === null || maxLength < earlier.maxLength)) {
        earlier.maxLength = maxLength;
      }
      if (earlier.type === 'ENUM' && f.options) {
        const given = new Set(f.options);
        earlier.options = earlier.options === null ? [...given] : earlier.options.filter((o) => given.has(o));
      }
      earlier.dataItem ??= f.dataItem ?? null;
    }
  }
  return [...merged.values()];
}

/** Whether a certificate stands for a material of `typeCode` held by `holderId` on `today`. */
function certificateQualifies(c: Certificate, holderId: string, typeCode: string, today: string): boolean {
  return (
    c.holderId === holderId &&
    c.typeCode === typeCode &&
    c.status === 'VALID' &&
    (c.validUntil === null || c.validUntil.slice(0, 10) >= today)
  );
}

/**
 * Decides one merged material's exemption; the first matching rule wins:
 *
 * 1. INTERNAL_RESULT — its `certificateType` is the `resultCertificateType`
 *    of an applied matter P, not itself needing the material, after which
 *    every needing matter comes in the order of approval
 *    ({@link ApprovalOrder.mayAwaitResult}: it depends on P, or neither
 *    depends on the other and P is listed first, and P does not already wait
 *    for it). The first such P in topic order is `producedBy`, and `order`
 *    records that the needing matters wait for its result.
 * 2. E_CERTIFICATE (with evidence only) — the holder
 *    (`evidence.holderOf(material)`, non-null) has a certificate of that type
 *    with status VALID and `validUntil` null or not before `evidence.today`.
 *    Of several, a long-term one, else the one valid longest, is used.
 * 3. DATA_SHARING (with evidence only) — the material's `dataItem` dataset is
 *    available for the holder.
 * 4. GOVERNMENT_ISSUED — its `sourceChannel` is GOVERNMENT_ISSUED.
 * 5. Otherwise `null`: it must be handed in.
 *
 * @param applied the applied matters of the plan, in topic order.
 * @param order their order of approval; by default the list order of
 *   `applied`, with no dependencies.
 */
export function decideExemption(
  material: PlanMaterialBase,
  applied: readonly Matter[],
  evidence?: PlanEvidence,
  order: ApprovalOrder = ApprovalOrder.of(applied),
): Exemption | null {
  return internalResultOf(material, applied, order) ?? exemptionByEvidence(material, evidence);
}

/** Rule 1 of {@link decideExemption}; records the wait in `order` when it holds. */
function internalResultOf(material: PlanMaterialBase, applied: readonly Matter[], order: ApprovalOrder): Exemption | null {
  const type = material.certificateType;
  if (type === null) return null;
  for (const producer of applied) {
    if (producer.resultCertificateType !== type || material.requiredBy.includes(producer.code)) continue;
    if (!material.requiredBy.every((needing) => order.mayAwaitResult(needing, producer.code))) continue;
    for (const needing of material.requiredBy) order.recordResultWait(needing, producer.code);
    return { reason: 'INTERNAL_RESULT', producedBy: producer.code };
  }
  return null;
}

/** Rules 2–5 of {@link decideExemption}, for a material rule 1 does not exempt. */
function exemptionByEvidence(material: PlanMaterialBase, evidence?: PlanEvidence): Exemption | null {
  const type = material.certificateType;
  if (evidence && (type !== null || material.dataItem !== null)) {
    const holderId = evidence.holderOf(material);
    if (holderId !== null) {
      if (type !== null) {
        const candidates = evidence.certificates.filter((c) =>
          certificateQualifies(c, holderId, type, evidence.today),
        );
        const best = candidates.reduce<Certificate | undefined>((a, b) => {
          if (a === undefined) return b;
          if (a.validUntil === null) return a;
          if (b.validUntil === null) return b;
          return b.validUntil > a.validUntil ? b : a;
        }, undefined);
        if (best) return { reason: 'E_CERTIFICATE', certificate: best, holderId };
      }
      const dataset = material.dataItem;
      if (dataset !== null && evidence.availableDatasets.get(dataset)?.has(holderId) === true) {
        return { reason: 'DATA_SHARING', dataset, holderId };
      }
    }
  }

  if (material.sourceChannel === 'GOVERNMENT_ISSUED') return { reason: 'GOVERNMENT_ISSUED' };
  return null;
}

/** A merged material with rule 1 decided: `internalResult` is its INTERNAL_RESULT exemption, if any. */
export interface DraftMaterial extends PlanMaterialBase {
  internalResult: Exemption | null;
}

/**
 * Everything of a plan that personal evidence cannot change: the questions,
 * the applied matters and their order, the merged materials with rule 1
 * decided, the merged form and the registry's problems. {@link decidePlan}
 * turns it into the plan; in between, the caller can read what the plan
 * needs to know about the applicant (`domain/personal.ts`).
 */
export interface PlanDraft {
  topicCode: string;
  complete: boolean;
  answers: TypedAnswers;
  questions: PlanQuestion[];
  matters: PlanMatter[];
  materials: DraftMaterial[];
  form: PlanFormField[];
  /** The summary but for `materialsToSubmit`, which depends on the exemptions. */
  summary: Omit<PlanSummary, 'materialsToSubmit'>;
  problems: string[];
}

/**
 * The draft of the plan for a topic and the applicant's answers.
 *
 * Never throws on registry data errors (unknown matters, invalid conditions,
 * conflicting form fields, dependency cycles): they are listed in `problems`.
 *
 * @throws InvalidInputError when an answer is bad input (see `typeAnswers`).
 */
export function draftPlan(input: Omit<PlanInput, 'evidence'>): PlanDraft {
  const { topic, matters } = input;
  const problems = new Problems();

  const typed = typeAnswers(topic.questions, input.answers);
  const { visible, effective } = visibleQuestions(topic.questions, typed, problems);
  const questions: PlanQuestion[] = visible.map((q) => ({ ...q, answered: Object.hasOwn(effective, q.id) }));
  const complete = visible.every((q) => !q.required || Object.hasOwn(effective, q.id));

  const applied = appliedMatters(topic, matters, effective, problems);
  const order = ApprovalOrder.of(applied.map((a) => ({ code: a.matter.code, dependsOn: a.topicMatter.dependsOn })));
  const planMatters: PlanMatter[] = applied.map(({ matter }) => ({ matter, dependsOn: order.prerequisitesOf(matter.code) }));

  const needs = applied.map((a) => ({
    matterCode: a.matter.code,
    materials: neededMaterials(a, effective, problems),
  }));
  const appliedList = applied.map((a) => a.matter);
  const materials: DraftMaterial[] = mergeMaterials(needs).map((m) => ({
    ...m,
    internalResult: internalResultOf(m, appliedList, order),
  }));

  const form = mergeForms(
    applied.map((a) => ({ matterCode: a.matter.code, form: a.matter.form })),
    problems,
  );

  for (const cycle of order.cycles) problems.add(`DEPENDENCY_CYCLE:${cycle.join('>')}`);
  const committedDays = new Map(appliedList.map((m) => [m.code, m.committedDays] as const));
  const summary = {
    matterCount: applied.length,
    materialsBefore: needs.reduce((n, need) => n + need.materials.filter((m) => m.required).length, 0),
    legalDaysTotal: appliedList.reduce((n, m) => n + m.legalDays, 0),
    committedDays: topic.committedDays ?? order.longestChain((code) => committedDays.get(code) ?? 0),
    visits: appliedList.every((m) => m.onlineDepth === 4) ? 0 : 1,
  };

  return {
    topicCode: topic.code,
    complete,
    answers: effective,
    questions,
    matters: planMatters,
    materials,
    form,
    summary,
    problems: problems.list(),
  };
}

/**
 * The plan of a draft: each material's exemption decided once, by rule 1 as
 * the draft found it, else by the evidence (rules 2–5 of
 * {@link decideExemption}). Without evidence, the anonymous plan.
 */
export function decidePlan(draft: PlanDraft, evidence?: PlanEvidence): Plan {
  const materials: PlanMaterial[] = draft.materials.map(({ internalResult, ...material }) => ({
    ...material,
    exemption: internalResult ?? exemptionByEvidence(material, evidence),
  }));
  const { summary } = draft;
  return {
    ...draft,
    materials,
    summary: {
      matterCount: summary.matterCount,
      materialsBefore: summary.materialsBefore,
      materialsToSubmit: materials.filter((m) => m.required && m.exemption === null).length,
      legalDaysTotal: summary.legalDaysTotal,
      committedDays: summary.committedDays,
      visits: summary.visits,
    },
  };
}

/**
 * Builds the plan for a topic and the applicant's answers.
 *
 * Never throws on registry data errors (unknown matters, invalid conditions,
 * conflicting form fields, dependency cycles): they are listed in `problems`.
 *
 * @throws InvalidInputError when an answer is bad input (see `typeAnswers`).
 */
export function buildPlan(input: PlanInput): Plan {
  return decidePlan(draftPlan(input), input.evidence);
}
