import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import {
  CONTRACT_OPERATIONS_DIR,
  MANIFEST_PATH,
  TrustedDocuments,
  buildManifest,
  loadManifest,
  serializeManifest,
  sha256,
} from '../../server/trusted-documents.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const manifest = loadManifest();
const idOf = (name: string) => manifest.operations.find((o) => o.name === name)!.id;

describe('the trusted documents manifest', () => {
  it('is up to date with the contract operations (npm run trusted-documents writes it)', () => {
    expect(readFileSync(MANIFEST_PATH, 'utf8')).toBe(serializeManifest(buildManifest(CONTRACT_OPERATIONS_DIR)));
  });

  it('lists every contract operation once, by the SHA-256 of its printed text', () => {
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.operations.map((o) => [o.name, o.type])).toEqual([
      ['ApplicationStatus', 'query'],
      ['AssessmentMetrics', 'query'],
      ['Connectors', 'query'],
      ['DepartmentCases', 'query'],
      ['MyApplications', 'query'],
      ['MyDataAccessLog', 'query'],
      ['RateApplication', 'mutation'],
      ['RegisterConnector', 'mutation'],
      ['RemoveConnector', 'mutation'],
      ['SituationPlan', 'query'],
      ['SubmitApplication', 'mutation'],
      ['SupplementMaterials', 'mutation'],
      ['TopicCatalog', 'query'],
      ['TopicGuide', 'query'],
    ]);
    for (const operation of manifest.operations) {
      expect(operation.body).toBe(contractOperation(operation.name));
      expect(operation.id).toBe(sha256(operation.body));
    }
  });

  it('refuses to load a manifest whose ids are not the hashes of their bodies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const file = join(dir, 'tampered.json');
    const tampered = structuredClone(manifest);
    tampered.operations[0]!.body = '{ me { subjectId } }';
    writeFileSync(file, JSON.stringify(tampered));
    try {
      expect(() => loadManifest(file)).toThrow(`${file}: the id of operation ApplicationStatus is not the SHA-256 of its body`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deciding on a request', () => {
  const trusted = new TrustedDocuments(manifest);
  const post = (body: unknown) => trusted.admit({ method: 'POST', body, search: '' });
  const notTrusted = {
    ok: false,
    status: 400,
    code: 'OPERATION_NOT_TRUSTED',
    message: 'Only the operations of the front-end contract are served here (trusted documents)',
  };

  it('serves a contract operation sent as text, exactly or spelled differently', () => {
    const exact = { query: contractOperation('TopicCatalog'), variables: {} };
    const respelled = { query: `# catalogue\nquery   TopicCatalog($region: String) { topics(region: $region) { code, name leadDepartment { code name } matterCount readiness { guidable onlineProcessable problems } } }` };

    expect(post(exact)).toEqual({ ok: true, body: exact, search: '' });
    expect(post(respelled)).toEqual({ ok: true, body: respelled, search: '' });
  });

  it('fills in the text of a contract operation sent as a persisted query hash only', () => {
    const body = { operationName: 'TopicGuide', variables: { code: 'X' }, extensions: { persistedQuery: { version: 1, sha256Hash: idOf('TopicGuide') } } };

    expect(post(body)).toEqual({ ok: true, body: { ...body, query: contractOperation('TopicGuide') }, search: '' });
  });

  it('fills in the text of a GET request by hash', () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: idOf('TopicGuide') } });
    const search = `?${new URLSearchParams({ variables: '{"code":"X"}', extensions })}`;

    const admission = trusted.admit({ method: 'GET', body: undefined, search });

    expect(admission.ok).toBe(true);
    expect(Object.fromEntries(new URLSearchParams((admission as { search: string }).search))).toEqual({
      variables: '{"code":"X"}',
      extensions,
      query: contractOperation('TopicGuide'),
    });
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown hash, the way Apollo Client expects', () => {
    expect(post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })).toEqual({
      ok: false,
      status: 200,
      code: 'PERSISTED_QUERY_NOT_FOUND',
      message: 'PersistedQueryNotFound',
    });
  });

  it('refuses any other document, a trusted operation with extra fields, and text that does not parse', () => {
    expect(post({ query: '{ me { subjectId } }' })).toEqual(notTrusted);
    expect(post({ query: contractOperation('TopicCatalog').replace('code\n', 'code\n    status\n') })).toEqual(notTrusted);
    expect(post({ query: `${contractOperation('TopicCatalog')}\nquery Other { me { name } }` })).toEqual(notTrusted);
    expect(post({ query: 'query {' })).toEqual(notTrusted);
  });

  it('remembers a client hash of its own spelling of a trusted operation once it sent the text with it', () => {
    const text = 'query TopicGuide($code: ID!) { topic(code: $code) { code name description version leadDepartment { code name } guideUrl onlineUrl windowAddress matters { code name type department { code name } legalDays committedDays onlineDepth } } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(text) };

    const before = post({ extensions: { persistedQuery } });
    const registered = post({ query: text, extensions: { persistedQuery } });
    const after = post({ extensions: { persistedQuery } });

    expect([before.ok, registered.ok]).toEqual([false, true]);
    expect(after).toEqual({ ok: true, body: { extensions: { persistedQuery }, query: text }, search: '' });
  });

  it('leaves requests without any document to Apollo Server, which refuses them', () => {
    expect(post({ variables: {} })).toEqual({ ok: true, body: { variables: {} }, search: '' });
    expect(post([{ query: '{ me { name } }' }])).toEqual({ ok: true, body: [{ query: '{ me { name } }' }], search: '' });
  });
});

describe('the TRUSTED_DOCUMENTS setting', () => {
  it('is off unless set to contract, and names a bad value', () => {
    expect(loadConfig({}).trustedDocuments).toBe('off');
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'contract' }).trustedDocuments).toBe('contract');
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: 'yes' })).toThrow(ConfigError);
    try {
      loadConfig({ TRUSTED_DOCUMENTS: 'yes' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(['TRUSTED_DOCUMENTS must be one of contract, off, got "yes"']);
    }
  });
});

describe('a gateway serving trusted documents only', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ TRUSTED_DOCUMENTS: 'contract' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const send = async (body: unknown) => {
    const response = await fetch(`${gateway.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('answers a contract operation sent as text', async () => {
    const { status, body } = await gateway.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' });

    expect(status).toBe(200);
    expect(body.data.topic.name).toBe('新生儿出生一件事');
  });

  it('answers a contract operation sent by its hash only, by POST and by GET', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: idOf('TopicGuide') } };

    const posted = await send({ operationName: 'TopicGuide', variables: { code: 'CN-YJS-XSECS' }, extensions });
    const search = new URLSearchParams({ operationName: 'TopicGuide', variables: JSON.stringify({ code: 'CN-YJS-XSECS' }), extensions: JSON.stringify(extensions) });
    const got = await fetch(`${gateway.gateway.url}/graphql?${search}`, { headers: { 'apollo-require-preflight': 'true' } });

    expect(posted.status).toBe(200);
    expect(posted.body.data.topic.code).toBe('CN-YJS-XSECS');
    expect(got.status).toBe(200);
    expect(((await got.json()) as any).data.topic.code).toBe('CN-YJS-XSECS');
  });

  it('refuses any other operation before running it', async () => {
    gateway.upstreamCalls.length = 0;

    const { status, body } = await send({ query: '{ topics { code matters { code } } }' });

    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [{ message: 'Only the operations of the front-end contract are served here (trusted documents)', extensions: { code: 'OPERATION_NOT_TRUSTED' } }],
    });
    expect(gateway.upstreamCalls).toEqual([]);
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for a hash that is not in the manifest', async () => {
    const { status, body } = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } });

    expect(status).toBe(200);
    expect(body).toEqual({ errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
  });
});
