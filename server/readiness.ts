/**
 * GET /readyz: whether this gateway instance should get traffic.
 *
 * Checks, in the JSON body as `checks[]` (`name`, `status` pass | fail |
 * warn, `critical`, and details):
 * - `database` (critical): `SELECT 1` answers within 2 s;
 * - `migrations` (critical): `schema_migrations` holds the version of every
 *   migration file of store/migrations/ (a gateway started against a
 *   database another instance has not finished migrating, or an older
 *   schema, is not ready);
 * - `upstream:<system>` (not critical), one per province-wide upstream
 *   (`upstream:matter-registry`, …) and per registered department approval
 *   system (`upstream:approval:<departmentCode>`): its latest health check
 *   (services.health), UP → pass, DEGRADED, DOWN or UNKNOWN (not checked
 *   yet) → warn;
 * - `calendar` (not critical): the working-day calendar (domain/working-days.ts)
 *   holds the official holidays of the current year (China time) → pass;
 *   otherwise warn with `lastCoveredYear`: due dates and warning levels are
 *   then counted Monday to Friday, without that year's holidays and make-up
 *   working days, until a newer `chinese-days` is installed.
 *
 * 200 `{"status":"ready"}` when every critical check passes, 503
 * `{"status":"not_ready"}` otherwise, and 503 `{"status":"draining"}` once
 * the gateway is shutting down (so that load balancers stop sending it
 * requests while it finishes the ones it has).
 *
 * Why a DOWN upstream does not make the gateway unready: readiness decides
 * whether *this instance* gets traffic, and every instance sees the same
 * upstreams, so an unready answer would take every instance out of the load
 * balancer at once and turn one department's outage into a total one. The
 * gateway is built to answer with an upstream down: guidance is served from
 * the registry cache, fields that need a failed upstream are null with a
 * typed error, and applications to a department that is down are queued in
 * the durable outbox and delivered when it is back. Upstream health is
 * reported here (and in `gateway_upstream_up` on /metrics) for alerting.
 *
 * GET /healthz is liveness only: the process answers (server/app.ts).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LAST_COVERED_YEAR, chinaYear, isYearCovered } from '../domain/working-days.ts';
import { loadMigrations } from '../store/migrate.ts';
import { errorBody, sendJson } from './http.ts';
import { CENTRAL_CONNECTORS, type GatewayServices } from './services.ts';

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface ReadinessCheck {
  name: string;
  status: CheckStatus;
  /** Whether a failure makes the gateway unready. */
  critical: boolean;
  [detail: string]: unknown;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'draining';
  checks: ReadinessCheck[];
}

const DATABASE_TIMEOUT_MS = 2000;

export interface ReadinessOptions {
  /** True once the gateway is shutting down. */
  draining?: () => boolean;
  /** Where the migration files are (tests); default store/migrations/. */
  migrationsDir?: string;
  /** The current time, for the calendar check. Default: the clock. */
  now?: () => Date;
}

export class ReadinessProbe {
  #expectedVersions: Promise<number[]> | undefined;

  constructor(
    private readonly services: Pick<GatewayServices, 'db' | 'health' | 'connectors'>,
    private readonly options: ReadinessOptions = {},
  ) {}

  async check(): Promise<ReadinessReport> {
    const [database, migrations, upstreams] = await Promise.all([this.#database(), this.#migrations(), this.#upstreams()]);
    const checks = [database, migrations, this.#calendar(), ...upstreams];
    const ready = checks.every((c) => !c.critical || c.status !== 'fail');
    const status = this.options.draining?.() ? 'draining' : ready ? 'ready' : 'not_ready';
    return { status, checks };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use GET'), { allow: 'GET, HEAD' });
    }
    const report = await this.check();
    sendJson(res, report.status === 'ready' ? 200 : 503, report, { 'cache-control': 'no-store' });
  }

  async #database(): Promise<ReadinessCheck> {
    const started = performance.now();
    try {
      await withTimeout(this.services.db.query('SELECT 1'), DATABASE_TIMEOUT_MS, 'no answer within 2 s');
      return { name: 'database', status: 'pass', critical: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { name: 'database', status: 'fail', critical: true, error: describe(error) };
    }
  }

  async #migrations(): Promise<ReadinessCheck> {
    try {
      this.#expectedVersions ??= loadMigrations(this.options.migrationsDir).then((all) => all.map((m) => m.version));
      const expected = await this.#expectedVersions.catch((error: unknown) => {
        this.#expectedVersions = undefined;
        throw error;
      });
      const { rows } = await withTimeout(
        this.services.db.query<{ version: number }>('SELECT version FROM schema_migrations'),
        DATABASE_TIMEOUT_MS,
        'no answer within 2 s',
      );
      const applied = new Set(rows.map((r) => Number(r.version)));
      const missing = expected.filter((v) => !applied.has(v));
      return {
        name: 'migrations',
        status: missing.length === 0 ? 'pass' : 'fail',
        critical: true,
        expected: expected.length,
        applied: expected.length - missing.length,
        ...(missing.length ? { missing } : {}),
      };
    } catch (error) {
      return { name: 'migrations', status: 'fail', critical: true, error: describe(error) };
    }
  }

  #calendar(): ReadinessCheck {
    const year = chinaYear(this.options.now?.() ?? new Date());
    const covered = isYearCovered(year);
    return {
      name: 'calendar',
      status: covered ? 'pass' : 'warn',
      critical: false,
      year,
      lastCoveredYear: LAST_COVERED_YEAR,
      ...(covered
        ? {}
        : {
            message: `the working-day calendar has no official holidays for ${year}: working days are counted Monday to Friday until chinese-days is updated`,
          }),
    };
  }

  async #upstreams(): Promise<ReadinessCheck[]> {
    const { health, connectors } = this.services;
    const check = (id: string, system: string, extra: Record<string, unknown>): ReadinessCheck => {
      const h = health.healthOf(id);
      return {
        name: `upstream:${system}`,
        status: h.status === 'UP' ? 'pass' : 'warn',
        critical: false,
        ...extra,
        health: h.status,
        checkedAt: h.checkedAt,
        latencyMs: h.latencyMs,
        lastError: h.lastError,
      };
    };
    const checks = Object.values(CENTRAL_CONNECTORS).map((id) => check(id, id, { kind: 'central' }));
    try {
      for (const endpoint of await connectors.all()) {
        checks.push(
          check(endpoint.id, `approval:${endpoint.departmentCode}`, {
            kind: 'approval',
            departmentCode: endpoint.departmentCode,
            connectorId: endpoint.id,
          }),
        );
      }
    } catch (error) {
      checks.push({ name: 'upstream:approval-connectors', status: 'warn', critical: false, error: describe(error) });
    }
    return checks;
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
