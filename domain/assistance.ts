/**
 * 帮办代办 at the one-thing window: the rules of consent and of assistance
 * sessions (issue 13 §1). Window staff act for a citizen only with a
 * recorded consent — a short-lived code the citizen granted on the phone, or
 * an ID card the staff member checked in person — and only inside a session
 * bound to that staff member, that citizen and one topic.
 *
 * @module
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { InputProblem } from './answers.ts';
import { isCitizenIdNumber } from './personal.ts';

export type ConsentKind = 'CODE' | 'IN_PERSON';

/** The window staff member acting for the citizen in an assistance session (帮办代办). */
export interface AssistedBy {
  sessionId: string;
  staffId: string;
  /** The service hall's code (the staff token's `hall`). */
  hall: string;
  consent: ConsentKind;
  /** The one topic the session allows. */
  topicCode: string;
}

/** How long a granted code can be redeemed, in milliseconds: 10 minutes. */
export const ASSISTANCE_CODE_TTL_MS = 10 * 60 * 1000;

/** Failed redemptions a staff member may make within {@link CODE_FAILURE_WINDOW_MS} before being locked out. */
export const MAX_CODE_FAILURES = 5;

/** The window over which failed redemptions are counted, in milliseconds: 10 minutes. */
export const CODE_FAILURE_WINDOW_MS = 10 * 60 * 1000;

const CODE = /^\d{6}$/;
const QR_PREFIX = 'onething-assist:1:';

/** A fresh 6-digit code, uniformly drawn (leading zeros kept). */
export function newAssistanceCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** What the citizen's phone shows as a QR code: the code with a prefix that says what it is. */
export const qrPayloadOf = (code: string): string => `${QR_PREFIX}${code}`;

/** The code in what the staff member typed or scanned: the 6 digits, or a QR payload; null when it is neither. */
export function codeFromInput(input: string): string | null {
  const text = input.trim();
  const code = text.startsWith(QR_PREFIX) ? text.slice(QR_PREFIX.length) : text;
  return CODE.test(code) ? code : null;
}

/** Hex SHA-256 of salt and code: what is stored instead of the code. */
export const codeHash = (salt: string, code: string): string => createHash('sha256').update(`${salt}:${code}`).digest('hex');

/** Whether `code` is the one whose salted hash was stored. */
export function codeMatches(salt: string, storedHash: string, code: string): boolean {
  const given = Buffer.from(codeHash(salt, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A granted code as the rules need it. */
export interface GrantState {
  expiresAt: Date;
  redeemedAt: Date | null;
}

export type CodeRefusal = 'ASSISTANCE_CODE_UNKNOWN' | 'ASSISTANCE_CODE_USED' | 'ASSISTANCE_CODE_EXPIRED';

/** Why a code cannot be redeemed now, or null when it can. A used code stays used after it expires. */
export function codeRefusal(grant: GrantState | null, now: Date): CodeRefusal | null {
  if (!grant) return 'ASSISTANCE_CODE_UNKNOWN';
  if (grant.redeemedAt) return 'ASSISTANCE_CODE_USED';
  if (grant.expiresAt.getTime() <= now.getTime()) return 'ASSISTANCE_CODE_EXPIRED';
  return null;
}

export const CODE_REFUSAL_MESSAGES: Readonly<Record<CodeRefusal, string>> = {
  ASSISTANCE_CODE_UNKNOWN: 'no assistance code like this was granted; ask the citizen to show the code on the phone again',
  ASSISTANCE_CODE_USED: 'this assistance code was already used; the citizen grants a new one for a new session',
  ASSISTANCE_CODE_EXPIRED: 'this assistance code has expired (codes are valid 10 minutes); the citizen grants a new one',
};

/** Whether a staff member with these failed redemptions (times) is locked out at `now`. */
export function lockedOut(failures: readonly Date[], now: Date): boolean {
  const since = now.getTime() - CODE_FAILURE_WINDOW_MS;
  return failures.filter((at) => at.getTime() > since).length >= MAX_CODE_FAILURES;
}

/** The in-person consent as the staff member records it. */
export interface InPersonConsent {
  idNumber: string;
  name: string;
  idCardVerified: boolean;
}

/** Every problem of an in-person consent; empty when it may be recorded. */
export function inPersonProblems(consent: InPersonConsent): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!isCitizenIdNumber(consent.idNumber)) {
    problems.push({
      field: 'inPerson.idNumber',
      code: 'INVALID_ID_NUMBER',
      message: 'idNumber must be an 18-character citizen ID number with a correct check character',
    });
  }
  if (consent.name.trim() === '') {
    problems.push({ field: 'inPerson.name', code: 'REQUIRED', message: 'name is the name on the ID card' });
  }
  if (consent.idCardVerified !== true) {
    problems.push({
      field: 'inPerson.idCardVerified',
      code: 'ID_CARD_NOT_VERIFIED',
      message: 'check the ID card in person (idCardVerified: true) before acting for the citizen; otherwise the citizen grants a code on the phone',
    });
  }
  return problems;
}

/** Exactly one way of consent: a code or an in-person check. */
export function consentChoiceProblems(request: { code?: string | null; inPerson?: unknown }): InputProblem[] {
  const given = [request.code != null, request.inPerson != null].filter(Boolean).length;
  if (given === 1) return [];
  return [
    {
      field: 'code',
      code: given === 0 ? 'CONSENT_REQUIRED' : 'ONE_CONSENT_ONLY',
      message: 'give either the code the citizen granted or the in-person ID check, not both and not neither',
    },
  ];
}

/** A session as the rules need it. */
export interface SessionState {
  staffId: string;
  topicCode: string;
  expiresAt: Date;
  endedAt: Date | null;
}

export type SessionRefusal =
  | 'ASSISTANCE_SESSION_UNKNOWN'
  | 'ASSISTANCE_SESSION_NOT_YOURS'
  | 'ASSISTANCE_SESSION_ENDED'
  | 'ASSISTANCE_SESSION_EXPIRED';

/** Why `staffId` cannot act in `session` at `now`, or null when it can. */
export function sessionRefusal(session: SessionState | null, staffId: string, now: Date): SessionRefusal | null {
  // Someone else's session is told apart from none only by its owner: a session id alone reveals nothing.
  if (!session) return 'ASSISTANCE_SESSION_UNKNOWN';
  if (session.staffId !== staffId) return 'ASSISTANCE_SESSION_NOT_YOURS';
  if (session.endedAt) return 'ASSISTANCE_SESSION_ENDED';
  if (session.expiresAt.getTime() <= now.getTime()) return 'ASSISTANCE_SESSION_EXPIRED';
  return null;
}

export const SESSION_REFUSAL_MESSAGES: Readonly<Record<SessionRefusal, string>> = {
  ASSISTANCE_SESSION_UNKNOWN: 'there is no such assistance session',
  ASSISTANCE_SESSION_NOT_YOURS: 'this assistance session belongs to another staff member',
  ASSISTANCE_SESSION_ENDED: 'this assistance session has ended; start a new one with the citizen\'s consent',
  ASSISTANCE_SESSION_EXPIRED: 'this assistance session has expired; start a new one with the citizen\'s consent',
};

/** Whether an assisted request may touch `topicCode`: only the session's own topic. */
export const withinSessionTopic = (session: { topicCode: string }, topicCode: string): boolean => session.topicCode === topicCode;
