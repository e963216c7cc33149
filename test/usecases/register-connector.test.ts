/**
 * A department connects its approval system, on the use case's ports: the
 * real connector directory over a real database (embedded always,
 * PostgreSQL when TEST_DATABASE_URL is set) and the real egress policy with
 * a stub resolver; an in-memory registry, and a health monitor that records
 * what it was asked to check instead of connecting anywhere.
 */
import { randomBytes } from 'node:crypto';

import { describe, expect, it, onTestFinished } from 'vitest';

import { ConnectorDirectory } from '../../connectors/approval/directory.ts';
import { EgressPolicy, parseAllowedHosts, type Resolve } from '../../connectors/egress.ts';
import { UpstreamUnavailableError } from '../../lib/errors.ts';
import { SecretBox } from '../../lib/secrets.ts';
import { ConnectorValidationError, sealContext } from '../../store/connectors.ts';
import type { Database } from '../../store/database.ts';
import { registerConnector, type RegisterConnectorDeps, type RegisterConnectorRequest } from '../../usecases/register-connector.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const SAMR = 'SCJGJ-440514';
const TOKEN = 'approval-token-0123456789';
const WEBHOOK_SECRET = 'webhook-secret-abcdef';
const admin = { subject: 'admin-001' };

/** The registry's matters: two of the market regulator's, one of the health commission's. */
const REGISTRY = new Map([
  ['M-BUSINESS-LICENCE', { department: SAMR }],
  ['M-FOOD-LICENCE', { department: SAMR }],
  ['M-BIRTH', { department: 'WSJKJ-440514' }],
]);

/** Host names of the test, none of them real; every name asked for is recorded. */
function resolver(): Resolve & { asked: string[] } {
  const table: Record<string, string[]> = {
    'sp.scjgj.gov.test': ['10.20.30.40'],
    'metadata.gov.test': ['169.254.169.254'],
    'dc.gov.test': ['10.9.9.9'],
    'sp.elsewhere.test': ['10.20.30.41'],
  };
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { asked });
}

const request = (overrides: Partial<RegisterConnectorRequest> = {}): RegisterConnectorRequest => ({
  departmentCode: SAMR,
  baseUrl: 'https://sp.scjgj.gov.test/api/',
  token: TOKEN,
  webhookSecret: WEBHOOK_SECRET,
  matterCodes: ['M-BUSINESS-LICENCE', 'M-FOOD-LICENCE'],
  ...overrides,
});

/** Ports over `db`; `allowedHosts` is CONNECTOR_ALLOWED_HOSTS (unset by default), the data center is an upstream. */
function ports(db: Database, options: { allowedHosts?: string; registryDown?: boolean } = {}) {
  const box = new SecretBox(randomBytes(32));
  const directory = new ConnectorDirectory(db, box, { refreshMs: 0 });
  onTestFinished(() => directory.close());
  const resolve = resolver();
  const destinations = new EgressPolicy({
    allowedHosts: options.allowedHosts ? parseAllowedHosts(options.allowedHosts).entries : null,
    allowLoopback: false,
    resolve,
  });
  destinations.reserveUpstream('data center', 'http://dc.gov.test:8080');
  const checked: string[] = [];
  const registryAsked: string[][] = [];
  const deps: RegisterConnectorDeps = {
    matters: {
      loadMany: async (codes) => {
        registryAsked.push([...codes]);
        return codes.map((code) => (options.registryDown ? new UpstreamUnavailableError('matter-registry', 503) : REGISTRY.get(code) ?? null));
      },
    },
    destinations,
    connectors: directory,
    health: { checkNow: async (id) => void checked.push(id!) },
  };
  return { deps, box, directory, checked, resolved: resolve.asked, registryAsked };
}

const problemsOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorValidationError);
  return (error as ConnectorValidationError).problems.map((p) => `${p.field} ${p.code}`);
};

const storedCount = async (db: Database) => Number((await db.query('SELECT count(*) AS n FROM connectors')).rows[0]!.n);

describe.each(backends.map((b) => [b.kind, b] as const))('registerConnector on the %s database', (_kind, backend) => {
  it('connects the department’s system: listed at once, its health checked at once, its secrets sealed and never shown', async () => {
    const db = await openFresh(backend);
    const { deps, box, directory, checked } = ports(db);

    const connector = await registerConnector(deps, admin, request());

    expect(connector).toEqual({
      id: expect.any(String),
      departmentCode: SAMR,
      baseUrl: 'https://sp.scjgj.gov.test/api',
      matterCodes: ['M-BUSINESS-LICENCE', 'M-FOOD-LICENCE'],
      timeoutMs: 5000,
      webhooksEnabled: true,
      createdBy: 'admin-001',
      createdAt: expect.any(Date),
    });
    expect(JSON.stringify(connector)).not.toMatch(new RegExp(`${TOKEN}|${WEBHOOK_SECRET}|v1\\.`));
    expect(await directory.list()).toEqual([connector]);
    expect(checked).toEqual([connector.id]);

    const { rows } = await db.query<{ token_sealed: string; webhook_secret_sealed: string }>('SELECT token_sealed, webhook_secret_sealed FROM connectors');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_sealed).not.toContain(TOKEN);
    expect(rows[0]!.webhook_secret_sealed).not.toContain(WEBHOOK_SECRET);
    expect(box.unseal(rows[0]!.token_sealed, sealContext(connector.id, 'token'))).toBe(TOKEN);
    // Delivery finds the department's system with its token, inside the gateway only.
    expect(await directory.forDepartment(SAMR)).toMatchObject({ id: connector.id, token: TOKEN, webhookSecret: WEBHOOK_SECRET });
  });

  it('replaces the department’s live system when it registers again, and checks the new one', async () => {
    const db = await openFresh(backend);
    const { deps, directory, checked } = ports(db);
    const first = await registerConnector(deps, admin, request());

    const second = await registerConnector(deps, { subject: 'admin-002' }, request({ baseUrl: 'https://sp.scjgj.gov.test/v2', token: 'new-token', webhookSecret: null, timeoutMs: 8000 }));

    expect(await directory.list()).toEqual([second]);
    expect(second).toMatchObject({ baseUrl: 'https://sp.scjgj.gov.test/v2', timeoutMs: 8000, webhooksEnabled: false, createdBy: 'admin-002' });
    expect(checked).toEqual([first.id, second.id]);
  });

  it('lists every problem at once — the form, the matters, where the URL leads — storing and checking nothing', async () => {
    const db = await openFresh(backend);
    const { deps, checked } = ports(db);

    const problems = await problemsOf(
      registerConnector(
        deps,
        admin,
        request({
          baseUrl: 'http://metadata.gov.test/',
          token: 'has a space',
          matterCodes: ['M-FOOD-LICENCE', 'M-BIRTH', 'M-NO-SUCH', 'M-FOOD-LICENCE'],
          timeoutMs: 50,
        }),
      ),
    );

    expect(problems).toEqual([
      'token INVALID_TOKEN',
      'matterCodes[3] DUPLICATE',
      'timeoutMs OUT_OF_RANGE',
      'matterCodes NOT_A_MATTER_OF_DEPARTMENT',
      'matterCodes NOT_A_MATTER_OF_DEPARTMENT',
      'baseUrl ADDRESS_NOT_ALLOWED',
    ]);
    expect([await storedCount(db), checked]).toEqual([0, []]);
  });

  it('says what it could not check when the department code or the URL is unusable, asking neither the registry nor DNS', async () => {
    const db = await openFresh(backend);
    const { deps, registryAsked, resolved } = ports(db);

    expect(await problemsOf(registerConnector(deps, { subject: ' ' }, request({ departmentCode: '', baseUrl: 'sp.scjgj.gov.test/api' })))).toEqual([
      'departmentCode REQUIRED',
      'baseUrl INVALID_URL',
      'createdBy REQUIRED',
      'matterCodes NOT_CHECKED',
      'baseUrl NOT_CHECKED',
    ]);
    expect([registryAsked, resolved, await storedCount(db)]).toEqual([[], [], 0]);
  });

  it.each([
    ['cloud metadata by its address', 'http://169.254.169.254/latest', 'ADDRESS_NOT_ALLOWED'],
    ['cloud metadata spelt as IPv6', 'http://[::ffff:169.254.169.254]/', 'ADDRESS_NOT_ALLOWED'],
    ['cloud metadata behind a name', 'http://metadata.gov.test/', 'ADDRESS_NOT_ALLOWED'],
    ['the gateway’s own machine', 'http://127.0.0.1:4000/', 'ADDRESS_NOT_ALLOWED'],
    ['another upstream of the gateway', 'http://dc.gov.test:8080/api', 'RESERVED_DESTINATION'],
    ['a name that resolves to nothing', 'https://nowhere.gov.test/', 'HOST_NOT_RESOLVED'],
  ])('refuses %s as the base URL without connecting to it', async (_what, baseUrl, code) => {
    const db = await openFresh(backend);
    const { deps, checked } = ports(db);

    expect(await problemsOf(registerConnector(deps, admin, request({ baseUrl })))).toEqual([`baseUrl ${code}`]);
    expect([await storedCount(db), checked]).toEqual([0, []]);
  });

  it('refuses a host CONNECTOR_ALLOWED_HOSTS does not name, and takes one it does', async () => {
    const db = await openFresh(backend);
    const { deps, directory } = ports(db, { allowedHosts: '*.gov.test' });

    expect(await problemsOf(registerConnector(deps, admin, request({ baseUrl: 'https://sp.elsewhere.test/' })))).toEqual(['baseUrl HOST_NOT_ALLOWED']);
    const connector = await registerConnector(deps, admin, request());
    expect(await directory.list()).toEqual([connector]);
  });

  it('fails with the registry’s error when the registry cannot be reached, storing nothing', async () => {
    const db = await openFresh(backend);
    const { deps, checked } = ports(db, { registryDown: true });

    await expect(registerConnector(deps, admin, request())).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect([await storedCount(db), checked]).toEqual([0, []]);
  });
});
