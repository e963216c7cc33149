/**
 * Typed client of one department's approval system (部门业务审批系统), over
 * the gateway's one HTTP seam (`UpstreamClient`, upstream name
 * `approval:<departmentCode>`).
 *
 * Only the batch read (GET) is retried inside the client. The POSTs are not:
 * case creation and supplements are retried later by the durable outbox
 * with the same Idempotency-Key, so a lost answer never creates a second
 * case. Errors are the gateway's typed upstream errors:
 * - `UpstreamRejectedError` (400, 401, 404, 409, 422): the department refused;
 *   repeating the same request will not help;
 * - `UpstreamUnavailableError` (503, 5xx, 429, connection refused, open
 *   circuit) and `UpstreamTimeoutError`: try again later;
 * - `UpstreamBadResponseError`: a 2xx outside the contract (the request may
 *   have taken effect: retry with the same key).
 */
import { z } from 'zod';
import type { EgressPolicy } from '../egress.ts';
import { UpstreamClient, type UpstreamCallRecord, type UpstreamPolicy } from '../http.ts';
import { chunk } from '../../lib/collections.ts';
import type { ApprovalEndpoint } from './endpoint.ts';
import { caseListSchema, caseSchema, type Case, type CaseSubmission, type MaterialRef } from './models.ts';

/** The approval contract takes at most this many case ids in one `GET /api/v1/cases`. */
export const CASES_PER_READ = 100;

/** Longest Idempotency-Key the contract accepts. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** What an approval client needs of a registered connector. */
export type ApprovalClientEndpoint = Pick<ApprovalEndpoint, 'departmentCode' | 'baseUrl' | 'token' | 'timeoutMs'>;

/** Settings shared by the approval clients of every department. */
export interface ApprovalClientSettings {
  /**
   * Resilience settings; the endpoint's `timeoutMs` always wins over
   * `policy.timeoutMs`. Defaults: `defaultUpstreamPolicy` of `connectors/http.ts`.
   */
  policy?: Partial<UpstreamPolicy>;
  /** Told about every finished attempt, for metrics and tests. */
  onCall?: (record: UpstreamCallRecord) => void;
  /** Where a department's system may be reached (connectors/egress.ts). Default: anywhere its URL says. */
  egress?: EgressPolicy;
}

/** The answer to a case creation. */
export interface CreatedCase {
  /** `true` = 201, created now; `false` = 200, it already existed under this Idempotency-Key. */
  created: boolean;
  case: Case;
}

export class ApprovalClient {
  readonly departmentCode: string;
  readonly http: UpstreamClient;

  constructor(endpoint: ApprovalClientEndpoint, settings: ApprovalClientSettings = {}) {
    this.departmentCode = endpoint.departmentCode;
    this.http = new UpstreamClient({
      upstream: `approval:${endpoint.departmentCode}`,
      baseUrl: endpoint.baseUrl,
      token: endpoint.token,
      policy: { ...settings.policy, timeoutMs: endpoint.timeoutMs },
      ...(settings.onCall ? { onCall: settings.onCall } : {}),
      ...(settings.egress ? { egress: settings.egress } : {}),
    });
  }

  /**
   * `POST /api/v1/cases`: submits one matter. Not retried here; repeat it
   * later with the same `idempotencyKey` to get the same case back.
   */
  async createCase(submission: CaseSubmission, idempotencyKey: string): Promise<CreatedCase> {
    const response = await this.http.send({
      method: 'POST',
      path: '/api/v1/cases',
      headers: { 'idempotency-key': idempotencyKey },
      body: submission,
      schema: caseSchema,
      idempotent: false,
    });
    return { created: response.status === 201, case: response.data! };
  }

  /**
   * `GET /api/v1/cases?ids=`: the known cases among `ids` (unknown ids are
   * omitted), in no particular order. Ids are de-duplicated and sent
   * {@link CASES_PER_READ} per call; no ids → no call.
   */
  async getCases(ids: readonly string[]): Promise<Case[]> {
    const unique = [...new Set(ids)];
    const parts = await Promise.all(
      chunk(unique, CASES_PER_READ).map(async (part) => {
        const { items } = await this.http.get('/api/v1/cases', caseListSchema, { ids: part.join(',') });
        const asked = new Set(part);
        return items.filter((item) => asked.has(item.caseId));
      }),
    );
    return parts.flat();
  }

  /**
   * `POST /api/v1/cases/{caseId}/supplements`: hands in materials. Not
   * retried here; repeat it later with the same `idempotencyKey`.
   * 404 (no such case) and 409 (not waiting for materials) → `UpstreamRejectedError`.
   */
  async supplement(caseId: string, materials: readonly MaterialRef[], idempotencyKey: string): Promise<Case> {
    const response = await this.http.send({
      method: 'POST',
      path: `/api/v1/cases/${encodeURIComponent(caseId)}/supplements`,
      headers: { 'idempotency-key': idempotencyKey },
      body: { materials },
      schema: caseSchema,
      idempotent: false,
    });
    return response.data!;
  }

  /** `POST /api/v1/cases/{caseId}/withdrawal`. 409 (already decided) → `UpstreamRejectedError`. */
  async withdraw(caseId: string): Promise<Case> {
    const response = await this.http.send({
      method: 'POST',
      path: `/api/v1/cases/${encodeURIComponent(caseId)}/withdrawal`,
      schema: caseSchema,
      idempotent: false,
    });
    return response.data!;
  }

  /** `GET /health`: resolves when the system answers 2xx. */
  async health(): Promise<void> {
    await this.http.get('/health', z.unknown());
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/**
 * One {@link ApprovalClient} per registered connector, so that the
 * connection pool and the circuit breaker of a department live as long as
 * its connector. A connector whose base URL, token or timeout changed gets a
 * new client (the old one is closed once its calls in flight are done).
 */
export class ApprovalClients {
  readonly #settings: ApprovalClientSettings;
  readonly #clients = new Map<string, { key: string; client: ApprovalClient }>();
  #closed = false;

  constructor(settings: ApprovalClientSettings = {}) {
    this.#settings = settings;
  }

  /** The client of this connector (by `endpoint.id`), created on first use. */
  for(endpoint: ApprovalEndpoint): ApprovalClient {
    if (this.#closed) throw new Error('the approval clients are closed');
    const key = JSON.stringify([endpoint.departmentCode, endpoint.baseUrl, endpoint.token, endpoint.timeoutMs]);
    const cached = this.#clients.get(endpoint.id);
    if (cached?.key === key) return cached.client;
    const client = new ApprovalClient(endpoint, this.#settings);
    this.#clients.set(endpoint.id, { key, client });
    // undici's close() lets the calls in flight finish first.
    if (cached) void cached.client.close().catch(() => undefined);
    return client;
  }

  /** Closes every client; `for` throws afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(({ client }) => client.close()));
  }
}
