import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import { BUSINESS_LICENCE, FOOD_LICENCE, SAMR, fixtureData, getJson, startFixtureSandbox } from './fixtures.ts';

describe('matter registry simulator', () => {
  let sandbox: Sandbox;
  let registry: string;
  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
    registry = sandbox.urls.matterRegistry;
  });
  afterAll(() => sandbox.close());

  it('reports itself healthy', async () => {
    expect(await getJson(`${registry}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('lists every department and certificate type', async () => {
    const data = fixtureData();
    expect(await getJson(`${registry}/api/v1/departments`)).toEqual({ status: 200, body: { items: data.departments } });
    expect(await getJson(`${registry}/api/v1/certificate-types`)).toEqual({
      status: 200,
      body: { items: data.certificateTypes },
    });
  });

  it('lists topic summaries of one region, or of all regions without the parameter', async () => {
    const { body } = await getJson(`${registry}/api/v1/topics?region=440514`);
    expect(body).toEqual({
      items: [
        {
          code: 'TOPIC-KBCYD',
          name: '我要开餐饮店',
          region: '440514',
          leadDepartment: SAMR,
          status: 'PUBLISHED',
          updatedAt: '2025-01-02T08:00:00+08:00',
        },
        {
          code: 'TOPIC-XSECS',
          name: '新生儿出生一件事',
          region: '440514',
          leadDepartment: 'WSJKJ-440514',
          status: 'DRAFT',
          updatedAt: '2025-02-01T09:30:00+08:00',
        },
      ],
    });
    const all = await getJson(`${registry}/api/v1/topics`);
    expect((all.body as { items: Array<{ code: string }> }).items.map((topic) => topic.code)).toEqual([
      'TOPIC-KBCYD',
      'TOPIC-XSECS',
      'TOPIC-QYBG',
    ]);
  });

  it('serves a whole topic with its portal URLs made absolute on its own host', async () => {
    const [topic] = fixtureData().topics;
    expect(await getJson(`${registry}/api/v1/topics/TOPIC-KBCYD`)).toEqual({
      status: 200,
      body: {
        ...topic,
        guideUrl: `${registry}/portal/guides/TOPIC-KBCYD`,
        onlineUrl: `${registry}/portal/online/TOPIC-KBCYD`,
      },
    });
  });

  it('answers 404 with an error body for an unknown topic', async () => {
    expect(await getJson(`${registry}/api/v1/topics/NOPE`)).toEqual({
      status: 404,
      body: { code: 'TOPIC_NOT_FOUND', message: 'No topic with code NOPE' },
    });
  });

  it('reads matters in a batch, leaving out unknown codes', async () => {
    const { status, body } = await getJson(`${registry}/api/v1/matters?codes=${FOOD_LICENCE.code},UNKNOWN,${BUSINESS_LICENCE.code}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [FOOD_LICENCE, { ...BUSINESS_LICENCE, onlineUrl: `${registry}/portal/online/${BUSINESS_LICENCE.code}` }],
    });
  });

  it('refuses a matter batch with no codes or more than 50', async () => {
    for (const query of ['', '?codes=', '?codes=,,']) {
      const { status, body } = await getJson(`${registry}/api/v1/matters${query}`);
      expect(status).toBe(400);
      expect(body).toEqual({ code: 'BAD_REQUEST', message: 'The codes parameter needs at least one matter code' });
    }
    const codes = Array.from({ length: 51 }, (_, index) => `M${index}`).join(',');
    expect(await getJson(`${registry}/api/v1/matters?codes=${codes}`)).toEqual({
      status: 400,
      body: { code: 'BAD_REQUEST', message: 'At most 50 matter codes per call, got 51' },
    });
  });

  it('serves the portal pages the topics and matters point at, and 404 for others', async () => {
    const guide = await fetch(`${registry}/portal/guides/TOPIC-KBCYD`);
    expect(guide.status).toBe(200);
    expect(guide.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await guide.text()).toContain('<title>我要开餐饮店办事指南</title>');
    expect((await fetch(`${registry}/portal/online/${BUSINESS_LICENCE.code}`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${registry}/portal/guides/NOPE`)).status).toBe(404);
  });

  it('never answers an unreachable portal page', async () => {
    const attempt = fetch(`${registry}/portal/unreachable/TOPIC-XSECS`, { signal: AbortSignal.timeout(150) });
    await expect(attempt).rejects.toThrow(/abort|timeout/i);
  });

  it('answers 404 and 405 with error bodies outside its contract', async () => {
    expect(await getJson(`${registry}/api/v2/topics`)).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'No such resource: /api/v2/topics' },
    });
    const response = await fetch(`${registry}/api/v1/topics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});
