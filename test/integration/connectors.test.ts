/**
 * Department administrators connect their approval systems at run time:
 * RegisterConnector, Connectors and RemoveConnector over HTTP, with the
 * sandbox's simulators standing in for a department's system.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

let gateway: TestGateway;
let staff: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  staff = await gateway.mint({ sub: 'staff-mz', name: '民政窗口', role: 'DEPARTMENT_STAFF', dept: 'MZJ-440514' });
});
afterAll(async () => {
  await gateway?.close();
});

const civilAffairs = () => gateway.sandbox!.departments.find((d) => d.departmentCode === 'MZJ-440514')!;

const register = (token: string, input: Record<string, unknown>) =>
  gateway.graphql(contractOperation('RegisterConnector'), { input }, token);

describe('RegisterConnector', () => {
  it('registers a department system for its own staff, checks its health at once, and never shows the token', async () => {
    const system = civilAffairs();

    const { body } = await register(staff, {
      departmentCode: 'MZJ-440514',
      baseUrl: system.baseUrl,
      token: system.token,
      webhookSecret: system.webhookSecret,
      matterCodes: system.matterCodes,
      timeoutMs: 3000,
    });

    expect(body.errors).toBeUndefined();
    expect(body.data.registerConnector.connector).toEqual({
      id: expect.any(String),
      department: { code: 'MZJ-440514', name: '汕头市潮南区民政局' },
      baseUrl: system.baseUrl,
      matterCodes: system.matterCodes,
      health: { status: 'UP', latencyMs: expect.any(Number), checkedAt: expect.any(String), lastError: null },
    });
    expect(JSON.stringify(body)).not.toContain(system.token);
  });

  it('refuses staff registering another department, and matters that are not the department\'s', async () => {
    const system = civilAffairs();
    const other = await register(staff, { departmentCode: 'WJJ-440514', baseUrl: system.baseUrl, token: 't0k3n', matterCodes: ['440514-WJ-GG-0001'] });
    const foreign = await register(staff, { departmentCode: 'MZJ-440514', baseUrl: system.baseUrl, token: 't0k3n', matterCodes: ['440514-WJ-GG-0001'] });

    expect(other.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
    expect(foreign.body.errors![0]!.extensions!.problems).toEqual([
      { field: 'matterCodes', code: 'NOT_A_MATTER_OF_DEPARTMENT', message: '440514-WJ-GG-0001 is not a matter of MZJ-440514 in the registry' },
    ]);
  });

  it('lists every problem of a bad registration', async () => {
    const { body } = await register(gateway.tokenOf('ADMIN'), {
      departmentCode: 'MZJ-440514',
      baseUrl: 'ftp://user:pw@example',
      token: 'has spaces',
      matterCodes: [],
      timeoutMs: 5,
    });

    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.extensions!.problems.map((p: any) => p.field)).toEqual(
      expect.arrayContaining(['baseUrl', 'token', 'matterCodes', 'timeoutMs']),
    );
  });
});

describe('RegisterConnector, where the base URL leads', () => {
  it('lists the problems of the form, of the matters and of the destination in one answer', async () => {
    const { body } = await register(gateway.tokenOf('ADMIN'), {
      departmentCode: 'MZJ-440514',
      baseUrl: 'http://169.254.169.254/latest/meta-data',
      token: 'has spaces',
      matterCodes: ['440514-WJ-GG-0001'],
      timeoutMs: 5,
    });

    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors![0]!.extensions!.problems).toEqual([
      { field: 'token', code: 'INVALID_TOKEN', message: 'The token must be printable ASCII without spaces (it is sent as a bearer token)' },
      { field: 'timeoutMs', code: 'OUT_OF_RANGE', message: 'The timeout must be from 100 to 60000 ms, got 5' },
      { field: 'matterCodes', code: 'NOT_A_MATTER_OF_DEPARTMENT', message: '440514-WJ-GG-0001 is not a matter of MZJ-440514 in the registry' },
      {
        field: 'baseUrl',
        code: 'ADDRESS_NOT_ALLOWED',
        message: 'The base URL may not be used: 169.254.169.254 is a link-local address (cloud metadata lives there), which connectors may not reach',
      },
    ]);
  });

  it('says which checks could not run because of an earlier problem', async () => {
    const { body } = await register(gateway.tokenOf('ADMIN'), {
      departmentCode: ' ',
      baseUrl: 'gopher://127.0.0.1:70',
      token: 't0k3n',
      matterCodes: ['440514-MZ-GG-0001'],
    });

    expect(body.errors![0]!.extensions!.problems.map((p: any) => [p.field, p.code])).toEqual([
      ['departmentCode', 'REQUIRED'],
      ['baseUrl', 'NOT_HTTP'],
      ['matterCodes', 'NOT_CHECKED'],
      ['baseUrl', 'NOT_CHECKED'],
    ]);
  });

  it('refuses the gateway itself and the sandbox\'s province-wide upstreams as a department system', async () => {
    const system = civilAffairs();
    const input = (baseUrl: string) => ({ departmentCode: 'MZJ-440514', baseUrl, token: system.token, matterCodes: system.matterCodes });

    const self = await register(staff, input(`${gateway.gateway.url}/graphql`));
    const certificates = await register(staff, input(gateway.sandbox!.urls.eCertificates));

    expect(self.body.errors![0]!.extensions!.problems).toEqual([
      { field: 'baseUrl', code: 'RESERVED_DESTINATION', message: `The base URL may not be used: 127.0.0.1:${new URL(gateway.gateway.url).port} is the gateway itself, not a department system` },
    ]);
    expect(certificates.body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['RESERVED_DESTINATION']);
  });
});

describe('Connectors', () => {
  it('shows an administrator the province-wide systems and every department system with its health', async () => {
    const { body } = await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('ADMIN'));

    const kinds = body.data.connectors.map((c: any) => c.kind);
    expect(kinds.slice(0, 4)).toEqual(['MATTER_REGISTRY', 'E_CERTIFICATES', 'DATA_CENTER', 'EVALUATION']);
    expect(kinds.filter((k: string) => k === 'APPROVAL')).toHaveLength(gateway.sandbox!.departments.length);
    expect(body.data.connectors.every((c: any) => ['UP', 'DEGRADED', 'DOWN', 'UNKNOWN'].includes(c.health.status))).toBe(true);
  });

  it('shows department staff their own department only, and evaluators nothing', async () => {
    const mine = await gateway.graphql(contractOperation('Connectors'), {}, staff);
    const evaluator = await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('EVALUATOR'));

    expect(mine.body.data.connectors.map((c: any) => [c.kind, c.department.code])).toEqual([['APPROVAL', 'MZJ-440514']]);
    expect(evaluator.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
  });

  it('reports a department system that stopped answering as DOWN after the next check', async () => {
    gateway.sandbox!.faults.set('MZJ-440514', { kind: 'down' });
    await gateway.services.health.checkNow();

    const { body } = await gateway.graphql(contractOperation('Connectors'), {}, staff);

    expect(body.data.connectors[0].health).toEqual({
      status: 'DOWN',
      latencyMs: expect.any(Number),
      checkedAt: expect.any(String),
      lastError: 'HTTP 503',
    });
    gateway.sandbox!.faults.set('MZJ-440514', null);
  });
});

describe('RemoveConnector', () => {
  it('removes a connector of one\'s own department, and treats another department\'s like a missing one', async () => {
    const { body: listed } = await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('ADMIN'));
    const health = listed.data.connectors.find((c: any) => c.department?.code === 'WJJ-440514');
    const own = listed.data.connectors.find((c: any) => c.department?.code === 'MZJ-440514');

    const foreign = await gateway.graphql(contractOperation('RemoveConnector'), { id: health.id }, staff);
    const removed = await gateway.graphql(contractOperation('RemoveConnector'), { id: own.id }, staff);
    const after = await gateway.graphql(contractOperation('Connectors'), {}, staff);

    expect(foreign.body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['UNKNOWN_CONNECTOR']);
    expect(removed.body.data).toEqual({ removeConnector: { removedId: own.id } });
    expect(after.body.data.connectors).toEqual([]);
  });
});
