/**
 * One gateway instance of the benchmark, in a process of its own so that its
 * CPU time (process.cpuUsage) and memory are its own, and several instances
 * can share one PostgreSQL database. Besides the gateway (the optimised or
 * the NAIVE build, bench/trace.ts), an optimised instance also serves the
 * FLOOR build (bench/floor.ts) on its own port, over the same database.
 *
 * BENCH_DELIVERY_BATCH and BENCH_DELIVERY_CONCURRENCY override the outbox's
 * batch size and deliveries in flight, to compare settings with `--scale --parts drain`.
 *
 * Driven by bench/main.ts over IPC: every message `{ id, type, … }` gets one
 * answer `{ id, result }` or `{ id, error }`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../lib/logger.ts';
import { bootGateway, type BootedGateway } from '../server/bootstrap.ts';
import { createTokenVerifier } from '../server/identity.ts';
import type { DepartmentSystem } from '../sandbox/index.ts';
import { startFloor, timeRounds, type FloorScript, type FloorServer } from './floor.ts';
import {
  captureUpstreamRequests,
  installNaiveMode,
  longestChain,
  recordUpstreamCall,
  roundsOf,
  traceRequests,
  type RequestTrace,
  type TracedCall,
  type Tracing,
} from './trace.ts';

export type Build = 'optimised' | 'naive';

export interface SandboxInfo {
  urls: { matterRegistry: string; eCertificates: string; dataCenter: string; evaluation: string };
  tokens: { eCertificates: string; dataCenter: string; evaluation: string };
  departments: DepartmentSystem[];
}

export interface BootRequest {
  build: Build;
  sandbox: SandboxInfo;
  jwtSecret: string;
  /** Seals the connectors' tokens: the same for every instance of one database, as in production. */
  secretsKey: string;
  /** PostgreSQL URL and schema shared by the instances; null: an embedded in-memory database of its own. */
  database: { url: string; schema: string } | null;
  /** Registers the sandbox's departments (once per database). */
  registerDepartments: boolean;
}

export interface ProcessStats {
  /** User + system CPU time of this process since it started, in ms. */
  cpuMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Since the last reset: GraphQL requests answered, upstream calls, answers with errors and their codes. */
  requests: number;
  calls: number;
  withErrors: number;
  codes: Array<[string, number]>;
  /** Requests the floor answered since it started. */
  floorAnswered: number;
  /** With BENCH_COUNT_SQL set: statements sent through the database handle since the last reset, by their start. */
  sql: Array<[string, number]>;
}

export interface ReadyInfo {
  url: string;
  endpoint: string;
  floorEndpoint: string | null;
}

let booted: BootedGateway | null = null;
let floor: FloorServer | null = null;
let dataDir: string | null = null;
let last: RequestTrace | null = null;
let tracing: Tracing | null = null;
const sqlCounts = new Map<string, number>();
const counters = { requests: 0, calls: 0, withErrors: 0, codes: new Map<string, number>() };

async function boot(request: BootRequest): Promise<ReadyInfo> {
  const { sandbox, build } = request;
  dataDir = mkdtempSync(join(tmpdir(), `bench-${build}-`));
  if (build === 'naive') installNaiveMode();
  captureUpstreamRequests();
  booted = await bootGateway({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      MATTER_REGISTRY_URL: sandbox.urls.matterRegistry,
      E_CERTIFICATES_URL: sandbox.urls.eCertificates,
      E_CERTIFICATES_TOKEN: sandbox.tokens.eCertificates,
      DATA_CENTER_URL: sandbox.urls.dataCenter,
      DATA_CENTER_TOKEN: sandbox.tokens.dataCenter,
      EVALUATION_URL: sandbox.urls.evaluation,
      EVALUATION_TOKEN: sandbox.tokens.evaluation,
      JWT_SECRET: request.jwtSecret,
      SECRETS_KEY: request.secretsKey,
      MUTATION_RATE_LIMIT: 'off',
      // The sandbox's department systems listen on loopback, which real upstreams' connectors may not reach unless listed.
      CONNECTOR_ALLOWED_HOSTS: '127.0.0.1',
    },
    logger: createLogger({ level: 'silent' }),
    database: request.database ?? { dataDir: 'memory://' },
    services: {
      onUpstreamCall: (record) => {
        counters.calls++;
        recordUpstreamCall(record);
      },
      // Production's batch cadence; only the first status read after delivery is hurried, for the set-up.
      delivery: {
        firstPollAfterMs: 50,
        backoffBaseMs: 50,
        backoffMaxMs: 200,
        ...(process.env.BENCH_DELIVERY_BATCH ? { batchSize: Number(process.env.BENCH_DELIVERY_BATCH) } : {}),
        ...(process.env.BENCH_DELIVERY_CONCURRENCY ? { concurrency: Number(process.env.BENCH_DELIVERY_CONCURRENCY) } : {}),
      },
    },
  });
  if (process.env.BENCH_COUNT_SQL) {
    const db = booted.services.db as { query: (sql: string, params?: readonly unknown[]) => Promise<unknown>; transaction: Function };
    const query = db.query.bind(db);
    db.query = (sql, params) => {
      const key = sql.replace(/\s+/g, ' ').slice(0, 70);
      sqlCounts.set(key, (sqlCounts.get(key) ?? 0) + 1);
      return query(sql, params);
    };
  }
  if (request.registerDepartments) {
    for (const department of sandbox.departments) {
      await booted.services.connectors.register({ ...department, createdBy: 'bench' });
    }
  }
  tracing = traceRequests(booted.gateway.server, build === 'naive', (trace) => {
    counters.requests++;
    if (trace.errorCodes.length) counters.withErrors++;
    for (const code of trace.errorCodes) counters.codes.set(code, (counters.codes.get(code) ?? 0) + 1);
    last = trace;
  });
  if (build === 'optimised') {
    floor = await startFloor({ db: booted.services.db, verifier: await createTokenVerifier({ secret: request.jwtSecret }) });
  }
  return { url: booted.gateway.url, endpoint: `${booted.gateway.url}/graphql`, floorEndpoint: floor?.url ?? null };
}

function stats(): ProcessStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    requests: counters.requests,
    calls: counters.calls,
    withErrors: counters.withErrors,
    codes: [...counters.codes],
    floorAnswered: floor?.answered ?? 0,
    sql: [...sqlCounts],
  };
}

/** The floor's script for `operation`, from the latest request of this gateway (a query alone) and its access-log rows. */
async function recordFloorScript(operation: string, requestId: string, readsApplication: boolean): Promise<FloorScript> {
  if (!booted || !last) throw new Error('no request to record yet');
  const { rows } = await booted.services.db.query<{ subject: string; system: string; items: string[]; purpose: string }>(
    'SELECT subject, system, items, purpose FROM access_log WHERE request_id = $1 ORDER BY id',
    [requestId],
  );
  const rounds = roundsOf(last.requests).map((round) =>
    round.map(({ origin, method, path, headers, body }) => ({ origin, method, path, headers, body })),
  );
  const script: FloorScript = { operation, rounds, accessLog: rows, readsApplication };
  floor?.setScript(script);
  return script;
}

let closing: Promise<void> | null = null;

function close(): Promise<void> {
  return (closing ??= (async () => {
    await floor?.close();
    await booted?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  })());
}

type Message =
  | { id: number; type: 'boot'; request: BootRequest }
  | { id: number; type: 'stats' }
  | { id: number; type: 'reset' }
  | { id: number; type: 'tracing'; on: boolean }
  | { id: number; type: 'last-calls' }
  | { id: number; type: 'record-floor'; operation: string; requestId: string; readsApplication: boolean }
  | { id: number; type: 'set-floor-script'; script: FloorScript }
  | { id: number; type: 'critical-path'; of: 'last' | 'floor'; operation: string; times: number }
  | { id: number; type: 'close' };

async function handle(message: Message): Promise<unknown> {
  switch (message.type) {
    case 'boot':
      return boot(message.request);
    case 'stats':
      return stats();
    case 'reset':
      counters.requests = 0;
      counters.calls = 0;
      counters.withErrors = 0;
      counters.codes = new Map();
      sqlCounts.clear();
      return null;
    case 'tracing':
      tracing?.set(message.on);
      return null;
    case 'last-calls': {
      const calls: TracedCall[] = last?.calls ?? [];
      return { calls, chain: longestChain(calls) };
    }
    case 'record-floor':
      return recordFloorScript(message.operation, message.requestId, message.readsApplication);
    case 'critical-path': {
      // The upstream requests of the latest query (or the floor's script), replayed round by round with bare undici.
      const rounds = message.of === 'floor' ? floor?.script(message.operation)?.rounds : last ? roundsOf(last.requests) : undefined;
      if (!rounds) throw new Error(`no recorded calls for ${message.operation}`);
      return timeRounds(rounds, message.times);
    }
    case 'set-floor-script':
      floor?.setScript(message.script);
      return null;
    case 'close':
      await close();
      return null;
  }
}

process.on('message', (message: Message) => {
  handle(message).then(
    (result) => {
      process.send!({ id: message.id, result });
      if (message.type === 'close') process.disconnect();
    },
    (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
process.on('disconnect', () => void close().finally(() => process.exit(0)));
