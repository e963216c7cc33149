/**
 * Runs and findings of the routine guide check (table `guide_check_runs` /
 * `guide_check_findings`, `004_guide_checks.sql`), and the reachability of
 * each topic's online address that readiness reads from them.
 *
 * @module
 */
import type { CrossRegionDifference } from '../domain/cross-region.ts';
import type { OnlineUrlCheck } from '../domain/readiness.ts';
import type { Database, Queryable } from './database.ts';

/** What the lead department needs to act on a problem: the matters and the failure behind it. */
export interface GuideFindingDetails {
  /** Matter codes of the topic the registry does not know (UNKNOWN_MATTER). */
  unknownMatters?: string[];
  /** Matters whose online depth is below 3 (MATTER_NOT_ONLINE). */
  offlineMatters?: Array<{ code: string; name: string; onlineDepth: number }>;
  /** Why the online address failed (ONLINE_URL_UNREACHABLE), e.g. `no answer within 5000 ms`, `HTTP 404`. */
  onlineUrlError?: string;
  /** How it differs from the same-name topics of its city and the city's other districts (DIFFERS_FROM_…). */
  crossRegion?: CrossRegionDifference[];
}

/** One topic as one run of the check found it. */
export interface GuideFinding {
  topicCode: string;
  topicName: string;
  leadDepartment: string;
  region: string;
  /** The topic's status when checked. */
  status: string;
  guidable: boolean;
  onlineProcessable: boolean;
  /** Readiness codes (see `domain/readiness.ts`), in its order, then the cross-region codes (`domain/cross-region.ts`). */
  problems: string[];
  details: GuideFindingDetails;
  /** The online address probed; null when the topic has none. */
  onlineUrl: string | null;
  /** Whether it answered 2xx/3xx in time; null when there was no address to probe. */
  onlineUrlReachable: boolean | null;
  /** The HTTP status it answered; null when it did not answer. */
  onlineUrlStatus: number | null;
  /** Milliseconds to the answer's headers, or to giving up; null when not probed. */
  onlineUrlLatencyMs: number | null;
  checkedAt: Date;
}

export interface StoredGuideFinding extends GuideFinding {
  runId: string;
}

export interface NewGuideCheckRun {
  startedAt: Date;
  finishedAt: Date;
  /** The region checked; null = every region. */
  region: string | null;
  findings: readonly GuideFinding[];
}

/** The latest probe of a topic's online address (a non-null {@link OnlineUrlCheck} plus the address probed). */
export interface CheckedOnlineUrl {
  url: string;
  reachable: boolean;
  /** ISO 8601. */
  checkedAt: string;
}

/** Stores one run with its findings, in one transaction. @returns the run's id. */
export async function saveRun(db: Pick<Database, 'transaction'>, run: NewGuideCheckRun): Promise<string> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO guide_check_runs (started_at, finished_at, region) VALUES ($1, $2, $3) RETURNING id',
      [run.startedAt, run.finishedAt, run.region],
    );
    const runId = rows[0]!.id;
    for (const f of run.findings) {
      await tx.query(
        `INSERT INTO guide_check_findings (run_id, topic_code, topic_name, lead_department, region, status, guidable,
           online_processable, problems, details, online_url, online_url_reachable, online_url_status,
           online_url_latency_ms, checked_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,$11,$12,$13,$14,$15)`,
        [
          runId, f.topicCode, f.topicName, f.leadDepartment, f.region, f.status, f.guidable, f.onlineProcessable,
          f.problems, JSON.stringify(f.details), f.onlineUrl, f.onlineUrlReachable, f.onlineUrlStatus,
          f.onlineUrlLatencyMs === null ? null : Math.round(f.onlineUrlLatencyMs), f.checkedAt,
        ],
      );
    }
    return runId;
  });
}

type Row = Record<string, any>;

const toFinding = (r: Row): StoredGuideFinding => ({
  runId: r.run_id,
  topicCode: r.topic_code,
  topicName: r.topic_name,
  leadDepartment: r.lead_department,
  region: r.region,
  status: r.status,
  guidable: r.guidable,
  onlineProcessable: r.online_processable,
  problems: r.problems,
  details: r.details ?? {},
  onlineUrl: r.online_url,
  onlineUrlReachable: r.online_url_reachable,
  onlineUrlStatus: r.online_url_status,
  onlineUrlLatencyMs: r.online_url_latency_ms,
  checkedAt: r.checked_at,
});

/**
 * The latest finding of each topic (of `topicCodes`, or of every topic ever
 * checked): the one of the latest run that checked it (newest `checked_at`,
 * then highest run id). Topics never checked are absent.
 */
export async function latestFindings(db: Queryable, topicCodes?: readonly string[]): Promise<Map<string, StoredGuideFinding>> {
  if (topicCodes && topicCodes.length === 0) return new Map();
  const { rows } = await db.query<Row>(
    `SELECT DISTINCT ON (topic_code) *
       FROM guide_check_findings
      WHERE $1::text[] IS NULL OR topic_code = ANY($1::text[])
      ORDER BY topic_code, checked_at DESC, run_id DESC`,
    [topicCodes ? [...topicCodes] : null],
  );
  return new Map(rows.map((r) => [r.topic_code as string, toFinding(r)]));
}

/**
 * The latest probe of each topic's online address (of `topicCodes`, or of
 * every topic probed): from the latest finding that probed one. Topics whose
 * address was never probed are absent. Pass an entry through
 * {@link onlineUrlCheckOf} to get readiness's `OnlineUrlCheck`.
 */
export async function latestOnlineUrlCheck(db: Queryable, topicCodes?: readonly string[]): Promise<Map<string, CheckedOnlineUrl>> {
  if (topicCodes && topicCodes.length === 0) return new Map();
  const { rows } = await db.query<Row>(
    `SELECT DISTINCT ON (topic_code) topic_code, online_url, online_url_reachable, checked_at
       FROM guide_check_findings
      WHERE online_url_reachable IS NOT NULL AND online_url IS NOT NULL
        AND ($1::text[] IS NULL OR topic_code = ANY($1::text[]))
      ORDER BY topic_code, checked_at DESC, run_id DESC`,
    [topicCodes ? [...topicCodes] : null],
  );
  return new Map(
    rows.map((r) => [
      r.topic_code as string,
      { url: r.online_url as string, reachable: r.online_url_reachable as boolean, checkedAt: (r.checked_at as Date).toISOString() },
    ]),
  );
}

/**
 * Readiness's `OnlineUrlCheck` for a topic as it is now: the latest probe,
 * provided it probed the address the topic has now. A topic whose address
 * changed since (or was never probed) counts as not checked yet (`null`).
 */
export function onlineUrlCheckOf(
  topic: { code: string; onlineUrl?: string | null },
  checks: ReadonlyMap<string, CheckedOnlineUrl>,
): OnlineUrlCheck {
  const check = checks.get(topic.code);
  if (!check || topic.onlineUrl == null || check.url !== topic.onlineUrl.trim()) return null;
  return { reachable: check.reachable, checkedAt: check.checkedAt };
}
