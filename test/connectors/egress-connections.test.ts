/**
 * Every connection to a department's system asks the egress policy first:
 * over real HTTP on 127.0.0.1, with a stub resolver. The refused addresses
 * used here (127.0.0.2, ::1) are loopback too, and each has a listener that
 * counts connections, so a test fails if one is ever attempted.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ApprovalClient } from '../../connectors/approval/client.ts';
import type { ApprovalDirectory, ApprovalEndpoint } from '../../connectors/approval/endpoint.ts';
import { HealthMonitor } from '../../connectors/approval/health.ts';
import { EgressPolicy, parseAllowedHosts, type Resolve } from '../../connectors/egress.ts';
import { probeUrl } from '../../connectors/online-address/probe.ts';
import { json, startTestServer, type TestServer } from '../support/http-server.ts';

/** Counts the connections made to an address that must never be reached. */
interface Tripwire {
  connections: number;
  close(): Promise<void>;
}

async function tripwire(host: string, port: number): Promise<Tripwire> {
  const sockets = new Set<Socket>();
  const wire = { connections: 0, close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
  const server: Server = createServer((socket) => {
    wire.connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return wire;
}

/** Answers from a list, one answer per call (the last one repeats), and remembers what it was asked. */
function resolverOf(answers: Record<string, string[][]>): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const calls = new Map<string, number>();
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const n = calls.get(hostname) ?? 0;
    calls.set(hostname, n + 1);
    return list[Math.min(n, list.length - 1)]!;
  };
  return Object.assign(resolve, { asked });
}

let server: TestServer;
let port: number;
let elsewhere: Tripwire;
let ipv6: Tripwire;
beforeAll(async () => {
  server = await startTestServer((req, res) => {
    if (req.url === '/moved/health') {
      res.writeHead(302, { location: `http://elsewhere.test:${port}/health` }).end();
      return;
    }
    // Every answer closes its connection, so the next call has to connect (and ask the policy) again.
    json(res, 200, { status: 'UP' }, { connection: 'close' });
  });
  port = Number(new URL(server.url).port);
  elsewhere = await tripwire('127.0.0.2', port);
  ipv6 = await tripwire('::1', port);
});
afterAll(async () => {
  await Promise.all([server.close(), elsewhere.close(), ipv6.close()]);
});

const clients: ApprovalClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  server.requests.length = 0;
});

/** Only 127.0.0.1 may be reached, as CONNECTOR_ALLOWED_HOSTS=127.0.0.1 says. */
const onlyLocalhost = (resolve: Resolve, refused: unknown[] = []) =>
  new EgressPolicy({
    allowedHosts: parseAllowedHosts('127.0.0.1').entries,
    allowLoopback: true,
    resolve,
    onRefused: (host, p, error) => refused.push({ host, port: p, reason: error.reason }),
  });

const approvalClient = (baseUrl: string, egress: EgressPolicy) => {
  const client = new ApprovalClient(
    { departmentCode: 'MZJ-440514', baseUrl, token: 't0k3n', timeoutMs: 2000 },
    { egress, policy: { retries: 0 } },
  );
  clients.push(client);
  return client;
};

describe('connections to a department system', () => {
  it('reach an allowed host through the address it was checked at', async () => {
    const resolve = resolverOf({ 'sp.mz.test': [['127.0.0.1']] });
    const client = approvalClient(`http://sp.mz.test:${port}`, onlyLocalhost(resolve));

    await client.health();

    expect(server.requests.map((r) => [r.url, r.headers.host])).toEqual([['/health', `sp.mz.test:${port}`]]);
    expect(resolve.asked).toEqual(['sp.mz.test']);
  });

  it('are refused before any connection to an address outside the list', async () => {
    const refused: unknown[] = [];
    const egress = onlyLocalhost(resolverOf({}), refused);

    await expect(approvalClient(`http://127.0.0.2:${port}`, egress).health()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(approvalClient(`http://[::1]:${port}`, egress).health()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });

    expect(refused).toEqual([
      { host: '127.0.0.2', port, reason: 'HOST_NOT_ALLOWED' },
      { host: '::1', port, reason: 'HOST_NOT_ALLOWED' },
    ]);
    expect([elsewhere.connections, ipv6.connections, server.requests.length]).toEqual([0, 0, 0]);
  });

  it('are refused for a name that resolves to a refused address', async () => {
    const client = approvalClient(`http://sneaky.test:${port}`, onlyLocalhost(resolverOf({ 'sneaky.test': [['127.0.0.2']] })));

    await expect(client.health()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(elsewhere.connections).toBe(0);
  });

  it('never reach the refused address a rebinding resolver answers the second time', async () => {
    const resolve = resolverOf({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const client = approvalClient(`http://rebind.test:${port}`, onlyLocalhost(resolve));

    await client.health();
    await expect(client.health()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });

    expect(resolve.asked).toEqual(['rebind.test', 'rebind.test']);
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.connections).toBe(0);
  });

  it('do not follow a redirect', async () => {
    const resolve = resolverOf({ 'elsewhere.test': [['127.0.0.2']] });
    const client = approvalClient(`http://127.0.0.1:${port}/moved`, onlyLocalhost(resolve));

    await expect(client.health()).rejects.toMatchObject({ code: 'UPSTREAM_REJECTED', httpStatus: 302 });

    expect(server.requests.map((r) => r.url)).toEqual(['/moved/health']);
    expect(resolve.asked).toEqual([]);
    expect(elsewhere.connections).toBe(0);
  });
});

describe('health checks of a department system', () => {
  const directoryOf = (endpoints: ApprovalEndpoint[]): ApprovalDirectory => ({
    forDepartment: async (code) => endpoints.find((e) => e.departmentCode === code) ?? null,
    all: async () => endpoints,
  });
  const endpoint = (id: string, baseUrl: string): ApprovalEndpoint => ({
    id,
    departmentCode: id,
    baseUrl,
    token: 't',
    webhookSecret: null,
    matterCodes: [],
    timeoutMs: 2000,
  });

  it('report a refused address as DOWN without connecting, and an allowed one as UP', async () => {
    const monitor = new HealthMonitor({
      directory: directoryOf([
        endpoint('allowed', server.url),
        endpoint('refused', `http://127.0.0.2:${port}`),
        endpoint('unknown', `http://gone.test:${port}`),
      ]),
      egress: onlyLocalhost(resolverOf({})),
    });
    try {
      await monitor.checkNow();

      expect(monitor.healthOf('allowed')).toMatchObject({ status: 'UP', lastError: null });
      expect(monitor.healthOf('refused')).toMatchObject({ status: 'DOWN', latencyMs: null, lastError: 'address not allowed for connectors' });
      expect(monitor.healthOf('unknown')).toMatchObject({ status: 'DOWN', latencyMs: null, lastError: 'host not found' });
      expect(elsewhere.connections).toBe(0);
    } finally {
      await monitor.close();
    }
  });

  it('still check the operator\'s own upstreams, which the connector policy does not cover', async () => {
    const monitor = new HealthMonitor({ egress: new EgressPolicy({ allowedHosts: parseAllowedHosts('*.gov.cn').entries, allowLoopback: false }) });
    try {
      monitor.track('data-center', server.url, 2000);
      await monitor.checkNow('data-center');

      expect(monitor.healthOf('data-center')).toMatchObject({ status: 'UP' });
    } finally {
      await monitor.close();
    }
  });
});

describe('probes of an online address under an egress policy', () => {
  it('find an allowed address reachable, and a refused one unreachable without connecting', async () => {
    const egress = onlyLocalhost(resolverOf({ 'portal.test': [['127.0.0.2']] }));

    expect(await probeUrl(`${server.url}/apply`, 2000, { egress })).toMatchObject({ reachable: true, status: 200, error: null });
    expect(await probeUrl(`http://127.0.0.2:${port}/apply`, 2000, { egress })).toEqual({
      reachable: false,
      status: null,
      latencyMs: expect.any(Number),
      error: 'address not allowed (127.0.0.2 is not in CONNECTOR_ALLOWED_HOSTS)',
    });
    expect(await probeUrl(`http://portal.test:${port}/apply`, 2000, { egress })).toMatchObject({ reachable: false, status: null });
    expect(await probeUrl(`http://gone.test:${port}/apply`, 2000, { egress })).toMatchObject({ error: 'host name not found' });
    expect(elsewhere.connections).toBe(0);
  });
});
