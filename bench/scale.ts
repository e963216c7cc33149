/**
 * `npm run bench -- --scale`: what a request costs as the work and the data
 * grow (issue 11, target 5). Four parts, each bounded, all on 127.0.0.1:
 *
 * - plans: SituationPlan of generated topics with 5, 50 and 200 matters
 *   (bench/generated-topics.ts), signed in with the spouse in the form, on
 *   the embedded database: CPU ms per plan over a fixed number of plans, and
 *   per matter;
 * - paging: DepartmentCases (first page, a page from the middle by cursor),
 *   MyApplications and AssessmentMetrics over 10³, 10⁵ and 10⁶ stored cases on
 *   PostgreSQL, bulk-loaded with generate_series (4 cases and 12 materials an application):
 *   p50 of sequential queries, and EXPLAIN ANALYZE of the store's queries
 *   (the paging statements of store/applications.ts, copied; the metrics'
 *   own, imported from store/metrics.ts);
 * - drain: 10,000 queued cases delivered by the outboxes of two instances to
 *   departments answering in 50 ms: cases/s, and none lost or doubled (every
 *   case holds a distinct department case id; POSTs counted by the sandbox);
 * - rss, rss-postgres: the gateway's RSS before, during (every 5 s) and after
 *   a 60 s SituationPlan load, on the embedded database and on PostgreSQL.
 *
 *   npm run bench -- --scale [--parts plans,paging,drain,rss,rss-postgres] [--matters 5,50,200]
 *                    [--cases 1000,100000,1000000] [--drain 10000] [--rss-seconds 60]
 *                    [--database postgres://…]   (default: a throwaway cluster, bench/postgres.ts)
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadSandboxData } from '../sandbox/index.ts';
import { mintToken } from '../server/identity.ts';
import { countingSpans } from '../domain/metrics.ts';
import { encodeCursor } from '../store/applications.ts';
import { PERIOD_APPLICATIONS_SQL, PERIOD_CASES_SQL, caseSpanParameters, spanParameters } from '../store/metrics.ts';
import { FATHER, NEWBORN, operation, submitRestaurant } from './fixtures.ts';
import type { SandboxInfo } from './gateway-process.ts';
import { scaleTopicCode } from './generated-topics.ts';
import type { LoadSettings, LoadSummary } from './load-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres.ts';
import { Instance, graphql, start, type Child } from './processes.ts';
import { p50 } from './timing.ts';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'boolean', default: true },
    parts: { type: 'string', default: 'plans,paging,drain,rss,rss-postgres' },
    matters: { type: 'string', default: '5,50,200' },
    cases: { type: 'string', default: '1000,100000,1000000' },
    drain: { type: 'string', default: '10000' },
    'rss-seconds': { type: 'string', default: '60' },
    connections: { type: 'string', default: '50' },
    database: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? '' },
  },
  strict: false,
});

const numbers = (text: unknown) => String(text).split(',').filter(Boolean).map(Number);
const parts = new Set(String(args.parts).split(','));
const matterSizes = numbers(args.matters);
const caseSizes = numbers(args.cases).sort((a, b) => a - b);
const drainCount = Number(args.drain);
const rssSeconds = Number(args['rss-seconds']);
const connections = Number(args.connections);
for (const value of [...matterSizes, ...caseSizes, drainCount, rssSeconds, connections]) {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--scale options take positive whole numbers, got ${value}`);
}
if (caseSizes.at(-1)! > 5_000_000 || drainCount > 100_000 || rssSeconds > 600 || matterSizes.some((n) => n > 1000)) {
  throw new Error('--scale sizes are bounded: at most 5,000,000 cases, 100,000 drained, 600 s of RSS load, 1000 matters');
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const say = (text: string) => process.stdout.write(`${text}\n`);
const jwtSecret = randomBytes(32).toString('base64url');
const secretsKey = randomBytes(32).toString('hex');
const runId = randomBytes(4).toString('hex');

function startSandbox(latencyMs: number, scaleMatters: readonly number[] = []): Child<SandboxInfo> {
  return start<SandboxInfo>('./sandbox-process.ts', {
    BENCH_LATENCY_MS: String(latencyMs),
    ...(scaleMatters.length ? { BENCH_SCALE_MATTERS: scaleMatters.join(',') } : {}),
  });
}

async function closeChild(child: Child<unknown>): Promise<void> {
  if (child.process.exitCode !== null) return;
  child.process.send({ type: 'close' });
  await new Promise((resolve) => child.process.once('exit', resolve));
}

async function load(settings: LoadSettings): Promise<LoadSummary> {
  const child = start<LoadSummary>('./load-process.ts');
  child.process.send(settings);
  return child.first;
}

function check(name: string, answer: { errors?: unknown[] }) {
  if (answer.errors) throw new Error(`${name} answered errors: ${JSON.stringify(answer.errors).slice(0, 500)}`);
}


async function plans(): Promise<void> {
  say(`\n== plans: SituationPlan over ${matterSizes.join(', ')} matters (embedded database, CPU time of the gateway process)`);
  const sandboxChild = startSandbox(20, matterSizes);
  const instance = new Instance('optimised');
  try {
    const sandbox = await sandboxChild.first;
    await instance.boot({ build: 'optimised', sandbox, jwtSecret, secretsKey, database: null, registerDepartments: true });
    const token = await mintToken(jwtSecret, FATHER, { expiresIn: '2h' });
    const perMatter: number[] = [];
    for (const n of matterSizes) {
      const variables = { ...NEWBORN, code: scaleTopicCode(n) };
      const query = operation('SituationPlan');
      const answer = await graphql(instance.ready.endpoint, query, variables, token);
      check(`SituationPlan of ${n} matters`, answer);
      const plan = answer.data.topic.plan;
      const amount = Math.max(100, Math.round(6000 / n));
      const before = await instance.stats();
      const summary = await load({
        urls: [instance.ready.endpoint],
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        connections: 10,
        durationSeconds: 0,
        amount,
      });
      const after = await instance.stats();
      const cpu = (after.cpuMs - before.cpuMs) / Math.max(1, after.requests - before.requests);
      perMatter.push(cpu / n);
      say(
        `plan ${String(n).padStart(4)} matters: ${plan.matters.length} in the plan, ${plan.materials.length} materials, ${plan.form.length} form fields; ` +
          `CPU ${fmt(cpu, 2)} ms/plan (${fmt(cpu / n, 3)} ms/matter) over ${after.requests - before.requests} plans; p50 ${summary.p50} ms at 10 connections`,
      );
    }
    say(`plans: CPU per matter from ${matterSizes[0]} to ${matterSizes.at(-1)} matters ×${fmt(perMatter.at(-1)! / perMatter[0]!, 2)} (≤ 1: at most linear)`);
  } finally {
    await instance.close();
    await closeChild(sandboxChild);
  }
}


/** Four matters of the restaurant topic in four departments: the bulk-loaded applications' cases. */
async function bulkMatters(): Promise<Array<{ code: string; name: string; department: string }>> {
  const data = await loadSandboxData();
  const topic = data.topics.find((t) => t.code === 'CN-YJS-KCG')!;
  const chosen: Array<{ code: string; name: string; department: string }> = [];
  for (const entry of topic.matters) {
    const matter = data.matters.find((m) => m.code === entry.matterCode)!;
    if (!chosen.some((c) => c.department === matter.department)) chosen.push({ code: matter.code, name: matter.name, department: matter.department });
  }
  return chosen.slice(0, 4);
}

const CASES_PER_APPLICATION = 4;
const PERIOD = { from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' };

/** Adds applications `from`+1 … `to` (4 cases and 12 materials each), spread over 2026; every 10th belongs to 陈晓明, so his first page is full from 10³ cases on. */
async function bulkLoad(client: pg.Client, from: number, to: number, matters: Awaited<ReturnType<typeof bulkMatters>>, total: number) {
  const span = 365 * 24 * 3600;
  await client.query(
    `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region, answers, form,
                               delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days, submitted_at, updated_at)
     SELECT 'BULK' || lpad(g::text, 8, '0'),
            CASE WHEN g % 10 = 0 THEN $3 ELSE '44051419900101' || lpad((g % 9973)::text, 4, '0') END,
            'PERSON', '批量申请人', 'CN-YJS-KCG', '我要开餐馆', 1, '440514', '{}'::jsonb, '{}'::jsonb,
            'WINDOW', 'bulk-' || g, 12, 5, 80, 12,
            timestamptz '2026-01-01T00:00:00+08:00' + make_interval(secs => (g::double precision * $4 / $5)),
            now()
       FROM generate_series($1::int + 1, $2::int) g`,
    [from, to, FATHER.sub, span, Math.max(total, 1)],
  );
  await client.query(
    `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on, status,
                        remote_case_id, received_at, due_at, decided_at, delivered_at, updated_at)
     SELECT 'BULK' || lpad(g::text, 8, '0') || '-' || m.position,
            'BULK' || lpad(g::text, 8, '0'), m.position, m.code, m.name, m.department, '{}',
            CASE WHEN g % 3 = 0 THEN 'IN_REVIEW' ELSE 'APPROVED' END,
            'R-' || g || '-' || m.position, a.submitted_at, a.submitted_at + interval '10 days',
            CASE WHEN g % 3 = 0 THEN NULL ELSE a.submitted_at + interval '5 days' END, a.submitted_at, now()
       FROM generate_series($1::int + 1, $2::int) g
       JOIN applications a ON a.id = 'BULK' || lpad(g::text, 8, '0')
      CROSS JOIN unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS m(code, name, department, position)`,
    [from, to, matters.map((m) => m.code), matters.map((m) => m.name), matters.map((m) => m.department)],
  );
  // The merged material list as submitted: 12 materials, 5 handed in and 7 exempt (materials_before 12, to submit 5).
  await client.query(
    `INSERT INTO application_materials (application_id, position, code, name, provision, exemption, file_refs, required_by)
     SELECT 'BULK' || lpad(g::text, 8, '0'), p, 'MAT-' || p, '材料' || p,
            CASE WHEN p <= 5 THEN 'UPLOADED' ELSE 'E_CERTIFICATE' END,
            CASE WHEN p <= 5 THEN NULL ELSE '{"reason":"E_CERTIFICATE"}'::jsonb END,
            '{}', '{}'
       FROM generate_series($1::int + 1, $2::int) g CROSS JOIN generate_series(1, 12) p`,
    [from, to],
  );
  await client.query('ANALYZE applications');
  await client.query('ANALYZE application_materials');
  await client.query('ANALYZE cases');
}

/**
 * Resolves once the gateway's background fold has taken every change of the
 * metrics counters (migration 016) into them: the steady state the queries
 * are timed in. The warning monitor's first pass over the loaded cases sets
 * their levels, each a counted change, so this also waits for that pass.
 */
async function countersFolded(client: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      'SELECT ((SELECT count(*) FROM application_count_changes) + (SELECT count(*) FROM case_count_changes))::int AS n',
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function explain(client: pg.Client, label: string, sql: string, params: unknown[], full: boolean) {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  const lines = rows.map((r) => String(r['QUERY PLAN']));
  if (full) {
    say(`  EXPLAIN ${label}:`);
    for (const text of lines) say(`    ${text}`);
  } else {
    say(`  EXPLAIN ${label}: ${lines[0]!.trim()} | ${lines.at(-1)!.trim()}`);
  }
}

async function paging(databaseUrl: string): Promise<void> {
  say(`\n== paging: DepartmentCases, MyApplications and AssessmentMetrics over ${caseSizes.join(', ')} stored cases (PostgreSQL)`);
  const schema = `bench_scale_${runId}`;
  const sandboxChild = startSandbox(20);
  const instance = new Instance('optimised');
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  try {
    const sandbox = await sandboxChild.first;
    await instance.boot({ build: 'optimised', sandbox, jwtSecret, secretsKey, database: { url: databaseUrl, schema }, registerDepartments: true });
    await client.connect();
    const matters = await bulkMatters();
    const department = matters[0]!.department;
    const tokens = {
      staff: await mintToken(jwtSecret, { sub: 'staff-bench', name: '窗口人员', role: 'DEPARTMENT_STAFF', dept: department }, { expiresIn: '2h' }),
      applicant: await mintToken(jwtSecret, FATHER, { expiresIn: '2h' }),
      evaluator: await mintToken(jwtSecret, { sub: 'evaluator-bench', name: '评估员', role: 'EVALUATOR' }, { expiresIn: '2h' }),
    };
    const endpoint = instance.ready.endpoint;
    const first = new Map<string, number>();
    let loaded = 0;
    const lastSize = caseSizes.at(-1)!;
    for (const cases of caseSizes) {
      const applications = Math.ceil(cases / CASES_PER_APPLICATION);
      const started = performance.now();
      await bulkLoad(client, loaded, applications, matters, Math.ceil(lastSize / CASES_PER_APPLICATION));
      loaded = applications;
      const loadSeconds = (performance.now() - started) / 1000;
      const settling = performance.now();
      await countersFolded(client);
      const settleSeconds = (performance.now() - settling) / 1000;
      // A cursor in the middle of the department's cases: keyset paging must not read what comes before it.
      const { rows: middle } = await client.query<{ submitted_at: Date; id: string }>(
        `SELECT a.submitted_at, c.id FROM cases c JOIN applications a ON a.id = c.application_id
          WHERE c.department_code = $1 AND c.application_id = 'BULK' || lpad($2::text, 8, '0')`,
        [department, Math.ceil(applications / 2)],
      );
      const cursor = encodeCursor(middle[0]!.submitted_at, middle[0]!.id);
      const queries = {
        'DepartmentCases first page': () => graphql(endpoint, operation('DepartmentCases'), { first: 20 }, tokens.staff),
        'DepartmentCases middle page': () => graphql(endpoint, operation('DepartmentCases'), { first: 20, after: cursor }, tokens.staff),
        'MyApplications first page': () => graphql(endpoint, operation('MyApplications'), { first: 20 }, tokens.applicant),
        AssessmentMetrics: () => graphql(endpoint, operation('AssessmentMetrics'), { region: '440514', ...PERIOD }, tokens.evaluator),
      };
      const timings: string[] = [];
      for (const [name, run] of Object.entries(queries)) {
        check(name, await run());
        const ms = await p50(name === 'AssessmentMetrics' && cases > 100_000 ? 5 : 15, run);
        if (!first.has(name)) first.set(name, ms);
        timings.push(`${name} p50 ${fmt(ms, 1)} ms (×${fmt(ms / first.get(name)!, 2)})`);
      }
      say(
        `${String(applications * CASES_PER_APPLICATION).padStart(8)} cases (loaded in ${fmt(loadSeconds)} s; warning levels set and counters folded by the gateway ${fmt(settleSeconds)} s later): ${timings.join('; ')}`,
      );
      const full = cases === lastSize;
      const after = { at: middle[0]!.submitted_at, id: middle[0]!.id };
      await explain(
        client,
        'department page from the middle',
        `SELECT c.* FROM cases c
          WHERE c.department_code = $1 AND ($2::text IS NULL OR c.status = $2::text)
            AND ($3::timestamptz IS NULL OR (c.submitted_at, c.id) < ($3::timestamptz, $4::text))
          ORDER BY c.submitted_at DESC, c.id DESC LIMIT $5`,
        [department, null, after.at, after.id, 21],
        full,
      );
      await explain(
        client,
        'applicant first page',
        `SELECT id FROM applications WHERE applicant = $1 AND ($2::timestamptz IS NULL OR (submitted_at, id) < ($2::timestamptz, $3::text))
          ORDER BY submitted_at DESC, id DESC LIMIT $4`,
        [FATHER.sub, null, '', 21],
        full,
      );
      const spans = countingSpans(new Date(PERIOD.from), new Date(PERIOD.to));
      await explain(client, 'metrics: the period applications, counted', PERIOD_APPLICATIONS_SQL, spanParameters('440514', spans), full);
      await explain(client, 'metrics: the period cases, counted', PERIOD_CASES_SQL, caseSpanParameters('440514', spans, new Date()), full);
    }
  } finally {
    await instance.close();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await closeChild(sandboxChild);
  }
}


async function drain(databaseUrl: string): Promise<void> {
  say(`\n== drain: ${drainCount} queued cases, departments answering in 50 ms, two instances (PostgreSQL)`);
  const schema = `bench_drain_${runId}`;
  const sandboxChild = startSandbox(50);
  const instances = [new Instance('optimised'), new Instance('optimised')];
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  try {
    const sandbox = await sandboxChild.first;
    const database = { url: databaseUrl, schema };
    await instances[0]!.boot({ build: 'optimised', sandbox, jwtSecret, secretsKey, database, registerDepartments: true });
    await instances[1]!.boot({ build: 'optimised', sandbox, jwtSecret, secretsKey, database, registerDepartments: false });
    await client.connect();
    const token = await mintToken(jwtSecret, FATHER, { expiresIn: '2h' });
    // One real application gives the facts its cases' CaseSubmissions are built from (form, materials, form fields) to copy; the copies
    // are queued without prerequisites, so that every department of the topic gets its share at once.
    const template = await submitRestaurant(instances[0]!, token);
    const { rows: templates } = await client.query<{ matter_code: string }>(
      `SELECT matter_code FROM cases WHERE application_id = $1 ORDER BY position`,
      [template],
    );
    const perApplication = templates.length;
    const applications = Math.ceil(drainCount / perApplication);
    const posts = () =>
      new Promise<number>((resolve) => {
        const onMessage = (message: { type: string; count?: number }) => {
          if (message.type !== 'case-posts') return;
          sandboxChild.process.off('message', onMessage);
          resolve(message.count!);
        };
        sandboxChild.process.on('message', onMessage);
        sandboxChild.process.send({ type: 'case-posts' });
      });
    const postsBefore = await posts();
    await client.query(
      `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region, answers, form,
                                 delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days, submitted_at, updated_at)
       SELECT 'DRAIN' || lpad(g::text, 7, '0'), applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region, answers, form,
              delivery_method, 'drain-' || g, materials_before, materials_to_submit, legal_days_total, committed_days, now(), now()
         FROM applications, generate_series(1, $2::int) g WHERE id = $1`,
      [template, applications],
    );
    await client.query(
      `INSERT INTO application_materials (application_id, position, code, name, provision, exemption, file_refs, required_by)
       SELECT 'DRAIN' || lpad(g::text, 7, '0'), m.position, m.code, m.name, m.provision, m.exemption, m.file_refs, m.required_by
         FROM application_materials m, generate_series(1, $2::int) g WHERE m.application_id = $1`,
      [template, applications],
    );
    const queued = await client.query(
      `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on, result_certificate_type, form_fields,
                          status, next_attempt_at, updated_at)
       SELECT 'DRAIN' || lpad(g::text, 7, '0') || '-' || c.position, 'DRAIN' || lpad(g::text, 7, '0'), c.position, c.matter_code, c.matter_name,
              c.department_code, '{}', c.result_certificate_type, c.form_fields, 'QUEUED', now(), now()
         FROM cases c, generate_series(1, $2::int) g
        WHERE c.application_id = $1
        ORDER BY g, c.position LIMIT $3`,
      [template, applications, drainCount],
    );
    const started = Date.now();
    say(`queued ${queued.rowCount} cases of ${applications} applications (${perApplication} each, in ${new Set(sandbox.departments.map((d) => d.departmentCode)).size} departments)`);
    const deadline = started + Math.max(60_000, drainCount * 50); // bounded: 20 cases/s at the very least
    let delivered = 0;
    // Failed attempts are cleared when a case is finally delivered: look at them while they are there.
    const failures = new Map<string, number>();
    while (Date.now() < deadline) {
      const { rows: failing } = await client.query<{ last_error: string; n: string }>(
        `SELECT last_error, count(*) AS n FROM cases WHERE id LIKE 'DRAIN%' AND last_error IS NOT NULL GROUP BY 1`,
      );
      for (const f of failing) failures.set(f.last_error, Math.max(failures.get(f.last_error) ?? 0, Number(f.n)));
      const { rows } = await client.query<{ delivered: string }>(
        `SELECT count(*) FILTER (WHERE remote_case_id IS NOT NULL) AS delivered FROM cases WHERE id LIKE 'DRAIN%'`,
      );
      delivered = Number(rows[0]!.delivered);
      if (delivered >= queued.rowCount!) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const { rows } = await client.query<Record<string, string>>(
      `SELECT count(*) AS cases, count(remote_case_id) AS delivered, count(DISTINCT remote_case_id) AS distinct_remote,
              max(delivery_attempts) AS most_attempts, sum(delivery_attempts) AS attempts,
              extract(epoch FROM max(delivered_at) - min(updated_at)) AS seconds
         FROM cases WHERE id LIKE 'DRAIN%'`,
    );
    const r = rows[0]!;
    const seconds = Number(r.seconds);
    const postsDuring = (await posts()) - postsBefore;
    say(
      `drain: ${r.delivered}/${r.cases} delivered in ${fmt(seconds, 1)} s = ${fmt(Number(r.delivered) / seconds, 0)} cases/s; ` +
        `${r.distinct_remote} distinct department case ids (lost: ${Number(r.cases) - Number(r.delivered)}, doubled: ${Number(r.delivered) - Number(r.distinct_remote)}); ` +
        `${postsDuring} POST /api/v1/cases received by the departments, ${r.attempts} delivery attempts recorded, at most ${r.most_attempts} for one case`,
    );
    for (const [error, n] of [...failures].sort((a, b) => b[1] - a[1]).slice(0, 5)) say(`  failed attempts seen meanwhile: up to ${n} cases at once with "${error}"`);
  } finally {
    await Promise.all(instances.map((i) => i.close()));
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await closeChild(sandboxChild);
  }
}


/**
 * On the embedded in-memory database the access log's rows live in the gateway's own memory, so its RSS grows with
 * the rows written; on PostgreSQL (`databaseUrl`) what remains is the gateway's own memory.
 */
async function rss(databaseUrl: string | null): Promise<void> {
  say(
    `\n== rss: the gateway's resident memory around ${rssSeconds} s of SituationPlan at ${connections} connections ` +
      `(${databaseUrl ? 'PostgreSQL' : 'embedded database'})`,
  );
  const schema = `bench_rss_${runId}`;
  const sandboxChild = startSandbox(20);
  const instance = new Instance('optimised');
  try {
    const sandbox = await sandboxChild.first;
    await instance.boot({
      build: 'optimised',
      sandbox,
      jwtSecret,
      secretsKey,
      database: databaseUrl ? { url: databaseUrl, schema } : null,
      registerDepartments: true,
    });
    const token = await mintToken(jwtSecret, FATHER, { expiresIn: '2h' });
    const query = operation('SituationPlan');
    const settings = {
      urls: [instance.ready.endpoint],
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables: NEWBORN }),
      connections,
    };
    await load({ ...settings, durationSeconds: 5 }); // warm-up
    const mb = async () => (await instance.stats()).rssBytes / 2 ** 20;
    const before = await mb();
    const samples: number[] = [];
    const running = load({ ...settings, durationSeconds: rssSeconds });
    let done = false;
    void running.finally(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      if (!done) samples.push(await mb());
    }
    const summary = await running;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const after = await mb();
    const half = Math.floor(samples.length / 2);
    const firstHalf = Math.max(...samples.slice(0, half));
    const secondHalf = Math.max(...samples.slice(half));
    say(
      `rss: before ${fmt(before, 0)} MB; during ${samples.map((s) => fmt(s, 0)).join(' ')} MB; after ${fmt(after, 0)} MB; ` +
        `peak of the second half − peak of the first ${fmt(secondHalf - firstHalf, 0)} MB; ${summary.requests} plans, ${fmt(summary.requestsPerSecond)} req/s`,
    );
  } finally {
    await instance.close();
    await closeChild(sandboxChild);
  }
}


let postgres: ThrowawayPostgres | null = null;
try {
  say(`bench --scale: ${[...parts].join(', ')}`);
  if (parts.has('plans')) await plans();
  let databaseUrl = (args.database as string) || '';
  if ((parts.has('paging') || parts.has('drain') || parts.has('rss-postgres')) && !databaseUrl) {
    postgres = await startThrowawayPostgres();
    databaseUrl = postgres.url;
  }
  if (parts.has('paging')) await paging(databaseUrl);
  if (parts.has('drain')) await drain(databaseUrl);
  if (parts.has('rss')) await rss(null);
  if (parts.has('rss-postgres')) await rss(databaseUrl);
} finally {
  postgres?.stop();
}
