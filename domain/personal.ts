/**
 * The personal side of a plan (DESIGN.md, "Exemptions" rules 2–3 and
 * "Access and personal data"): whose records may be read for which material,
 * and which form values the gateway can fill in. Pure functions: the
 * look-ups themselves are the caller's.
 */
import type { Enterprise, Person } from '../connectors/data-center/models.ts';
import type { Certificate } from '../connectors/e-certificates/models.ts';
import type { UpstreamError } from '../lib/errors.ts';
import type { InputProblem } from './answers.ts';
import {
  decidePlan,
  type DraftMaterial,
  type LookupFailure,
  type Plan,
  type PlanDraft,
  type PlanFormField,
  type PlanMaterialBase,
  type PrefillValue,
} from './plan.ts';

export type { PrefillValue } from './plan.ts';

export type ApplicantKind = 'PERSON' | 'ENTERPRISE';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** An 18-character citizen ID number (GB 11643) with a correct check character. */
export function isCitizenIdNumber(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const sum = ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(value[i]), 0);
  return ID_CHECK[sum % 11] === value[17];
}

/** An 18-character unified social credit code (GB 32100) with a correct check character. */
export function isCreditCode(value: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) return false;
  const sum = CREDIT_WEIGHTS.reduce((total, weight, i) => total + weight * CREDIT_ALPHABET.indexOf(value[i]!), 0);
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31] === value[17];
}

/** Enterprises sign in with their credit code, persons with their ID number. */
export function applicantKindOf(subject: string): ApplicantKind {
  return isCreditCode(subject) && !isCitizenIdNumber(subject) ? 'ENTERPRISE' : 'PERSON';
}

/** The form field that names the holder when a material says nothing else. */
export const DEFAULT_HOLDER_FIELD = 'applicant.idNumber';

/**
 * Form fields that name the applicant itself, by kind: a person's ID number;
 * an enterprise's credit code (and `applicant.idNumber`, which an enterprise
 * applicant has none of). Their value must be the signed-in subject.
 */
const APPLICANT_FIELDS: Record<ApplicantKind, readonly string[]> = {
  PERSON: ['applicant.idNumber'],
  ENTERPRISE: ['applicant.idNumber', 'enterprise.creditCode'],
};

/** An identifier as written in a form: ID numbers end in an upper-case X, whatever the applicant typed. */
const normalisedId = (value: string): string => value.trim().toUpperCase();

/**
 * The holder a material asks about: the applicant when the material names no
 * field or one of the applicant's own fields (DESIGN.md, "Exemptions" rule
 * 2: the default holder is the signed-in subject, and the form cannot make
 * it anyone else); otherwise the value of its `holder` form field, `null`
 * when that field has no value.
 */
export function requestedHolder(
  material: Pick<PlanMaterialBase, 'holder'>,
  form: ReadonlyMap<string, string>,
  applicant: string,
): string | null {
  const field = material.holder ?? DEFAULT_HOLDER_FIELD;
  if (APPLICANT_FIELDS[applicantKindOf(applicant)].includes(field)) return applicant;
  const value = form.get(field)?.trim();
  return value ? normalisedId(value) : null;
}

/**
 * The applicant's own fields whose value is not the signed-in subject
 * (`form.<key>`, NOT_THE_APPLICANT): bad input in a plan and a submission
 * alike, never a way to borrow someone else's records. Blank values are not
 * given, and are not compared; a repeated key is compared once. Messages
 * never repeat the values (they are ID numbers).
 */
export function applicantFieldProblems(
  form: readonly { key: string; value?: string | null }[],
  applicant: string,
): InputProblem[] {
  const kind = applicantKindOf(applicant);
  const own = APPLICANT_FIELDS[kind];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  for (const { key, value } of form) {
    if (!own.includes(key) || seen.has(key) || value === null || value === undefined || value.trim() === '') continue;
    seen.add(key);
    if (normalisedId(value) === normalisedId(applicant)) continue;
    problems.push({
      field: `form.${key}`,
      code: 'NOT_THE_APPLICANT',
      message:
        kind === 'PERSON'
          ? `field ${JSON.stringify(key)} must be your own ID number, the one you signed in with: an application is always made by the signed-in person`
          : `field ${JSON.stringify(key)} must be the credit code of the enterprise signed in: an application is always made by the signed-in enterprise`,
    });
  }
  return problems;
}

/** Links the data center confirms between the applicant and other people. */
export interface ConfirmedLinks {
  /** A person applicant's spouse. */
  spouseIdNumber?: string | null;
  /** An enterprise applicant's legal representative. */
  legalRepresentativeIdNumber?: string | null;
}

export function linksOf(record: Person | Enterprise | null): ConfirmedLinks {
  if (!record) return {};
  if ('idNumber' in record) return { spouseIdNumber: record.spouseIdNumber ?? null };
  return { legalRepresentativeIdNumber: record.legalRepresentativeIdNumber ?? null };
}

/**
 * Whose records may be read for this applicant: the applicant, and the
 * people the data center links to it. Anyone else's data is never requested.
 */
export function permittedHolders(applicant: string, links: ConfirmedLinks): Set<string> {
  const permitted = new Set([applicant]);
  if (links.spouseIdNumber) permitted.add(links.spouseIdNumber.toUpperCase());
  if (links.legalRepresentativeIdNumber) permitted.add(links.legalRepresentativeIdNumber.toUpperCase());
  return permitted;
}

/**
 * Materials that still could be exempted by a personal look-up: those not
 * already exempt as another matter's result (rule 1 wins, so reading the
 * holder's records for them would read more than needed).
 */
export function lookupCandidates(materials: readonly DraftMaterial[]): DraftMaterial[] {
  return materials.filter((m) => m.internalResult === null && (m.certificateType !== null || m.dataItem !== null));
}

/** Who the gateway is talking to, as the identity token says. */
export interface IdentityFacts {
  subject: string;
  name: string;
  kind: ApplicantKind;
}

/** Form keys the identity token itself answers. */
const IDENTITY_FIELDS: Record<string, (identity: IdentityFacts) => string | null> = {
  'applicant.idNumber': (id) => (id.kind === 'PERSON' ? id.subject : null),
  'applicant.name': (id) => (id.kind === 'PERSON' && id.name ? id.name : null),
  'enterprise.creditCode': (id) => (id.kind === 'ENTERPRISE' ? id.subject : null),
  'enterprise.name': (id) => (id.kind === 'ENTERPRISE' && id.name ? id.name : null),
};

/** The data-center item a field names, split: `person.householdAddress` → ['person', 'householdAddress']. */
export function dataItemOf(field: Pick<PlanFormField, 'dataItem'>): { record: 'person' | 'enterprise'; name: string } | null {
  const match = /^(person|enterprise)\.([A-Za-z]+)$/.exec(field.dataItem ?? '');
  return match ? { record: match[1] as 'person' | 'enterprise', name: match[2]! } : null;
}

/**
 * Prefilled values by form key: the data center's record for fields that
 * name a data item (it is the authoritative register), else what the token
 * says for the applicant's own identity fields.
 */
export function prefillValues(
  fields: readonly PlanFormField[],
  records: { person: Person | null; enterprise: Enterprise | null },
  identity: IdentityFacts,
): Map<string, PrefillValue> {
  const values = new Map<string, PrefillValue>();
  for (const field of fields) {
    const item = dataItemOf(field);
    const record = item ? (item.record === 'person' ? records.person : records.enterprise) : null;
    const fromCenter = item && record ? (record as Record<string, unknown>)[item.name] : undefined;
    if (fromCenter !== undefined && fromCenter !== null && fromCenter !== '') {
      values.set(field.key, { value: String(fromCenter), source: 'DATA_CENTER' });
      continue;
    }
    const fromIdentity = IDENTITY_FIELDS[field.key]?.(identity);
    if (fromIdentity) values.set(field.key, { value: fromIdentity, source: 'IDENTITY' });
  }
  return values;
}

/** The signed-in applicant a personal plan is for, and the form values it gave (blank ones are no value). */
export interface PersonalSituation {
  identity: IdentityFacts;
  given: ReadonlyMap<string, string>;
}

export function personalSituation(
  user: { subject: string; name: string },
  form: readonly { key: string; value?: string | null }[],
): PersonalSituation {
  const given = new Map<string, string>();
  // A blank value is no value (as in the submission): the prefilled one stands for it.
  for (const { key, value } of form) if (value !== undefined && value !== null && value.trim() !== '') given.set(key, value);
  return { identity: { subject: user.subject, name: user.name, kind: applicantKindOf(user.subject) }, given };
}

/** A read of the applicant's data-center record: `items` sorted, each once. */
export interface RecordLookup {
  kind: ApplicantKind;
  id: string;
  items: string[];
}

/** The certificates of these types one holder has. */
export interface CertificateLookup {
  holderId: string;
  typeCodes: string[];
}

/** Whether the data center holds `dataset` for one subject. */
export interface DatasetLookup {
  dataset: string;
  subjectId: string;
}

/** One round's look-ups of certificates and datasets, for one group of holders. */
export interface HolderLookups {
  certificates: CertificateLookup[];
  datasets: DatasetLookup[];
}

/** What a look-up gave: its value, or the fallback and the error when the upstream failed. */
export interface Found<T> {
  value: T;
  error: UpstreamError | null;
}

/**
 * Everything the personal look-ups found: round 1 read the record and the
 * applicant's own certificates and datasets, round 2 those of the holders
 * the record links to the applicant. `datasets` lists the look-ups the data
 * center answered yes to.
 */
export interface PersonalFindings {
  record: Found<Person | Enterprise | null>;
  own: { certificates: Found<Certificate[]>; datasets: Found<DatasetLookup[]> };
  linked: { certificates: Found<Certificate[]>; datasets: Found<DatasetLookup[]> };
}

const RECORD_OF: Record<ApplicantKind, 'person' | 'enterprise'> = { PERSON: 'person', ENTERPRISE: 'enterprise' };
const LINK_ITEM_OF: Record<ApplicantKind, string> = {
  PERSON: 'person.spouseIdNumber',
  ENTERPRISE: 'enterprise.legalRepresentativeIdNumber',
};

/**
 * Round 1 of a personal plan: the applicant's own certificates and datasets
 * for the candidates it holds, and its record when the plan has fields the
 * record fills in, or a material whose holder only the record can tell (a
 * holder field the applicant left out that the record may fill in, or
 * another person, whose link to the applicant only the record confirms).
 */
export function ownLookups(draft: PlanDraft, { identity, given }: PersonalSituation): HolderLookups & { record: RecordLookup | null } {
  const applicant = identity.subject;
  const candidates = lookupCandidates(draft.materials);
  const prefillFields = draft.form.filter((f) => dataItemOf(f)?.record === RECORD_OF[identity.kind]);
  const items = prefillFields.map((f) => dataItemOf(f)!).map((item) => `${item.record}.${item.name}`);
  const prefillable = new Set(prefillFields.map((f) => f.key));
  const needsLinks = candidates.some((m) => {
    const holder = requestedHolder(m, given, applicant);
    if (holder !== null) return holder !== applicant;
    return m.holder !== null && !given.has(m.holder) && prefillable.has(m.holder);
  });
  if (needsLinks) items.push(LINK_ITEM_OF[identity.kind]);
  const own = candidates.filter((m) => requestedHolder(m, given, applicant) === applicant);
  return {
    record: items.length > 0 ? { kind: identity.kind, id: applicant, items: [...new Set(items)].sort() } : null,
    ...holderLookups([applicant], own),
  };
}

/**
 * Round 2 of a personal plan, once the record is in (it alone names them):
 * the certificates and datasets of the people the data center links to the
 * applicant, for the candidates they hold, and nobody else's.
 */
export function linkedLookups(draft: PlanDraft, situation: PersonalSituation, record: Person | Enterprise | null): HolderLookups {
  const { holderOf, permitted } = holdersOf(draft, situation, record);
  const applicant = situation.identity.subject;
  const candidates = lookupCandidates(draft.materials);
  const others = [...new Set(candidates.map(holderOf))].filter(
    (h): h is string => h !== null && h !== applicant && permitted.has(h),
  );
  return holderLookups(others, candidates.filter((m) => others.includes(holderOf(m) ?? '')));
}

function holderLookups(holders: readonly string[], materials: readonly PlanMaterialBase[]): HolderLookups {
  if (holders.length === 0) return { certificates: [], datasets: [] };
  const typeCodes = [...new Set(materials.map((m) => m.certificateType).filter((t): t is string => !!t))].sort();
  const datasets = [...new Set(materials.map((m) => m.dataItem).filter((d): d is string => !!d))];
  return {
    certificates: typeCodes.length > 0 ? holders.map((holderId) => ({ holderId, typeCodes })) : [],
    datasets: datasets.flatMap((dataset) => holders.map((subjectId) => ({ dataset, subjectId }))),
  };
}

/** Prefilled values, and whose records each material asks about, once the record is known. */
function holdersOf(draft: PlanDraft, { identity, given }: PersonalSituation, record: Person | Enterprise | null) {
  const records = identity.kind === 'PERSON'
    ? { person: record as Person | null, enterprise: null }
    : { person: null, enterprise: record as Enterprise | null };
  const prefill = prefillValues(draft.form, records, identity);
  const values = new Map(given);
  for (const [key, { value }] of prefill) if (!given.has(key)) values.set(key, value);
  const holderOf = (m: Pick<PlanMaterialBase, 'holder'>) => requestedHolder(m, values, identity.subject);
  return { prefill, holderOf, permitted: permittedHolders(identity.subject, linksOf(record)) };
}

/**
 * The personal plan, decided once from the draft and what the look-ups
 * found. A material left without exemption records the failed look-up that
 * could have exempted it (`undecidedBy`): the library or the datasets of its
 * holder, or, for another person's material, the record that would have
 * confirmed the link. A form field the record would have filled in records
 * the record's failure (`prefillFailure`).
 */
export function decidePersonalPlan(
  draft: PlanDraft,
  situation: PersonalSituation,
  findings: PersonalFindings,
  today: string,
): Plan {
  const applicant = situation.identity.subject;
  const { record, own, linked } = findings;
  const { prefill, holderOf, permitted } = holdersOf(draft, situation, record.value);
  const availableDatasets = new Map<string, Set<string>>();
  for (const { dataset, subjectId } of [...own.datasets.value, ...linked.datasets.value]) {
    availableDatasets.set(dataset, (availableDatasets.get(dataset) ?? new Set()).add(subjectId));
  }
  const plan = decidePlan(draft, {
    today,
    holderOf: (m) => {
      const holder = holderOf(m);
      return holder !== null && permitted.has(holder) ? holder : null;
    },
    certificates: [...own.certificates.value, ...linked.certificates.value],
    availableDatasets,
  });

  const candidates = new Set(lookupCandidates(draft.materials).map((m) => m.code));
  const failed = (lookup: LookupFailure['lookup'], error: UpstreamError | null): LookupFailure | null =>
    error && { lookup, error };
  const materials = plan.materials.map((material) => {
    if (material.exemption || !candidates.has(material.code)) return material;
    const holder = holderOf(material);
    const ownMaterial = holder === applicant;
    const round = ownMaterial ? own : linked;
    const undecidedBy =
      (material.certificateType !== null ? failed('CERTIFICATES', round.certificates.error) : null) ??
      (material.dataItem !== null ? failed('DATASETS', round.datasets.error) : null) ??
      (!ownMaterial && holder !== null ? failed('RECORD', record.error) : null);
    return undecidedBy ? { ...material, undecidedBy } : material;
  });

  const recordFailure = failed('RECORD', record.error);
  const form = plan.form.map((field): PlanFormField => {
    const value = prefill.get(field.key);
    if (value) return { ...field, prefill: value };
    // Only fields the data center would have filled in are affected by its failure.
    return recordFailure && dataItemOf(field) ? { ...field, prefillFailure: recordFailure } : field;
  });
  return { ...plan, materials, form };
}
