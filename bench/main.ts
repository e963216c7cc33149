/**
 * `npm run bench`: throughput and latency of the gateway over HTTP, against
 * the sandbox with a realistic upstream latency, and the same against a
 * NAIVE build of the same gateway (bench/trace.ts).
 *
 *   npm run bench -- --duration 10 --connections 50 --latency 20 [--database postgres://…]
 *
 * (or BENCH_DURATION_S, BENCH_CONNECTIONS, BENCH_LATENCY_MS,
 * BENCH_DATABASE_URL). Without --database each gateway has the embedded
 * in-memory database (PGlite: one WebAssembly PostgreSQL in the gateway's own
 * process, one query at a time), which then takes a large share of the
 * gateway's time; with it, each gateway gets a throwaway schema of that
 * PostgreSQL database, dropped at the end. The sandbox
 * and the load generator (autocannon) run in processes of their own; both
 * gateways run in this one, one after the other under load. All traffic
 * stays on 127.0.0.1.
 *
 * Operations:
 * - SituationPlan of the newborn topic (5 matters), as a signed-in applicant
 *   with his spouse in the form: personal exemptions from the e-certificate
 *   library and the data center, in two rounds (the applicant's own records,
 *   then the spouse the data center links to him);
 * - ApplicationStatus of a 我要开餐馆 application: 6 matters in 5 departments,
 *   3 of which hold a case waiting for a deferred material (容缺), so every
 *   status query reads 3 approval systems live (the others are decided).
 *
 * For each: requests/s, p50 and p99 latency, upstream calls per query, the
 * critical path (the longest chain of upstream calls that cannot overlap,
 * measured on one query, and as analysed) × the upstream latency, and the
 * gateway overhead = p50 − critical path.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../lib/logger.ts';
import { bootGateway, type BootedGateway } from '../server/bootstrap.ts';
import { mintToken } from '../server/identity.ts';
import { loadManifest } from '../server/trusted-documents.ts';
import type { DepartmentSystem } from '../sandbox/index.ts';
import type { LoadSettings, LoadSummary } from './load-process.ts';
import { installNaiveMode, longestChain, recordUpstreamCall, traceRequests, type RequestTrace, type TracedCall } from './trace.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    latency: { type: 'string', default: process.env.BENCH_LATENCY_MS ?? '20' },
    database: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? '' },
  },
});
const databaseUrl = args.database || null;
const runId = randomBytes(4).toString('hex');
const durationSeconds = Number(args.duration);
const connections = Number(args.connections);
const latencyMs = Number(args.latency);
for (const [name, value] of Object.entries({ duration: durationSeconds, connections, latency: latencyMs })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got ${value}`);
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const OPERATIONS = new Map(loadManifest().operations.map((o) => [o.name, o.body]));
const operation = (name: string) => OPERATIONS.get(name)!;

const FATHER = { sub: '440514199403120356', name: '陈晓明', role: 'APPLICANT' as const };
const MOTHER_ID = '440514199608250285';
const NEWBORN = {
  code: 'CN-YJS-XSECS',
  answers: [
    { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
    { questionId: 'parentsMarried', values: ['true'] },
    { questionId: 'hukouWith', values: ['FATHER'] },
    { questionId: 'ageMonths', values: ['2'] },
    { questionId: 'services', values: ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD'] },
  ],
  form: [{ key: 'spouse.idNumber', value: MOTHER_ID }],
};
const RESTAURANT = {
  code: 'CN-YJS-KCG',
  answers: [
    { questionId: 'entityType', values: ['INDIVIDUAL'] },
    { questionId: 'placeType', values: ['LEASED'] },
    { questionId: 'areaSqm', values: ['350'] },
    { questionId: 'foodTypes', values: ['HOT', 'RAW'] },
    { questionId: 'hasSignboard', values: ['true'] },
    { questionId: 'signboardArea', values: ['2'] },
  ],
};

/** What the analysis of the code says the critical path is, in upstream calls. */
const ANALYSED_CHAIN: Record<string, Record<'optimised' | 'naive', string>> = {
  SituationPlan: {
    optimised: '2 (registry cached; round 1: person ∥ certificates ∥ datasets; round 2: the spouse)',
    naive: 'every call (all sequential)',
  },
  ApplicationStatus: {
    optimised: '1 (the departments with a live case read in parallel; registry cached)',
    naive: 'every call (all sequential)',
  },
};

interface Child<T> {
  process: ChildProcess;
  first: Promise<T>;
}

function start<T>(file: string, env: Record<string, string> = {}): Child<T> {
  const child = fork(here(file), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { process: child, first };
}

interface SandboxInfo {
  urls: { matterRegistry: string; eCertificates: string; dataCenter: string; evaluation: string };
  tokens: { eCertificates: string; dataCenter: string; evaluation: string };
  departments: DepartmentSystem[];
}

interface BenchGateway {
  label: 'optimised' | 'naive';
  booted: BootedGateway;
  endpoint: string;
  /**
   * Since the last reset: requests finished, the error codes of their answers, and every upstream call of
   * this gateway (its `onUpstreamCall` hook; background polling included, which is a handful of calls).
   * Calls are not summed per request: under load, calls that wait in an upstream's bulkhead queue run in
   * the async context of the call that freed the slot, so a per-request attribution would be wrong.
   */
  counters: { requests: number; calls: number; withErrors: number; codes: Map<string, number> };
  /** The trace of the latest finished request. */
  last: RequestTrace | null;
  dataDir: string;
}

async function startGateway(label: BenchGateway['label'], sandbox: SandboxInfo, jwtSecret: string): Promise<BenchGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${label}-`));
  const counters: BenchGateway['counters'] = { requests: 0, calls: 0, withErrors: 0, codes: new Map() };
  const booted = await bootGateway({
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
      JWT_SECRET: jwtSecret,
      SECRETS_KEY: randomBytes(32).toString('hex'),
      MUTATION_RATE_LIMIT: 'off',
      // The sandbox's department systems listen on loopback, which real upstreams' connectors may not reach unless listed.
      CONNECTOR_ALLOWED_HOSTS: '127.0.0.1',
    },
    logger: createLogger({ level: 'silent' }),
    database: databaseUrl ? { url: databaseUrl, schema: `bench_${label}_${runId}` } : { dataDir: 'memory://' },
    services: {
      onUpstreamCall: (record) => {
        counters.calls++;
        recordUpstreamCall(record);
      },
      delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
    },
  });
  for (const department of sandbox.departments) {
    await booted.services.connectors.register({ ...department, createdBy: 'bench' });
  }
  const gateway: BenchGateway = { label, booted, endpoint: `${booted.gateway.url}/graphql`, counters, last: null, dataDir };
  traceRequests(booted.gateway.server, label === 'naive', (trace) => {
    gateway.counters.requests++;
    if (trace.errorCodes.length) gateway.counters.withErrors++;
    for (const code of trace.errorCodes) gateway.counters.codes.set(code, (gateway.counters.codes.get(code) ?? 0) + 1);
    gateway.last = trace;
  });
  return gateway;
}

async function graphql(gateway: BenchGateway, query: string, variables: Record<string, unknown>, token: string) {
  const response = await fetch(gateway.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** Submits the restaurant application with every value the plan asks for, and waits until 3+ departments hold a live case. */
async function submitRestaurant(gateway: BenchGateway, token: string): Promise<string> {
  const { data } = await graphql(gateway, operation('SituationPlan'), { ...RESTAURANT, form: [] }, token);
  const plan = data.topic.plan;
  const sample = (field: { type: string; options: string[] | null; maxLength: number | null }) =>
    ({ STRING: '测试', NUMBER: '350', DATE: '2026-01-01', BOOLEAN: 'true', ENUM: field.options?.[0] ?? '' })[field.type] ?? '测试';
  const form = plan.form
    .filter((f: any) => f.required || f.prefill)
    .map((f: any) => ({ key: f.key, value: f.prefill?.value ?? sample(f) }));
  const upload = await fetch(`${gateway.booted.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
  });
  const { fileRef } = (await upload.json()) as { fileRef: string };
  const owed = plan.materials.filter((m: any) => m.required && !m.exemption);
  const submitted = await graphql(
    gateway,
    operation('SubmitApplication'),
    {
      input: {
        topicCode: RESTAURANT.code,
        answers: RESTAURANT.answers,
        form,
        uploads: owed.filter((m: any) => !m.tolerant).map((m: any) => ({ materialCode: m.code, fileRef })),
        // 容缺: the cases that owe a material stay waiting for it, so their departments are read live on every query.
        deferredMaterials: owed.filter((m: any) => m.tolerant).map((m: any) => m.code),
        deliveryMethod: 'WINDOW',
        idempotencyKey: `bench-${gateway.label}`,
      },
    },
    token,
  );
  if (submitted.errors) throw new Error(`the restaurant application was refused: ${JSON.stringify(submitted.errors)}`);
  const id = submitted.data.submitApplication.application.id as string;
  const started = Date.now();
  for (;;) {
    const { data: status } = await graphql(gateway, operation('ApplicationStatus'), { id }, token);
    const cases = status.application.cases as Array<{ status: string; department: { code: string } }>;
    // Steady: every case decided, or waiting for its deferred material for good.
    const steady = cases.every((c) => c.status === 'SUPPLEMENT_REQUIRED' || c.status === 'APPROVED');
    const departments = new Set(cases.filter((c) => c.status === 'SUPPLEMENT_REQUIRED').map((c) => c.department.code));
    if (steady && departments.size >= 3) {
      process.stdout.write(`${gateway.label}: application ${id} with live cases in ${[...departments].join(', ')}\n`);
      return id;
    }
    if (Date.now() - started > 30_000) throw new Error(`the application did not settle: ${JSON.stringify(cases.map((c) => [c.department.code, c.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Measured {
  load: LoadSummary;
  callsPerQuery: number;
  /** Answers of the run that carried GraphQL errors, and their codes. */
  withErrors: number;
  codes: Map<string, number>;
  chain: number;
  calls: TracedCall[];
  /** Median latency of one query alone (no other load), in ms. */
  aloneMs: number;
}

async function measure(gateway: BenchGateway, query: string, variables: Record<string, unknown>, token: string): Promise<Measured> {
  // Warm-up and queries alone: their latency, and the chain of calls of one.
  const alone: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await graphql(gateway, query, variables, token);
    if (i >= 5) alone.push(performance.now() - started);
  }
  alone.sort((a, b) => a - b);
  const check = await graphql(gateway, query, variables, token);
  if (check.errors) throw new Error(`${gateway.label}: the query answers errors: ${JSON.stringify(check.errors)}`);
  const calls = gateway.last?.calls ?? [];
  const chain = longestChain(calls);

  gateway.counters.requests = 0;
  gateway.counters.calls = 0;
  gateway.counters.withErrors = 0;
  gateway.counters.codes = new Map();
  const child = start<LoadSummary>('./load-process.ts');
  const settings: LoadSettings = {
    url: gateway.endpoint,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    connections,
    durationSeconds,
  };
  child.process.send(settings);
  const load = await child.first;
  return {
    load,
    callsPerQuery: gateway.counters.calls / Math.max(1, gateway.counters.requests),
    withErrors: gateway.counters.withErrors,
    codes: gateway.counters.codes,
    chain,
    calls,
    aloneMs: alone[Math.floor(alone.length / 2)]!,
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function report(name: string, optimised: Measured, naive: Measured) {
  const row = (label: 'optimised' | 'naive', m: Measured) => {
    const criticalMs = m.chain * latencyMs;
    return {
      build: label,
      'req/s': fmt(m.load.requestsPerSecond),
      'p50 ms': fmt(m.load.p50, 0),
      'p99 ms': fmt(m.load.p99, 0),
      'calls/query': fmt(m.callsPerQuery, 2),
      'chain (measured)': `${m.chain} × ${latencyMs} ms = ${criticalMs} ms`,
      'overhead = p50 − chain': `${fmt(m.load.p50 - criticalMs, 0)} ms`,
      'alone ms (overhead)': `${fmt(m.aloneMs, 0)} (${fmt(m.aloneMs - criticalMs, 0)})`,
      'GraphQL errors': m.withErrors ? `${m.withErrors} ${[...m.codes].map(([c, n]) => `${c}×${n}`).join(' ')}` : '0',
      'non-2xx/errors/timeouts': `${m.load.non2xx}/${m.load.errors}/${m.load.timeouts}`,
    };
  };
  process.stdout.write(`\n${name}  (${connections} connections, ${durationSeconds} s, upstream latency ${latencyMs} ms)\n`);
  console.table([row('optimised', optimised), row('naive', naive)]);
  process.stdout.write(
    [
      `  critical path as analysed: optimised ${ANALYSED_CHAIN[name]!.optimised}; naive ${ANALYSED_CHAIN[name]!.naive}`,
      `  one optimised query's calls: ${optimised.calls.map((c) => `${c.upstream} ${c.path}`).join(', ') || 'none'}`,
      `  naive / optimised: p50 × ${fmt(naive.load.p50 / optimised.load.p50, 2)}, p99 × ${fmt(naive.load.p99 / optimised.load.p99, 2)}, ` +
        `req/s × ${fmt(naive.load.requestsPerSecond / optimised.load.requestsPerSecond, 3)} (optimised serves ${fmt(optimised.load.requestsPerSecond / naive.load.requestsPerSecond, 1)}× as many), ` +
        `calls/query × ${fmt(naive.callsPerQuery / optimised.callsPerQuery, 1)}`,
      '',
    ].join('\n'),
  );
}

async function main() {
  const began = Date.now();
  process.stdout.write(
    `bench: sandbox with ${latencyMs} ms per upstream call; ${connections} connections for ${durationSeconds} s per run; ` +
      `database: ${databaseUrl ? `PostgreSQL (${new URL(databaseUrl).host})` : 'embedded (PGlite, in memory)'}\n`,
  );
  const sandboxChild = start<SandboxInfo & { type: string }>('./sandbox-process.ts', { BENCH_LATENCY_MS: String(latencyMs) });
  const gateways: BenchGateway[] = [];
  try {
    const sandbox = await sandboxChild.first;
    const jwtSecret = randomBytes(32).toString('base64url');
    const token = await mintToken(jwtSecret, FATHER, { expiresIn: '2h' });
    installNaiveMode();
    const optimised = await startGateway('optimised', sandbox, jwtSecret);
    gateways.push(optimised);
    const naive = await startGateway('naive', sandbox, jwtSecret);
    gateways.push(naive);

    const applications = { optimised: await submitRestaurant(optimised, token), naive: await submitRestaurant(naive, token) };
    process.stdout.write(`set up in ${fmt((Date.now() - began) / 1000)} s\n`);

    const plan = operation('SituationPlan');
    const planResults = [await measure(optimised, plan, NEWBORN, token), await measure(naive, plan, NEWBORN, token)] as const;
    report('SituationPlan', ...planResults);

    const status = operation('ApplicationStatus');
    const statusResults = [
      await measure(optimised, status, { id: applications.optimised }, token),
      await measure(naive, status, { id: applications.naive }, token),
    ] as const;
    report('ApplicationStatus', ...statusResults);
    process.stdout.write(`bench done in ${fmt((Date.now() - began) / 1000)} s\n`);
  } finally {
    for (const gateway of gateways) {
      if (databaseUrl) await gateway.booted.services.db.query(`DROP SCHEMA bench_${gateway.label}_${runId} CASCADE`).catch(() => undefined);
      await gateway.booted.stop();
      rmSync(gateway.dataDir, { recursive: true, force: true });
    }
    sandboxChild.process.send({ type: 'close' });
    await new Promise((resolve) => sandboxChild.process.once('exit', resolve));
  }
}

await main();
