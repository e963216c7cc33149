import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import { ZHANG_SAN, getJson, manualClock, postJson, startFixtureSandbox } from './fixtures.ts';

interface Page {
  items: Array<{ id: string; applicationId: string }>;
  nextCursor: string | null;
}

describe('rating system simulator', () => {
  let sandbox: Sandbox;
  let auth: Record<string, string>;
  const clock = manualClock(Date.parse('2025-01-13T00:00:00.000Z'));
  const rating = {
    applicationId: 'APP-9',
    topicCode: 'TOPIC-KBCYD',
    channel: 'MOBILE',
    grade: 1,
    comment: '等了很久',
    evaluatorId: ZHANG_SAN,
  };
  beforeEach(async () => {
    sandbox = await startFixtureSandbox({ now: clock.now });
    auth = { authorization: `Bearer ${sandbox.tokens.evaluation}` };
  });
  afterEach(() => sandbox.close());

  it('stores a rating and answers 201 with its id and creation time, without who rated', async () => {
    const { status, body } = await postJson(`${sandbox.urls.evaluation}/api/v1/evaluations`, rating, auth);
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.any(String),
      applicationId: 'APP-9',
      topicCode: 'TOPIC-KBCYD',
      channel: 'MOBILE',
      grade: 1,
      comment: '等了很久',
      createdAt: '2025-01-13T00:00:00.000Z',
    });
    const listed = await getJson(`${sandbox.urls.evaluation}/api/v1/evaluations?limit=1`, { headers: auth });
    expect(listed.body).toEqual({ items: [body], nextCursor: expect.any(String) });
  });

  it('refuses a second rating of the same application with 409', async () => {
    await postJson(`${sandbox.urls.evaluation}/api/v1/evaluations`, rating, auth);
    expect(await postJson(`${sandbox.urls.evaluation}/api/v1/evaluations`, { ...rating, grade: 5 }, auth)).toEqual({
      status: 409,
      body: { code: 'ALREADY_RATED', message: 'Application APP-9 was already rated' },
    });
  });

  it('refuses a grade out of range, a 差评 without comment and a comment over 500 characters', async () => {
    const post = (body: unknown) => postJson(`${sandbox.urls.evaluation}/api/v1/evaluations`, body, auth);
    for (const invalid of [
      { ...rating, grade: 0 },
      { ...rating, grade: 6 },
      { ...rating, grade: 4.5 },
      { ...rating, grade: 2, comment: null },
      { ...rating, grade: 1, comment: '  ' },
      { ...rating, grade: 5, comment: '好'.repeat(501) },
      { ...rating, channel: 'FAX' },
    ]) {
      const { status, body } = await post(invalid);
      expect(status, JSON.stringify(invalid).slice(0, 80)).toBe(400);
      expect(body).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect((await post({ ...rating, grade: 3, comment: undefined })).status).toBe(201);
  });

  it('refuses reads and writes without the bearer token', async () => {
    expect((await postJson(`${sandbox.urls.evaluation}/api/v1/evaluations`, rating)).status).toBe(401);
    expect((await getJson(`${sandbox.urls.evaluation}/api/v1/evaluations`)).status).toBe(401);
  });

  it('lists ratings newest first, filtered by topic and period, in pages linked by an opaque cursor', async () => {
    const list = async (query: string) =>
      (await getJson(`${sandbox.urls.evaluation}/api/v1/evaluations?${query}`, { headers: auth })).body as Page;

    const first = await list('topicCode=TOPIC-KBCYD&limit=1');
    expect(first.items.map((item) => item.id)).toEqual(['EV-2']);
    const second = await list(`topicCode=TOPIC-KBCYD&limit=1&cursor=${first.nextCursor}`);
    expect(second).toEqual({
      items: [{ id: 'EV-1', applicationId: 'APP-1', topicCode: 'TOPIC-KBCYD', channel: 'PC', grade: 5, comment: null, createdAt: '2025-01-10T02:00:00.000Z' }],
      nextCursor: null,
    });

    const period = await list('from=2025-01-10T02:00:00Z&to=2025-01-12T02:00:00Z');
    expect(period.items.map((item) => item.id)).toEqual(['EV-2', 'EV-1']);
    expect((await list('')).items.map((item) => item.id)).toEqual(['EV-3', 'EV-2', 'EV-1']);
  });

  it('refuses a limit over 500, a malformed period and a forged cursor', async () => {
    for (const query of ['limit=501', 'limit=0', 'limit=ten', 'from=yesterday', 'cursor=not-a-cursor']) {
      const { status } = await getJson(`${sandbox.urls.evaluation}/api/v1/evaluations?${query}`, { headers: auth });
      expect(status, query).toBe(400);
    }
  });
});
