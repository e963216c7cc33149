/**
 * Departments' approval systems registered at run time (`registerConnector`),
 * in the `connectors` table (`store/migrations/002_applications.sql`).
 *
 * A department has at most one live connector: registering again replaces
 * the live one (marked `removed_at`) in the same transaction, so there is
 * never a moment with none or two. Removed rows stay, for the record.
 *
 * The bearer token and the webhook secret are stored sealed with a
 * {@link SecretBox}, bound to their row and column (associated data
 * `connector:<id>:token` and `connector:<id>:webhookSecret`). Two shapes come
 * out of this module, on purpose:
 * - {@link ConnectorRecord}: what the API may show; it has no secret in any form;
 * - {@link ApprovalEndpoint} (from {@link liveEndpoints}): unsealed, for the
 *   directory that delivers cases; it must never leave the process.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';

import type { ApprovalEndpoint } from '../connectors/approval/endpoint.ts';
import { BadUserInputError, type InputProblem } from '../lib/errors.ts';
import type { SecretBox } from '../lib/secrets.ts';
import type { Database, Queryable } from './database.ts';

/** A registered connector as the API may show it: no token, no webhook secret. */
export interface ConnectorRecord {
  id: string;
  departmentCode: string;
  /** Base URL without trailing slash. */
  baseUrl: string;
  matterCodes: string[];
  /** Deadline of one call to this system, in milliseconds. */
  timeoutMs: number;
  /** Whether a webhook secret was given, i.e. signed caseStatusChanged webhooks are accepted. */
  webhooksEnabled: boolean;
  /** Who registered it (the caller's token `sub`). */
  createdBy: string;
  createdAt: Date;
}

/** What `registerConnector` gives, plus who asks. */
export interface RegisterConnectorInput {
  departmentCode: string;
  /** http(s) URL without credentials, query or fragment; a trailing slash is dropped. */
  baseUrl: string;
  /** The bearer token the approval system expects. */
  token: string;
  /** Key of the webhook signature; absent, null or empty = webhooks refused. */
  webhookSecret?: string | null;
  /** Non-empty, no duplicates. */
  matterCodes: readonly string[];
  /** 100..60000; default {@link DEFAULT_CONNECTOR_TIMEOUT_MS}. */
  timeoutMs?: number | null;
  /** The caller's token `sub`. */
  createdBy: string;
}

/** What {@link register} did. */
export interface RegisterResult {
  connector: ConnectorRecord;
  /** Id of the department's connector this one replaced, or null. */
  replacedId: string | null;
}

export const DEFAULT_CONNECTOR_TIMEOUT_MS = 5000;
export const MIN_CONNECTOR_TIMEOUT_MS = 100;
export const MAX_CONNECTOR_TIMEOUT_MS = 60_000;
const MAX_TEXT = 256;
const MAX_SECRET = 4096;
const MAX_MATTERS = 500;
/** Visible ASCII: what can go into an `Authorization: Bearer` header unchanged. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
const UNIQUE_VIOLATION = '23505';
const REGISTER_ATTEMPTS = 3;

/**
 * A registration refused because of its input: a `BAD_USER_INPUT` error
 * listing every problem, so resolvers may let it through as is.
 */
export class ConnectorValidationError extends BadUserInputError {
  constructor(problems: readonly InputProblem[]) {
    super(`The connector registration is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
    this.name = 'ConnectorValidationError';
  }
}

/** Associated data binding a sealed secret to its row and column. */
export const sealContext = (id: string, column: 'token' | 'webhookSecret'): string => `connector:${id}:${column}`;

/**
 * The checked and normalised input, or the list of everything wrong with it
 * together with the fields that did pass (`valid`), so that later checks,
 * such as where the base URL leads, can still run and report in one go.
 */
export function validateRegistration(
  input: RegisterConnectorInput,
):
  | { ok: true; value: NormalisedRegistration }
  | { ok: false; problems: InputProblem[]; valid: Partial<Pick<NormalisedRegistration, 'departmentCode' | 'baseUrl' | 'matterCodes'>> } {
  const problems: InputProblem[] = [];
  const problem = (field: string, code: string, message: string) => problems.push({ field, code, message });

  const departmentCode = typeof input.departmentCode === 'string' ? input.departmentCode.trim() : '';
  if (departmentCode === '') problem('departmentCode', 'REQUIRED', 'The department code is required');
  else if (departmentCode.length > MAX_TEXT) problem('departmentCode', 'TOO_LONG', `At most ${MAX_TEXT} characters`);

  const baseUrl = checkBaseUrl(input.baseUrl, problem);

  const token = typeof input.token === 'string' ? input.token : '';
  if (token === '') problem('token', 'REQUIRED', 'The bearer token is required');
  else if (token.length > MAX_SECRET) problem('token', 'TOO_LONG', `At most ${MAX_SECRET} characters`);
  else if (!HEADER_SAFE.test(token)) {
    problem('token', 'INVALID_TOKEN', 'The token must be printable ASCII without spaces (it is sent as a bearer token)');
  }

  let webhookSecret: string | null = null;
  if (input.webhookSecret !== undefined && input.webhookSecret !== null && input.webhookSecret !== '') {
    if (typeof input.webhookSecret !== 'string') problem('webhookSecret', 'INVALID', 'The webhook secret must be text');
    else if (input.webhookSecret.length > MAX_SECRET) problem('webhookSecret', 'TOO_LONG', `At most ${MAX_SECRET} characters`);
    else webhookSecret = input.webhookSecret;
  }

  const matterCodes: string[] = [];
  if (!Array.isArray(input.matterCodes) || input.matterCodes.length === 0) {
    problem('matterCodes', 'REQUIRED', 'At least one matter code is required');
  } else if (input.matterCodes.length > MAX_MATTERS) {
    problem('matterCodes', 'TOO_MANY', `At most ${MAX_MATTERS} matter codes`);
  } else {
    const seen = new Set<string>();
    input.matterCodes.forEach((raw, index) => {
      const code = typeof raw === 'string' ? raw.trim() : '';
      if (code === '') problem(`matterCodes[${index}]`, 'REQUIRED', 'A matter code must not be empty');
      else if (code.length > MAX_TEXT) problem(`matterCodes[${index}]`, 'TOO_LONG', `At most ${MAX_TEXT} characters`);
      else if (seen.has(code)) problem(`matterCodes[${index}]`, 'DUPLICATE', `Matter code ${code} is listed twice`);
      else {
        seen.add(code);
        matterCodes.push(code);
      }
    });
  }

  const timeoutMs = input.timeoutMs ?? DEFAULT_CONNECTOR_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs)) problem('timeoutMs', 'NOT_AN_INTEGER', 'The timeout must be a whole number of milliseconds');
  else if (timeoutMs < MIN_CONNECTOR_TIMEOUT_MS || timeoutMs > MAX_CONNECTOR_TIMEOUT_MS) {
    problem(
      'timeoutMs',
      'OUT_OF_RANGE',
      `The timeout must be from ${MIN_CONNECTOR_TIMEOUT_MS} to ${MAX_CONNECTOR_TIMEOUT_MS} ms, got ${timeoutMs}`,
    );
  }

  const createdBy = typeof input.createdBy === 'string' ? input.createdBy.trim() : '';
  if (createdBy === '') problem('createdBy', 'REQUIRED', 'The registering user is required');

  if (problems.length > 0 || baseUrl === null) {
    const departmentValid = !problems.some((p) => p.field === 'departmentCode');
    return {
      ok: false,
      problems,
      valid: {
        ...(departmentValid ? { departmentCode } : {}),
        ...(baseUrl !== null ? { baseUrl } : {}),
        matterCodes,
      },
    };
  }
  return { ok: true, value: { departmentCode, baseUrl, token, webhookSecret, matterCodes, timeoutMs, createdBy } };
}

/** A registration that passed {@link validateRegistration}. */
export interface NormalisedRegistration {
  departmentCode: string;
  baseUrl: string;
  token: string;
  webhookSecret: string | null;
  matterCodes: string[];
  timeoutMs: number;
  createdBy: string;
}

function checkBaseUrl(raw: unknown, problem: (field: string, code: string, message: string) => void): string | null {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') {
    problem('baseUrl', 'REQUIRED', 'The base URL is required');
    return null;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problem('baseUrl', 'INVALID_URL', 'The base URL is not a valid absolute URL');
    return null;
  }
  let ok = true;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problem('baseUrl', 'NOT_HTTP', `The base URL must use http or https, not ${url.protocol.replace(/:$/, '')}`);
    ok = false;
  }
  if (url.hostname === '') {
    problem('baseUrl', 'INVALID_URL', 'The base URL has no host');
    ok = false;
  }
  if (url.username !== '' || url.password !== '') {
    problem('baseUrl', 'HAS_CREDENTIALS', 'The base URL must not contain a user name or password (give the token instead)');
    ok = false;
  }
  // `new URL('http://h/?')` has an empty search: look at the text as well.
  if (url.search !== '' || text.includes('?')) {
    problem('baseUrl', 'HAS_QUERY', 'The base URL must not have a query string');
    ok = false;
  }
  if (url.hash !== '' || text.includes('#')) {
    problem('baseUrl', 'HAS_FRAGMENT', 'The base URL must not have a fragment');
    ok = false;
  }
  if (text.length > 2048) {
    problem('baseUrl', 'TOO_LONG', 'The base URL is longer than 2048 characters');
    ok = false;
  }
  return ok ? `${url.origin}${url.pathname}`.replace(/\/+$/, '') : null;
}

interface ConnectorRow {
  id: string;
  department_code: string;
  base_url: string;
  token_sealed: string;
  webhook_secret_sealed: string | null;
  matter_codes: string[];
  timeout_ms: number;
  created_by: string;
  created_at: Date;
}

const RECORD_COLUMNS =
  'id, department_code, base_url, webhook_secret_sealed IS NOT NULL AS webhooks_enabled, matter_codes, timeout_ms, created_by, created_at';

type RecordRow = Omit<ConnectorRow, 'token_sealed' | 'webhook_secret_sealed'> & { webhooks_enabled: boolean };

const toRecord = (row: RecordRow): ConnectorRecord => ({
  id: row.id,
  departmentCode: row.department_code,
  baseUrl: row.base_url,
  matterCodes: row.matter_codes,
  timeoutMs: row.timeout_ms,
  webhooksEnabled: row.webhooks_enabled,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

/**
 * Registers a department's approval system, replacing the department's live
 * one if any (both in one transaction).
 * @param idFactory makes the new connector's id; default a random UUID.
 * @throws ConnectorValidationError listing every problem of the input; nothing is stored then.
 */
export async function register(
  db: Database,
  box: SecretBox,
  input: RegisterConnectorInput,
  idFactory: () => string = randomUUID,
): Promise<RegisterResult> {
  const { connector, replacedId } = await registerUnlessKept(db, box, input, async () => false, idFactory);
  return { connector, replacedId };
}

/**
 * Decides, under the department's lock, whether its live connector stays
 * (see {@link registerUnlessKept}); `tx` is the registration's transaction.
 */
export type KeepLiveConnector = (live: ConnectorRecord, tx: Queryable) => Promise<boolean>;

/**
 * Like {@link register}, but first asks `keep` about the department's live
 * connector, under the same lock: when it says so, that connector stays,
 * nothing is written, and it is the result (`kept: true`). So a
 * registration that must not take another's place is decided and made in
 * one step, however many instances try at once.
 * @throws ConnectorValidationError listing every problem of the input; nothing is stored then.
 */
export async function registerUnlessKept(
  db: Database,
  box: SecretBox,
  input: RegisterConnectorInput,
  keep: KeepLiveConnector,
  idFactory: () => string = randomUUID,
): Promise<RegisterResult & { kept: boolean }> {
  const checked = validateRegistration(input);
  if (!checked.ok) throw new ConnectorValidationError(checked.problems);
  const value = checked.value;
  for (let attempt = 1; ; attempt++) {
    const id = idFactory();
    const tokenSealed = box.seal(value.token, sealContext(id, 'token'));
    const webhookSealed = value.webhookSecret === null ? null : box.seal(value.webhookSecret, sealContext(id, 'webhookSecret'));
    try {
      return await db.transaction(async (tx) => {
        // Registrations of one department queue here, so each one's UPDATE sees the previous one's row.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['connectors', value.departmentCode]);
        const live = await tx.query<RecordRow>(
          `SELECT ${RECORD_COLUMNS} FROM connectors WHERE department_code = $1 AND removed_at IS NULL`,
          [value.departmentCode],
        );
        const current = live.rows[0] ? toRecord(live.rows[0]) : null;
        if (current && (await keep(current, tx))) return { connector: current, replacedId: null, kept: true };
        const replaced = await tx.query<{ id: string }>(
          'UPDATE connectors SET removed_at = now() WHERE department_code = $1 AND removed_at IS NULL RETURNING id',
          [value.departmentCode],
        );
        const inserted = await tx.query<RecordRow>(
          `INSERT INTO connectors (id, department_code, base_url, token_sealed, webhook_secret_sealed, matter_codes, timeout_ms, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING ${RECORD_COLUMNS}`,
          [id, value.departmentCode, value.baseUrl, tokenSealed, webhookSealed, value.matterCodes, value.timeoutMs, value.createdBy],
        );
        return { connector: toRecord(inserted.rows[0]!), replacedId: replaced.rows[0]?.id ?? null, kept: false };
      });
    } catch (error) {
      // An id already taken (idFactory), or a registration that slipped past
      // the lock (the unique index is the last word): run it again.
      if (attempt < REGISTER_ATTEMPTS && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}

/**
 * Removes a live connector (marks it `removed_at`).
 * @returns the removed connector, or null when no live connector has this id.
 */
export async function remove(db: Queryable, id: string): Promise<ConnectorRecord | null> {
  const { rows } = await db.query<RecordRow>(
    `UPDATE connectors SET removed_at = now() WHERE id = $1 AND removed_at IS NULL RETURNING ${RECORD_COLUMNS}`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/**
 * Removes every live connector registered by `createdBy` (marks them
 * `removed_at`).
 * @returns the department codes whose connector was removed, sorted.
 */
export async function removeCreatedBy(db: Queryable, createdBy: string): Promise<string[]> {
  const { rows } = await db.query<{ department_code: string }>(
    'UPDATE connectors SET removed_at = now() WHERE created_by = $1 AND removed_at IS NULL RETURNING department_code',
    [createdBy],
  );
  return rows.map((row) => row.department_code).sort();
}

/** Every live connector, by department code then id; without secrets. */
export async function listLive(db: Queryable): Promise<ConnectorRecord[]> {
  const { rows } = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM connectors WHERE removed_at IS NULL ORDER BY department_code, id`,
  );
  return rows.map(toRecord);
}

/** The live connector with this id, without secrets; null when there is none (or it was removed). */
export async function findLive(db: Queryable, id: string): Promise<ConnectorRecord | null> {
  const { rows } = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM connectors WHERE id = $1 AND removed_at IS NULL`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A live connector whose secrets could not be unsealed (wrong SECRETS_KEY, altered row). */
export interface UnsealFailure {
  id: string;
  departmentCode: string;
  error: Error;
}

/**
 * Every live connector with its secrets unsealed, for the approval
 * directory only. A row that cannot be unsealed is left out and reported in
 * `failures`, so one bad row does not cut off every department.
 */
export async function liveEndpoints(
  db: Queryable,
  box: SecretBox,
): Promise<{ endpoints: ApprovalEndpoint[]; failures: UnsealFailure[] }> {
  const { rows } = await db.query<ConnectorRow>(
    `SELECT id, department_code, base_url, token_sealed, webhook_secret_sealed, matter_codes, timeout_ms, created_by, created_at
     FROM connectors WHERE removed_at IS NULL ORDER BY department_code, id`,
  );
  const endpoints: ApprovalEndpoint[] = [];
  const failures: UnsealFailure[] = [];
  for (const row of rows) {
    try {
      endpoints.push({
        id: row.id,
        departmentCode: row.department_code,
        baseUrl: row.base_url,
        token: box.unseal(row.token_sealed, sealContext(row.id, 'token')),
        webhookSecret:
          row.webhook_secret_sealed === null ? null : box.unseal(row.webhook_secret_sealed, sealContext(row.id, 'webhookSecret')),
        matterCodes: row.matter_codes,
        timeoutMs: row.timeout_ms,
      });
    } catch (error) {
      failures.push({ id: row.id, departmentCode: row.department_code, error: error as Error });
    }
  }
  return { endpoints, failures };
}
