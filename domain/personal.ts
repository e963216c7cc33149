/**
 * The personal side of a plan (DESIGN.md, "Exemptions" rules 2–3 and
 * "Access and personal data"): whose records may be read for which material,
 * and which form values the gateway can fill in. Pure functions: the
 * look-ups themselves are the caller's.
 */
import type { Enterprise, Person } from '../connectors/data-center/models.ts';
import type { InputProblem } from './answers.ts';
import type { PlanFormField, PlanMaterial, PlanMaterialBase } from './plan.ts';

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
export function lookupCandidates(materials: readonly PlanMaterial[]): PlanMaterial[] {
  return materials.filter(
    (m) => m.exemption?.reason !== 'INTERNAL_RESULT' && (m.certificateType !== null || m.dataItem !== null),
  );
}

/** Who the gateway is talking to, as the identity token says. */
export interface IdentityFacts {
  subject: string;
  name: string;
  kind: ApplicantKind;
}

export interface PrefillValue {
  value: string;
  source: 'DATA_CENTER' | 'IDENTITY';
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
