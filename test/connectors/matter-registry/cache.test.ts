import { afterEach, describe, expect, it } from 'vitest';
import { CachedMatterRegistry } from '../../../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../../../connectors/matter-registry/client.ts';
import { createRegistryLoaders } from '../../../connectors/matter-registry/loaders.ts';
import type { Matter, Topic } from '../../../connectors/matter-registry/models.ts';
import { UpstreamUnavailableError } from '../../../lib/errors.ts';
import { json, startTestServer, type TestServer } from '../../support/http-server.ts';

const matter = (code: string): Matter => ({
  code,
  name: `事项 ${code}`,
  type: 'PUBLIC_SERVICE',
  department: 'D1',
  legalDays: 10,
  committedDays: 5,
  onlineDepth: 4,
  visitsRequired: 0,
  materials: [],
  form: [],
});

const topic: Topic = {
  code: 'T1',
  name: '新生儿出生一件事',
  region: '440514',
  leadDepartment: 'D1',
  status: 'PUBLISHED',
  updatedAt: '2026-11-01T09:00:00+08:00',
  version: 1,
  description: '出生医学证明、户口登记、医保参保一次办',
  questions: [],
  matters: [],
};

/** A registry that knows matters M0…M199 and topic T1, and can be switched off. */
async function startRegistry() {
  let down = false;
  const server = await startTestServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (down) return json(res, 503, { code: 'DOWN', message: 'maintenance' });
    if (url.pathname === '/api/v1/matters') {
      const codes = (url.searchParams.get('codes') ?? '').split(',');
      if (codes.length > 50) return json(res, 400, { code: 'TOO_MANY', message: 'at most 50' });
      return json(res, 200, { items: codes.filter((c) => /^M\d+$/.test(c) && Number(c.slice(1)) < 200).map(matter) });
    }
    if (url.pathname === '/api/v1/topics/T1') return json(res, 200, topic);
    if (url.pathname.startsWith('/api/v1/topics/')) return json(res, 404, { code: 'NOT_FOUND', message: 'no topic' });
    json(res, 404, { code: 'NOT_FOUND', message: 'no route' });
  });
  return { server, setDown: (value: boolean) => (down = value) };
}

let server: TestServer | undefined;
let client: MatterRegistryClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

async function setUp(ttlMs = 60_000) {
  const registry = await startRegistry();
  server = registry.server;
  client = new MatterRegistryClient({ baseUrl: server.url, policy: { retries: 0, timeoutMs: 500 } });
  const cache = new CachedMatterRegistry(client, { ttlMs, negativeTtlMs: ttlMs });
  const matterCalls = () => registry.server.requests.filter((r) => r.url.startsWith('/api/v1/matters')).length;
  return { cache, setDown: registry.setDown, matterCalls, requests: registry.server.requests };
}

describe('matter registry loaders and cache', () => {
  it('asks the registry once per 50 matters, however many fields load them', async () => {
    const { cache, matterCalls } = await setUp();
    const loaders = createRegistryLoaders(cache);
    const codes = Array.from({ length: 120 }, (_, i) => `M${i}`);

    const loaded = await Promise.all([...codes, ...codes.slice(0, 30)].map((code) => loaders.matter.load(code)));

    expect(loaded.map((m) => m?.code)).toEqual([...codes, ...codes.slice(0, 30)]);
    expect(matterCalls()).toBe(3);
  });

  it('serves matters from the cache in later requests', async () => {
    const { cache, matterCalls } = await setUp();
    await createRegistryLoaders(cache).matter.loadMany(['M1', 'M2']);

    const again = await createRegistryLoaders(cache).matter.loadMany(['M2', 'M1']);

    expect(again.map((m) => (m as Matter).code)).toEqual(['M2', 'M1']);
    expect(matterCalls()).toBe(1);
    expect(cache.stats).toEqual({ hits: 2, misses: 2 });
  });

  it('fetches only the matters it does not hold yet', async () => {
    const { cache, requests } = await setUp();
    await cache.mattersByCode(['M1', 'M2']);

    await cache.mattersByCode(['M1', 'M2', 'M3']);

    expect(requests.map((r) => r.url)).toEqual(['/api/v1/matters?codes=M1%2CM2', '/api/v1/matters?codes=M3']);
  });

  it('shares one upstream call between concurrent misses of different requests', async () => {
    const { cache, matterCalls } = await setUp();

    await Promise.all([cache.mattersByCode(['M5']), cache.mattersByCode(['M5'])]);

    expect(matterCalls()).toBe(1);
  });

  it('answers null for a matter code the registry does not know', async () => {
    const { cache } = await setUp();

    expect(await cache.mattersByCode(['M1', 'NOPE'])).toEqual([matter('M1'), null]);
  });

  it('answers null for an unknown topic and remembers it', async () => {
    const { cache, requests } = await setUp();

    expect(await cache.topic('NOPE')).toBeNull();
    expect(await cache.topic('NOPE')).toBeNull();
    expect(requests).toHaveLength(1);
  });

  it('serves an expired entry when the registry is down rather than failing', async () => {
    const { cache, setDown } = await setUp(20);
    expect(await cache.topic('T1')).toEqual(topic);
    expect(await cache.mattersByCode(['M1'])).toEqual([matter('M1')]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    setDown(true);

    expect(await cache.topic('T1')).toEqual(topic);
    expect(await cache.mattersByCode(['M1'])).toEqual([matter('M1')]);
  });

  it('fails with a typed error when the registry is down and nothing is cached', async () => {
    const { cache, setDown } = await setUp();
    setDown(true);

    await expect(cache.topic('T1')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(cache.mattersByCode(['M1'])).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('gives every request sharing a failed load the registry\'s error', async () => {
    const { cache, setDown, requests } = await setUp();
    setDown(true);

    const answers = await Promise.allSettled([cache.departments(), cache.departments(), cache.departments()]);

    expect(answers.map((answer) => answer.status === 'rejected' && answer.reason instanceof UpstreamUnavailableError)).toEqual([true, true, true]);
    expect(requests).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const { cache, setDown } = await setUp();
    setDown(true);
    await expect(cache.topic('T1')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    setDown(false);

    expect(await cache.topic('T1')).toEqual(topic);
  });

  it('remembers an unknown code for the negative TTL only, a known one for the whole TTL', async () => {
    const registry = await startRegistry();
    server = registry.server;
    client = new MatterRegistryClient({ baseUrl: server.url, policy: { retries: 0, timeoutMs: 500 } });
    const cache = new CachedMatterRegistry(client, { ttlMs: 60_000, negativeTtlMs: 20 });
    await cache.mattersByCode(['M1', 'NOPE']);
    await new Promise((resolve) => setTimeout(resolve, 40));

    expect(await cache.mattersByCode(['M1', 'NOPE'])).toEqual([matter('M1'), null]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/v1/matters?codes=M1%2CNOPE', '/api/v1/matters?codes=NOPE']);
  });

  it('after clear(), answers the requests waiting for a load but asks the registry again next time', async () => {
    const { cache, requests } = await setUp();
    const waiting = cache.topic('T1');
    cache.clear();

    expect(await waiting).toEqual(topic);
    expect(await cache.topic('T1')).toEqual(topic);
    expect(requests.map((r) => r.url)).toEqual(['/api/v1/topics/T1', '/api/v1/topics/T1']);
  });
});
