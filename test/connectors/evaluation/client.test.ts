/**
 * The rating system's client against the sandbox's rating simulator (the
 * demo data's ten ratings of 2026) and, for misbehaviour the simulator never
 * shows, small loopback servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationClient } from '../../../connectors/evaluation/client.ts';
import { UpstreamBadResponseError, UpstreamRejectedError, UpstreamUnavailableError } from '../../../lib/errors.ts';
import { startSandbox, type Sandbox } from '../../../sandbox/index.ts';
import { json, startTestServer } from '../../support/http-server.ts';

let sandbox: Sandbox;
let client: EvaluationClient;
const clock = { at: Date.parse('2026-11-20T02:00:00.000Z') };

beforeAll(async () => {
  sandbox = await startSandbox({ now: () => clock.at });
  client = new EvaluationClient({ baseUrl: sandbox.urls.evaluation, token: sandbox.tokens.evaluation });
});
afterAll(async () => {
  await client?.close();
  await sandbox?.close();
});

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe('rate', () => {
  it('forwards a rating and returns it as the rating system stored it, without who rated', async () => {
    const stored = await client.rate({
      applicationId: 'OT-RATE-1',
      topicCode: 'CN-YJS-TX',
      channel: 'MOBILE',
      grade: 4,
      evaluatorId: '440514199001011234',
    });

    expect(stored).toEqual({
      id: expect.any(String),
      applicationId: 'OT-RATE-1',
      topicCode: 'CN-YJS-TX',
      channel: 'MOBILE',
      grade: 4,
      comment: null,
      createdAt: '2026-11-20T02:00:00.000Z',
    });
    expect(JSON.stringify(stored)).not.toContain('440514199001011234');
  });

  it('turns the second rating of one application (409) into UpstreamRejectedError with status 409', async () => {
    const rating = { applicationId: 'OT-RATE-2', topicCode: 'CN-YJS-TX', channel: 'PC', grade: 5, evaluatorId: 'p' } as const;
    await client.rate(rating);

    const error = await rejection(client.rate({ ...rating, grade: 1, comment: '改主意了' }));

    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({ upstream: 'evaluation', httpStatus: 409, upstreamCode: 'ALREADY_RATED' });
  });

  it('turns a refused rating (差评 without comment, 400) into UpstreamRejectedError with status 400', async () => {
    const error = await rejection(
      client.rate({ applicationId: 'OT-RATE-3', topicCode: 'CN-YJS-TX', channel: 'PC', grade: 2, comment: '  ', evaluatorId: 'p' }),
    );

    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({ httpStatus: 400 });
  });

  it('never retries a POST, even when the rating system answers 503', async () => {
    const server = await startTestServer((_req, res) => json(res, 503, { code: 'DOWN' }));
    const flaky = new EvaluationClient({ baseUrl: server.url, token: 't', policy: { retries: 3, retryBaseDelayMs: 1 } });
    try {
      const error = await rejection(
        flaky.rate({ applicationId: 'A', topicCode: 'T', channel: 'PC', grade: 5, evaluatorId: 'p' }),
      );
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(server.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
        'POST /api/v1/evaluations Bearer t',
      ]);
    } finally {
      await flaky.close();
      await server.close();
    }
  });
});

describe('list and listAll', () => {
  // The demo ratings of 2026 between 1 April and 18 June 14:05 (+08:00), to exclusive:
  // EV-0002 (04-09), EV-0003 (04-21), EV-0004 (05-06), EV-0005 (06-03); EV-0006 is at the end instant itself.
  const period = { from: '2026-04-01T00:00:00+08:00', to: '2026-06-18T14:05:00+08:00' };

  it('lists one topic’s ratings newest first', async () => {
    const page = await client.list({ topicCode: 'CN-YJS-XSECS' });

    expect(page.items.map((e) => e.id)).toEqual(['EV-2026-0002', 'EV-2026-0001']);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by period, from inclusive and to exclusive, taking Date or text', async () => {
    const asText = await client.listAll(period);
    const asDates = await client.listAll({ from: new Date(period.from), to: new Date(period.to) });

    expect(asText.map((e) => e.id)).toEqual(['EV-2026-0005', 'EV-2026-0004', 'EV-2026-0003', 'EV-2026-0002']);
    expect(asDates).toEqual(asText);
  });

  it('follows nextCursor page after page until the last', async () => {
    sandbox.calls.reset();

    const all = await client.listAll({ to: '2026-11-01T00:00:00+08:00' }, { pageSize: 3 });

    // Ten demo ratings in pages of 3, 3, 3 and 1.
    expect(all.map((e) => e.id)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => `EV-2026-${String(n).padStart(4, '0')}`));
    expect(sandbox.calls.count('evaluation', /^GET \/api\/v1\/evaluations/)).toBe(4);
  });

  it('stops with UpstreamBadResponseError when the rating system hands out a cursor twice', async () => {
    const server = await startTestServer((_req, res) =>
      json(res, 200, { items: [{ id: 'E', applicationId: 'A', topicCode: 'T', channel: 'PC', grade: 5, createdAt: '2026-01-01T00:00:00Z' }], nextCursor: 'again' }),
    );
    const looping = new EvaluationClient({ baseUrl: server.url, token: 't' });
    try {
      expect(await rejection(looping.listAll())).toBeInstanceOf(UpstreamBadResponseError);
      // The first page hands out "again"; the second hands it out again and paging stops.
      expect(server.requests.map((r) => r.url)).toEqual(['/api/v1/evaluations?limit=500', '/api/v1/evaluations?cursor=again&limit=500']);
    } finally {
      await looping.close();
      await server.close();
    }
  });

  it('stops with UpstreamBadResponseError after maxPages pages of ever new cursors', async () => {
    let n = 0;
    const server = await startTestServer((_req, res) => json(res, 200, { items: [], nextCursor: `c${++n}` }));
    const endless = new EvaluationClient({ baseUrl: server.url, token: 't' });
    try {
      expect(await rejection(endless.listAll({}, { maxPages: 3 }))).toBeInstanceOf(UpstreamBadResponseError);
      expect(server.requests).toHaveLength(3);
    } finally {
      await endless.close();
      await server.close();
    }
  });

  it('refuses a rating that breaks the contract (grade 7) as a bad response', async () => {
    const server = await startTestServer((_req, res) =>
      json(res, 200, { items: [{ id: 'E', applicationId: 'A', topicCode: 'T', channel: 'PC', grade: 7, createdAt: '2026-01-01T00:00:00Z' }] }),
    );
    const broken = new EvaluationClient({ baseUrl: server.url, token: 't' });
    try {
      expect(await rejection(broken.list())).toBeInstanceOf(UpstreamBadResponseError);
    } finally {
      await broken.close();
      await server.close();
    }
  });
});
