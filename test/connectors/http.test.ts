import { extensionsOf } from '../../server/errors.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UpstreamClient, type UpstreamCallRecord, type UpstreamPolicy } from '../../connectors/http.ts';
import {
  UpstreamBadResponseError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../lib/errors.ts';
import { json, startTestServer, type Handler, type TestServer } from '../support/http-server.ts';

const itemsSchema = z.object({ items: z.array(z.object({ code: z.string() })) });

let server: TestServer | undefined;
let client: UpstreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setUp(handler: Handler, policy: Partial<UpstreamPolicy> = {}) {
  server = await startTestServer(handler);
  const calls: UpstreamCallRecord[] = [];
  client = new UpstreamClient({
    upstream: 'matter-registry',
    baseUrl: server.url,
    token: 'test-token',
    policy: { timeoutMs: 500, retryBaseDelayMs: 5, retryMaxDelayMs: 50, ...policy },
    onCall: (record) => calls.push(record),
  });
  return { server, client, calls };
}

describe('UpstreamClient', () => {
  it('returns the parsed body of a 2xx answer and sends the bearer token and query', async () => {
    const { server, client } = await setUp((_req, res) => json(res, 200, { items: [{ code: 'A' }] }));

    const data = await client.get('/api/v1/matters', itemsSchema, { codes: 'A,B', region: undefined });

    expect(data).toEqual({ items: [{ code: 'A' }] });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe('/api/v1/matters?codes=A%2CB');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer test-token');
  });

  it('answers a status the contract declares with null data instead of an error', async () => {
    const { client } = await setUp((_req, res) => json(res, 404, { code: 'NOT_FOUND', message: 'no such topic' }));

    const response = await client.send({ method: 'GET', path: '/x', schema: itemsSchema, answerStatuses: [404] });

    expect(response).toEqual({ status: 404, data: null });
  });

  it('retries an idempotent read after a 503 and succeeds', async () => {
    let attempts = 0;
    const { client, calls } = await setUp((_req, res) =>
      ++attempts < 3 ? json(res, 503, { code: 'DOWN', message: 'down' }) : json(res, 200, { items: [] }),
    );

    await expect(client.get('/x', itemsSchema)).resolves.toEqual({ items: [] });
    expect(calls.map((c) => c.outcome)).toEqual(['unavailable', 'unavailable', 'ok']);
  });

  it('honours Retry-After between attempts', async () => {
    const times: number[] = [];
    const { client } = await setUp(
      (_req, res) => {
        times.push(Date.now());
        if (times.length === 1) json(res, 503, {}, { 'retry-after': '0.2' });
        else json(res, 200, { items: [] });
      },
      { retryMaxDelayMs: 1000, timeoutMs: 2000 },
    );

    await client.get('/x', itemsSchema);

    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(180);
  });

  it('gives up at once when Retry-After asks for a longer pause than it would wait', async () => {
    const { server, client } = await setUp((_req, res) => json(res, 503, {}, { 'retry-after': '30' }), {
      retryMaxDelayMs: 500,
      timeoutMs: 2000,
    });

    const error = await client.get('/x', itemsSchema).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(extensionsOf(error as UpstreamUnavailableError)).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'matter-registry', upstreamStatus: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('never retries a write', async () => {
    const { server, client } = await setUp((_req, res) => json(res, 503, {}));

    await expect(
      client.send({ method: 'POST', path: '/x', body: { a: 1 }, schema: itemsSchema }),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toBe('{"a":1}');
  });

  it('gives up with UPSTREAM_TIMEOUT when the upstream does not answer within the deadline', async () => {
    const { client } = await setUp(() => {
      /* never answers */
    }, { timeoutMs: 150 });

    const error = await client.get('/x', itemsSchema).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(extensionsOf(error as UpstreamTimeoutError)).toEqual({ code: 'UPSTREAM_TIMEOUT', upstream: 'matter-registry' });
  });

  it('reports malformed JSON as UPSTREAM_BAD_RESPONSE without the body', async () => {
    const { client } = await setUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"items": [ secret-data');
    });

    const error = await client.get('/x', itemsSchema).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as Error).message).not.toContain('secret-data');
  });

  it('reports JSON of the wrong shape as UPSTREAM_BAD_RESPONSE', async () => {
    const { client } = await setUp((_req, res) => json(res, 200, { items: [{ name: 'no code' }] }));

    const error = await client.get('/x', itemsSchema).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as UpstreamBadResponseError).detail).toContain('items.0.code');
  });

  it('turns a 401 without a body into an error, never into data', async () => {
    const { client } = await setUp((_req, res) => {
      res.writeHead(401);
      res.end();
    });

    const error = await client.get('/x', itemsSchema).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(extensionsOf(error as UpstreamRejectedError)).toEqual({
      code: 'UPSTREAM_REJECTED',
      upstream: 'matter-registry',
      upstreamStatus: 401,
    });
  });

  it('reports a connection closed mid-body as UPSTREAM_UNAVAILABLE', async () => {
    const { client } = await setUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [');
      setTimeout(() => res.socket?.destroy(), 10);
    }, { retries: 0 });

    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('refuses a body larger than the configured limit', async () => {
    const { client } = await setUp((_req, res) => json(res, 200, { items: [], padding: 'x'.repeat(10_000) }), {
      maxResponseBytes: 1000,
    });

    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });

  it('fails fast once the circuit is open, without calling the upstream', async () => {
    const { server, client } = await setUp((_req, res) => json(res, 503, {}), {
      retries: 0,
      breakerThreshold: 2,
      breakerHalfOpenAfterMs: 60_000,
    });

    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamUnavailableError);

    expect(server.requests).toHaveLength(2);
    expect(client.circuitState).toBe('open');
  });

  it('reports an upstream that refuses connections as UPSTREAM_UNAVAILABLE', async () => {
    const { client, server } = await setUp((_req, res) => json(res, 200, { items: [] }), { retries: 1 });
    await server.close();

    await expect(client.get('/x', itemsSchema)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('UpstreamClient.probe', () => {
  it('answers with the status an upstream gives, a 503 included, without retrying or opening the circuit', async () => {
    const { server, client, calls } = await setUp((_req, res) => json(res, 503, { code: 'DOWN', message: 'down' }), {
      breakerThreshold: 2,
    });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await client.probe({ path: '/health' })).status);

    expect(answers).toEqual([503, 503, 503]);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /health', 'GET /health', 'GET /health']);
    expect(client.circuitState).toBe('closed');
    expect(calls.map((c) => [c.method, c.path, c.status, c.outcome])).toEqual([
      ['GET', '/health', 503, 'unavailable'],
      ['GET', '/health', 503, 'unavailable'],
      ['GET', '/health', 503, 'unavailable'],
    ]);
  });

  it('counts a redirect as an answer and does not follow it', async () => {
    const { server, client, calls } = await setUp((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });

    await expect(client.probe({ path: '/moved?from=guide' })).resolves.toMatchObject({ status: 302 });
    expect(server.requests.map((r) => r.url)).toEqual(['/moved?from=guide']);
    expect(calls.map((c) => c.outcome)).toEqual(['ok']);
  });

  it('drops a body beyond the discard limit rather than reading it: an endless one still gives an answer', async () => {
    const { client } = await setUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = 'x'.repeat(64 * 1024);
      const pour = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pour);
      pour();
    }, { timeoutMs: 60_000 });

    await expect(client.probe({ path: '/endless', discardBytes: 1024 })).resolves.toMatchObject({ status: 200 });
  });

  it('gives up at its own deadline, shorter than the policy\'s, and says which', async () => {
    const { client } = await setUp(() => {
      /* never answers */
    }, { timeoutMs: 60_000 });

    const error = await client.probe({ path: '/health', timeoutMs: 150 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect((error as UpstreamTimeoutError).message).toBe('matter-registry did not answer within 150 ms');
  });

  it('fails at the deadline while the body is still coming, unless it settles at the headers', async () => {
    const { client } = await setUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<p>never finished');
    });

    const error = await client.probe({ path: '/slow-body', timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);

    await expect(client.probe({ path: '/slow-body', timeoutMs: 150, settlesAt: 'headers' })).resolves.toMatchObject({ status: 200 });
  });

  it('is abandoned when its signal is aborted', async () => {
    const { client } = await setUp(() => {
      /* never answers */
    }, { timeoutMs: 60_000 });
    const stop = new AbortController();

    const probed = client.probe({ path: '/health', signal: stop.signal }).catch((e: unknown) => e);
    stop.abort();

    expect(await probed).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('keeps why no answer could come as the cause of UPSTREAM_UNAVAILABLE', async () => {
    const { client, server } = await setUp((_req, res) => json(res, 200, {}));
    await server.close();

    const error = await client.probe({ path: '/health' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
