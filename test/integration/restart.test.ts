/**
 * Delivery that survives the gateway: a gateway process killed (SIGKILL)
 * while a case is on its way to the department, then another gateway on the
 * same database finishing the job — nothing lost, nothing doubled. With
 * TEST_DATABASE_URL, also two gateways side by side on one PostgreSQL, each
 * case delivered exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalClient } from '../../connectors/approval/client.ts';
import { createLogger } from '../../lib/logger.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { bootGateway, type BootedGateway } from '../../server/bootstrap.ts';
import { mintToken } from '../../server/identity.ts';
import type { DatabaseOptions } from '../../store/database.ts';
import { contractOperation } from '../support/contract.ts';
import { submissionOf } from '../support/submission.ts';
import { FATHER, MATTERS, NEWBORN, PDF, newbornAnswers, newbornForm } from '../support/newborn.ts';

const WJ1 = MATTERS.birthCertificate;
const delivery = { pollIntervalMs: 50, firstPollAfterMs: 100, leaseMs: 1000, backoffBaseMs: 50, backoffMaxMs: 200 };

let sandbox: Sandbox;
let dataDir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];
const gateways: BootedGateway[] = [];

beforeEach(async () => {
  sandbox = await startSandbox({ caseStepMs: 200 });
  dataDir = mkdtempSync(join(tmpdir(), 'gateway-restart-'));
  env = {
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
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_KEY: randomBytes(32).toString('hex'),
    // An administrator registers every department and applicants submit in a burst: not abuse.
    MUTATION_RATE_LIMIT: 'off',
    // The sandbox's department systems listen on loopback, which real upstreams' connectors may not reach unless listed.
    CONNECTOR_ALLOWED_HOSTS: '127.0.0.1',
  };
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const gateway of gateways.splice(0)) await gateway.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function graphql(url: string, query: string, variables: unknown, claims: Parameters<typeof mintToken>[1]) {
  const token = await mintToken(env.JWT_SECRET!, claims);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data: any; errors?: any[] };
}

const admin = { sub: 'admin-1', name: '管理员', role: 'ADMIN' as const };
const father = { sub: FATHER, name: '陈晓明', role: 'APPLICANT' as const };

/** Registers every sandbox department through the RegisterConnector operation, as an administrator would. */
async function registerDepartments(url: string) {
  for (const department of sandbox.departments) {
    const { errors } = await graphql(
      url,
      contractOperation('RegisterConnector'),
      {
        input: {
          departmentCode: department.departmentCode,
          baseUrl: department.baseUrl,
          token: department.token,
          webhookSecret: department.webhookSecret,
          matterCodes: department.matterCodes,
        },
      },
      admin,
    );
    expect(errors, JSON.stringify(errors)).toBeUndefined();
  }
}

async function submitNewborn(url: string, idempotencyKey: string): Promise<string> {
  const token = await mintToken(env.JWT_SECRET!, father);
  const uploaded = await fetch(`${url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: PDF,
  });
  const { fileRef } = (await uploaded.json()) as { fileRef: string };
  const { data, errors } = await graphql(
    url,
    contractOperation('SubmitApplication'),
    {
      input: {
        topicCode: NEWBORN,
        answers: newbornAnswers([]),
        form: newbornForm(),
        uploads: [
          { materialCode: 'M-SFZ', fileRef },
          { materialCode: 'M-FMJL', fileRef },
        ],
        deliveryMethod: 'WINDOW',
        idempotencyKey,
      },
    },
    father,
  );
  expect(errors).toBeUndefined();
  return data.submitApplication.application.id;
}

/** A gateway in its own process, killed at will. */
async function spawnGateway(database: DatabaseOptions): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../support/gateway-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, GATEWAY_CHILD_OPTIONS: JSON.stringify({ env, database, services: { delivery } }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)/.exec(output);
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway process exited early (${code})`)));
  });
  return { url, child };
}

async function bootInProcess(database: DatabaseOptions): Promise<BootedGateway> {
  const gateway = await bootGateway({ env, database, services: { delivery }, logger: createLogger({ level: 'silent' }) });
  gateways.push(gateway);
  return gateway;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const postsTo = (department: string) => sandbox.calls.count(department, /^POST \/api\/v1\/cases$/);

describe('a gateway killed mid-delivery', () => {
  it('leaves the case to the next gateway, which delivers it with the same key: one case in the department', async () => {
    const database = { dataDir: join(dataDir, 'db') };
    const first = await spawnGateway(database);
    await registerDepartments(first.url);
    // The department takes the case but answers only after the gateway is gone.
    sandbox.faults.set('WJJ-440514', { kind: 'slow', delayMs: 10_000 });
    const applicationId = await submitNewborn(first.url, 'restart-1');
    await until(async () => postsTo('WJJ-440514'), (n) => n >= 1);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    sandbox.faults.set('WJJ-440514', null);
    const second = await bootInProcess(database);

    const [delivered] = await until(
      async () => (await second.services.db.query<{ remote_case_id: string | null; status: string }>(
        'SELECT remote_case_id, status FROM cases WHERE application_id = $1 AND matter_code = $2',
        [applicationId, WJ1],
      )).rows,
      (rows) => rows[0]?.remote_case_id != null,
    );

    expect(postsTo('WJJ-440514')).toBe(2);
    // The same key names the same one case: asking again creates nothing new.
    const department = sandbox.departments.find((d) => d.departmentCode === 'WJJ-440514')!;
    const client = new ApprovalClient({ ...department, timeoutMs: 2000 });
    const again = await client.createCase(
      await submissionOf(second.services.db, applicationId, WJ1),
      `${applicationId}:${WJ1}`,
    );
    await client.close();
    expect(again).toEqual({ created: false, case: expect.objectContaining({ caseId: delivered!.remote_case_id, applicationId }) });
    // Two gateway start-ups (one a child process compiling TypeScript) and two database opens: slow on a busy machine.
  }, 90_000);
});

describe.runIf(process.env.TEST_DATABASE_URL)('two gateways on one PostgreSQL', () => {
  it('deliver each case exactly once between them', async () => {
    const schema = `restart_${randomBytes(4).toString('hex')}`;
    const database = { url: process.env.TEST_DATABASE_URL!, schema };
    const a = await bootInProcess(database);
    const b = await bootInProcess(database);
    await registerDepartments(a.gateway.url);

    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await submitNewborn(i % 2 ? a.gateway.url : b.gateway.url, `pair-${i}`));
    await until(
      async () => (await a.services.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM cases WHERE remote_case_id IS NOT NULL`)).rows[0]!.n,
      (n) => Number(n) === 6 * 2,
    );

    // Six applications, each with the birth certificate and then the registration: twelve cases, twelve posts.
    expect(postsTo('WJJ-440514')).toBe(6);
    expect(postsTo('GAFJ-440514')).toBe(6);
    await a.services.db.query(`DROP SCHEMA ${schema} CASCADE`);
  }, 60_000);
});
