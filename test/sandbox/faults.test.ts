import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import { BUSINESS_LICENCE, SAMR, ZHANG_SAN, getJson, postJson, startFixtureSandbox } from './fixtures.ts';

describe('sandbox fault injection', () => {
  let sandbox: Sandbox;
  let departments: string;
  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
    departments = `${sandbox.urls.matterRegistry}/api/v1/departments`;
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(() => sandbox.close());

  it('answers 503 while a system is down, on its health check too', async () => {
    sandbox.faults.set('matterRegistry', { kind: 'down' });
    expect(await getJson(departments)).toEqual({ status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'The system is down' } });
    expect((await fetch(`${sandbox.urls.matterRegistry}/health`)).status).toBe(503);
    expect((await fetch(`${sandbox.urls.eCertificates}/health`)).status).toBe(200);
    sandbox.faults.set('matterRegistry', null);
    expect((await fetch(departments)).status).toBe(200);
  });

  it('answers an injected status with Retry-After, leaving the health check up', async () => {
    sandbox.faults.set('evaluation', { kind: 'status', status: 429, retryAfterSeconds: 7 });
    const response = await fetch(`${sandbox.urls.evaluation}/api/v1/evaluations`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ code: 'TOO_MANY_REQUESTS', message: 'Injected fault' });
    expect((await fetch(`${sandbox.urls.evaluation}/health`)).status).toBe(200);
  });

  it('applies a fault to the next N API calls only, health checks not counted', async () => {
    sandbox.faults.set('matterRegistry', { kind: 'down', times: 2 });
    expect((await fetch(`${sandbox.urls.matterRegistry}/health`)).status).toBe(503);
    const statuses = [];
    for (let call = 0; call < 3; call += 1) statuses.push((await fetch(departments)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await fetch(`${sandbox.urls.matterRegistry}/health`)).status).toBe(200);
  });

  it('answers normally but late when slow', async () => {
    sandbox.faults.set('matterRegistry', { kind: 'slow', delayMs: 120 });
    const started = performance.now();
    expect((await fetch(departments)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('sends a cut-off JSON body when malformedJson', async () => {
    sandbox.faults.set('matterRegistry', { kind: 'malformedJson' });
    const response = await fetch(departments);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(text.startsWith('{"items":[')).toBe(true);
  });

  it('sends valid JSON of the wrong shape when wrongShape', async () => {
    sandbox.faults.set('dataCenter', { kind: 'wrongShape' });
    const headers = { authorization: `Bearer ${sandbox.tokens.dataCenter}`, 'x-purpose': 'p', 'x-operator': ZHANG_SAN };
    expect(await postJson(`${sandbox.urls.dataCenter}/api/v1/persons/query`, { idNumbers: [ZHANG_SAN] }, headers)).toEqual({
      status: 200,
      body: [{ unexpected: true }],
    });
  });

  it('drops the connection half-way through the body when resetMidBody, after processing the call', async () => {
    const samr = sandbox.departments.find((department) => department.departmentCode === SAMR)!;
    sandbox.faults.set(SAMR, { kind: 'resetMidBody', times: 1 });
    const headers = { authorization: `Bearer ${samr.token}`, 'idempotency-key': 'lost-answer' };
    const body = {
      matterCode: BUSINESS_LICENCE.code,
      applicationId: 'APP-7',
      applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
      form: {},
      materials: [],
    };
    const lost = postJson(`${samr.baseUrl}/api/v1/cases`, body, headers);
    await expect(lost).rejects.toThrow();
    // The case was created before the answer was lost: a retry with the same key finds it.
    expect((await postJson(`${samr.baseUrl}/api/v1/cases`, body, headers)).status).toBe(200);
  });

  it('never answers when hanging', async () => {
    sandbox.faults.set('eCertificates', { kind: 'hang' });
    const attempt = fetch(`${sandbox.urls.eCertificates}/api/v1/certificates/EC-0001`, { signal: AbortSignal.timeout(150) });
    await expect(attempt).rejects.toThrow(/abort|timeout/i);
  });

  it('refuses to inject a fault into a system it does not know, or with a bad count', () => {
    expect(() => sandbox.faults.set('matterRegistery', { kind: 'down' })).toThrow('Unknown sandbox system: matterRegistery');
    expect(() => sandbox.faults.set('evaluation', { kind: 'down', times: 0 })).toThrow(/times/);
  });
});

describe('sandbox call log', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
  });
  afterAll(() => sandbox.close());

  it('records every call per system with method, path and query, until reset', async () => {
    sandbox.calls.reset();
    await fetch(`${sandbox.urls.matterRegistry}/health`);
    await fetch(`${sandbox.urls.matterRegistry}/api/v1/matters?codes=${BUSINESS_LICENCE.code}`);
    await fetch(`${sandbox.urls.evaluation}/api/v1/evaluations?limit=5`);
    expect(sandbox.calls.list()).toEqual([
      { system: 'matterRegistry', method: 'GET', path: '/health' },
      { system: 'matterRegistry', method: 'GET', path: `/api/v1/matters?codes=${BUSINESS_LICENCE.code}` },
      { system: 'evaluation', method: 'GET', path: '/api/v1/evaluations?limit=5' },
    ]);
    expect(sandbox.calls.count('matterRegistry')).toBe(2);
    expect(sandbox.calls.count('matterRegistry', /^GET \/api\//)).toBe(1);
    expect(sandbox.calls.count()).toBe(3);
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
  });

  it('adds the configured latency to API calls', async () => {
    const slow = await startFixtureSandbox({ latencyMs: 60 });
    try {
      const started = performance.now();
      await fetch(`${slow.urls.matterRegistry}/api/v1/departments`);
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });
});
