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
  decidePersonalPlan,
  linkedLookups,
  ownLookups,
  personalSituation,
  type DatasetLookup,
  type Found,
  type HolderLookups,
  type PrefillValue,
  type RecordLookup,
} from '../domain/personal.ts';
import { decidePlan, draftPlan, type Plan, type PlanDraft } from '../domain/plan.ts';
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
  /** The plan, with prefilled values and the failed look-ups recorded on the fields and materials they affect. */
  plan: Plan;
  /** The plan's prefilled values by form key (empty for anonymous callers). */
  prefill: Map<string, PrefillValue>;
  /** The plan's failed look-ups by the code of the material they left undecided. */
  materialErrors: Map<string, UpstreamError>;
  /** The data center's failure to read the applicant's record, which left fields without prefill. */
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

/** Runs a look-up; an upstream failure becomes a recorded error and a fallback value, anything else propagates. */
async function settle<T>(lookup: () => Promise<T>, fallback: T): Promise<Found<T>> {
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
  return personalPlan(deps, actor, { ...request, draft: draftPlan({ topic, matters, answers }) });
}

/**
 * The plan of `draft` (the draft of the request's answers) with the
 * applicant's evidence. The domain names the look-ups; they go in two
 * rounds, each system asked once per round; the domain then decides once.
 * An applicant's own form field that is not the subject is returned in
 * `applicantProblems`, never used: the holder of such fields is always the
 * subject (see `requestedHolder`).
 */
export async function personalPlan(
  deps: PersonalPlanDeps,
  actor: Actor,
  request: PlanRequest & { draft: PlanDraft },
): Promise<PersonalPlan> {
  const { draft, topic, form } = request;
  const personal = deps.personal;
  const user = applicantOf(actor);
  if (!user || !personal) {
    return { plan: decidePlan(draft), prefill: new Map(), materialErrors: new Map(), prefillError: null, applicantProblems: [] };
  }

  const situation = personalSituation(user, form ?? []);
  const purpose = topic.code;
  const round1 = ownLookups(draft, situation);
  const recordRead = round1.record
    ? settle(() => readRecord(personal, round1.record!, purpose), null)
    : Promise.resolve<Found<Person | Enterprise | null>>({ value: null, error: null });
  // Round 2 starts as soon as the record is in, alongside the rest of round 1.
  const linkedRound = recordRead.then((record) => readHolders(personal, linkedLookups(draft, situation, record.value), purpose));
  const [record, own, linked] = await Promise.all([recordRead, readHolders(personal, round1, purpose), linkedRound]);

  const plan = decidePersonalPlan(draft, situation, { record, own, linked }, deps.today?.() ?? todayInChina());
  const prefill = new Map(plan.form.flatMap((f) => (f.prefill ? [[f.key, f.prefill] as const] : [])));
  const materialErrors = new Map(plan.materials.flatMap((m) => (m.undecidedBy ? [[m.code, m.undecidedBy.error] as const] : [])));
  return { plan, prefill, materialErrors, prefillError: record.error, applicantProblems: applicantFieldProblems(form ?? [], user.subject) };
}

function readRecord(personal: PersonalLookups, lookup: RecordLookup, purpose: string): Promise<Person | Enterprise | null> {
  const query = { id: lookup.id, purpose, items: lookup.items };
  return lookup.kind === 'PERSON' ? personal.dataCenter.person.load(query) : personal.dataCenter.enterprise.load(query);
}

/** One round's certificates and datasets, each system's failure recorded apart. */
async function readHolders(
  personal: PersonalLookups,
  lookups: HolderLookups,
  purpose: string,
): Promise<{ certificates: Found<Certificate[]>; datasets: Found<DatasetLookup[]> }> {
  const [certificates, datasets] = await Promise.all([
    settle(async () => {
      const lists = await Promise.all(lookups.certificates.map((q) => personal.certificates.byHolder.load({ ...q, purpose })));
      return lists.flat();
    }, []),
    settle(async () => {
      const answers = await Promise.all(lookups.datasets.map((q) => personal.dataCenter.available.load({ ...q, purpose })));
      return lookups.datasets.filter((_, i) => answers[i]);
    }, []),
  ]);
  return { certificates, datasets };
}
