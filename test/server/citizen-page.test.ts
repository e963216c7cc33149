/**
 * The reference citizen page over HTTP (citizen/page.ts, served by
 * server/explorer.ts): the contract's operations verbatim, its bundle from
 * the gateway, and the demo applicants' tokens only ever with the sandbox.
 * The page itself runs in test/browser/citizen.test.ts.
 */
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITIZEN_OPERATIONS, citizenOperations } from '../../citizen/page.ts';
import { loadConfig } from '../../server/config.ts';
import { loadManifest } from '../../server/trusted-documents.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const normalise = (document: string) => print(parse(document));

async function citizenPageOf(base: string) {
  const response = await fetch(`${base}/citizen`, { headers: { accept: 'text/html' } });
  const html = await response.text();
  const json = /<script type="application\/json" id="citizen-config">([\s\S]*?)<\/script>/.exec(html)?.[1];
  return { response, html, config: json ? JSON.parse(json) : null };
}

describe('the citizen page of a gateway with the sandbox', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is served with the contract operations it sends, verbatim, and its bundle from the gateway', async () => {
    const { response, html, config } = await citizenPageOf(gateway.gateway.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';/);
    expect(html).toContain('<title>一件事 · 网上办事</title>');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">');
    expect(Object.keys(config.operations).sort()).toEqual([...CITIZEN_OPERATIONS].sort());
    for (const name of CITIZEN_OPERATIONS) expect(normalise(config.operations[name])).toBe(normalise(contractOperation(name)));
    expect(config).toMatchObject({ endpoint: '/graphql', uploadPath: '/uploads', region: '440514' });

    const assets = [...html.matchAll(/\s(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.map((url) => url.replace(/^.*\//, '')).sort()).toEqual(['citizen.css', 'citizen.js']);
    for (const url of assets) {
      const asset = await fetch(`${gateway.gateway.url}${url}`);
      expect(asset.status, url).toBe(200);
      expect(await asset.text()).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
    }
  });

  it("offers the sandbox's demo applicants, their ID numbers masked, and no other role's token", async () => {
    const { html, config } = await citizenPageOf(gateway.gateway.url);
    const applicants = gateway.demoUsers.filter((u) => u.role === 'APPLICANT');
    expect(config.demoApplicants).toEqual([
      { name: '陈晓明', subject: '440514***********6', token: applicants[0]!.token },
      { name: '汕头市潮南区康民医药连锁有限公司', subject: '91440514338746125F', token: applicants[1]!.token },
    ]);
    expect(html).not.toContain('440514199403120356');
    for (const user of gateway.demoUsers.filter((u) => u.role !== 'APPLICANT')) expect(html).not.toContain(user.token);
  });
});

describe('the citizen page with real upstreams', () => {
  // A sandbox started apart and configured as if it were the province's systems: the gateway runs in production mode.
  let upstreams: Sandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    upstreams = await startSandbox();
    env = {
      MATTER_REGISTRY_URL: upstreams.urls.matterRegistry,
      E_CERTIFICATES_URL: upstreams.urls.eCertificates,
      E_CERTIFICATES_TOKEN: upstreams.tokens.eCertificates,
      DATA_CENTER_URL: upstreams.urls.dataCenter,
      DATA_CENTER_TOKEN: upstreams.tokens.dataCenter,
      EVALUATION_URL: upstreams.urls.evaluation,
      EVALUATION_TOKEN: upstreams.tokens.evaluation,
      JWT_SECRET: 'a-shared-secret-of-at-least-32-bytes!',
      SECRETS_KEY: 'ab'.repeat(32),
    };
  });
  afterAll(async () => {
    await upstreams?.close();
  });

  it('is off unless CITIZEN_PAGE=on', async () => {
    expect(loadConfig(env).citizenPage).toBe(false);
    expect(loadConfig({}).citizenPage).toBe(true);
    expect(loadConfig({ CITIZEN_PAGE: 'off' }).citizenPage).toBe(false);
    const gateway = await startTestGateway(env);
    try {
      expect((await fetch(`${gateway.gateway.url}/citizen`, { headers: { accept: 'text/html' } })).status).toBe(404);
    } finally {
      await gateway.close();
    }
  });

  it('lists no demo applicant and carries no token when turned on', async () => {
    const gateway = await startTestGateway({ ...env, CITIZEN_PAGE: 'on' });
    try {
      const { response, html, config } = await citizenPageOf(gateway.gateway.url);
      expect(response.status).toBe(200);
      expect(config.demoApplicants).toEqual([]);
      expect(html).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT of any kind
    } finally {
      await gateway.close();
    }
  });
});

describe('the operations of the page', () => {
  it('are read from the trusted-documents manifest, and a manifest without one of them is an error that names it', () => {
    expect(normalise(citizenOperations().SubmitApplication)).toBe(normalise(contractOperation('SubmitApplication')));
    const manifest = loadManifest();
    const without = { ...manifest, operations: manifest.operations.filter((o) => o.name !== 'ApplicationStatus') };
    expect(() => citizenOperations(without)).toThrow('the trusted-documents manifest has no ApplicationStatus operation, which the citizen page needs');
  });
});
