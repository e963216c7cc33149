/**
 * Consents and assistance sessions of window staff (`012_assistance.sql`),
 * and what was done in each session.
 *
 * @module
 */
import type { ConsentKind } from '../domain/assistance.ts';
import type { Database, Queryable } from './database.ts';

export interface StoredGrant {
  id: string;
  codeSalt: string;
  codeHash: string;
  subject: string;
  subjectName: string;
  topicCode: string;
  createdAt: Date;
  expiresAt: Date;
  redeemedAt: Date | null;
  redeemedBy: string | null;
}

export interface AssistanceSessionRecord {
  id: string;
  staffId: string;
  hall: string;
  subject: string;
  subjectName: string;
  topicCode: string;
  consent: ConsentKind;
  grantId: string | null;
  startedAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

export type AssistedAction = 'PLAN' | 'UPLOAD' | 'SUBMISSION' | 'SUPPLEMENT';

type Row = Record<string, any>;

const toGrant = (r: Row): StoredGrant => ({
  id: r.id,
  codeSalt: r.code_salt,
  codeHash: r.code_hash,
  subject: r.subject,
  subjectName: r.subject_name,
  topicCode: r.topic_code,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  redeemedAt: r.redeemed_at ?? null,
  redeemedBy: r.redeemed_by ?? null,
});

const toSession = (r: Row): AssistanceSessionRecord => ({
  id: r.id,
  staffId: r.staff_id,
  hall: r.hall,
  subject: r.subject,
  subjectName: r.subject_name,
  topicCode: r.topic_code,
  consent: r.consent,
  grantId: r.grant_id ?? null,
  startedAt: r.started_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at ?? null,
});

const SESSION_COLUMNS = 'id, staff_id, hall, subject, subject_name, topic_code, consent, grant_id, started_at, expires_at, ended_at';

export async function insertGrant(db: Queryable, grant: Omit<StoredGrant, 'redeemedAt' | 'redeemedBy'>): Promise<void> {
  await db.query(
    `INSERT INTO assistance_grants (id, code_salt, code_hash, subject, subject_name, topic_code, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [grant.id, grant.codeSalt, grant.codeHash, grant.subject, grant.subjectName, grant.topicCode, grant.createdAt, grant.expiresAt],
  );
}

/**
 * Grants that expired after `since` or are still valid: the ones a typed code
 * is compared with (their hashes are salted one by one, so they cannot be
 * looked up by the code itself).
 */
export async function recentGrants(db: Queryable, since: Date): Promise<StoredGrant[]> {
  const { rows } = await db.query<Row>('SELECT * FROM assistance_grants WHERE expires_at > $1', [since]);
  return rows.map(toGrant);
}

/** Marks the grant redeemed unless someone redeemed it first; true when this call did. */
export async function redeemGrant(tx: Queryable, grantId: string, staffId: string, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    'UPDATE assistance_grants SET redeemed_at = $3, redeemed_by = $2 WHERE id = $1 AND redeemed_at IS NULL',
    [grantId, staffId, now],
  );
  return rowCount === 1;
}

export async function recordCodeFailure(db: Queryable, staffId: string, at: Date): Promise<void> {
  await db.query('INSERT INTO assistance_code_failures (staff_id, at) VALUES ($1, $2)', [staffId, at]);
}

export async function codeFailuresSince(db: Queryable, staffId: string, since: Date): Promise<Date[]> {
  const { rows } = await db.query<{ at: Date }>(
    'SELECT at FROM assistance_code_failures WHERE staff_id = $1 AND at > $2 ORDER BY at',
    [staffId, since],
  );
  return rows.map((r) => r.at);
}

export async function insertSession(db: Queryable, session: AssistanceSessionRecord): Promise<void> {
  await db.query(
    `INSERT INTO assistance_sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      session.id, session.staffId, session.hall, session.subject, session.subjectName, session.topicCode,
      session.consent, session.grantId, session.startedAt, session.expiresAt, session.endedAt,
    ],
  );
}

export async function findSession(db: Queryable, id: string): Promise<AssistanceSessionRecord | null> {
  const { rows } = await db.query<Row>(`SELECT ${SESSION_COLUMNS} FROM assistance_sessions WHERE id = $1`, [id]);
  return rows[0] ? toSession(rows[0]) : null;
}

/** Ends the session (once: a later end keeps the first time); answers the session as stored. */
export async function endSession(db: Queryable, id: string, now: Date): Promise<AssistanceSessionRecord | null> {
  await db.query('UPDATE assistance_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [id, now]);
  return findSession(db, id);
}

/** The citizen's sessions, newest first, at most `limit`. */
export async function sessionsOf(db: Queryable, subject: string, limit: number): Promise<AssistanceSessionRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${SESSION_COLUMNS} FROM assistance_sessions WHERE subject = $1 ORDER BY started_at DESC, id LIMIT $2`,
    [subject, limit],
  );
  return rows.map(toSession);
}

export async function recordAssistedAction(
  db: Queryable,
  entry: { sessionId: string; action: AssistedAction; subject: string; staffId: string; ref: string },
): Promise<void> {
  await db.query(
    'INSERT INTO assisted_actions (session_id, action, subject, staff_id, ref) VALUES ($1, $2, $3, $4, $5)',
    [entry.sessionId, entry.action, entry.subject, entry.staffId, entry.ref],
  );
}

/** The session in which each of `applicationIds` was submitted, for those submitted with window staff. */
export async function submissionSessions(db: Database | Queryable, applicationIds: readonly string[]): Promise<Map<string, AssistanceSessionRecord>> {
  if (applicationIds.length === 0) return new Map();
  const { rows } = await db.query<Row>(
    `SELECT a.ref AS application_id, ${SESSION_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}
       FROM assisted_actions a JOIN assistance_sessions s ON s.id = a.session_id
      WHERE a.action = 'SUBMISSION' AND a.ref = ANY($1::text[])`,
    [applicationIds],
  );
  return new Map(rows.map((r) => [r.application_id as string, toSession(r)]));
}
