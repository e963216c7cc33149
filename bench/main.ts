/**
 * `npm run bench`: cost, throughput and latency of the gateway over HTTP,
 * against the sandbox with a realistic upstream latency, for three builds:
 *
 * - optimised: the gateway as it ships;
 * - naive: the same gateway with batching, caching and concurrency switched
 *   off (bench/trace.ts);
 * - floor: the least a server can do for the same operation on this stack —
 *   the same upstream calls with undici, the same access-log rows, no GraphQL,
 *   no framework (bench/floor.ts) — the physical limit to compare with.
 *
 *   npm run bench -- --duration 10 --connections 50 --latency 20 [--requests 2000]
 *                    [--postgres | --database postgres://…] [--instances 2]
 *   npm run bench -- --builds optimised --operations SituationPlan --profile /tmp/prof
 *   npm run bench -- --scale …   (cost as the data grows: bench/scale.ts)
 *
 * (or BENCH_DURATION_S, BENCH_CONNECTIONS, BENCH_LATENCY_MS,
 * BENCH_DATABASE_URL). Without a database each instance has the embedded
 * in-memory database (PGlite: one WebAssembly PostgreSQL in the gateway's own
 * process). `--postgres` starts a throwaway PostgreSQL cluster (bench/postgres.ts,
 * as .ci/run does) and `--database` uses an existing one; either way each
 * build gets a throwaway schema, shared by its instances (default two, behind
 * the load generator round-robin), dropped at the end.
 *
 * Every gateway instance runs in a process of its own (bench/gateway-process.ts),
 * and so do the sandbox and the load generator (autocannon), all on 127.0.0.1.
 * The number to decide on is the gateway's **CPU time per request**
 * (process.cpuUsage of the instances across the run / requests answered): on a
 * shared machine wall-clock throughput is noise, CPU per request is not.
 * `--requests N` makes every run a fixed amount of work instead of a duration.
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
 * One line per build and operation: requests/s, p50 and p99 under load, CPU
 * ms per request under load and alone (on warm code, net of what the idle
 * process spends by itself), the query alone's latency and overhead (its p50 −
 * the critical path, measured: the same upstream requests replayed round by
 * round with bare undici, where a round is the calls that can overlap),
 * upstream calls per query, RSS.
 * Then one line with the ratios (ours / floor, ours / naive).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../server/identity.ts';
import type { Build, SandboxInfo } from './gateway-process.ts';
import { Instance, graphql, start } from './processes.ts';
import { FATHER, NEWBORN, operation, submitRestaurant } from './fixtures.ts';
import type { FloorScript } from './floor.ts';
import type { LoadSettings, LoadSummary } from './load-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres.ts';
import type { TracedCall } from './trace.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '10' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    latency: { type: 'string', default: process.env.BENCH_LATENCY_MS ?? '20' },
    requests: { type: 'string', default: '' },
    database: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? '' },
    postgres: { type: 'boolean', default: false },
    instances: { type: 'string', default: '' },
    builds: { type: 'string', default: 'optimised,floor,naive' },
    operations: { type: 'string', default: 'SituationPlan,ApplicationStatus' },
    scale: { type: 'boolean', default: false },
    profile: { type: 'string', default: '' },
  },
  strict: false,
});

type BuildName = Build | 'floor';

interface Settings {
  durationSeconds: number;
  connections: number;
  latencyMs: number;
  amount: number | undefined;
  instances: number;
  builds: BuildName[];
  operations: string[];
}

function settingsFrom(): Settings {
  const durationSeconds = Number(args.duration);
  const connections = Number(args.connections);
  const latencyMs = Number(args.latency);
  const amount = args.requests ? Number(args.requests) : undefined;
  const usesServer = Boolean(args.postgres || args.database);
  const instances = args.instances ? Number(args.instances) : usesServer ? 2 : 1;
  for (const [name, value] of Object.entries({ duration: durationSeconds, connections, latency: latencyMs, requests: amount ?? 0, instances })) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  }
  if (instances < 1 || instances > 4) throw new Error('--instances must be 1 to 4');
  if (instances > 1 && !usesServer) throw new Error('several instances need a shared PostgreSQL: add --postgres or --database');
  const builds = String(args.builds).split(',') as BuildName[];
  for (const build of builds) if (!['optimised', 'floor', 'naive'].includes(build)) throw new Error(`unknown build ${build}`);
  if (builds.includes('floor') && !builds.includes('optimised')) throw new Error('the floor replays the optimised build: keep optimised in --builds');
  return { durationSeconds, connections, latencyMs, amount, instances, builds, operations: String(args.operations).split(',') };
}

/** What the analysis of the code says the critical path is, in upstream calls. */
const ANALYSED_CHAIN: Record<string, string> = {
  SituationPlan: 'optimised 2 (registry cached; round 1: person ∥ certificates ∥ datasets; round 2: the spouse); naive every call',
  ApplicationStatus: 'optimised 1 (the departments with a live case read in parallel; registry cached); naive every call',
};

interface Measured {
  build: BuildName;
  load: LoadSummary;
  /** Requests the instances answered during the load, and their CPU time, in ms per request. */
  answered: number;
  cpuPerRequestMs: number;
  /** CPU time of one query alone, net of what the idle process spends by itself, in ms. */
  cpuAloneMs: number;
  /** CPU the idle process spends by itself, in % of one core. */
  idleCpuPercent: number;
  callsPerQuery: number;
  withErrors: number;
  codes: Map<string, number>;
  chain: number;
  /** The critical path measured: the query's upstream requests replayed round by round with bare undici, p50 in ms. */
  criticalMs: number;
  calls: TracedCall[];
  /** Median latency of one query alone (no other load), in ms. */
  aloneMs: number;
  rssMb: number;
}

/** Queries before the ones alone are timed (ALONE_WARM_UP_PARALLEL at a time). */
const ALONE_WARM_UP = 400;
const ALONE_WARM_UP_PARALLEL = 10;
const ALONE_MEASURED = 50;
/** How long the idle process is watched for its own CPU time, in ms. */
const IDLE_MS = 2000;

async function sumStats(instances: readonly Instance[]) {
  const all = await Promise.all(instances.map((i) => i.stats()));
  return {
    cpuMs: all.reduce((s, x) => s + x.cpuMs, 0),
    requests: all.reduce((s, x) => s + x.requests, 0),
    floorAnswered: all.reduce((s, x) => s + x.floorAnswered, 0),
    calls: all.reduce((s, x) => s + x.calls, 0),
    withErrors: all.reduce((s, x) => s + x.withErrors, 0),
    codes: all.flatMap((x) => x.codes),
    rssMb: Math.max(...all.map((x) => x.rssBytes)) / 2 ** 20,
  };
}

async function measure(
  settings: Settings,
  build: BuildName,
  instances: readonly Instance[],
  name: string,
  variables: Record<string, unknown>,
  token: string,
  floorScript: FloorScript | null,
): Promise<Measured> {
  const query = operation(name);
  const endpointOf = (i: Instance) => (build === 'floor' ? i.ready.floorEndpoint! : i.ready.endpoint);
  const answeredOf = (s: Awaited<ReturnType<typeof sumStats>>) => (build === 'floor' ? s.floorAnswered : s.requests);
  const first = instances[0]!;
  // Only the one query whose calls are read (below) is traced: the bench's bookkeeping is no part of the gateway's cost.
  await first.call('tracing', { on: false });
  // Warm-up until V8 has optimised the operation's code: a query alone on cold code measures the JIT, not the gateway.
  for (let i = 0; i < ALONE_WARM_UP; i += ALONE_WARM_UP_PARALLEL) {
    await Promise.all(Array.from({ length: ALONE_WARM_UP_PARALLEL }, () => graphql(endpointOf(first), query, variables, token)));
  }
  // What the idle process spends by itself (its background loops, timers), to take out of the CPU of queries alone;
  // after a pause, so that the warm-up's own garbage collection is not taken for idling.
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 2));
  const idleBefore = await sumStats([first]);
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleCpuPerMs = ((await sumStats([first])).cpuMs - idleBefore.cpuMs) / (performance.now() - idleStarted);
  const alone: number[] = [];
  const aloneBefore = await sumStats([first]);
  const aloneStarted = performance.now();
  for (let i = 0; i < ALONE_MEASURED; i++) {
    const started = performance.now();
    await graphql(endpointOf(first), query, variables, token);
    alone.push(performance.now() - started);
  }
  const aloneWallMs = performance.now() - aloneStarted;
  const aloneAfter = await sumStats([first]);
  alone.sort((a, b) => a - b);
  const requestId = `bench-${randomUUID()}`;
  await first.call('tracing', { on: true });
  const check = await graphql(endpointOf(first), query, variables, token, requestId);
  if (check.errors) throw new Error(`${build}: the query answers errors: ${JSON.stringify(check.errors)}`);
  let calls: TracedCall[] = [];
  let chain: number;
  if (build === 'floor') {
    chain = floorScript!.rounds.length;
  } else {
    ({ calls, chain } = await first.call<{ calls: TracedCall[]; chain: number }>('last-calls'));
  }
  const criticalMs = await first.call<number>('critical-path', { of: build === 'floor' ? 'floor' : 'last', operation: name, times: ALONE_MEASURED });

  // Under load, requests are not traced (the naive build's are): the bench's own bookkeeping would count as the gateway's CPU.
  await Promise.all(instances.map((i) => i.call('tracing', { on: false })));
  await Promise.all(instances.map((i) => i.call('reset')));
  const before = await sumStats(instances);
  const child = start<LoadSummary>('./load-process.ts');
  const load: LoadSettings = {
    urls: instances.map(endpointOf),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    ...(settings.amount ? { amount: settings.amount } : {}),
  };
  child.process.send(load);
  const summary = await child.first;
  const after = await sumStats(instances);
  if (process.env.BENCH_COUNT_SQL) {
    for (const instance of instances) for (const [sql, n] of (await instance.stats()).sql) process.stdout.write(`  ${String(n).padStart(6)} × ${sql}\n`);
  }
  const answered = answeredOf(after) - (build === 'floor' ? answeredOf(before) : 0);
  const codes = new Map<string, number>();
  for (const [code, n] of after.codes) codes.set(code, (codes.get(code) ?? 0) + n);
  return {
    build,
    load: summary,
    answered,
    cpuPerRequestMs: (after.cpuMs - before.cpuMs) / Math.max(1, answered),
    cpuAloneMs: Math.max(0, aloneAfter.cpuMs - aloneBefore.cpuMs - idleCpuPerMs * aloneWallMs) / ALONE_MEASURED,
    idleCpuPercent: 100 * idleCpuPerMs,
    callsPerQuery: build === 'floor' ? floorScript!.rounds.flat().length : after.calls / Math.max(1, after.requests),
    withErrors: build === 'floor' ? 0 : after.withErrors,
    codes,
    chain,
    criticalMs,
    calls,
    aloneMs: alone[Math.floor(alone.length / 2)]!,
    rssMb: after.rssMb,
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function line(settings: Settings, name: string, m: Measured): string {
  const errors = m.withErrors ? ` GraphQL errors ${m.withErrors} (${[...m.codes].map(([c, n]) => `${c}×${n}`).join(' ')})` : '';
  const failures = m.load.non2xx + m.load.errors + m.load.timeouts;
  return (
    `${name.padEnd(17)} ${m.build.padEnd(9)} ${fmt(m.load.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(m.load.p50, 0).padStart(4)} ms  p99 ${fmt(m.load.p99, 0).padStart(4)} ms  ` +
    `CPU ${fmt(m.cpuPerRequestMs, 2).padStart(6)} ms/req (alone ${fmt(m.cpuAloneMs, 2)}, idle ${fmt(m.idleCpuPercent, 1)} %)  ` +
    `alone ${fmt(m.aloneMs, 1)} ms = critical path ${fmt(m.criticalMs, 1)} (${m.chain} round${m.chain === 1 ? '' : 's'} of ${settings.latencyMs} ms) + ${fmt(m.aloneMs - m.criticalMs, 1)} ms overhead  ` +
    `calls/query ${fmt(m.callsPerQuery, 2)}  RSS ${fmt(m.rssMb, 0)} MB  answered ${m.answered}` +
    (failures ? `  non-2xx/errors/timeouts ${m.load.non2xx}/${m.load.errors}/${m.load.timeouts}` : '') +
    errors
  );
}

function ratios(name: string, results: Map<BuildName, Measured>): string {
  const ours = results.get('optimised');
  const parts: string[] = [];
  const overhead = (m: Measured) => m.aloneMs - m.criticalMs;
  const floor = results.get('floor');
  const naive = results.get('naive');
  if (ours && floor) {
    parts.push(
      `ours/floor req/s ${fmt((100 * ours.load.requestsPerSecond) / floor.load.requestsPerSecond, 0)} %, ` +
        `CPU/req ×${fmt(ours.cpuPerRequestMs / floor.cpuPerRequestMs, 2)}, overhead alone ${fmt(overhead(ours), 1)} vs ${fmt(overhead(floor), 1)} ms`,
    );
  }
  if (ours && naive) {
    parts.push(`ours/naive req/s ×${fmt(ours.load.requestsPerSecond / naive.load.requestsPerSecond, 2)}, CPU/req ×${fmt(ours.cpuPerRequestMs / naive.cpuPerRequestMs, 2)}`);
  }
  if (ours) parts.push(`ours p99/p50 ×${fmt(ours.load.p99 / Math.max(1, ours.load.p50), 2)}`);
  return `${name}: ${parts.join('; ')}`;
}

async function main() {
  const settings = settingsFrom();
  const began = Date.now();
  let postgres: ThrowawayPostgres | null = null;
  let databaseUrl = (args.database as string) || null;
  const runId = randomBytes(4).toString('hex');
  const sandboxChild = start<SandboxInfo & { type: string }>('./sandbox-process.ts', { BENCH_LATENCY_MS: String(settings.latencyMs) });
  const instances = new Map<Build, Instance[]>();
  const schemas: string[] = [];
  try {
    if (args.postgres) {
      postgres = await startThrowawayPostgres();
      databaseUrl = postgres.url;
    }
    process.stdout.write(
      `bench: sandbox with ${settings.latencyMs} ms per upstream call; ${settings.connections} connections for ` +
        `${settings.amount ? `${settings.amount} requests` : `${settings.durationSeconds} s`} per run; ${settings.instances} instance(s) per build; ` +
        `database: ${databaseUrl ? `PostgreSQL (${new URL(databaseUrl).host}${postgres ? ', throwaway cluster' : ''})` : 'embedded (PGlite, in memory)'}\n`,
    );
    const sandbox = await sandboxChild.first;
    const jwtSecret = randomBytes(32).toString('base64url');
    const secretsKey = randomBytes(32).toString('hex');
    const token = await mintToken(jwtSecret, FATHER, { expiresIn: '2h' });
    const gatewayBuilds = (['optimised', 'naive'] as const).filter((b) => settings.builds.includes(b));
    for (const build of gatewayBuilds) {
      const schema = `bench_${build}_${runId}`;
      if (databaseUrl) schemas.push(schema);
      const database = databaseUrl ? { url: databaseUrl, schema } : null;
      const list: Instance[] = [];
      instances.set(build, list);
      // The first instance migrates and registers the departments; the others join it.
      list.push(await new Instance(build, (args.profile as string) || undefined).boot({ build, sandbox, jwtSecret, secretsKey, database, registerDepartments: true }));
      for (let n = 1; n < settings.instances; n++) {
        list.push(await new Instance(build, (args.profile as string) || undefined).boot({ build, sandbox, jwtSecret, secretsKey, database, registerDepartments: false }));
      }
    }
    const applications = new Map<Build, string>();
    for (const build of gatewayBuilds) applications.set(build, await submitRestaurant(instances.get(build)![0]!, token));
    process.stdout.write(`set up in ${fmt((Date.now() - began) / 1000)} s\n\n`);

    const summaries: string[] = [];
    for (const name of settings.operations) {
      const results = new Map<BuildName, Measured>();
      let script: FloorScript | null = null;
      for (const build of settings.builds) {
        const gateway: Build = build === 'floor' ? 'optimised' : build;
        const list = instances.get(gateway)!;
        const variables = name === 'ApplicationStatus' ? { id: applications.get(gateway)! } : NEWBORN;
        if (build === 'floor') {
          // Record what the optimised gateway does for one such query, and give it to every instance's floor.
          await list[0]!.call('tracing', { on: true });
          const requestId = `bench-record-${randomUUID()}`;
          await graphql(list[0]!.ready.endpoint, operation(name), variables, token, requestId);
          script = await list[0]!.call<FloorScript>('record-floor', { operation: name, requestId, readsApplication: name === 'ApplicationStatus' });
          for (const other of list.slice(1)) await other.call('set-floor-script', { script });
        }
        const measured = await measure(settings, build, list, name, variables, token, script);
        results.set(build, measured);
        process.stdout.write(`${line(settings, name, measured)}\n`);
        if (build === 'optimised') {
          process.stdout.write(`${' '.repeat(18)}one query's calls: ${measured.calls.map((c) => `${c.upstream} ${c.path}`).join(', ') || 'none'}\n`);
        }
      }
      process.stdout.write(`${' '.repeat(18)}critical path as analysed: ${ANALYSED_CHAIN[name] ?? '?'}\n\n`);
      summaries.push(ratios(name, results));
    }
    process.stdout.write(`ratios: ${summaries.join(' | ')}\n`);
    process.stdout.write(`bench done in ${fmt((Date.now() - began) / 1000)} s\n`);
  } finally {
    for (const list of instances.values()) await Promise.all(list.map((i) => i.close()));
    if (databaseUrl && schemas.length) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect().catch(() => undefined);
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    postgres?.stop();
    sandboxChild.process.send({ type: 'close' });
    await new Promise((resolve) => (sandboxChild.process.exitCode !== null ? resolve(null) : sandboxChild.process.once('exit', resolve)));
  }
}

if (args.scale) await import('./scale.ts');
else await main();
