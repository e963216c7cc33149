import { createServer } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ApprovalDirectory, ApprovalEndpoint } from '../../../connectors/approval/endpoint.ts';
import { HealthMonitor, type ConnectorHealth } from '../../../connectors/approval/health.ts';
import type { Sandbox } from '../../../sandbox/index.ts';
import { json, startTestServer, type TestServer } from '../../support/http-server.ts';
import { HEALTH, SAMR, startFixtureSandbox } from '../../sandbox/fixtures.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** An in-memory directory the test changes at will. */
function directoryOf(endpoints: ApprovalEndpoint[]): ApprovalDirectory & { endpoints: ApprovalEndpoint[] } {
  return {
    endpoints,
    async forDepartment(code) {
      return this.endpoints.find((e) => e.departmentCode === code) ?? null;
    },
    async all() {
      return [...this.endpoints];
    },
  };
}

describe('connector health', () => {
  let sandbox: Sandbox;
  let endpoints: ApprovalEndpoint[];
  const monitors: HealthMonitor[] = [];
  const servers: TestServer[] = [];

  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
    endpoints = sandbox.departments.map((d) => ({
      id: `connector-${d.departmentCode}`,
      departmentCode: d.departmentCode,
      baseUrl: d.baseUrl,
      token: d.token,
      webhookSecret: d.webhookSecret,
      matterCodes: d.matterCodes,
      timeoutMs: 2000,
    }));
  });
  afterAll(async () => {
    await Promise.all(monitors.map((m) => m.close()));
    await Promise.all(servers.map((s) => s.close()));
    await sandbox.close();
  });

  const monitor = (directory?: ApprovalDirectory, options: { degradedAfterMs?: number; intervalMs?: number } = {}) => {
    const created = new HealthMonitor({ ...(directory ? { directory } : {}), ...options });
    monitors.push(created);
    return created;
  };
  const server = async (...args: Parameters<typeof startTestServer>) => {
    const started = await startTestServer(...args);
    servers.push(started);
    return started;
  };
  const idOf = (code: string) => `connector-${code}`;

  it('reports UNKNOWN before the first check, then UP with latency and check time for healthy approval systems', async () => {
    const health = monitor(directoryOf(endpoints));
    expect(health.healthOf(idOf(SAMR))).toEqual({ status: 'UNKNOWN', latencyMs: null, checkedAt: null, lastError: null });

    await health.checkNow();
    for (const endpoint of endpoints) {
      const result = health.healthOf(endpoint.id);
      expect(result).toEqual({ status: 'UP', latencyMs: expect.any(Number), checkedAt: expect.stringMatching(ISO), lastError: null });
      expect(result.latencyMs).toBeLessThan(1000);
    }
  });

  it('reports DOWN while an approval system answers 503 (sandbox fault "down"), and UP again once it recovers', async () => {
    const health = monitor(directoryOf(endpoints));
    sandbox.faults.set(SAMR, { kind: 'down' });
    try {
      await health.checkNow();
      expect(health.healthOf(idOf(SAMR))).toEqual({
        status: 'DOWN',
        latencyMs: expect.any(Number),
        checkedAt: expect.stringMatching(ISO),
        lastError: 'HTTP 503',
      });
      expect(health.healthOf(idOf(HEALTH)).status).toBe('UP');
    } finally {
      sandbox.faults.set(SAMR, null);
    }
    await health.checkNow(idOf(SAMR));
    expect(health.healthOf(idOf(SAMR))).toMatchObject({ status: 'UP', lastError: null });
  });

  it('reports DEGRADED for a 2xx slower than degradedAfterMs, and UP for one within it', async () => {
    // The sandbox's "slow" fault delays API calls only, never /health: a server of our own is slow here.
    let delayMs = 120;
    const slow = await server(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      json(res, 200, { status: 'ok' });
    });
    const health = monitor(directoryOf([{ ...endpoints[0]!, id: 'slow', baseUrl: slow.url }]), { degradedAfterMs: 60 });

    await health.checkNow();
    const degraded = health.healthOf('slow');
    expect(degraded).toMatchObject({ status: 'DEGRADED', lastError: expect.stringMatching(/^slow: answered in \d+ ms \(over 60 ms\)$/) });
    expect(degraded.latencyMs).toBeGreaterThanOrEqual(delayMs - 5);

    delayMs = 0;
    await health.checkNow();
    expect(health.healthOf('slow')).toMatchObject({ status: 'UP', lastError: null });
  });

  it('reports DOWN without latency when the system does not answer within its timeout', async () => {
    const hanging = await server(() => undefined); // never answers
    const health = monitor(directoryOf([{ ...endpoints[0]!, id: 'hanging', baseUrl: hanging.url, timeoutMs: 150 }]));

    const started = Date.now();
    await health.checkNow();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(health.healthOf('hanging')).toEqual({
      status: 'DOWN',
      latencyMs: null,
      checkedAt: expect.stringMatching(ISO),
      lastError: 'no answer within 150 ms',
    });
  });

  it('reports DOWN with a short reason, never the upstream body, for a refused connection or an error answer', async () => {
    const failing = await server((_req, res) => json(res, 500, { code: 'BOOM', message: 'stack trace with 440514199001011234' }));
    const port = await freePort();
    const health = monitor(
      directoryOf([
        { ...endpoints[0]!, id: 'failing', baseUrl: failing.url },
        { ...endpoints[0]!, id: 'refused', baseUrl: `http://127.0.0.1:${port}` },
      ]),
    );

    await health.checkNow();
    expect(health.healthOf('failing')).toMatchObject({ status: 'DOWN', lastError: 'HTTP 500' });
    expect(health.healthOf('refused')).toEqual({
      status: 'DOWN',
      latencyMs: null,
      checkedAt: expect.stringMatching(ISO),
      lastError: 'connection refused',
    });
    expect(failing.requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([['GET', '/health', undefined]]);
  });

  it('checks a re-registered connector at its new address, with its new deadline', async () => {
    const hanging = await server(() => undefined); // never answers
    const directory = directoryOf([{ ...endpoints[0]!, id: 'moving', baseUrl: hanging.url, timeoutMs: 150 }]);
    const health = monitor(directory);

    await health.checkNow('moving');
    expect(health.healthOf('moving')).toMatchObject({ status: 'DOWN', lastError: 'no answer within 150 ms' });

    directory.endpoints = [{ ...directory.endpoints[0]!, timeoutMs: 100 }];
    await health.checkNow('moving');
    expect(health.healthOf('moving')).toMatchObject({ status: 'DOWN', lastError: 'no answer within 100 ms' });

    directory.endpoints = [{ ...directory.endpoints[0]!, baseUrl: endpoints[0]!.baseUrl }];
    await health.checkNow('moving');
    expect(health.healthOf('moving')).toMatchObject({ status: 'UP', lastError: null });
  });

  it('checks tracked central upstreams the same way', async () => {
    const health = monitor();
    health.track('matter-registry', sandbox.urls.matterRegistry, 1000);
    health.track('data-center', `${sandbox.urls.dataCenter}/`, 1000);
    sandbox.faults.set('dataCenter', { kind: 'down' });
    try {
      await health.checkNow();
    } finally {
      sandbox.faults.set('dataCenter', null);
    }

    expect(health.healthOf('matter-registry')).toMatchObject({ status: 'UP' });
    expect(health.healthOf('data-center')).toMatchObject({ status: 'DOWN', lastError: 'HTTP 503' });
    health.untrack('data-center');
    expect(health.healthOf('data-center').status).toBe('UNKNOWN');
  });

  it('forgets a removed connector and starts a new one as UNKNOWN until checked', async () => {
    const directory = directoryOf([...endpoints]);
    const health = monitor(directory);
    await health.checkNow();

    const replacement = { ...endpoints[0]!, id: 'connector-new' };
    directory.endpoints = [replacement, ...endpoints.slice(1)];
    expect(health.healthOf('connector-new').status).toBe('UNKNOWN');
    await health.checkNow('connector-new');
    expect(health.healthOf('connector-new').status).toBe('UP');
    expect(health.healthOf(endpoints[0]!.id).status).toBe('UP'); // until the next full round
    await health.checkNow();
    expect(health.healthOf(endpoints[0]!.id).status).toBe('UNKNOWN');
  });

  it('checks again every intervalMs once started, and stops when closed', async () => {
    const seen: ConnectorHealth[] = [];
    const health = new HealthMonitor({ directory: directoryOf(endpoints.slice(0, 1)), intervalMs: 40, onCheck: (_id, h) => seen.push(h) });
    health.start();
    const started = Date.now();
    while (seen.length < 3 && Date.now() - started < 2000) await new Promise((resolve) => setTimeout(resolve, 10));
    await health.close();
    const count = seen.length;

    expect(count).toBeGreaterThanOrEqual(3);
    expect(seen.every((h) => h.status === 'UP')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.length).toBe(count);
    await expect(health.checkNow()).rejects.toThrow(/closed/);
  });
});

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
