/**
 * Operating the gateway, over HTTP like an orchestrator and a monitoring
 * system would: liveness and readiness, Prometheus metrics, graceful
 * shutdown (in process, and of `npm start` on SIGTERM), and the department
 * administrators' `npm run check-connector`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { GatewayMetrics } from '../../server/observability/metrics.ts';
import { ReadinessProbe } from '../../server/readiness.ts';
import type { GatewayServices } from '../../server/services.ts';
import { checkConnector, formatResults, parseArguments } from '../../scripts/check-connector.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { json, startTestServer } from '../support/http-server.ts';
import { FATHER, PDF, SERVICE_FIELDS, newbornAnswers, newbornForm } from '../support/newborn.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A POST whose body is sent in two halves, the second when `finish()` is called. */
function slowPost(url: string, body: string) {
  const target = new URL(url);
  const bytes = Buffer.from(body);
  let finish!: () => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': bytes.length } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.write(bytes.subarray(0, 10));
    finish = () => req.end(bytes.subarray(10));
  });
  return { response, finish: () => finish() };
}

const catalogBody = JSON.stringify({ query: contractOperation('TopicCatalog'), variables: { region: '440514' } });

describe('health, readiness and metrics of a running gateway', () => {
  let gateway: TestGateway;
  let base: string;
  beforeAll(async () => {
    gateway = await startTestGateway(
      {},
      { services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 10_000, backoffMaxMs: 10_000 } } },
    );
    base = gateway.gateway.url;
    await gateway.services.health.checkNow();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const readyz = async () => {
    const response = await fetch(`${base}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Array<Record<string, any>> } };
  };

  it('is alive at /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready with its database migrated, and lists every upstream and department with its health', async () => {
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    const byName = new Map(body.checks.map((c) => [c.name, c]));
    expect(byName.get('database')).toMatchObject({ status: 'pass', critical: true });
    expect(byName.get('migrations')).toMatchObject({ status: 'pass', critical: true, expected: 5, applied: 5 });
    for (const central of ['matter-registry', 'e-certificates', 'data-center', 'evaluation']) {
      expect(byName.get(`upstream:${central}`)).toMatchObject({ status: 'pass', critical: false, health: 'UP' });
    }
    const departments = body.checks.filter((c) => c.kind === 'approval');
    expect(departments.map((c) => c.departmentCode).sort()).toEqual(gateway.sandbox!.departments.map((d) => d.departmentCode).sort());
    for (const department of departments) expect(department).toMatchObject({ status: 'pass', critical: false, health: 'UP' });
  });

  it('stays ready with a department down, and says so', async () => {
    const department = gateway.sandbox!.departments[0]!.departmentCode;
    gateway.sandbox!.faults.set(department, { kind: 'down' });
    try {
      await gateway.services.health.checkNow();
      const { status, body } = await readyz();
      expect(status).toBe(200);
      expect(body.checks.find((c) => c.departmentCode === department)).toMatchObject({ status: 'warn', health: 'DOWN', critical: false });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`gateway_upstream_up{system="approval:${department}"} 0`);
    } finally {
      gateway.sandbox!.faults.clear();
      await gateway.services.health.checkNow();
    }
  });

  it('is not ready while a migration is missing from the database', async () => {
    const { rows } = await gateway.services.db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1',
    );
    const last = rows[0]!;
    await gateway.services.db.query('DELETE FROM schema_migrations WHERE version = $1', [last.version]);
    try {
      const { status, body } = await readyz();
      expect(status).toBe(503);
      expect(body.status).toBe('not_ready');
      expect(body.checks.find((c) => c.name === 'migrations')).toMatchObject({ status: 'fail', applied: 4, expected: 5, missing: [last.version] });
    } finally {
      await gateway.services.db.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        last.version,
        last.name,
        last.checksum,
        last.applied_at,
      ]);
    }
    expect((await readyz()).status).toBe(200);
  });

  it('counts what the contract operations did, and the outbox waiting for a department that is down', async () => {
    const evaluator = gateway.tokenOf('EVALUATOR');
    expect((await gateway.graphql(contractOperation('TopicCatalog'), { region: '440514' })).body.errors).toBeUndefined();
    expect((await gateway.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' })).body.errors).toBeUndefined();
    const year = new Date().getUTCFullYear();
    const metricsQuery = await gateway.graphql(
      contractOperation('AssessmentMetrics'),
      { region: '440514', from: `${year}-01-01T00:00:00+08:00`, to: `${year + 1}-01-01T00:00:00+08:00` },
      evaluator,
    );
    expect(metricsQuery.body.errors).toBeUndefined();
    const forbidden = await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('APPLICANT'));
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // An application while the birth-certificate department is down: its case waits in the outbox.
    const health = gateway.sandbox!.departments.find((d) => d.departmentCode.startsWith('WJJ'))!.departmentCode;
    gateway.sandbox!.faults.set(health, { kind: 'down' });
    try {
      await submitApplication(gateway);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/^gateway_graphql_requests_total\{operation="TopicCatalog",outcome="ok"\} [1-9]/m);
      expect(text).toMatch(/^gateway_graphql_requests_total\{operation="AssessmentMetrics",outcome="ok"\} 1$/m);
      expect(text).toMatch(/^gateway_graphql_requests_total\{operation="Connectors",outcome="FORBIDDEN"\} 1$/m);
      expect(text).toMatch(/^gateway_graphql_requests_total\{operation="SubmitApplication",outcome="ok"\} 1$/m);
      expect(text).toMatch(/^gateway_graphql_request_duration_seconds_count\{operation="TopicGuide"\} [1-9]/m);
      expect(text).toMatch(/^gateway_upstream_calls_total\{system="matter-registry",status="200",outcome="ok"\} [1-9]/m);
      expect(text).toMatch(/^gateway_upstream_calls_total\{system="evaluation",status="200",outcome="ok"\} [1-9]/m);
      expect(text).toMatch(new RegExp(`^gateway_upstream_calls_total\\{system="approval:${health}",status="503",outcome="unavailable"\\} [1-9]`, 'm'));
      expect(text).toMatch(/^gateway_registry_cache_hits_total [1-9]/m);
      expect(text).toMatch(/^gateway_registry_cache_misses_total [1-9]/m);
      expect(text).toMatch(new RegExp(`^gateway_upstream_circuit_state\\{system="approval:${health}"\\} [0-3]$`, 'm'));
      expect(text).toMatch(/^gateway_upstream_circuit_state\{system="evaluation"\} 0$/m);
      const depth = Number(/^gateway_outbox_depth\{kind="case"\} (\d+)$/m.exec(text)?.[1]);
      expect(depth).toBeGreaterThanOrEqual(1);
      const age = Number(/^gateway_outbox_oldest_pending_age_seconds\{kind="case"\} ([\d.e+-]+)$/m.exec(text)?.[1]);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    } finally {
      gateway.sandbox!.faults.clear();
    }
  });
});

describe('ReadinessProbe', () => {
  const health = { healthOf: () => ({ status: 'UNKNOWN' as const, latencyMs: null, checkedAt: null, lastError: null }) };
  const connectors = { all: async () => [] };

  it('is not ready when the database does not answer, and says why', async () => {
    const db = { query: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432')) };
    const probe = new ReadinessProbe({ db, health, connectors } as unknown as GatewayServices);
    const report = await probe.check();
    expect(report.status).toBe('not_ready');
    expect(report.checks.find((c) => c.name === 'database')).toEqual({
      name: 'database',
      status: 'fail',
      critical: true,
      error: 'connect ECONNREFUSED 10.0.0.5:5432',
    });
    expect(report.checks.filter((c) => c.name.startsWith('upstream:')).map((c) => c.status)).toEqual(['warn', 'warn', 'warn', 'warn']);
  });

  it('gives up on a database that hangs after 2 s', async () => {
    const db = { query: () => new Promise(() => {}) };
    const started = Date.now();
    const report = await new ReadinessProbe({ db, health, connectors } as unknown as GatewayServices).check();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report.checks[0]).toMatchObject({ name: 'database', status: 'fail', error: 'no answer within 2 s' });
  });

  it('answers draining once the gateway is shutting down', async () => {
    const db = { query: async () => ({ rows: [1, 2, 3, 4].map((version) => ({ version })), rowCount: 4 }) };
    const probe = new ReadinessProbe({ db, health, connectors } as unknown as GatewayServices, { draining: () => true });
    expect((await probe.check()).status).toBe('draining');
  });
});

describe('the circuit breaker gauge', () => {
  it('shows an open circuit as 2', async () => {
    const metrics = new GatewayMetrics(createLogger({ level: 'silent' }));
    const http = (circuitState: string, upstream = 'x') => ({ http: { circuitState, upstream } });
    metrics.watch({
      registry: { client: http('open'), stats: { hits: 3, misses: 1 } },
      eCertificates: http('closed'),
      dataCenter: http('halfOpen'),
      evaluation: http('closed'),
      connectors: { all: async () => [{ id: 'c1', departmentCode: 'WJJ' }] },
      approvalClients: { for: () => http('open', 'approval:WJJ') },
      health: { healthOf: () => ({ status: 'DOWN' }) },
      db: { query: async () => ({ rows: [{ depth: 2, oldest: 12.5 }], rowCount: 1 }) },
    } as unknown as GatewayServices);
    const text = (await metrics.render()).body;
    expect(text).toContain('gateway_upstream_circuit_state{system="matter-registry"} 2');
    expect(text).toContain('gateway_upstream_circuit_state{system="data-center"} 1');
    expect(text).toContain('gateway_upstream_circuit_state{system="approval:WJJ"} 2');
    expect(text).toContain('gateway_upstream_up{system="approval:WJJ"} 0');
    expect(text).toContain('gateway_registry_cache_hits_total 3');
    expect(text).toContain('gateway_outbox_depth{kind="case"} 2');
    expect(text).toContain('gateway_outbox_oldest_pending_age_seconds{kind="supplement"} 12.5');
  });
});

describe('graceful shutdown', () => {
  it('lets a request in flight finish, refuses new connections, then stops', async () => {
    const gateway = await startTestGateway({ SHUTDOWN_GRACE_MS: '5000' });
    const url = `${gateway.gateway.url}/graphql`;
    const slow = slowPost(url, catalogBody);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = gateway.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${gateway.gateway.url}/healthz`)).rejects.toThrow();
    slow.finish();
    const answer = await slow.response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.topics.length).toBeGreaterThan(0);
    const started = Date.now();
    await stopped;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('of `npm start` on SIGTERM: drains the request in flight and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-sigterm-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      // NODE_ENV=production as in a deployment (under `test`, Apollo would not install its own signal handlers).
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '5000', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, any>> = [];
    let buffered = '';
    let onLine: (() => void) | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let at: number;
      while ((at = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line));
        onLine?.();
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = (msg: string) =>
      new Promise<Record<string, any>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${msg}" in the log`)), 40_000);
        const check = () => {
          const line = lines.find((l) => l.msg === msg);
          if (line) {
            clearTimeout(timer);
            resolve(line);
          }
        };
        onLine = check;
        check();
      });
    try {
      const ready = await waitFor('one-thing gateway ready');
      const slow = slowPost(ready.url as string, catalogBody);
      await new Promise((resolve) => setTimeout(resolve, 200));
      child.kill('SIGTERM');
      await waitFor('shutting down: draining in-flight requests and outbox work');
      slow.finish();
      const answer = await slow.response;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.topics.length).toBeGreaterThan(0);
      expect(await exited).toBe(0);
      expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
      const access = lines.filter((l) => l.msg === 'request' && l.path === '/graphql');
      expect(access).toEqual([expect.objectContaining({ method: 'POST', status: 200 })]);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run check-connector', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('passes against the sandbox approval system', async () => {
    const department = sandbox.departments[0]!;
    const results = await checkConnector({ baseUrl: department.baseUrl, token: department.token, matterCode: department.matterCodes[0]! });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(8);
    const lines = formatResults(department.baseUrl, results);
    expect(lines.at(-1)).toBe('8 checks: 8 passed, 0 failed');
    expect(lines.slice(1, -1).every((line) => line.startsWith('PASS  '))).toBe(true);
  });

  it('fails a broken system with a clear line per check, and exits 1', async () => {
    // Answers everything with 200 and a body outside the contract, creates a new case every time, checks no token.
    let next = 0;
    const broken = await startTestServer((req, res) => {
      if (req.url === '/health') return json(res, 200, { status: 'up' });
      next += 1;
      return json(res, 200, { caseId: `case-${next}`, status: 'DONE' });
    });
    try {
      const results = await checkConnector({ baseUrl: broken.url, token: 't', matterCode: 'M-1' });
      const lines = formatResults(broken.url, results);
      expect(lines.slice(1)).toEqual([
        'PASS  GET /health answers 200: HTTP 200',
        'FAIL  POST /api/v1/cases with an Idempotency-Key creates a case (201): expected HTTP 201, got 200',
        'FAIL  POST /api/v1/cases again with the same Idempotency-Key answers 200 with the same caseId: skipped: no case was created',
        'FAIL  GET /api/v1/cases?ids= lists the case: skipped: no case was created',
        'FAIL  POST /api/v1/cases without Idempotency-Key is refused (400): expected HTTP 400, got 200',
        'FAIL  POST /api/v1/cases with a wrong token is refused (401): expected HTTP 401, got 200',
        'FAIL  POST /api/v1/cases for a matter it does not handle is refused (422): expected HTTP 422, got 200',
        'FAIL  POST /api/v1/cases/{caseId}/withdrawal withdraws the test case (200): skipped: no case was created',
        '8 checks: 1 passed, 7 failed',
      ]);

      // The command line: the same lines, exit code 1.
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/check-connector.ts', broken.url, '--token', 't', '--matter', 'M-1'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(out).toContain(`check-connector ${broken.url} against approval-system contract 1.0.0`);
      expect(out).toContain('FAIL  POST /api/v1/cases with a wrong token is refused (401): expected HTTP 401, got 200');
      expect(out.trim().split('\n').at(-1)).toBe('8 checks: 1 passed, 7 failed');
    } finally {
      await broken.close();
    }
  });

  it('validates bodies against the contract schemas', async () => {
    // Right statuses, wrong bodies: a Case without dueAt, an error without message.
    const cases = new Map<string, string>();
    const sloppy = await startTestServer((req, res, body) => {
      if (req.url === '/health') return json(res, 200, {});
      if (req.headers.authorization !== 'Bearer t') return json(res, 401, {});
      const key = req.headers['idempotency-key'] as string | undefined;
      if (req.method === 'POST' && req.url === '/api/v1/cases') {
        if (!key) return json(res, 400, { code: 'BAD_REQUEST' });
        const submission = JSON.parse(body);
        if (submission.matterCode !== 'M-1') return json(res, 422, { code: 'MATTER_NOT_HANDLED', message: 'no' });
        const known = cases.get(key);
        const now = new Date().toISOString();
        const theCase = { caseId: known ?? 'C-1', matterCode: 'M-1', applicationId: submission.applicationId, status: 'RECEIVED', receivedAt: now, updatedAt: now };
        cases.set(key, 'C-1');
        return json(res, known ? 200 : 201, theCase);
      }
      return json(res, 404, { code: 'NOT_FOUND', message: 'no' });
    });
    try {
      const lines = formatResults(sloppy.url, await checkConnector({ baseUrl: sloppy.url, token: 't', matterCode: 'M-1' }));
      expect(lines).toContain(
        "FAIL  POST /api/v1/cases with an Idempotency-Key creates a case (201): HTTP 201, but the body does not match the contract: (body) must have required property 'dueAt'",
      );
      expect(lines).toContain(
        "FAIL  POST /api/v1/cases without Idempotency-Key is refused (400): HTTP 400, but the body does not match the contract: (body) must have required property 'message'",
      );
      expect(lines).toContain('PASS  POST /api/v1/cases with a wrong token is refused (401): HTTP 401');
    } finally {
      await sloppy.close();
    }
  });

  it('explains its usage', () => {
    expect(parseArguments([])).toMatch(/^usage: npm run check-connector -- <baseUrl>/);
    expect(parseArguments(['ftp://x'])).toBe('the base URL must be http(s), got ftp://x');
    expect(parseArguments(['http://x', '--token'])).toMatch(/^--token needs a value/);
    expect(parseArguments(['http://x/', '--token', 'T', '--matter', 'M', '--timeout', '2000'])).toEqual({
      baseUrl: 'http://x/',
      token: 'T',
      matterCode: 'M',
      timeoutMs: 2000,
    });
  });
});

/** A newborn application of 陈晓明 (the same as the applications tests submit). */
async function submitApplication(gateway: TestGateway): Promise<void> {
  const token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const uploaded = await fetch(`${gateway.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: PDF,
  });
  const { fileRef } = (await uploaded.json()) as { fileRef: string };
  const { body } = await gateway.graphql(
    contractOperation('SubmitApplication'),
    {
      input: {
        topicCode: 'CN-YJS-XSECS',
        answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']),
        form: newbornForm(SERVICE_FIELDS),
        uploads: ['M-SFZ', 'M-FMJL', 'M-ZP'].map((materialCode) => ({ materialCode, fileRef })),
        deferredMaterials: ['M-SZJZJL'],
        deliveryMethod: 'POST',
        idempotencyKey: 'operations-test',
      },
    },
    token,
  );
  if (!body.data?.submitApplication) throw new Error(`not submitted: ${JSON.stringify(body.errors)}`);
}
