/**
 * 帮办代办: the citizen's consent, the staff member's assistance session,
 * and the viewer an assisted request acts as (issue 13 §1; the rules are in
 * domain/assistance.ts).
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { InvalidInputError } from '../domain/answers.ts';
import {
  ASSISTANCE_CODE_TTL_MS,
  CODE_FAILURE_WINDOW_MS,
  CODE_REFUSAL_MESSAGES,
  SESSION_REFUSAL_MESSAGES,
  codeFromInput,
  codeHash,
  codeMatches,
  codeRefusal,
  consentChoiceProblems,
  inPersonProblems,
  lockedOut,
  newAssistanceCode,
  qrPayloadOf,
  sessionRefusal,
  withinSessionTopic,
  type AssistedBy,
  type InPersonConsent,
} from '../domain/assistance.ts';
import { ForbiddenError, RateLimitedError } from '../lib/errors.ts';
import {
  codeFailuresSince,
  endSession,
  findSession,
  insertGrant,
  insertSession,
  recentGrants,
  recordAssistedAction,
  recordCodeFailure,
  redeemGrant,
  sessionsOf,
  type AssistanceSessionRecord,
  type AssistedAction,
  type StoredGrant,
} from '../store/assistance.ts';
import type { Database, Queryable } from '../store/database.ts';

export interface AssistanceDeps {
  db: Database;
  /** Whether a published topic has this code. */
  topicPublished(code: string): Promise<boolean>;
  /** How long an assistance session lasts, in milliseconds (ASSISTANCE_SESSION_HOURS; default 2 h). */
  sessionMs: number;
  now?: () => Date;
}

/** How far back a typed code is compared with expired grants, so that "expired" and "used" can be told from "unknown": one day. */
const GRANT_LOOKBACK_MS = 24 * 60 * 60 * 1000;

export interface GrantedAssistance {
  code: string;
  /** The text of the QR code the phone shows (the code, prefixed). */
  qrPayload: string;
  /** That QR code as an SVG document. */
  qrSvg: string;
  topicCode: string;
  expiresAt: Date;
}

/** Who calls, as far as assistance needs to know (the request's viewer). */
export type AssistanceActor =
  | { kind: 'anonymous' }
  | { kind: 'user'; subject: string; name: string; role: string; hall?: string; assistedBy?: AssistedBy };

/** The citizen an assisted request acts as. */
export interface AssistedCitizen {
  kind: 'user';
  subject: string;
  name: string;
  role: 'APPLICANT';
  assistedBy: AssistedBy;
}

type User = Extract<AssistanceActor, { kind: 'user' }>;

const clock = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

function signedInCitizen(actor: AssistanceActor): User {
  if (actor.kind !== 'user' || actor.role !== 'APPLICANT' || actor.assistedBy) {
    throw new ForbiddenError('Only the citizen, signed in on their own, may grant assistance', 'ASSISTANCE_CITIZEN_ONLY');
  }
  return actor;
}

function windowStaff(actor: AssistanceActor): User & { hall: string } {
  if (actor.kind !== 'user' || actor.role !== 'WINDOW_STAFF' || !actor.hall) {
    throw new ForbiddenError('Only window staff may start or end an assistance session', 'ASSISTANCE_STAFF_ONLY');
  }
  return actor as User & { hall: string };
}

/** The citizen grants a single-use code for one topic, valid {@link ASSISTANCE_CODE_TTL_MS}. */
export async function grantAssistance(
  deps: Pick<AssistanceDeps, 'db' | 'topicPublished' | 'now'>,
  actor: AssistanceActor,
  request: { topicCode: string },
): Promise<GrantedAssistance> {
  const citizen = signedInCitizen(actor);
  if (!(await deps.topicPublished(request.topicCode))) {
    throw new InvalidInputError([
      { field: 'topicCode', code: 'UNKNOWN_TOPIC', message: `no published topic with code ${request.topicCode}` },
    ]);
  }
  const now = clock(deps);
  // A code must name one grant among those a staff member could still type in.
  const live = (await recentGrants(deps.db, new Date(now.getTime() - GRANT_LOOKBACK_MS))).filter((g) => !g.redeemedAt);
  let code = newAssistanceCode();
  while (live.some((g) => codeMatches(g.codeSalt, g.codeHash, code))) code = newAssistanceCode();
  const salt = randomBytes(16).toString('hex');
  const expiresAt = new Date(now.getTime() + ASSISTANCE_CODE_TTL_MS);
  await insertGrant(deps.db, {
    id: randomUUID(),
    codeSalt: salt,
    codeHash: codeHash(salt, code),
    subject: citizen.subject,
    subjectName: citizen.name,
    topicCode: request.topicCode,
    createdAt: now,
    expiresAt,
  });
  const qrPayload = qrPayloadOf(code);
  return { code, qrPayload, qrSvg: await QRCode.toString(qrPayload, { type: 'svg', margin: 1 }), topicCode: request.topicCode, expiresAt };
}

export interface StartAssistanceRequest {
  /** The 6-digit code (or the scanned QR payload) the citizen granted. */
  code?: string | null;
  /** The citizen's ID card, checked by the staff member in person. */
  inPerson?: (InPersonConsent & { topicCode: string }) | null;
}

/** A staff member starts a session for a citizen: with the citizen's code, or after checking the ID card in person. */
export async function startAssistance(
  deps: AssistanceDeps,
  actor: AssistanceActor,
  request: StartAssistanceRequest,
): Promise<AssistanceSessionRecord> {
  const staff = windowStaff(actor);
  const choice = consentChoiceProblems(request);
  if (choice.length > 0) throw new InvalidInputError(choice);
  const now = clock(deps);
  const session = (consent: Pick<AssistanceSessionRecord, 'subject' | 'subjectName' | 'topicCode' | 'consent' | 'grantId'>) => ({
    id: randomUUID(),
    staffId: staff.subject,
    hall: staff.hall,
    ...consent,
    startedAt: now,
    expiresAt: new Date(now.getTime() + deps.sessionMs),
    endedAt: null,
  });

  if (request.inPerson) {
    const problems = inPersonProblems(request.inPerson);
    if (!(await deps.topicPublished(request.inPerson.topicCode))) {
      problems.push({ field: 'inPerson.topicCode', code: 'UNKNOWN_TOPIC', message: `no published topic with code ${request.inPerson.topicCode}` });
    }
    if (problems.length > 0) throw new InvalidInputError(problems);
    const started = session({
      subject: request.inPerson.idNumber,
      subjectName: request.inPerson.name.trim(),
      topicCode: request.inPerson.topicCode,
      consent: 'IN_PERSON',
      grantId: null,
    });
    await insertSession(deps.db, started);
    return started;
  }

  if (lockedOut(await codeFailuresSince(deps.db, staff.subject, new Date(now.getTime() - CODE_FAILURE_WINDOW_MS)), now)) {
    throw new RateLimitedError(Math.ceil(CODE_FAILURE_WINDOW_MS / 1000));
  }
  const code = codeFromInput(request.code!);
  const grant = code === null ? null : await grantOfCode(deps.db, code, now);
  const refusal = codeRefusal(grant, now);
  if (refusal) {
    await recordCodeFailure(deps.db, staff.subject, now);
    throw new InvalidInputError([{ field: 'code', code: refusal, message: CODE_REFUSAL_MESSAGES[refusal] }]);
  }
  const started = session({ subject: grant!.subject, subjectName: grant!.subjectName, topicCode: grant!.topicCode, consent: 'CODE', grantId: grant!.id });
  const redeemed = await deps.db.transaction(async (tx) => {
    if (!(await redeemGrant(tx, grant!.id, staff.subject, now))) return false;
    await insertSession(tx, started);
    return true;
  });
  if (!redeemed) {
    // Two staff members typed the same code at once: the other one got it.
    await recordCodeFailure(deps.db, staff.subject, now);
    throw new InvalidInputError([{ field: 'code', code: 'ASSISTANCE_CODE_USED', message: CODE_REFUSAL_MESSAGES.ASSISTANCE_CODE_USED }]);
  }
  return started;
}

async function grantOfCode(db: Database, code: string, now: Date): Promise<StoredGrant | null> {
  const grants = await recentGrants(db, new Date(now.getTime() - GRANT_LOOKBACK_MS));
  return grants.find((g) => codeMatches(g.codeSalt, g.codeHash, code)) ?? null;
}

/** The staff member ends their own session; ending it again changes nothing. */
export async function endAssistance(
  deps: Pick<AssistanceDeps, 'db' | 'now'>,
  actor: AssistanceActor,
  request: { sessionId: string },
): Promise<AssistanceSessionRecord> {
  const staff = windowStaff(actor);
  const session = await findSession(deps.db, request.sessionId);
  if (!session || session.staffId !== staff.subject) {
    const reason = session ? 'ASSISTANCE_SESSION_NOT_YOURS' : 'ASSISTANCE_SESSION_UNKNOWN';
    throw new ForbiddenError(SESSION_REFUSAL_MESSAGES[reason], reason);
  }
  return (await endSession(deps.db, session.id, clock(deps)))!;
}

/**
 * The viewer a staff member's request acts as inside session `sessionId`:
 * the citizen, with `assistedBy` naming the staff member.
 * @throws ForbiddenError (HTTP 403) with the session refusal as `reason`
 *   when the caller is not window staff or the session is not theirs, ended
 *   or expired.
 */
export async function assistedViewer(
  deps: Pick<AssistanceDeps, 'db' | 'now'>,
  actor: AssistanceActor,
  request: { sessionId: string },
): Promise<AssistedCitizen> {
  if (actor.kind !== 'user' || actor.role !== 'WINDOW_STAFF' || !actor.hall) {
    throw new ForbiddenError('Only window staff act in an assistance session', 'ASSISTANCE_STAFF_ONLY');
  }
  const session = await findSession(deps.db, request.sessionId);
  const refusal = sessionRefusal(session, actor.subject, clock(deps));
  if (refusal) throw new ForbiddenError(SESSION_REFUSAL_MESSAGES[refusal], refusal);
  const s = session!;
  return {
    kind: 'user',
    subject: s.subject,
    name: s.subjectName,
    role: 'APPLICANT',
    assistedBy: { sessionId: s.id, staffId: s.staffId, hall: s.hall, consent: s.consent, topicCode: s.topicCode },
  };
}

/**
 * Refuses an assisted request that reaches outside its session's topic; an
 * unassisted caller passes.
 * @throws ForbiddenError with reason ASSISTANCE_OUTSIDE_TOPIC.
 */
export function requireSessionTopic(actor: AssistanceActor, topicCode: string): void {
  if (actor.kind !== 'user' || !actor.assistedBy) return;
  if (!withinSessionTopic(actor.assistedBy, topicCode)) {
    throw new ForbiddenError(
      `This assistance session is for topic ${actor.assistedBy.topicCode} only; the citizen consents to another topic separately`,
      'ASSISTANCE_OUTSIDE_TOPIC',
    );
  }
}

/** Records what window staff did for the citizen; nothing for an unassisted caller. */
export async function recordAssistance(
  deps: { db: Queryable },
  actor: AssistanceActor,
  request: { action: AssistedAction; ref: string },
): Promise<void> {
  if (actor.kind !== 'user' || !actor.assistedBy) return;
  await recordAssistedAction(deps.db, {
    sessionId: actor.assistedBy.sessionId,
    action: request.action,
    subject: actor.subject,
    staffId: actor.assistedBy.staffId,
    ref: request.ref,
  });
}

/** The citizen's assistance sessions, newest first: who helped, where, with which consent. */
export async function assistanceOf(deps: { db: Database }, actor: AssistanceActor, request: { first: number }): Promise<AssistanceSessionRecord[]> {
  const citizen = signedInCitizen(actor);
  return sessionsOf(deps.db, citizen.subject, Math.min(Math.max(request.first, 0), 100));
}
