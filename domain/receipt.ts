/**
 * The receipt of an accepted application (受理回执) and the payload its QR
 * code carries.
 *
 * The receipt is what the applicant keeps as proof that the application was
 * accepted and when it is due: the reference number, the applicant (the ID
 * number masked), every matter with its department, every material and how
 * it was provided, the deferred (容缺) ones with the day they must be handed
 * in, the committed days and the due date, the channel and a verification
 * code. It is issued once and signed over its canonical JSON, so it never
 * changes afterwards, whatever happens to the calendar or the registry.
 *
 * Pure functions: the working-day calendar comes in as a function.
 */
import type { ApplicationChannel as StoredChannel } from './channel.ts';
import { chinaDateOf } from '../lib/china-date.ts';
import { maskIdNumbers } from '../lib/mask.ts';
import type { ApplicantKind } from './personal.ts';
import type { DeliveryMethod, Provision } from './submission.ts';

/**
 * Where the application was made (domain/channel.ts). `ONLINE` appears only
 * on receipts issued before applications kept their channel: those receipts
 * stay as they were signed.
 */
export type ApplicationChannel = 'ONLINE' | StoredChannel;

/** Adds working days to an instant (the official calendar: weekends, holidays and 调休 make-up days). */
export type AddWorkingDays = (start: Date, days: number) => Date;

export interface ReceiptMatter {
  code: string;
  name: string;
  department: { code: string; name: string };
  /** 承诺办结时限 in working days; null when the registry no longer knows the matter. */
  committedDays: number | null;
}

export interface ReceiptMaterial {
  code: string;
  name: string;
  /** null = an optional material that was not given. */
  provision: Provision | null;
  /** DEFERRED only: the last day (China date, YYYY-MM-DD) to hand it in. */
  dueDate?: string;
}

/** What a receipt says; signed over its canonical JSON. */
export interface ReceiptContent {
  version: 1;
  /** The application's id: the one reference number for phone, web and window. */
  reference: string;
  /** Printed on the receipt and shown by verification: the two must match. */
  verificationCode: string;
  issuedAt: string;
  acceptedAt: string;
  topic: { code: string; name: string; version: number };
  region: string;
  applicant: { kind: ApplicantKind; name: string; idNumber: string };
  channel: ApplicationChannel;
  deliveryMethod: DeliveryMethod;
  matters: ReceiptMatter[];
  materials: ReceiptMaterial[];
  /** 承诺办结时限 of the whole application, in working days. */
  committedDays: number;
  /** The application is due by this day (China date): committed days counted in working days from acceptance. */
  dueDate: string;
}

/** What a receipt is made from: the stored application as accepted. */
export interface ReceiptSource {
  application: {
    id: string;
    applicant: string;
    applicantKind: ApplicantKind;
    applicantName: string;
    topicCode: string;
    topicName: string;
    topicVersion: number;
    region: string;
    deliveryMethod: DeliveryMethod;
    committedDays: number;
    submittedAt: Date;
  };
  /** In the application's order. */
  materials: readonly { code: string; name: string; provision: Provision | null }[];
  /** One per applied matter, in topic order. */
  cases: readonly { matterCode: string; matterName: string; departmentCode: string }[];
  /** 承诺办结时限 by matter code, as the registry says now. */
  matterCommittedDays: ReadonlyMap<string, number>;
  /** Department names by code. */
  departmentNames: ReadonlyMap<string, string>;
  channel: ApplicationChannel;
}

export interface ReceiptTerms {
  issuedAt: Date;
  verificationCode: string;
  addWorkingDays: AddWorkingDays;
  /** Working days after acceptance within which deferred (容缺) materials must be handed in. */
  deferredMaterialDays: number;
}

/** The receipt of an application; see the module comment. */
export function buildReceipt(source: ReceiptSource, terms: ReceiptTerms): ReceiptContent {
  const { application } = source;
  const acceptedAt = application.submittedAt;
  const deferredDue = chinaDateOf(terms.addWorkingDays(acceptedAt, terms.deferredMaterialDays));
  return {
    version: 1,
    reference: application.id,
    verificationCode: terms.verificationCode,
    issuedAt: terms.issuedAt.toISOString(),
    acceptedAt: acceptedAt.toISOString(),
    topic: { code: application.topicCode, name: application.topicName, version: application.topicVersion },
    region: application.region,
    applicant: {
      kind: application.applicantKind,
      name: application.applicantName,
      // A credit code is public; a citizen's ID number is printed masked, like everywhere else.
      idNumber: application.applicantKind === 'PERSON' ? maskIdNumbers(application.applicant) : application.applicant,
    },
    channel: source.channel,
    deliveryMethod: application.deliveryMethod,
    matters: source.cases.map((c) => ({
      code: c.matterCode,
      name: c.matterName,
      department: { code: c.departmentCode, name: source.departmentNames.get(c.departmentCode) ?? c.departmentCode },
      committedDays: source.matterCommittedDays.get(c.matterCode) ?? null,
    })),
    materials: source.materials.map((m) => ({
      code: m.code,
      name: m.name,
      provision: m.provision,
      ...(m.provision === 'DEFERRED' ? { dueDate: deferredDue } : {}),
    })),
    committedDays: application.committedDays,
    dueDate: chinaDateOf(terms.addWorkingDays(acceptedAt, application.committedDays)),
  };
}

/** Crockford's base32 without I, L, O and U: nothing to misread on paper. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `XXXX-XXXX` from 8 random bytes' worth of entropy (40 bits used). */
export function verificationCodeFrom(random: Uint8Array): string {
  if (random.length < 8) throw new RangeError('a verification code needs 8 random bytes');
  const chars = [...random.subarray(0, 8)].map((byte) => CODE_ALPHABET[byte % 32]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** The prefix of a receipt payload: one-thing receipt, payload version 1. */
export const RECEIPT_PAYLOAD_PREFIX = 'OTR1';

/** What the receipt's QR code carries: which receipt, which key, the signature. */
export interface ReceiptPayload {
  reference: string;
  kid: string;
  signature: string;
}

/** `OTR1.<reference>.<kid>.<signature>`: URL-safe, about 130 characters. */
export function encodeReceiptPayload(payload: ReceiptPayload): string {
  return [RECEIPT_PAYLOAD_PREFIX, payload.reference, payload.kid, payload.signature].join('.');
}

const REFERENCE = /^[A-Za-z0-9-]{1,64}$/;
const KID = /^[a-z0-9]{1,16}-[0-9a-f]{16}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{16,200}$/;

/** The payload scanned from a QR code; null when it is not a receipt payload at all. */
export function decodeReceiptPayload(text: string): ReceiptPayload | null {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== RECEIPT_PAYLOAD_PREFIX) return null;
  const [, reference, kid, signature] = parts as [string, string, string, string];
  if (!REFERENCE.test(reference) || !KID.test(kid) || !SIGNATURE.test(signature)) return null;
  return { reference, kid, signature };
}

/** Why a scanned receipt does not verify. */
export type ReceiptInvalidReason = 'MALFORMED' | 'UNKNOWN_KEY' | 'UNKNOWN_APPLICATION' | 'TAMPERED';

/** `陈晓明` → `陈*明`, `林美` → `林*`: enough for a verifier to recognise the person on the paper, no more. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}
