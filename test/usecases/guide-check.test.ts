/**
 * The routine guide check against the sandbox's real registry and portal (the
 * portal never answers /portal/unreachable/…, the address of CN-YJS-CJR),
 * the probe of online addresses against loopback servers, the report, and
 * the scheduler.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedMatterRegistry } from '../../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../../connectors/matter-registry/client.ts';
import type { Matter, Topic, TopicSummary } from '../../connectors/matter-registry/models.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { openDatabase, type Database } from '../../store/database.ts';
import { latestFindings, latestOnlineUrlCheck, type GuideFinding } from '../../store/guide-checks.ts';
import { UrlProber, probeUrl, withUrlProber } from '../../connectors/online-address/probe.ts';
import { GuideCheckScheduler, formatGuideReport, runGuideCheck, type GuideCheckRegistry } from '../../usecases/guide-check.ts';
import { startTestServer } from '../support/http-server.ts';

const CLEAN_CHAONAN = ['CN-YJS-XSECS', 'CN-YJS-KCG', 'CN-YJS-SHS', 'CN-YJS-TX', 'CN-YJS-KYD'];
/** The city's 我要开餐馆 asks for no health certificate; 潮阳区's asks for the seats and commits to 10 days for the food licence. */
const KCG_DIFFERENCES = ['DIFFERS_FROM_CITY:MATERIALS', 'DIFFERS_FROM_DISTRICT:FORM', 'DIFFERS_FROM_DISTRICT:TIME_LIMIT'];

let sandbox: Sandbox;
let client: MatterRegistryClient;
let db: Database;
/** One prober for every run against the sandbox, as a long-lived caller would hold it. */
let prober: UrlProber;
beforeAll(async () => {
  [sandbox, db] = await Promise.all([startSandbox(), openDatabase({ dataDir: 'memory://' })]);
  client = new MatterRegistryClient({ baseUrl: sandbox.urls.matterRegistry });
  prober = new UrlProber();
});
afterAll(async () => {
  await prober?.close();
  await client?.close();
  await db?.close();
  await sandbox?.close();
});

/** A TCP server that accepts connections and never writes a byte. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/apply`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('runGuideCheck against the sandbox registry', () => {
  it('finds CN-YJS-CJR neither guidable nor online-processable, with every problem and what is behind it, and the other Chaonan topics clean', async () => {
    const started = performance.now();

    const result = await runGuideCheck(
      { registry: new CachedMatterRegistry(client), db, probeUrl: prober.probe },
      { region: '440514', urlTimeoutMs: 400 },
    );
    const elapsed = performance.now() - started;

    // The portal never answers CN-YJS-CJR's address: the run waits one deadline for it, not more.
    expect(elapsed).toBeLessThan(400 + 1500);
    expect(result.findings.map((f) => f.topicCode)).toEqual([...CLEAN_CHAONAN, 'CN-YJS-CJR']);
    for (const f of result.findings.slice(0, 5)) {
      // 我要开餐馆 is guidable and online-processable but differs from the city's and 潮阳区's (see the next test).
      const problems = f.topicCode === 'CN-YJS-KCG' ? KCG_DIFFERENCES : [];
      expect(f).toMatchObject({ guidable: true, onlineProcessable: true, problems, onlineUrlReachable: true, onlineUrlStatus: 200 });
      expect(f.onlineUrl).toBe(`${sandbox.urls.matterRegistry}/portal/online/${f.topicCode}`);
    }
    const cjr = result.findings[5]!;
    expect(cjr).toMatchObject({
      topicName: '残疾人证办理及两项补贴申领',
      leadDepartment: 'CLH-440514',
      region: '440514',
      status: 'PUBLISHED',
      guidable: false,
      onlineProcessable: false,
      problems: ['NAME_NOT_STANDARD', 'UNKNOWN_MATTER', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE', 'ONLINE_URL_UNREACHABLE'],
      details: {
        unknownMatters: ['440514-CL-GG-0007'],
        offlineMatters: [{ code: '440514-CL-QR-0001', name: '残疾人证新办、换领', onlineDepth: 2 }],
        onlineUrlError: 'no answer within 400 ms',
      },
      onlineUrl: `${sandbox.urls.matterRegistry}/portal/unreachable/CN-YJS-CJR`,
      onlineUrlReachable: false,
      onlineUrlStatus: null,
    });
    expect(cjr.onlineUrlLatencyMs).toBeGreaterThanOrEqual(390);
    expect(cjr.onlineUrlLatencyMs).toBeLessThan(1400);
  });

  it('compares each topic with the same-name topics of the city and of 潮阳区, and tells the lead department what differs', async () => {
    const result = await runGuideCheck({ registry: new CachedMatterRegistry(client), probeUrl: prober.probe }, { region: '440514', urlTimeoutMs: 400 });

    const restaurant = result.findings.find((f) => f.topicCode === 'CN-YJS-KCG')!;
    expect(restaurant.problems).toEqual(KCG_DIFFERENCES);
    expect(restaurant.details.crossRegion).toEqual([
      {
        code: 'DIFFERS_FROM_CITY:MATERIALS',
        aspect: 'MATERIALS',
        level: 'CITY',
        peer: { topicCode: 'ST-YJS-KCG', region: '440500', leadDepartment: 'SCJGJ-440500' },
        onlyHere: ['M-JKZM'],
        onlyThere: [],
        changed: [],
      },
      {
        code: 'DIFFERS_FROM_DISTRICT:FORM',
        aspect: 'FORM',
        level: 'DISTRICT',
        peer: { topicCode: 'CY-YJS-KCG', region: '440513', leadDepartment: 'SCJGJ-440513' },
        onlyHere: [],
        onlyThere: ['business.seats'],
        changed: [],
      },
      {
        code: 'DIFFERS_FROM_DISTRICT:TIME_LIMIT',
        aspect: 'TIME_LIMIT',
        level: 'DISTRICT',
        peer: { topicCode: 'CY-YJS-KCG', region: '440513', leadDepartment: 'SCJGJ-440513' },
        onlyHere: [],
        onlyThere: [],
        changed: [{ item: '食品经营许可（餐饮服务）核发', here: 'legal 20, committed 5', there: 'legal 20, committed 10' }],
      },
    ]);
    // 退休一件事 is the same at the city level and in 潮阳区.
    const retirement = result.findings.find((f) => f.topicCode === 'CN-YJS-TX')!;
    expect([retirement.problems, retirement.details.crossRegion]).toEqual([[], undefined]);

    const report = formatGuideReport(result.findings);
    expect(report).toContain('- DIFFERS_FROM_CITY:MATERIALS: 办理材料与市级同名主题不一致——ST-YJS-KCG（440500）：本主题多出 M-JKZM。');
    expect(report).toContain('食品经营许可（餐饮服务）核发：本主题 legal 20, committed 5，对方 legal 20, committed 10');
  });

  it('stores the run, so that readiness finds the latest reachability of each online address', async () => {
    const result = await runGuideCheck({ registry: new CachedMatterRegistry(client), db, probeUrl: prober.probe }, { region: '440514', urlTimeoutMs: 300 });

    expect(result.runId).not.toBeNull();
    const stored = await latestFindings(db, ['CN-YJS-CJR', 'CN-YJS-TX']);
    expect(stored.get('CN-YJS-CJR')).toMatchObject({ runId: result.runId, onlineUrlReachable: false });
    const checks = await latestOnlineUrlCheck(db, ['CN-YJS-CJR', 'CN-YJS-TX']);
    expect(checks.get('CN-YJS-CJR')).toMatchObject({ reachable: false });
    expect(checks.get('CN-YJS-TX')).toMatchObject({ reachable: true });
  });

  it('checks the published topics of every region when none is given, leaving out DRAFT and RETIRED ones', async () => {
    const result = await runGuideCheck({ registry: new CachedMatterRegistry(client), probeUrl: prober.probe }, { urlTimeoutMs: 300 });

    expect(result.runId).toBeNull();
    expect(result.findings.map((f) => f.topicCode).sort()).toEqual(
      [...CLEAN_CHAONAN, 'CN-YJS-CJR', 'ST-YJS-SBK', 'ST-YJS-TX', 'ST-YJS-KCG', 'CY-YJS-TX', 'CY-YJS-KCG'].sort(),
    );
    const problemsOf = (code: string) => result.findings.find((f) => f.topicCode === code)!.problems;
    expect(['ST-YJS-TX', 'CY-YJS-TX'].map(problemsOf)).toEqual([[], []]);
    expect(problemsOf('ST-YJS-KCG')).toEqual(['DIFFERS_FROM_DISTRICT:MATERIALS', 'DIFFERS_FROM_DISTRICT:FORM', 'DIFFERS_FROM_DISTRICT:TIME_LIMIT']);
    expect(problemsOf('CY-YJS-KCG')).toEqual([
      'DIFFERS_FROM_CITY:MATERIALS',
      'DIFFERS_FROM_CITY:FORM',
      'DIFFERS_FROM_CITY:TIME_LIMIT',
      'DIFFERS_FROM_DISTRICT:FORM',
      'DIFFERS_FROM_DISTRICT:TIME_LIMIT',
    ]);
    // 社会保障卡: guidable, but its 公积金 matter is only at online depth 2.
    expect(result.findings.find((f) => f.topicCode === 'ST-YJS-SBK')).toMatchObject({
      region: '440500',
      guidable: true,
      onlineProcessable: false,
      problems: ['MATTER_NOT_ONLINE'],
      details: { offlineMatters: [{ code: '440500-GJJ-GG-0003', onlineDepth: 2 }] },
    });
  });
});

describe('runGuideCheck on its own', () => {
  const topicOf = (code: string, onlineUrl: string): Topic => ({
    code,
    name: `${code}一件事`,
    region: '440514',
    leadDepartment: 'D',
    status: 'PUBLISHED',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
    description: '',
    guideUrl: 'https://guide.example/',
    onlineUrl,
    questions: [{ id: 'q', text: 'q?', type: 'BOOLEAN', required: true }],
    matters: [],
  });
  const fakeRegistry = (topics: Topic[]): GuideCheckRegistry => ({
    topics: async () => topics.map(({ code, name, region, leadDepartment, status, updatedAt }): TopicSummary => ({ code, name, region, leadDepartment, status, updatedAt })),
    topic: async (code) => topics.find((t) => t.code === code) ?? null,
    mattersByCode: async (codes) => codes.map((): Matter | null => null),
  });

  it('finishes within the deadline when an online address on loopback never answers', async () => {
    const silent = await silentServer();
    try {
      const started = performance.now();
      const result = await withUrlProber((own) =>
        runGuideCheck({ registry: fakeRegistry([topicOf('T1', silent.url)]), probeUrl: own.probe }, { urlTimeoutMs: 300 }),
      );

      expect(performance.now() - started).toBeLessThan(1300);
      expect(result.findings[0]).toMatchObject({
        onlineProcessable: false,
        problems: ['ONLINE_URL_UNREACHABLE'],
        onlineUrlReachable: false,
        details: { onlineUrlError: 'no answer within 300 ms' },
      });
    } finally {
      await silent.close();
    }
  });

  it('probes at most 8 online addresses at once, yet more than one', async () => {
    const topics = Array.from({ length: 20 }, (_, i) => topicOf(`T${i}`, `https://online.example/${i}`));
    let inFlight = 0;
    let most = 0;
    const probe = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return { reachable: true, status: 200, latencyMs: 20, error: null };
    };

    const result = await runGuideCheck({ registry: fakeRegistry(topics), probeUrl: probe }, {});

    expect(result.findings).toHaveLength(20);
    expect(most).toBe(8);
  });
});

describe('probeUrl', () => {
  it('counts a 2xx or 3xx answer as reachable, without following the redirect', async () => {
    const server = await startTestServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/nowhere' });
        res.end();
      } else if (req.url === '/ok') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<p>' + 'x'.repeat(200_000) + '</p>');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    try {
      expect(await probeUrl(`${server.url}/ok`, 2000)).toMatchObject({ reachable: true, status: 200, error: null });
      expect(await probeUrl(`${server.url}/moved`, 2000)).toMatchObject({ reachable: true, status: 302, error: null });
      expect(await probeUrl(`${server.url}/gone`, 2000)).toMatchObject({ reachable: false, status: 404, error: 'HTTP 404' });
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /ok', 'GET /moved', 'GET /gone']);
    } finally {
      await server.close();
    }
  });

  it('gives up on a server that never answers at the deadline, and says so', async () => {
    const silent = await silentServer();
    try {
      const started = performance.now();
      const result = await probeUrl(silent.url, 250);

      expect(performance.now() - started).toBeLessThan(1000);
      expect(result).toMatchObject({ reachable: false, status: null, error: 'no answer within 250 ms' });
    } finally {
      await silent.close();
    }
  });

  it('reports a refused connection and an address that is not http(s)', async () => {
    const silent = await silentServer();
    const url = silent.url;
    await silent.close();

    expect(await probeUrl(url, 1000)).toMatchObject({ reachable: false, status: null, error: 'connection refused' });
    expect(await probeUrl('ftp://portal.example/x', 1000)).toMatchObject({ reachable: false, error: 'not an http(s) address (ftp:)' });
    expect(await probeUrl('not a url', 1000)).toMatchObject({ reachable: false, error: 'not a valid URL' });
  });
});

describe('formatGuideReport', () => {
  const finding = (topicCode: string, extra: Partial<GuideFinding> = {}): GuideFinding => ({
    topicCode,
    topicName: `${topicCode}一件事`,
    leadDepartment: 'WJJ-440514',
    region: '440514',
    status: 'PUBLISHED',
    guidable: true,
    onlineProcessable: true,
    problems: [],
    details: {},
    onlineUrl: `https://portal.example/${topicCode}`,
    onlineUrlReachable: true,
    onlineUrlStatus: 200,
    onlineUrlLatencyMs: 35,
    checkedAt: new Date('2026-03-01T00:00:00Z'),
    ...extra,
  });

  it('sums up the rates against the targets and tells the lead department what to fix, in Chinese and English', () => {
    const findings = [
      finding('A'),
      finding('B', {
        topicName: '残疾人证办理',
        leadDepartment: 'CLH-440514',
        guidable: false,
        onlineProcessable: false,
        problems: ['NAME_NOT_STANDARD', 'UNKNOWN_MATTER', 'MATTER_NOT_ONLINE', 'ONLINE_URL_UNREACHABLE'],
        details: {
          unknownMatters: ['M-404'],
          offlineMatters: [{ code: 'M-2', name: '残疾人证新办', onlineDepth: 2 }],
          onlineUrlError: 'no answer within 5000 ms',
        },
        onlineUrlReachable: false,
        onlineUrlStatus: null,
      }),
      finding('C', { onlineProcessable: false, problems: ['NO_ONLINE_URL'], onlineUrl: null, onlineUrlReachable: null }),
      finding('D'),
    ];

    const report = formatGuideReport(findings, { checkedAt: new Date('2026-03-01T00:00:00Z'), region: '440514' });
    const lines = report.split('\n');

    // Guidable: A, C, D = 3 of 4 = 75.0 %; online-processable: A, D = 2 of 4 = 50.0 %.
    expect(lines).toContain(
      '汇总 Summary: 已发布主题 4 个 / 4 published topics; 可导办 3 个，可导办率 guidable 75.0 %（目标 target 100 %，未达标 NOT MET）; ' +
        '可网办 2 个，可网办率 online-processable 50.0 %（目标 target ≥ 95 %，未达标 NOT MET）',
    );
    // Not guidable first, then not online-processable, then the clean ones.
    expect(lines.filter((l) => l.startsWith('['))).toEqual([
      '[1] B 残疾人证办理（牵头部门 lead department: CLH-440514，区域 region: 440514）',
      '[2] C C一件事（牵头部门 lead department: WJJ-440514，区域 region: 440514）',
      '[3] A A一件事（牵头部门 lead department: WJJ-440514，区域 region: 440514）',
      '[4] D D一件事（牵头部门 lead department: WJJ-440514，区域 region: 440514）',
    ]);
    expect(report).toContain('    可导办 Guidable: 否 NO    可网办 Online-processable: 否 NO');
    expect(report).toContain('- UNKNOWN_MATTER: 事项编码在省事项系统中查不到（M-404）');
    expect(report).toContain('Matter code(s) not found in the matter registry (M-404)');
    expect(report).toContain('M-2 残疾人证新办（深度 2）');
    expect(report).toContain('网上申办地址打不开（https://portal.example/B，no answer within 5000 ms）');
    expect(report).toContain('- NAME_NOT_STANDARD: 主题名称不符合国家命名标准：请在省事项系统中按“我要…”或“…一件事”重新命名。');
    expect(report).toContain('- NO_ONLINE_URL: 没有网上申办地址');
    expect(report).toContain('网上申办地址 Online address: https://portal.example/A — 可访问 reachable (HTTP 200, 35 ms)');
  });

  it('says the targets are met when every published topic is guidable and online-processable', () => {
    const report = formatGuideReport([finding('A'), finding('B'), finding('X', { status: 'DRAFT', guidable: false, problems: ['NOT_PUBLISHED'] })]);

    expect(report).toContain('可导办率 guidable 100.0 %（目标 target 100 %，达标 met）');
    expect(report).toContain('可网办率 online-processable 100.0 %（目标 target ≥ 95 %，达标 met）');
    expect(report).toContain('所有主题均无问题 / No topic has a problem.');
    expect(report).not.toContain('X一件事');
  });

  it('says so when there is no published topic, rather than dividing by zero', () => {
    expect(formatGuideReport([])).toContain('没有已发布的主题 / no published topic');
  });
});

describe('GuideCheckScheduler', () => {
  it('runs once shortly after start, then at every interval, never two at once, and not after stop', async () => {
    const runs: number[] = [];
    let inFlight = 0;
    let overlap = false;
    const scheduler = new GuideCheckScheduler(
      async () => {
        if (inFlight++ > 0) overlap = true;
        runs.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        if (runs.length === 2) throw new Error('registry down');
      },
      { firstRunAfterMs: 10, intervalMs: 20, onError: () => undefined },
    );

    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    await scheduler.stop();
    const count = runs.length;
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Each run takes 30 ms and the next starts 20 ms after it ends: about 5 runs in 250 ms, a failure included.
    expect(count).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBe(count);
    expect(overlap).toBe(false);
    expect(scheduler.running).toBe(false);
  });

  it('waits for a running check when stopped', async () => {
    let finished = false;
    const scheduler = new GuideCheckScheduler(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        finished = true;
      },
      { firstRunAfterMs: 0 },
    );
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 20));

    await scheduler.stop();

    expect(finished).toBe(true);
  });
});
