import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApprovalClient, ApprovalClients, CASES_PER_READ } from '../../../connectors/approval/client.ts';
import type { ApprovalEndpoint } from '../../../connectors/approval/endpoint.ts';
import { caseSchema, type CaseSubmission } from '../../../connectors/approval/models.ts';
import type { UpstreamCallRecord } from '../../../connectors/http.ts';
import { UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../../lib/errors.ts';
import type { DepartmentSystem, Sandbox } from '../../../sandbox/index.ts';
import { BUSINESS_LICENCE, HEALTH, SAMR, ZHANG_SAN, manualClock, startFixtureSandbox } from '../../sandbox/fixtures.ts';

const START = Date.parse('2025-03-03T01:00:00.000Z');

let sandbox: Sandbox;
let clock: ReturnType<typeof manualClock>;
let samr: DepartmentSystem;
let calls: UpstreamCallRecord[];
const opened: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  clock = manualClock(START);
  sandbox = await startFixtureSandbox({ caseStepMs: 1000, now: clock.now });
  samr = sandbox.departments.find((d) => d.departmentCode === SAMR)!;
  calls = [];
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  await sandbox.close();
});

function endpointOf(department: DepartmentSystem, overrides: Partial<ApprovalEndpoint> = {}): ApprovalEndpoint {
  return {
    id: `conn-${department.departmentCode}`,
    departmentCode: department.departmentCode,
    baseUrl: department.baseUrl,
    token: department.token,
    webhookSecret: department.webhookSecret,
    matterCodes: department.matterCodes,
    timeoutMs: 1000,
    ...overrides,
  };
}

function client(overrides: Partial<ApprovalEndpoint> = {}, department = samr): ApprovalClient {
  const c = new ApprovalClient(endpointOf(department, overrides), {
    policy: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
    onCall: (record) => calls.push(record),
  });
  opened.push(c);
  return c;
}

const submission = (matterCode = BUSINESS_LICENCE.code, applicationId = 'APP-1'): CaseSubmission => ({
  matterCode,
  applicationId,
  applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
  form: { 'applicant.name': '张三', 'business.name': '好味道' },
  materials: [{ code: 'MAT-SFZ', provision: 'GOVERNMENT_ISSUED' }],
  deliveryMethod: 'ONLINE',
});

const posts = () => sandbox.calls.count(SAMR, /^POST \/api\/v1\/cases$/);

describe('ApprovalClient', () => {
  it('creates a case (201), and answers the same case, not created, when the same Idempotency-Key comes again (200)', async () => {
    const c = client();

    const first = await c.createCase(submission(), 'APP-1:m');
    const again = await c.createCase(submission(), 'APP-1:m');

    expect(first).toEqual({
      created: true,
      case: expect.objectContaining({ matterCode: BUSINESS_LICENCE.code, applicationId: 'APP-1', status: 'RECEIVED', dueAt: '2025-03-06T01:00:00.000Z' }),
    });
    expect(again).toEqual({ created: false, case: first.case });
    expect(calls.map((r) => [r.upstream, r.method, r.status])).toEqual([
      [`approval:${SAMR}`, 'POST', 201],
      [`approval:${SAMR}`, 'POST', 200],
    ]);
  });

  it('throws UpstreamRejectedError with the contract code for a matter the department does not handle (422) and a wrong token (401)', async () => {
    const health = sandbox.departments.find((d) => d.departmentCode === HEALTH)!;
    const refused = await client({}, health).createCase(submission(), 'APP-1:m').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamRejectedError);
    expect(refused).toMatchObject({ httpStatus: 422, upstreamCode: 'MATTER_NOT_HANDLED', upstream: `approval:${HEALTH}` });

    const unauthorised = await client({ token: 'wrong' }).createCase(submission(), 'APP-1:m').catch((e: unknown) => e);
    expect(unauthorised).toBeInstanceOf(UpstreamRejectedError);
    expect(unauthorised).toMatchObject({ httpStatus: 401 });

    const invalid = await client().createCase(submission(), 'k'.repeat(129)).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ httpStatus: 400, upstreamCode: 'BAD_REQUEST' });
  });

  it('does not retry a POST: one call, and an UpstreamUnavailableError, for a department that is down', async () => {
    sandbox.faults.set(SAMR, { kind: 'down' });
    const error = await client().createCase(submission(), 'APP-1:m').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ httpStatus: 503 });
    expect(posts()).toBe(1);
  });

  it('gives up on a POST that does not answer within the connector timeout, without retrying it', async () => {
    sandbox.faults.set(SAMR, { kind: 'hang' });
    const error = await client({ timeoutMs: 100 }).createCase(submission(), 'APP-1:m').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(posts()).toBe(1);
  });

  it('retries a GET of cases once the department answers again', async () => {
    const c = client();
    const { case: created } = await c.createCase(submission(), 'APP-1:m');
    sandbox.faults.set(SAMR, { kind: 'down', times: 1 });

    expect(await c.getCases([created.caseId])).toEqual([created]);
    expect(sandbox.calls.count(SAMR, /^GET \/api\/v1\/cases\?/)).toBe(2);
  });

  it('reads cases at most 100 ids per call, de-duplicated, omitting unknown ids, and makes no call for no ids', async () => {
    const c = client();
    const { case: one } = await c.createCase(submission(), 'APP-1:a');
    const { case: two } = await c.createCase(submission(BUSINESS_LICENCE.code, 'APP-2'), 'APP-2:a');
    const unknown = Array.from({ length: 150 }, (_, i) => `UNKNOWN-${i}`);

    const found = await c.getCases([one.caseId, ...unknown, two.caseId, one.caseId]);

    expect(found.map((x) => x.caseId).sort()).toEqual([one.caseId, two.caseId].sort());
    const reads = sandbox.calls.list(SAMR).filter((r) => r.method === 'GET');
    expect(reads).toHaveLength(2);
    for (const read of reads) {
      const ids = new URL(read.path, 'http://x').searchParams.get('ids')!.split(',');
      expect(ids.length).toBeLessThanOrEqual(CASES_PER_READ);
    }
    expect(await c.getCases([])).toEqual([]);
    expect(sandbox.calls.list(SAMR).filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('follows a case as the department moves it along', async () => {
    const c = client();
    const { case: created } = await c.createCase(submission(), 'APP-1:m');
    clock.advance(3000);
    const [approved] = await c.getCases([created.caseId]);
    expect(approved).toMatchObject({
      status: 'APPROVED',
      decidedAt: '2025-03-03T01:00:03.000Z',
      result: { certificateId: expect.stringMatching(/^EC-/), certificateNumber: expect.any(String) },
    });
    expect(caseSchema.parse(approved)).toEqual(approved);
  });

  it('hands in supplements (the same key twice is one supplement) and refuses them when the case is unknown (404) or not waiting (409)', async () => {
    const c = client();
    const deferred = { ...submission(), materials: [{ code: 'MAT-ZLHT', provision: 'DEFERRED' as const }] };
    const { case: created } = await c.createCase(deferred, 'APP-1:m');
    clock.advance(3000);
    const materials = [{ code: 'MAT-ZLHT', provision: 'UPLOADED' as const, fileRef: `sha256:${'ab'.repeat(32)}` }];

    expect(await c.supplement(created.caseId, materials, 'S-1')).toMatchObject({ status: 'IN_REVIEW' });
    expect(await c.supplement(created.caseId, materials, 'S-1')).toMatchObject({ status: 'IN_REVIEW' });
    await expect(c.supplement(created.caseId, materials, 'S-2')).rejects.toMatchObject({
      httpStatus: 409,
      upstreamCode: 'NOT_WAITING_FOR_MATERIALS',
    });
    await expect(c.supplement('NO-SUCH-CASE', materials, 'S-3')).rejects.toMatchObject({ httpStatus: 404, upstreamCode: 'CASE_NOT_FOUND' });
  });

  it('withdraws a case, and refuses to withdraw a decided one (409)', async () => {
    const c = client();
    const { case: first } = await c.createCase(submission(), 'APP-1:m');
    expect(await c.withdraw(first.caseId)).toMatchObject({ status: 'WITHDRAWN', statusReason: '申请人撤回申请' });

    const { case: second } = await c.createCase(submission(BUSINESS_LICENCE.code, 'APP-2'), 'APP-2:m');
    clock.advance(3000);
    await expect(c.withdraw(second.caseId)).rejects.toBeInstanceOf(UpstreamRejectedError);
  });

  it('checks health', async () => {
    await expect(client().health()).resolves.toBeUndefined();
    sandbox.faults.set(SAMR, { kind: 'down' });
    await expect(client({ id: 'other' }).health()).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('ApprovalClients', () => {
  it('keeps one client per connector, a new one when its address, token or timeout changes, and closes them', async () => {
    const clients = new ApprovalClients();
    const endpoint = endpointOf(samr);

    const first = clients.for(endpoint);
    expect(clients.for({ ...endpoint })).toBe(first);
    expect(clients.for({ ...endpoint, webhookSecret: null })).toBe(first);
    const rotated = clients.for({ ...endpoint, token: 'rotated' });
    expect(rotated).not.toBe(first);
    expect(rotated.departmentCode).toBe(SAMR);
    const other = clients.for({ ...endpoint, id: 'conn-2' });
    expect(other).not.toBe(rotated);

    await expect(clients.for(endpoint).health()).resolves.toBeUndefined();
    await clients.close();
    expect(() => clients.for(endpoint)).toThrow(/closed/);
  });
});
