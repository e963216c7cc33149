/**
 * A plan with the applicant's own evidence: which materials the e-certificate
 * library or the data center already hold, and which form values can be
 * filled in. Look-ups go in two rounds, each system asked once per round:
 * first the applicant's own records, then the holders whose link to the
 * applicant the data center confirmed. A failing look-up leaves the affected
 * materials not exempt and reports the error on them; the plan still answers.
 */
import type { Certificate } from '../connectors/e-certificates/models.ts';
import type { Enterprise, Person } from '../connectors/data-center/models.ts';
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { InvalidInputError, type InputProblem, type RawAnswer } from '../domain/answers.ts';
import {
  applicantFieldProblems,
  applicantKindOf,
  dataItemOf,
  linksOf,
  lookupCandidates,
  permittedHolders,
  prefillValues,
  requestedHolder,
  type ApplicantKind,
  type PrefillValue,
} from '../domain/personal.ts';
import { buildPlan, type Plan, type PlanMaterial } from '../domain/plan.ts';
import { isUpstreamError, type UpstreamError } from '../lib/errors.ts';
import { applicantOf, type Actor } from '../domain/actor.ts';
import type { CertificateQuery } from '../connectors/e-certificates/loaders.ts';
import type { AvailabilityQuery, RecordQuery } from '../connectors/data-center/loaders.ts';

/** This request's look-ups of an applicant's own records; each read is logged by whoever builds them. */
export interface PersonalLookups {
  certificates: { byHolder: { load(query: CertificateQuery): Promise<Certificate[]> } };
  dataCenter: {
    person: { load(query: RecordQuery): Promise<Person | null> };
    enterprise: { load(query: RecordQuery): Promise<Enterprise | null> };
    available: { load(query: AvailabilityQuery): Promise<boolean> };
  };
}

export interface PersonalPlanDeps {
  /** Null for callers who are not signed in: they never cause a personal look-up. */
  personal: PersonalLookups | null;
  /** Today's date by the local calendar, YYYY-MM-DD; default `todayInChina()`. */
  today?: () => string;
}

/** The situation a plan is asked for: the topic, its matters by code, the answers and the form as given. */
export interface PlanRequest {
  topic: Topic;
  matters: ReadonlyMap<string, Matter>;
  answers: readonly RawAnswer[];
  form: readonly FieldValue[] | null | undefined;
}

export interface FieldValue {
  key: string;
  value?: string | null;
}

export interface PersonalPlan {
  plan: Plan;
  /** Prefilled values by form key (empty for anonymous callers). */
  prefill: Map<string, PrefillValue>;
  /** Look-up failures by material code, for materials left without exemption because of them. */
  materialErrors: Map<string, UpstreamError>;
  /** Look-up failure of the data center, for the fields it would have filled in. */
  prefillError: UpstreamError | null;
  /**
   * The applicant's own form fields (`applicant.idNumber`, an enterprise's
   * credit code) given with a value that is not the signed-in subject
   * (NOT_THE_APPLICANT); empty for anonymous callers.
   */
  applicantProblems: InputProblem[];
}

const chinaDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });

/** The China date of the current minute, formatted once a minute rather than once a plan (Intl formatting is slow). */
let todayOfMinute: { minute: number; date: string } | null = null;

/** The gateway's local date, YYYY-MM-DD, in China Standard Time: certificates expire by the local calendar. */
export function todayInChina(now = new Date()): string {
  // China has no daylight saving and its offset is whole hours: the date only changes at a minute boundary.
  const minute = Math.floor(now.getTime() / 60_000);
  if (todayOfMinute?.minute !== minute) todayOfMinute = { minute, date: chinaDate.format(now) };
  return todayOfMinute.date;
}

export function formValues(form: readonly FieldValue[] | null | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const { key, value } of form ?? []) if (value !== undefined && value !== null) values.set(key, value);
  return values;
}

interface Settled<T> {
  value: T;
  error: UpstreamError | null;
}

/** Runs a look-up; an upstream failure becomes a recorded error and a fallback value, anything else propagates. */
async function settle<T>(lookup: () => Promise<T>, fallback: T): Promise<Settled<T>> {
  try {
    return { value: await lookup(), error: null };
  } catch (error) {
    if (isUpstreamError(error)) return { value: fallback, error };
    throw error;
  }
}

/**
 * The plan as the caller may see it: personal for a signed-in applicant,
 * anonymous for anyone else.
 *
 * @throws InvalidInputError for a bad answer, or an applicant's own form
 *   field (`applicant.idNumber`, an enterprise's credit code) that is not the
 *   signed-in subject, before anyone's records are read.
 */
export async function planForViewer(deps: PersonalPlanDeps, actor: Actor, request: PlanRequest): Promise<PersonalPlan> {
  const applicant = applicantOf(actor);
  if (applicant) {
    const problems = applicantFieldProblems(request.form ?? [], applicant.subject);
    if (problems.length > 0) throw new InvalidInputError(problems);
  }
  const { topic, matters, answers } = request;
  return personalPlan(deps, actor, { ...request, base: buildPlan({ topic, matters, answers }) });
}

/**
 * The plan of `answers` with the applicant's evidence, from the anonymous
 * `base` plan of the same answers. An applicant's own form field that is not
 * the subject is returned in `applicantProblems`, never used: the holder of
 * such fields is always the subject (see `requestedHolder`).
 */
export async function personalPlan(
  deps: PersonalPlanDeps,
  actor: Actor,
  request: PlanRequest & { base: Plan },
): Promise<PersonalPlan> {
  const { base, topic, matters, answers, form } = request;
  const personal = deps.personal;
  const user = applicantOf(actor);
  if (!user || !personal) {
    return { plan: base, prefill: new Map(), materialErrors: new Map(), prefillError: null, applicantProblems: [] };
  }

  const applicant = user.subject;
  const viewerName = user.name;
  const kind = applicantKindOf(applicant);
  // A blank value is no value (as in the submission): the prefilled one stands for it.
  const given = new Map([...formValues(form)].filter(([, value]) => value.trim() !== ''));
  const purpose = topic.code;
  const candidates = lookupCandidates(base.materials);
  const prefillFields = base.form.filter((f) => dataItemOf(f)?.record === recordOf(kind));
  const prefillItems = prefillFields.map((f) => dataItemOf(f)!).map((item) => `${item.record}.${item.name}`);
  const prefillable = new Set(prefillFields.map((f) => f.key));
  // A holder field the caller left out may be filled in from the record: its holder is known after round 1.
  const needsLinks = candidates.some((m) => {
    const holder = requestedHolder(m, given, applicant);
    if (holder !== null) return holder !== applicant;
    return m.holder !== null && !given.has(m.holder) && prefillable.has(m.holder);
  });

  // Round 1: the applicant's own record, certificates and datasets.
  const ownHolder = (m: PlanMaterial) => requestedHolder(m, given, applicant) === applicant;
  const recordRead =
    prefillItems.length || needsLinks
      ? settle(() => readRecord(personal, kind, applicant, purpose, [...prefillItems, ...(needsLinks ? [linkItemOf(kind)] : [])]), null)
      : Promise.resolve<Settled<Person | Enterprise | null>>({ value: null, error: null });

  // Round 2, as soon as the record is in (it alone names them): the people the data center links to the applicant, and nobody else.
  const linkedRound = recordRead.then(async (record) => {
    const records = kind === 'PERSON'
      ? { person: record.value as Person | null, enterprise: null }
      : { person: null, enterprise: record.value as Enterprise | null };
    const prefill = prefillValues(base.form, records, { subject: applicant, name: viewerName, kind });
    const values = new Map(given);
    for (const [key, { value }] of prefill) if (!given.has(key)) values.set(key, value);
    const holderOf = (m: Pick<PlanMaterial, 'holder'>) => requestedHolder(m, values, applicant);
    const permitted = permittedHolders(applicant, linksOf(record.value));
    const others = [...new Set(candidates.map(holderOf))].filter(
      (h): h is string => h !== null && h !== applicant && permitted.has(h),
    );
    const othersMaterials = candidates.filter((m) => others.includes(holderOf(m) ?? ''));
    const [certificates, datasets] = others.length
      ? await Promise.all([
          settle(() => readCertificates(personal, others, othersMaterials, purpose), []),
          settle(() => readDatasets(personal, others, othersMaterials, purpose), new Map()),
        ])
      : [{ value: [], error: null }, { value: new Map(), error: null }];
    return { prefill, holderOf, permitted, certificates, datasets };
  });

  const [record, ownCertificates, ownDatasets, linked] = await Promise.all([
    recordRead,
    settle(() => readCertificates(personal, [applicant], candidates.filter(ownHolder), purpose), []),
    settle(() => readDatasets(personal, [applicant], candidates.filter(ownHolder), purpose), new Map()),
    linkedRound,
  ]);
  const { prefill, holderOf, permitted, certificates: otherCertificates, datasets: otherDatasets } = linked;

  const availableDatasets = new Map<string, Set<string>>();
  for (const source of [ownDatasets.value, otherDatasets.value]) {
    for (const [dataset, subjects] of source) {
      const set = availableDatasets.get(dataset) ?? new Set<string>();
      subjects.forEach((s: string) => set.add(s));
      availableDatasets.set(dataset, set);
    }
  }
  const plan = buildPlan({
    topic,
    matters,
    answers,
    evidence: {
      today: deps.today?.() ?? todayInChina(),
      holderOf: (m) => {
        const holder = holderOf(m);
        return holder !== null && permitted.has(holder) ? holder : null;
      },
      certificates: [...ownCertificates.value, ...otherCertificates.value],
      availableDatasets,
    },
  });

  // A material is affected by a failed look-up when it ended up without exemption and that look-up could have exempted it.
  const materialErrors = new Map<string, UpstreamError>();
  const holderWasLinked = record.error === null;
  for (const material of plan.materials) {
    if (material.exemption) continue;
    const holder = holderOf(material);
    const own = holder === applicant;
    const certificateError = own ? ownCertificates.error : otherCertificates.error;
    const datasetError = own ? ownDatasets.error : otherDatasets.error;
    const error =
      (material.certificateType && certificateError) ||
      (material.dataItem && datasetError) ||
      (!own && holder !== null && !holderWasLinked ? record.error : null);
    if (error && candidates.some((c) => c.code === material.code)) materialErrors.set(material.code, error);
  }

  return {
    plan,
    prefill,
    materialErrors,
    prefillError: record.error,
    applicantProblems: applicantFieldProblems(form ?? [], applicant),
  };
}

function recordOf(kind: ApplicantKind): 'person' | 'enterprise' {
  return kind === 'PERSON' ? 'person' : 'enterprise';
}

function linkItemOf(kind: ApplicantKind): string {
  return kind === 'PERSON' ? 'person.spouseIdNumber' : 'enterprise.legalRepresentativeIdNumber';
}

function readRecord(
  personal: PersonalLookups,
  kind: ApplicantKind,
  id: string,
  purpose: string,
  items: string[],
): Promise<Person | Enterprise | null> {
  const query = { id, purpose, items: [...new Set(items)].sort() };
  return kind === 'PERSON' ? personal.dataCenter.person.load(query) : personal.dataCenter.enterprise.load(query);
}

async function readCertificates(
  personal: PersonalLookups,
  holders: readonly string[],
  materials: readonly PlanMaterial[],
  purpose: string,
): Promise<Certificate[]> {
  const typeCodes = [...new Set(materials.map((m) => m.certificateType).filter((t): t is string => !!t))].sort();
  if (typeCodes.length === 0) return [];
  const lists = await Promise.all(holders.map((holderId) => personal.certificates.byHolder.load({ holderId, typeCodes, purpose })));
  return lists.flat();
}

async function readDatasets(
  personal: PersonalLookups,
  subjects: readonly string[],
  materials: readonly PlanMaterial[],
  purpose: string,
): Promise<Map<string, Set<string>>> {
  const datasets = [...new Set(materials.map((m) => m.dataItem).filter((d): d is string => !!d))];
  const available = new Map<string, Set<string>>();
  await Promise.all(
    datasets.flatMap((dataset) =>
      subjects.map(async (subjectId) => {
        if (await personal.dataCenter.available.load({ dataset, subjectId, purpose })) {
          const set = available.get(dataset) ?? new Set<string>();
          set.add(subjectId);
          available.set(dataset, set);
        }
      }),
    ),
  );
  return available;
}
