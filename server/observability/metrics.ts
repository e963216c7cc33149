/**
 * Prometheus metrics of one gateway instance (prom-client, a registry per
 * instance so that several gateways in one process keep their own counts).
 *
 * Counted as they happen:
 * - `gateway_graphql_requests_total{operation,outcome}`: GraphQL requests by
 *   operation name and outcome (`ok`, or the first error's
 *   `extensions.code`, e.g. `BAD_USER_INPUT`, `UPSTREAM_UNAVAILABLE`);
 * - `gateway_graphql_request_duration_seconds{operation}`: their latency;
 * - `gateway_http_requests_total{route,method,status}` and
 *   `gateway_http_request_duration_seconds{route}`: every HTTP request, by
 *   route (a fixed set, never the raw path);
 * - `gateway_upstream_calls_total{system,status,outcome}` and
 *   `gateway_upstream_call_duration_seconds{system,outcome}`: every attempt
 *   at an upstream call (`status` 0 = no answer; `outcome` as in
 *   `UpstreamCallRecord`: ok, rejected, unavailable, timeout, bad_response,
 *   circuit_open).
 *
 * Read when scraped:
 * - `gateway_registry_cache_hits_total`, `gateway_registry_cache_misses_total`;
 * - `gateway_upstream_circuit_state{system}`: 0 closed, 1 half-open, 2 open,
 *   3 isolated, for the province-wide upstreams and every registered
 *   department's approval system;
 * - `gateway_upstream_up{system}`: 1 when the latest health check found the
 *   system UP or DEGRADED, 0 when DOWN (absent until first checked);
 * - `gateway_outbox_depth{kind}` (cases, or supplements, with
 *   `next_attempt_at` set: still to be delivered) and
 *   `gateway_outbox_oldest_pending_age_seconds{kind}` (since the oldest of
 *   them was submitted; 0 when none): one query per scrape on the partial
 *   indexes of `next_attempt_at`, shared by concurrent scrapes and
 *   abandoned after two seconds (the previous values stay), so scraping
 *   never loads the database;
 * - `gateway_case_warnings{level,department,lead_department}`: undecided
 *   cases at YELLOW or RED (效能监督), naming the case's department and the
 *   topic's lead department; `gateway_follow_ups_overdue{step,lead_department}`:
 *   差评 follow-ups past their CONTACT or CLOSE deadline;
 *   `gateway_alerts_pending`: alerts the receiver has not taken yet — read
 *   like the outbox figures (two seconds at most, else the previous values);
 * - Node.js process metrics (`process_*`, `nodejs_*`).
 *
 * Label values are bounded: operation names are taken as GraphQL names of
 * at most 64 characters, and after {@link MAX_OPERATION_NAMES} distinct ones
 * further names count as `other`, so a client cannot create series at will.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamCallRecord } from '../../connectors/http.ts';
import type { Logger } from '../../lib/logger.ts';
import { CENTRAL_CONNECTORS, type GatewayServices } from '../services.ts';
import { supervisionFigures, SYSTEM, type SupervisionFigures } from '../../usecases/supervision.ts';

export const MAX_OPERATION_NAMES = 100;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CIRCUIT_STATES: Record<string, number> = { closed: 0, halfOpen: 1, open: 2, isolated: 3 };
const OUTBOX_TIMEOUT_MS = 2000;

interface OutboxFigures {
  cases: { depth: number; oldestAgeSeconds: number };
  supplements: { depth: number; oldestAgeSeconds: number };
}

/** The route label of a path: a fixed set, so that paths never become series. */
export function routeOf(pathname: string): string {
  if (pathname === '/graphql') return 'graphql';
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') return pathname.slice(1);
  if (pathname === '/uploads') return 'uploads';
  if (pathname.startsWith('/exports/')) return 'exports';
  if (pathname.startsWith('/webhooks/')) return 'webhooks';
  if (pathname.startsWith('/notices/')) return 'notices';
  if (pathname.startsWith('/receipts/') || pathname.startsWith('/.well-known/one-thing/')) return 'receipts';
  if (pathname === '/dashboard' || pathname.startsWith('/dashboard/')) return 'dashboard';
  if (pathname.startsWith('/assets/')) return 'assets';
  if (pathname === '/') return 'explorer';
  return 'other';
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #operations = new Set<string>();
  readonly #graphqlRequests: Counter<'operation' | 'outcome'>;
  readonly #graphqlDuration: Histogram<'operation'>;
  readonly #httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly #httpDuration: Histogram<'route'>;
  readonly #upstreamCalls: Counter<'system' | 'status' | 'outcome'>;
  readonly #upstreamDuration: Histogram<'system' | 'outcome'>;
  #services: GatewayServices | null = null;
  #outbox: Promise<OutboxFigures | null> | null = null;
  #supervision: Promise<SupervisionFigures | null> | null = null;

  constructor(private readonly logger: Logger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#graphqlRequests = new Counter({
      name: 'gateway_graphql_requests_total',
      help: 'GraphQL requests by operation name and outcome (ok, or the first error code)',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.#graphqlDuration = new Histogram({
      name: 'gateway_graphql_request_duration_seconds',
      help: 'Latency of GraphQL requests, from receipt of the parsed request to the response, by operation',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#httpRequests = new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'Latency of HTTP requests by route',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#upstreamCalls = new Counter({
      name: 'gateway_upstream_calls_total',
      help: 'Attempts at upstream calls by system, HTTP status (0 = no answer) and outcome',
      labelNames: ['system', 'status', 'outcome'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: 'gateway_upstream_call_duration_seconds',
      help: 'Latency of attempts at upstream calls by system and outcome',
      labelNames: ['system', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#scrapeTimeMetrics(registers);
  }

  /** The operation label for a client-given name: bounded, see the module comment. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return '(anonymous)';
    if (!NAME.test(name)) return '(invalid)';
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= MAX_OPERATION_NAMES) return 'other';
    this.#operations.add(name);
    return name;
  }

  graphqlRequest(operation: string, outcome: string, seconds: number): void {
    this.#graphqlRequests.inc({ operation, outcome });
    this.#graphqlDuration.observe({ operation }, seconds);
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    const knownMethod = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].includes(method) ? method : 'OTHER';
    this.#httpRequests.inc({ route, method: knownMethod, status: String(status) });
    this.#httpDuration.observe({ route }, seconds);
  }

  upstreamCall(record: UpstreamCallRecord): void {
    this.#upstreamCalls.inc({ system: record.upstream, status: String(record.status), outcome: record.outcome });
    this.#upstreamDuration.observe({ system: record.upstream, outcome: record.outcome }, record.durationMs / 1000);
  }

  /** Lets the scrape-time metrics read the services (cache, circuits, health, outbox). */
  watch(services: GatewayServices): void {
    this.#services = services;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #scrapeTimeMetrics(registers: Registry[]): void {
    const metrics = this;
    let lastHits = 0;
    let lastMisses = 0;
    new Counter({
      name: 'gateway_registry_cache_hits_total',
      help: 'Look-ups of registry data (topics, matters, departments) answered from the cache',
      registers,
      collect() {
        const hits = metrics.#services?.registry.stats.hits ?? lastHits;
        if (hits > lastHits) this.inc(hits - lastHits);
        lastHits = hits;
      },
    });
    new Counter({
      name: 'gateway_registry_cache_misses_total',
      help: 'Look-ups of registry data that had to ask the matter registry',
      registers,
      collect() {
        const misses = metrics.#services?.registry.stats.misses ?? lastMisses;
        if (misses > lastMisses) this.inc(misses - lastMisses);
        lastMisses = misses;
      },
    });
    new Gauge({
      name: 'gateway_upstream_circuit_state',
      help: 'Circuit breaker of each upstream: 0 closed, 1 half-open, 2 open, 3 isolated',
      labelNames: ['system'],
      registers,
      async collect() {
        this.reset();
        for (const [system, state] of await metrics.#circuitStates()) this.set({ system }, CIRCUIT_STATES[state] ?? 0);
      },
    });
    new Gauge({
      name: 'gateway_upstream_up',
      help: 'Latest health check of each upstream: 1 UP or DEGRADED, 0 DOWN (absent until checked)',
      labelNames: ['system'],
      registers,
      async collect() {
        this.reset();
        for (const [system, status] of await metrics.#healthStatuses()) {
          if (status !== 'UNKNOWN') this.set({ system }, status === 'DOWN' ? 0 : 1);
        }
      },
    });
    new Gauge({
      name: 'gateway_outbox_depth',
      help: 'Items the outbox still has to deliver (next_attempt_at set), by kind (case, supplement)',
      labelNames: ['kind'],
      registers,
      async collect() {
        const figures = await metrics.#outboxFigures();
        if (!figures) return; // keeps the previous values when the database did not answer
        this.set({ kind: 'case' }, figures.cases.depth);
        this.set({ kind: 'supplement' }, figures.supplements.depth);
      },
    });
    new Gauge({
      name: 'gateway_case_warnings',
      help: 'Undecided cases at warning level YELLOW or RED, by level, department and the topic\'s lead department',
      labelNames: ['level', 'department', 'lead_department'],
      registers,
      async collect() {
        const figures = await metrics.#supervisionFigures();
        if (!figures) return;
        this.reset();
        for (const w of figures.warnings) this.set({ level: w.level, department: w.department, lead_department: w.leadDepartment }, w.count);
      },
    });
    new Gauge({
      name: 'gateway_follow_ups_overdue',
      help: '差评 follow-ups past their deadline, by step (CONTACT, CLOSE) and lead department',
      labelNames: ['step', 'lead_department'],
      registers,
      async collect() {
        const figures = await metrics.#supervisionFigures();
        if (!figures) return;
        this.reset();
        for (const f of figures.overdueFollowUps) this.set({ step: f.step, lead_department: f.leadDepartment }, f.count);
      },
    });
    new Gauge({
      name: 'gateway_alerts_pending',
      help: 'Alerts (warnings, overdue follow-ups) the alert receiver has not taken yet',
      registers,
      async collect() {
        const figures = await metrics.#supervisionFigures();
        if (figures) this.set(figures.pendingAlerts);
      },
    });
    new Gauge({
      name: 'gateway_outbox_oldest_pending_age_seconds',
      help: 'Seconds since the oldest item the outbox still has to deliver was submitted (0 when none), by kind',
      labelNames: ['kind'],
      registers,
      async collect() {
        const figures = await metrics.#outboxFigures();
        if (!figures) return;
        this.set({ kind: 'case' }, figures.cases.oldestAgeSeconds);
        this.set({ kind: 'supplement' }, figures.supplements.oldestAgeSeconds);
      },
    });
  }

  /** The supervision figures, one read shared by the gauges of a scrape, abandoned after two seconds. */
  #supervisionFigures(): Promise<SupervisionFigures | null> {
    const services = this.#services;
    if (!services) return Promise.resolve(null);
    this.#supervision ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const read = supervisionFigures({ db: services.db, leadDepartmentOf: services.leadDepartmentOf }, SYSTEM, { now: new Date() });
        const late = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), OUTBOX_TIMEOUT_MS);
          timer.unref();
        });
        return await Promise.race([read, late]);
      } catch (error) {
        this.logger.debug({ err: error }, 'metrics: supervision figures not readable');
        return null;
      } finally {
        clearTimeout(timer);
        setImmediate(() => {
          this.#supervision = null;
        });
      }
    })();
    return this.#supervision;
  }

  async #circuitStates(): Promise<Map<string, string>> {
    const services = this.#services;
    const states = new Map<string, string>();
    if (!services) return states;
    states.set(CENTRAL_CONNECTORS.matterRegistry, services.registry.client.http.circuitState);
    states.set(CENTRAL_CONNECTORS.eCertificates, services.eCertificates.http.circuitState);
    states.set(CENTRAL_CONNECTORS.dataCenter, services.dataCenter.http.circuitState);
    states.set(CENTRAL_CONNECTORS.evaluation, services.evaluation.http.circuitState);
    try {
      for (const endpoint of await services.connectors.all()) {
        const client = services.approvalClients.for(endpoint);
        states.set(client.http.upstream, client.http.circuitState);
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'metrics: approval connectors not readable');
    }
    return states;
  }

  async #healthStatuses(): Promise<Map<string, string>> {
    const services = this.#services;
    const statuses = new Map<string, string>();
    if (!services) return statuses;
    for (const id of Object.values(CENTRAL_CONNECTORS)) statuses.set(id, services.health.healthOf(id).status);
    try {
      for (const endpoint of await services.connectors.all()) {
        statuses.set(`approval:${endpoint.departmentCode}`, services.health.healthOf(endpoint.id).status);
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'metrics: approval connectors not readable');
    }
    return statuses;
  }

  /** One query for both outbox gauges, shared by the scrapes running at the same time. */
  #outboxFigures(): Promise<OutboxFigures | null> {
    const services = this.#services;
    if (!services) return Promise.resolve(null);
    if (this.#outbox) return this.#outbox;
    const query = readOutbox(services).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'metrics: the outbox could not be read');
      return null;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), OUTBOX_TIMEOUT_MS);
      timer.unref();
    });
    const figures = Promise.race([query, timeout]).finally(() => {
      clearTimeout(timer);
      this.#outbox = null;
    });
    this.#outbox = figures;
    return figures;
  }
}

async function readOutbox(services: GatewayServices): Promise<OutboxFigures> {
  // Both use the partial indexes on next_attempt_at (WHERE next_attempt_at IS NOT NULL).
  const { rows: cases } = await services.db.query<{ depth: number; oldest: number | null }>(
    `SELECT count(*)::int AS depth,
            EXTRACT(EPOCH FROM (now() - min(a.submitted_at)))::float8 AS oldest
       FROM cases c JOIN applications a ON a.id = c.application_id
      WHERE c.next_attempt_at IS NOT NULL`,
  );
  const { rows: supplements } = await services.db.query<{ depth: number; oldest: number | null }>(
    `SELECT count(*)::int AS depth, EXTRACT(EPOCH FROM (now() - min(created_at)))::float8 AS oldest
       FROM supplements WHERE next_attempt_at IS NOT NULL`,
  );
  const figures = (row: { depth: number; oldest: number | null } | undefined) => ({
    depth: Number(row?.depth ?? 0),
    oldestAgeSeconds: Math.max(0, Number(row?.oldest ?? 0)),
  });
  return { cases: figures(cases[0]), supplements: figures(supplements[0]) };
}
