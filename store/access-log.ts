/**
 * The append-only personal-data access log (DESIGN.md, "Access and personal
 * data"): every read of personal data from the e-certificate library or the
 * big-data center is recorded, and the data subject reads its entries newest
 * first. The table (`store/migrations/001_access_log.sql`) rejects UPDATE,
 * DELETE and TRUNCATE itself.
 *
 * @module
 */
import { GroupCommit } from '../lib/group-commit.ts';
import type { Queryable } from './database.ts';

/** One recorded read of personal data. */
export interface AccessLogEntry {
  /** Position in the log (bigserial, as a decimal string); larger is newer. */
  id: string;
  /** When it was recorded (the recording transaction's start time). */
  at: Date;
  /** Who read: the caller's JWT `sub`. */
  actor: string;
  /** The caller's role: APPLICANT, DEPARTMENT_STAFF, EVALUATOR or ADMIN. */
  actorRole: string;
  /** Whose data was read: citizen ID number or credit code. */
  subject: string;
  /** Which upstream system was read (e.g. the e-certificate library). */
  system: string;
  /** Which data items were read (certificate types, data-center fields), in the order given. */
  items: string[];
  /** What for: the topic or application. */
  purpose: string;
  /** The gateway request that read the data, or null. */
  requestId: string | null;
/** The service hall, for reads by window staff in an assistance session; null otherwise. */
  hall: string | null;
  /** The citizen's consent (CODE or IN_PERSON), for reads by window staff; null otherwise. */
  consent: string | null;
}

/** A read to record; see {@link AccessLogEntry} for the fields. */
export interface NewAccessLogEntry {
  actor: string;
  actorRole: string;
  subject: string;
  system: string;
  items: readonly string[];
  purpose: string;
  /** Default null. */
  requestId?: string | null;
  /** Default null. */
  hall?: string | null;
  /** Default null. */
  consent?: string | null;
}

/** One page of a subject's log, newest first (Relay-style connection). */
export interface AccessLogPage {
  entries: AccessLogEntry[];
  /** Whether older entries follow the last one. */
  hasNextPage: boolean;
  /** Cursor of the last entry, to pass as `after` for the next page; null when the page is empty. */
  endCursor: string | null;
}

/** Most entries {@link AccessLog.forSubject} returns in one page; larger `first` is capped to it. */
export const ACCESS_LOG_MAX_PAGE = 100;

const CURSOR_PREFIX = 'access_log:';
const MAX_BIGINT = 9223372036854775807n;

/** Opaque cursor of the entry with this id. */
export function encodeAccessLogCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

/** The id in a cursor made by {@link encodeAccessLogCursor}, or null for anything else. */
export function accessLogCursorId(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^[1-9][0-9]{0,18}$/.test(id) || BigInt(id) > MAX_BIGINT || encodeAccessLogCursor(id) !== cursor) return null;
  return id;
}

/** Whether `cursor` is one {@link encodeAccessLogCursor} made. */
export const isAccessLogCursor = (cursor: string): boolean => accessLogCursorId(cursor) !== null;

/** The id in a cursor made by {@link encodeAccessLogCursor}; throws a RangeError for anything else. */
export function decodeAccessLogCursor(cursor: string): string {
  const id = accessLogCursorId(cursor);
  if (id === null) throw new RangeError(`invalid access-log cursor ${JSON.stringify(cursor)}: pass the endCursor of a previous page`);
  return id;
}

/** Most rows in one INSERT (nine parameters each, well below PostgreSQL's 65535); a larger burst takes several. */
const MAX_BATCH_ROWS = 2000;

const REQUIRED = ['actor', 'actorRole', 'subject', 'system', 'purpose'] as const;

interface Row {
  id: string;
  at: Date;
  actor: string;
  actor_role: string;
  subject: string;
  system: string;
  items: string[];
  purpose: string;
  request_id: string | null;
  hall: string | null;
  consent: string | null;
}

const COLUMNS = 'id, at, actor, actor_role, subject, system, items, purpose, request_id, hall, consent';

type PendingRow = Omit<NewAccessLogEntry, 'items' | 'requestId' | 'hall' | 'consent'> & {
  items: string[];
  requestId: string | null;
  hall: string | null;
  consent: string | null;
};

/** Copies of `entries` ready to insert; throws a TypeError naming the first bad entry. */
function checkedRows(entries: readonly NewAccessLogEntry[]): PendingRow[] {
  return entries.map((entry, i) => {
    for (const field of REQUIRED) {
      if (typeof entry[field] !== 'string' || entry[field] === '') {
        throw new TypeError(`access-log entry ${i}: ${field} must be a non-empty string`);
      }
    }
    if (!Array.isArray(entry.items) || !entry.items.every((item) => typeof item === 'string')) {
      throw new TypeError(`access-log entry ${i}: items must be an array of strings`);
    }
    return { ...entry, items: [...entry.items], requestId: entry.requestId ?? null, hall: entry.hall ?? null, consent: entry.consent ?? null };
  });
}

/** Writes and reads the access log through `db` (the database, or a transaction to record atomically with other work). */
export class AccessLog {
  readonly #db: Queryable;
  readonly #inserts = new GroupCommit<PendingRow>((rows) => this.#insert(rows), { maxItems: MAX_BATCH_ROWS });

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * Appends `entries`, in the given order (later entries get larger ids), and
   * resolves once they are stored. Does nothing for an empty list. Throws a
   * TypeError, recording nothing, when a field other than `requestId` is
   * missing or empty, or `items` is not an array of strings.
   *
   * Group commit (lib/group-commit.ts): entries recorded in the same turn of
   * the event loop, or while an INSERT is under way, go together in one
   * INSERT (all or none), so the reads of requests answered together cost one
   * statement rather than one each.
   */
  async record(entries: readonly NewAccessLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#inserts.add(checkedRows(entries));
  }

  async #insert(rows: readonly PendingRow[]): Promise<void> {
    // Plain parameters, nine a row: cheaper for the database than unpacking one JSON document.
    const params: unknown[] = [];
    const values = rows.map((row) => {
      const base = params.length;
      params.push(row.actor, row.actorRole, row.subject, row.system, row.items, row.purpose, row.requestId, row.hall, row.consent);
      return `(${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => `$${base + k}`).join(', ')})`;
    });
    await this.#db.query(
      `INSERT INTO access_log (actor, actor_role, subject, system, items, purpose, request_id, hall, consent) VALUES ${values.join(', ')}`,
      params,
    );
  }

  /**
   * One page of `subject`'s entries, newest first.
   * @param page.first how many entries, a non-negative integer, capped at {@link ACCESS_LOG_MAX_PAGE}.
   * @param page.after `endCursor` of the previous page; null or absent for the first page.
   * @throws RangeError when `first` is not a non-negative integer or `after` is not a cursor of this log.
   */
  async forSubject(subject: string, page: { first: number; after?: string | null }): Promise<AccessLogPage> {
    const { first, after } = page;
    if (!Number.isSafeInteger(first) || first < 0) {
      throw new RangeError(`first must be a non-negative integer, got ${String(first)}`);
    }
    const limit = Math.min(first, ACCESS_LOG_MAX_PAGE);
    const { rows } =
      after === undefined || after === null
        ? await this.#db.query<Row>(
            `SELECT ${COLUMNS} FROM access_log WHERE subject = $1 ORDER BY id DESC LIMIT $2`,
            [subject, limit + 1],
          )
        : await this.#db.query<Row>(
            `SELECT ${COLUMNS} FROM access_log WHERE subject = $1 AND id < $2::bigint ORDER BY id DESC LIMIT $3`,
            [subject, decodeAccessLogCursor(after), limit + 1],
          );
    const entries = rows.slice(0, limit).map(
      (r): AccessLogEntry => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        actorRole: r.actor_role,
        subject: r.subject,
        system: r.system,
        items: r.items,
        purpose: r.purpose,
        requestId: r.request_id,
        hall: r.hall,
        consent: r.consent,
      }),
    );
    const last = entries.at(-1);
    return { entries, hasNextPage: rows.length > limit, endCursor: last ? encodeAccessLogCursor(last.id) : null };
  }
}

/**
 * The reads of one request, written together. A personal-data look-up adds
 * its reads here as soon as it has the data; the gateway calls {@link flush}
 * before the request's answer leaves, and sends no data when it fails
 * (server/app.ts). So every read is stored before its data reaches anyone
 * outside the gateway, at one INSERT per request (shared with other requests
 * by the group commit) instead of one per upstream call — on the embedded
 * database each statement costs the request's thread about as much CPU as
 * the rest of a look-up.
 */
export class RequestReads {
  readonly #log: AccessLog;
  #pending: PendingRow[] = [];

  constructor(log: AccessLog) {
    this.#log = log;
  }

  /** Keeps `entries` for the next {@link flush}; throws a TypeError, keeping none, when one is malformed (as `AccessLog.record`). */
  add(entries: readonly NewAccessLogEntry[]): void {
    const rows = checkedRows(entries);
    for (const row of rows) this.#pending.push(row);
  }

  /** Writes everything added since the last flush, in order, and resolves once it is stored. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    await this.#log.record(rows);
  }
}
