/**
 * Receipts of accepted applications (受理回执): issued on first request,
 * signed with the gateway's seal, stored, and the same ever after; and the
 * check of a scanned receipt.
 */
import { randomBytes } from 'node:crypto';
import type { SignedInUser } from '../domain/actor.ts';
import {
  buildReceipt,
  decodeReceiptPayload,
  encodeReceiptPayload,
  maskName,
  verificationCodeFrom,
  type AddWorkingDays,
  type ReceiptContent,
  type ReceiptInvalidReason,
} from '../domain/receipt.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import type { Seal, SealAlgorithm } from '../lib/seal.ts';
import { casesOfApplications, findApplication, materialsOf } from '../store/applications.ts';
import type { Queryable } from '../store/database.ts';
import { findReceipt, insertReceipt, type StoredReceipt } from '../store/receipts.ts';

export interface ReceiptDeps {
  db: Queryable;
  /** Signs the receipt as it is issued. */
  seal: Pick<Seal, 'sign'>;
  /** 承诺办结时限 by matter code, from the registry. */
  committedDaysOf(matterCodes: readonly string[]): Promise<Map<string, number>>;
  departmentNames(): Promise<Map<string, string>>;
  /** The working-day calendar the due dates are counted in. */
  addWorkingDays: AddWorkingDays;
  /** Working days after acceptance to hand in deferred (容缺) materials. */
  deferredMaterialDays: number;
  now?: () => Date;
}

/** Who asks: the receipt is the applicant's own; ADMIN may fetch anyone's. */
export type ReceiptActor = Pick<SignedInUser, 'subject' | 'role'>;

export interface VerifyReceiptDeps {
  db: Queryable;
  /** The seal's keys, current and previous, by id. */
  seal: Pick<Seal, 'key'>;
}

/** A receipt as issued. */
export interface IssuedReceipt {
  content: ReceiptContent;
  /** The canonical JSON the signature covers. */
  signedText: string;
  kid: string;
  algorithm: SealAlgorithm;
  signature: string;
  /** What the QR code carries. */
  payload: string;
}

const issued = (stored: StoredReceipt): IssuedReceipt => ({
  content: JSON.parse(stored.content) as ReceiptContent,
  signedText: stored.content,
  kid: stored.keyId,
  algorithm: stored.algorithm as SealAlgorithm,
  signature: stored.signature,
  payload: encodeReceiptPayload({ reference: stored.applicationId, kid: stored.keyId, signature: stored.signature }),
});

/**
 * The receipt of an application, issued now if it has none yet. Null when
 * there is no such application, or it is not the actor's (and the actor is
 * not ADMIN): someone else's receipt is indistinguishable from none.
 */
export async function receiptOf(deps: ReceiptDeps, actor: ReceiptActor, request: { applicationId: string }): Promise<IssuedReceipt | null> {
  const application = await findApplication(deps.db, request.applicationId);
  if (!application || (application.applicant !== actor.subject && actor.role !== 'ADMIN')) return null;
  const stored = await findReceipt(deps.db, application.id);
  if (stored) return issued(stored);

  const [materials, cases] = await Promise.all([
    materialsOf(deps.db, application.id),
    casesOfApplications(deps.db, [application.id]).then((byApplication) => byApplication.get(application.id) ?? []),
  ]);
  const [committedDays, departmentNames] = await Promise.all([
    deps.committedDaysOf(cases.map((c) => c.matterCode)),
    deps.departmentNames(),
  ]);
  const issuedAt = deps.now?.() ?? new Date();
  const content = buildReceipt(
    {
      application,
      materials,
      cases,
      matterCommittedDays: committedDays,
      departmentNames,
      channel: application.channel,
    },
    {
      issuedAt,
      verificationCode: verificationCodeFrom(randomBytes(8)),
      addWorkingDays: deps.addWorkingDays,
      deferredMaterialDays: deps.deferredMaterialDays,
    },
  );
  const signedText = canonicalJson(content);
  const { kid, algorithm, signature } = deps.seal.sign(signedText);
  // Two instances issuing at once: the first stored receipt is the receipt.
  return issued(
    await insertReceipt(deps.db, { applicationId: application.id, content: signedText, keyId: kid, algorithm, signature, issuedAt }),
  );
}

/** What a verifier is shown: enough to match the paper, no more (names and ID numbers masked). */
export interface VerifiedReceipt {
  reference: string;
  verificationCode: string;
  topicName: string;
  applicantName: string;
  applicantId: string;
  acceptedAt: string;
  dueDate: string;
  matterCount: number;
}

export type ReceiptVerification =
  | { valid: true; kid: string; algorithm: SealAlgorithm; receipt: VerifiedReceipt }
  | { valid: false; reason: ReceiptInvalidReason; kid: string | null; algorithm: SealAlgorithm | null };

/**
 * Checks a scanned receipt payload: it must be a receipt payload, name a key
 * of the seal and an application with a receipt, and its signature must be
 * that key's signature over the receipt as stored. Anyone may ask.
 */
export async function verifyReceipt(deps: VerifyReceiptDeps, request: { payload: string }): Promise<ReceiptVerification> {
  const payload = request.payload.length <= 1000 ? decodeReceiptPayload(request.payload) : null;
  if (!payload) return { valid: false, reason: 'MALFORMED', kid: null, algorithm: null };
  const key = deps.seal.key(payload.kid);
  if (!key) return { valid: false, reason: 'UNKNOWN_KEY', kid: payload.kid, algorithm: null };
  const stored = await findReceipt(deps.db, payload.reference);
  if (!stored) {
    // No receipt was ever issued for an application that exists: the payload was made up.
    const exists = (await findApplication(deps.db, payload.reference)) !== null;
    return { valid: false, reason: exists ? 'TAMPERED' : 'UNKNOWN_APPLICATION', kid: key.kid, algorithm: key.algorithm };
  }
  if (!key.verify(stored.content, payload.signature)) {
    return { valid: false, reason: 'TAMPERED', kid: key.kid, algorithm: key.algorithm };
  }
  const content = JSON.parse(stored.content) as ReceiptContent;
  return {
    valid: true,
    kid: key.kid,
    algorithm: key.algorithm,
    receipt: {
      reference: content.reference,
      verificationCode: content.verificationCode,
      topicName: content.topic.name,
      applicantName: content.applicant.kind === 'PERSON' ? maskName(content.applicant.name) : content.applicant.name,
      applicantId: content.applicant.idNumber,
      acceptedAt: content.acceptedAt,
      dueDate: content.dueDate,
      matterCount: content.matters.length,
    },
  };
}

/** What a verification result says, in words for the person holding the paper. */
export const VERIFICATION_MESSAGES: Record<'VALID' | ReceiptInvalidReason, string> = {
  VALID: '回执真实有效：由“一件事”集成服务网关签发，内容未被改动',
  MALFORMED: '这不是“一件事”受理回执的二维码内容',
  UNKNOWN_KEY: '签名密钥不是本网关公布的密钥，回执不可信',
  UNKNOWN_APPLICATION: '没有这个受理编号的申请',
  TAMPERED: '回执内容或签名已被改动，回执不可信',
};
