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
import type { RawAnswer } from '../domain/answers.ts';
import {
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
import type { GatewayContext, PersonalLoaders } from '../server/context.ts';

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

export async function planForViewer(
  ctx: GatewayContext,
  topic: Topic,
  matters: ReadonlyMap<string, Matter>,
  answers: readonly RawAnswer[],
  form: readonly FieldValue[] | null | undefined,
): Promise<PersonalPlan> {
  const base = buildPlan({ topic, matters, answers });
  const personal = ctx.personal;
  if (ctx.viewer.kind !== 'user' || ctx.viewer.role !== 'APPLICANT' || !personal) {
    return { plan: base, prefill: new Map(), materialErrors: new Map(), prefillError: null };
  }

  const applicant = ctx.viewer.subject;
  const kind = applicantKindOf(applicant);
  const values = formValues(form);
  const purpose = topic.code;
  const candidates = lookupCandidates(base.materials);
  const holderOf = (m: PlanMaterial) => requestedHolder(m, values, applicant);
  const needsLinks = candidates.some((m) => {
    const holder = holderOf(m);
    return holder !== null && holder !== applicant;
  });
  const prefillItems = base.form.map(dataItemOf).filter((item) => item?.record === recordOf(kind)).map((item) => `${item!.record}.${item!.name}`);

  // Round 1: the applicant's own record, certificates and datasets.
  const [record, ownCertificates, ownDatasets] = await Promise.all([
    prefillItems.length || needsLinks
      ? settle(() => readRecord(personal, kind, applicant, purpose, [...prefillItems, ...(needsLinks ? [linkItemOf(kind)] : [])]), null)
      : Promise.resolve<Settled<Person | Enterprise | null>>({ value: null, error: null }),
    settle(() => readCertificates(personal, [applicant], candidates.filter((m) => holderOf(m) === applicant), purpose), []),
    settle(() => readDatasets(personal, [applicant], candidates.filter((m) => holderOf(m) === applicant), purpose), new Map()),
  ]);

  // Round 2: the people the data center links to the applicant, and nobody else.
  const permitted = permittedHolders(applicant, linksOf(record.value));
  const others = [...new Set(candidates.map(holderOf))].filter(
    (h): h is string => h !== null && h !== applicant && permitted.has(h),
  );
  const othersMaterials = candidates.filter((m) => others.includes(holderOf(m) ?? ''));
  const [otherCertificates, otherDatasets] = others.length
    ? await Promise.all([
        settle(() => readCertificates(personal, others, othersMaterials, purpose), []),
        settle(() => readDatasets(personal, others, othersMaterials, purpose), new Map()),
      ])
    : [{ value: [], error: null }, { value: new Map(), error: null }];

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
      today: todayInChina(),
      holderOf: (m) => {
        const holder = requestedHolder(m, values, applicant);
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

  const identity = { subject: applicant, name: ctx.viewer.name, kind };
  const records = kind === 'PERSON'
    ? { person: record.value as Person | null, enterprise: null }
    : { person: null, enterprise: record.value as Enterprise | null };
  return { plan, prefill: prefillValues(plan.form, records, identity), materialErrors, prefillError: record.error };
}

function recordOf(kind: ApplicantKind): 'person' | 'enterprise' {
  return kind === 'PERSON' ? 'person' : 'enterprise';
}

function linkItemOf(kind: ApplicantKind): string {
  return kind === 'PERSON' ? 'person.spouseIdNumber' : 'enterprise.legalRepresentativeIdNumber';
}

function readRecord(
  personal: PersonalLoaders,
  kind: ApplicantKind,
  id: string,
  purpose: string,
  items: string[],
): Promise<Person | Enterprise | null> {
  const query = { id, purpose, items: [...new Set(items)].sort() };
  return kind === 'PERSON' ? personal.dataCenter.person.load(query) : personal.dataCenter.enterprise.load(query);
}

async function readCertificates(
  personal: PersonalLoaders,
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
  personal: PersonalLoaders,
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
