/**
 * RegisterConnector over HTTP on a gateway configured with real upstreams
 * (the sandbox, started on its own, plays them), where loopback is not a
 * department's address: every spelling of a forbidden address is refused
 * naming `baseUrl`, before anything is connected to. Host names come from a
 * stub resolver; the only address ever connected to is 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Resolve } from '../../connectors/egress.ts';
import { mintToken } from '../../server/identity.ts';
import { SecretBox } from '../../lib/secrets.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const JWT_SECRET = 'connector-egress-test-secret-0123456789';

/** Host names of the test, none of them real. */
const resolve: Resolve = async (hostname) => {
  const table: Record<string, string[]> = {
    'sp.mz.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'intranet.test': ['10.1.2.3', '169.254.169.254'],
  };
  const answer = table[hostname];
  if (!answer) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answer;
};

let sandbox: Sandbox;
let gateway: TestGateway;
let listed: TestGateway;
let admin: string;
beforeAll(async () => {
  sandbox = await startSandbox();
  const env = {
    MATTER_REGISTRY_URL: sandbox.urls.matterRegistry,
    E_CERTIFICATES_URL: sandbox.urls.eCertificates,
    E_CERTIFICATES_TOKEN: sandbox.tokens.eCertificates,
    DATA_CENTER_URL: sandbox.urls.dataCenter,
    DATA_CENTER_TOKEN: sandbox.tokens.dataCenter,
    EVALUATION_URL: sandbox.urls.evaluation,
    EVALUATION_TOKEN: sandbox.tokens.evaluation,
    JWT_SECRET,
    SECRETS_KEY: SecretBox.generateKey(),
    // One administrator tries many addresses in a row: not abuse.
    MUTATION_RATE_LIMIT: 'off',
  };
  gateway = await startTestGateway(env, { services: { resolve } });
  listed = await startTestGateway({ ...env, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1' }, { services: { resolve } });
  admin = await mintToken(JWT_SECRET, { sub: 'admin-001', name: '管理员', role: 'ADMIN' });
}, 120_000); // two gateways boot, one after the other
afterAll(async () => {
  await Promise.all([gateway?.close(), listed?.close()]);
  await sandbox?.close();
});

const civilAffairs = () => sandbox.departments.find((d) => d.departmentCode === 'MZJ-440514')!;
const portOf = (url: string) => new URL(url).port;

const register = (on: TestGateway, baseUrl: string) => {
  const system = civilAffairs();
  return on.graphql(
    contractOperation('RegisterConnector'),
    { input: { departmentCode: system.departmentCode, baseUrl, token: system.token, matterCodes: system.matterCodes } },
    admin,
  );
};

/** The problems of a refused registration, as [field, code]. */
const problemsOf = (body: { errors?: Array<{ extensions?: Record<string, any> }> }) =>
  body.errors?.map((e) => [e.extensions!.code, ...(e.extensions!.problems ?? []).map((p: any) => [p.field, p.code])]);

describe('RegisterConnector with real upstreams and no CONNECTOR_ALLOWED_HOSTS', () => {
  it.each([
    'http://127.0.0.1:{port}',
    'http://[::1]:{port}',
    'http://0x7f.1:{port}',
    'http://2130706433:{port}',
    'http://0177.0.0.01:{port}',
    'http://[::ffff:127.0.0.1]:{port}',
    'http://169.254.169.254/latest/meta-data',
    'http://[fe80::1]:{port}',
    'http://0.0.0.0:{port}',
    'http://metadata.test/',
    'http://intranet.test:{port}',
  ])('refuses %s naming baseUrl, and connects to nothing', async (template) => {
    sandbox.calls.reset();
    const department = civilAffairs().departmentCode as Parameters<typeof sandbox.calls.count>[0];
    const baseUrl = template.replace('{port}', portOf(civilAffairs().baseUrl));

    const { body } = await register(gateway, baseUrl);

    expect(problemsOf(body)).toEqual([['BAD_USER_INPUT', ['baseUrl', 'ADDRESS_NOT_ALLOWED']]]);
    expect(sandbox.calls.count(department)).toBe(0);
  });
});

describe('RegisterConnector with CONNECTOR_ALLOWED_HOSTS=127.0.0.1', () => {
  it('refuses the gateway itself and the other upstreams, though they are on a listed address', async () => {
    const dataCenter = await register(listed, sandbox.urls.dataCenter);
    const self = await register(listed, `${listed.gateway.url}/graphql`);

    expect(problemsOf(dataCenter.body)).toEqual([['BAD_USER_INPUT', ['baseUrl', 'RESERVED_DESTINATION']]]);
    expect(dataCenter.body.errors![0]!.extensions!.problems[0].message).toBe(
      `The base URL may not be used: 127.0.0.1:${portOf(sandbox.urls.dataCenter)} is the data-center upstream, not a department system`,
    );
    expect(problemsOf(self.body)).toEqual([['BAD_USER_INPUT', ['baseUrl', 'RESERVED_DESTINATION']]]);
  });

  it('registers a department system whose name resolves to a listed address, and checks it is UP', async () => {
    const baseUrl = `http://sp.mz.test:${portOf(civilAffairs().baseUrl)}`;

    const { body } = await register(listed, baseUrl);

    expect(body.errors).toBeUndefined();
    expect(body.data.registerConnector.connector).toMatchObject({
      department: { code: 'MZJ-440514' },
      baseUrl,
      health: { status: 'UP', lastError: null },
    });
  });

  it('refuses the loopback addresses it does not list', async () => {
    const port = portOf(civilAffairs().baseUrl);

    const other = await register(listed, `http://127.0.0.2:${port}`);
    const ipv6 = await register(listed, `http://[::1]:${port}`);

    expect(problemsOf(other.body)).toEqual([['BAD_USER_INPUT', ['baseUrl', 'ADDRESS_NOT_ALLOWED']]]);
    expect(problemsOf(ipv6.body)).toEqual([['BAD_USER_INPUT', ['baseUrl', 'ADDRESS_NOT_ALLOWED']]]);
  });
});
