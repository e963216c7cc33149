/**
 * The durable feed of push messages (table of
 * `010_application_events.sql`): written in the transaction of the case
 * change that causes them, replayed from the table on reconnection, and
 * announced with NOTIFY so that every gateway instance on the database
 * (or, embedded, this process) wakes its subscribers of that application.
 *
 * @module
 */
import { caseEvents, type ApplicationEventKind } from '../domain/application-events.ts';
import type { CaseStatus } from '../domain/application-status.ts';
import type { CaseRecord } from './case-status.ts';
import type { Database, Queryable } from './database.ts';

/** The NOTIFY channel; the payload is the application id. */
export const APPLICATION_EVENTS_CHANNEL = 'application_events';

/** One push message, as recorded. */
export interface ApplicationEventRecord {
  /** Increasing per application (a bigint as a string): the SSE event id. */
  id: string;
  applicationId: string;
  caseId: string;
  kind: ApplicationEventKind;
  matterCode: string;
  matterName: string;
  departmentCode: string;
  /** The case's status after the change. */
  status: CaseStatus;
  /** The message, in Chinese. */
  text: string;
  at: Date;
}

interface EventRow {
  id: string;
  application_id: string;
  case_id: string;
  kind: string;
  matter_code: string;
  matter_name: string;
  department_code: string;
  status: string;
  text: string;
  occurred_at: Date;
}

const toEvent = (row: EventRow): ApplicationEventRecord => ({
  id: row.id,
  applicationId: row.application_id,
  caseId: row.case_id,
  kind: row.kind as ApplicationEventKind,
  matterCode: row.matter_code,
  matterName: row.matter_name,
  departmentCode: row.department_code,
  status: row.status as CaseStatus,
  text: row.text,
  at: row.occurred_at,
});

/**
 * Records the push messages of a change of one case from `before` to
 * `after` (domain `caseEvents`) and announces them. Call it in the
 * transaction that made the change, holding the application's lock
 * (`lockApplication`): the messages then exist exactly when the change
 * does, and the NOTIFY goes out at COMMIT.
 * @returns the messages recorded (none when the change is no news).
 */
export async function recordCaseEvents(tx: Queryable, before: CaseRecord, after: CaseRecord, now: Date): Promise<ApplicationEventRecord[]> {
  const drafts = caseEvents(before, after);
  const recorded: ApplicationEventRecord[] = [];
  for (const draft of drafts) {
    const { rows } = await tx.query<EventRow>(
      `INSERT INTO application_events (application_id, case_id, kind, matter_code, matter_name, department_code, status, text, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [after.applicationId, after.id, draft.kind, after.matterCode, after.matterName, after.departmentCode, draft.status, draft.text, now],
    );
    recorded.push(toEvent(rows[0]!));
  }
  if (recorded.length > 0) await tx.query('SELECT pg_notify($1, $2)', [APPLICATION_EVENTS_CHANNEL, after.applicationId]);
  return recorded;
}

/** The application's messages after the one with id `afterId` (all of them for null), oldest first, at most `limit`. */
export async function eventsAfter(db: Queryable, applicationId: string, afterId: string | null, limit: number): Promise<ApplicationEventRecord[]> {
  const { rows } = await db.query<EventRow>(
    'SELECT * FROM application_events WHERE application_id = $1 AND id > $2 ORDER BY id LIMIT $3',
    [applicationId, afterId ?? '0', limit],
  );
  return rows.map(toEvent);
}

/** The id of the application's latest message, or null when it has none. */
export async function latestEventId(db: Queryable, applicationId: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string | null }>('SELECT max(id) AS id FROM application_events WHERE application_id = $1', [
    applicationId,
  ]);
  return rows[0]?.id ?? null;
}

/**
 * Wakes this process's subscribers of an application when a message for it
 * was recorded, on any instance: one LISTEN for the whole process, fanned
 * out by application id.
 */
export class ApplicationEventFeed {
  readonly #db: Database;
  readonly #waiting = new Map<string, Set<() => void>>();
  #listening: Promise<() => Promise<void>> | null = null;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Calls `wake` after each message recorded for `applicationId`; resolves, once listening, with the way to stop. */
  async follow(applicationId: string, wake: () => void): Promise<() => void> {
    let wakes = this.#waiting.get(applicationId);
    if (!wakes) this.#waiting.set(applicationId, (wakes = new Set()));
    wakes.add(wake);
    const stop = () => {
      wakes.delete(wake);
      if (wakes.size === 0 && this.#waiting.get(applicationId) === wakes) this.#waiting.delete(applicationId);
    };
    try {
      this.#listening ??= this.#db.listen(APPLICATION_EVENTS_CHANNEL, (id) => {
        for (const w of this.#waiting.get(id) ?? []) w();
      });
      await this.#listening.catch((error: unknown) => {
        this.#listening = null;
        throw error;
      });
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const listening = this.#listening;
    this.#listening = null;
    this.#waiting.clear();
    const unlisten = await listening?.catch(() => null);
    await unlisten?.();
  }
}
