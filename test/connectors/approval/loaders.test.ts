import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApprovalClients } from '../../../connectors/approval/client.ts';
import type { ApprovalDirectory, ApprovalEndpoint } from '../../../connectors/approval/endpoint.ts';
import { createApprovalLoaders } from '../../../connectors/approval/loaders.ts';
import type { Case, CaseSubmission } from '../../../connectors/approval/models.ts';
import { UpstreamUnavailableError } from '../../../lib/errors.ts';
import type { Sandbox } from '../../../sandbox/index.ts';
import { BIRTH_CERTIFICATE, BUSINESS_LICENCE, HEALTH, POLICE, SAMR, ZHANG_SAN, startFixtureSandbox } from '../../sandbox/fixtures.ts';

let sandbox: Sandbox;
let clients: ApprovalClients;
let directory: ApprovalDirectory;

beforeEach(async () => {
  sandbox = await startFixtureSandbox({ now: () => Date.parse('2025-03-03T01:00:00.000Z') });
  const endpoints: ApprovalEndpoint[] = sandbox.departments.map((d) => ({
    id: `conn-${d.departmentCode}`,
    departmentCode: d.departmentCode,
    baseUrl: d.baseUrl,
    token: d.token,
    webhookSecret: d.webhookSecret,
    matterCodes: d.matterCodes,
    timeoutMs: 1000,
  }));
  directory = {
    forDepartment: async (code) => endpoints.find((e) => e.departmentCode === code) ?? null,
    all: async () => endpoints,
  };
  clients = new ApprovalClients({ policy: { retries: 0 } });
});
afterEach(async () => {
  await clients.close();
  await sandbox.close();
});

async function createCase(department: string, matterCode: string, applicationId: string): Promise<Case> {
  const endpoint = (await directory.forDepartment(department))!;
  const submission: CaseSubmission = {
    matterCode,
    applicationId,
    applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
    form: {},
    materials: [],
  };
  return (await clients.for(endpoint).createCase(submission, `${applicationId}:${matterCode}`)).case;
}

const reads = (department: string) => sandbox.calls.count(department, /^GET \/api\/v1\/cases\?/);

describe('approval loaders', () => {
  it('read every case asked for in one tick with one GET per department', async () => {
    const a = await createCase(SAMR, BUSINESS_LICENCE.code, 'APP-1');
    const b = await createCase(SAMR, BUSINESS_LICENCE.code, 'APP-2');
    const c = await createCase(HEALTH, BIRTH_CERTIFICATE.code, 'APP-1');
    const { caseStatus } = createApprovalLoaders(directory, clients);

    const found = await Promise.all([
      caseStatus.load({ departmentCode: SAMR, remoteCaseId: a.caseId }),
      caseStatus.load({ departmentCode: HEALTH, remoteCaseId: c.caseId }),
      caseStatus.load({ departmentCode: SAMR, remoteCaseId: b.caseId }),
      caseStatus.load({ departmentCode: SAMR, remoteCaseId: 'UNKNOWN' }),
      caseStatus.load({ departmentCode: POLICE, remoteCaseId: 'ANY' }),
      caseStatus.load({ departmentCode: SAMR, remoteCaseId: a.caseId }),
    ]);

    expect(found).toEqual([a, c, b, null, null, a]);
    expect(reads(SAMR)).toBe(1);
    expect(reads(HEALTH)).toBe(1);

    // Cached for the rest of the request.
    await caseStatus.load({ departmentCode: SAMR, remoteCaseId: b.caseId });
    expect(reads(SAMR)).toBe(1);
  });

  it("fail only the keys of a department that is down", async () => {
    const a = await createCase(SAMR, BUSINESS_LICENCE.code, 'APP-1');
    const c = await createCase(HEALTH, BIRTH_CERTIFICATE.code, 'APP-1');
    sandbox.faults.set(SAMR, { kind: 'down' });
    const { caseStatus } = createApprovalLoaders(directory, clients);

    const [samr, health] = await Promise.allSettled([
      caseStatus.load({ departmentCode: SAMR, remoteCaseId: a.caseId }),
      caseStatus.load({ departmentCode: HEALTH, remoteCaseId: c.caseId }),
    ]);

    expect(samr).toMatchObject({ status: 'rejected', reason: expect.any(UpstreamUnavailableError) });
    expect(health).toEqual({ status: 'fulfilled', value: c });
  });
});
