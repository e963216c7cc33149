/**
 * What the delivery tests share: the sandbox's approval simulators on a
 * fake clock, behind a recording proxy (to see the exact headers and bodies
 * the gateway sends and the statuses it got back), a database of the test's
 * own, a directory of the departments' connectors, and SQL fixtures for
 * applications and cases (the submission use case is not needed).
 */
import { createHmac } from 'node:crypto';
import { onTestFinished } from 'vitest';

import { ApprovalClients } from '../../connectors/approval/client.ts';
import type { ApprovalDirectory, ApprovalEndpoint } from '../../connectors/approval/endpoint.ts';
import type { UpstreamCallRecord } from '../../connectors/http.ts';
import type { CaseStatus } from '../../domain/application-status.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { findCase, type CaseRecord } from '../../store/case-status.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { BIRTH_CERTIFICATE, BUSINESS_LICENCE, FOOD_LICENCE, HEALTH, SAMR, ZHANG_SAN, manualClock, startFixtureSandbox } from '../sandbox/fixtures.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { openFresh, type Backend } from '../store/backends.ts';

export { BIRTH_CERTIFICATE, BUSINESS_LICENCE, FOOD_LICENCE, HEALTH, SAMR, ZHANG_SAN };
export const POLICE = 'GAJ-440514';

/** The fake time every test starts at. */
export const START = Date.parse('2025-03-03T01:00:00.000Z');
/** The simulated approval clock's step: RECEIVED → ACCEPTED → IN_REVIEW → decision, one step each. */
export const STEP_MS = 1000;

/** One request a department received through the proxy, and its answer's status. */
export interface ProxiedCall {
  department: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
}

export interface DeliveryEnv {
  db: Database;
  sandbox: Sandbox;
  clock: { now: () => number; advance: (ms: number) => void };
  directory: ApprovalDirectory & { endpoints: ApprovalEndpoint[] };
  clients: ApprovalClients;
  /** Every call the gateway made to an approval system, via the proxies. */
  calls: ProxiedCall[];
  /** Every upstream attempt the clients reported. */
  upstreamCalls: UpstreamCallRecord[];
  endpoint(departmentCode: string): ApprovalEndpoint;
  /** The POSTs creating cases (`POST /api/v1/cases`), optionally of one key. */
  casePosts(idempotencyKey?: string): ProxiedCall[];
}

/** Starts the sandbox on a fake clock, proxies, a fresh database and the clients; all closed after the test. */
export async function startDeliveryEnv(backend: Backend, options: { db?: Database } = {}): Promise<DeliveryEnv> {
  const clock = manualClock(START);
  const sandbox = await startFixtureSandbox({ caseStepMs: STEP_MS, now: clock.now });
  onTestFinished(() => sandbox.close());
  const db = options.db ?? (await openFresh(backend));
  const calls: ProxiedCall[] = [];
  const endpoints: ApprovalEndpoint[] = [];
  for (const department of sandbox.departments) {
    const proxy = await startProxy(department.departmentCode, department.baseUrl, calls);
    onTestFinished(() => proxy.close());
    endpoints.push({
      id: `conn-${department.departmentCode}`,
      departmentCode: department.departmentCode,
      baseUrl: proxy.url,
      token: department.token,
      webhookSecret: department.webhookSecret,
      matterCodes: department.matterCodes,
      timeoutMs: 2000,
    });
  }
  const directory = {
    endpoints,
    forDepartment: async (code: string) => endpoints.find((e) => e.departmentCode === code) ?? null,
    all: async () => [...endpoints],
  };
  const upstreamCalls: UpstreamCallRecord[] = [];
  const clients = new ApprovalClients({
    policy: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
    onCall: (record) => upstreamCalls.push(record),
  });
  onTestFinished(() => clients.close());
  return {
    db,
    sandbox,
    clock,
    directory,
    clients,
    calls,
    upstreamCalls,
    endpoint: (code) => endpoints.find((e) => e.departmentCode === code)!,
    casePosts: (key) =>
      calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/cases' && (key === undefined || c.headers['idempotency-key'] === key)),
  };
}

/** A transparent HTTP proxy in front of one approval simulator, recording what passes. */
async function startProxy(department: string, target: string, calls: ProxiedCall[]): Promise<TestServer> {
  return startTestServer(async (req, res, body) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(`${target}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      ...(req.method === 'POST' ? { body } : {}),
    });
    const text = await response.text();
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    calls.push({
      department,
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: req.headers,
      body: body === '' ? undefined : JSON.parse(body),
      status: response.status,
    });
    res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
}

// ---------------------------------------------------------------- SQL fixtures

export interface CaseFixture {
  matter: { code: string; name: string; department: string; resultCertificateType?: string | null };
  /** Default: the matter's department. */
  departmentCode?: string;
  dependsOn?: string[];
  /** Default QUEUED when no dependsOn, else WAITING_FOR_PREREQUISITE. */
  status?: CaseStatus;
  /** Merged into the matter's form. */
  form?: Record<string, unknown>;
  materials?: { code: string; provision: string }[];
  /** Default: START (due now) for QUEUED, null otherwise. */
  nextAttemptAt?: Date | null;
}

const formOf = (fixture: CaseFixture): Record<string, unknown> => ({
  'applicant.name': '张三',
  'business.name': '好味道',
  'business.areaSqm': 45,
  ...fixture.form,
});

const materialsOf = (fixture: CaseFixture) => fixture.materials ?? [{ code: 'MAT-SFZ', provision: 'GOVERNMENT_ISSUED' }];

/** The CaseSubmission the gateway builds for a case of the fixtures (without its prerequisiteResults). */
export function payloadOf(applicationId: string, fixture: CaseFixture): Record<string, unknown> {
  return {
    matterCode: fixture.matter.code,
    applicationId,
    applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
    form: formOf(fixture),
    // No certificate stands for the fixtures' materials.
    materials: materialsOf(fixture).map((m) => ({ ...m, certificateId: null })),
    deliveryMethod: 'ONLINE',
  };
}

/** The time applications of the fixtures were last updated (before any test activity). */
export const SUBMITTED_AT = new Date(START - 60_000);

/**
 * Inserts an application, its materials and its cases (ids
 * `<applicationId>-<position>`). The application's one form holds every
 * case's fields (a field two cases set differently takes the first case's value).
 * @returns the case ids, in order.
 */
export async function insertApplication(db: Queryable, applicationId: string, cases: readonly CaseFixture[]): Promise<string[]> {
  const form = Object.assign({}, ...[...cases].reverse().map(formOf));
  await db.query(
    `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region,
       answers, form, delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days,
       submitted_at, updated_at)
     VALUES ($1, $2, 'PERSON', '张三', 'TOPIC-KBCYD', '我要开餐饮店', 2, '440514', '{}'::jsonb, $4::jsonb, 'ONLINE', $1,
       5, 2, 35, 13, $3, $3)`,
    [applicationId, ZHANG_SAN, SUBMITTED_AT, JSON.stringify(form)],
  );
  const materials = new Map<string, { provision: string; requiredBy: string[] }>();
  for (const fixture of cases) {
    for (const m of materialsOf(fixture)) {
      const entry = materials.get(m.code) ?? { provision: m.provision, requiredBy: [] };
      entry.requiredBy.push(fixture.matter.code);
      materials.set(m.code, entry);
    }
  }
  for (const [position, [code, m]] of [...materials].entries()) {
    await db.query(
      `INSERT INTO application_materials (application_id, position, code, name, provision, exemption, file_refs, required_by)
       VALUES ($1, $2, $3, $3, $4, NULL, '{}', $5)`,
      [applicationId, position, code, m.provision, m.requiredBy],
    );
  }
  const ids: string[] = [];
  for (const [position, fixture] of cases.entries()) {
    const id = `${applicationId}-${position + 1}`;
    const dependsOn = fixture.dependsOn ?? [];
    const status = fixture.status ?? (dependsOn.length > 0 ? 'WAITING_FOR_PREREQUISITE' : 'QUEUED');
    const nextAttemptAt = fixture.nextAttemptAt !== undefined ? fixture.nextAttemptAt : status === 'QUEUED' ? new Date(START) : null;
    await db.query(
      `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on,
         result_certificate_type, form_fields, status, next_attempt_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        id,
        applicationId,
        position + 1,
        fixture.matter.code,
        fixture.matter.name,
        fixture.departmentCode ?? fixture.matter.department,
        dependsOn,
        fixture.matter.resultCertificateType ?? null,
        Object.keys(formOf(fixture)),
        status,
        nextAttemptAt,
        SUBMITTED_AT,
      ],
    );
    ids.push(id);
  }
  return ids;
}

/** Inserts a PENDING supplement due at `START`. */
export async function insertSupplement(
  db: Queryable,
  id: string,
  caseId: string,
  idempotencyKey: string,
  materials: { code: string; provision: string; fileRef?: string }[],
): Promise<void> {
  await db.query(
    `INSERT INTO supplements (id, case_id, idempotency_key, materials, status, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4::jsonb, 'PENDING', $5, $5)`,
    [id, caseId, idempotencyKey, JSON.stringify(materials), new Date(START)],
  );
}

/** The case row, which must exist. */
export async function caseRow(db: Queryable, id: string): Promise<CaseRecord> {
  const found = await findCase(db, id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

export async function applicationUpdatedAt(db: Queryable, id: string): Promise<Date> {
  const { rows } = await db.query<{ updated_at: Date }>('SELECT updated_at FROM applications WHERE id = $1', [id]);
  return rows[0]!.updated_at;
}

export async function supplementRow(db: Queryable, id: string) {
  const { rows } = await db.query<{ status: string; attempts: number; last_error: string | null; next_attempt_at: Date | null }>(
    'SELECT status, attempts, last_error, next_attempt_at FROM supplements WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

/** The hex HMAC-SHA256 a department signs its webhooks with. */
export function sign(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The matters of the fixtures, as CaseFixture matters. */
export const matters = {
  business: { code: BUSINESS_LICENCE.code, name: BUSINESS_LICENCE.name, department: SAMR, resultCertificateType: 'CT-YYZZ' },
  food: { code: FOOD_LICENCE.code, name: FOOD_LICENCE.name, department: SAMR, resultCertificateType: 'CT-SPJY' },
  birth: { code: BIRTH_CERTIFICATE.code, name: BIRTH_CERTIFICATE.name, department: HEALTH, resultCertificateType: null },
} as const;
