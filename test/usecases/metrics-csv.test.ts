/**
 * GET /exports/metrics.csv over real HTTP: a small node:http server around
 * handleMetricsCsv, real bearer tokens, and a metrics function that returns
 * fixed figures (their computation is tested elsewhere).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentMetrics } from '../../domain/metrics.ts';
import { UpstreamUnavailableError } from '../../lib/errors.ts';
import { handleMetricsCsv, METRICS_CSV_HEADER, type MetricsCsvParams } from '../../server/exports.ts';
import { createTokenVerifier, mintToken, type TokenClaims } from '../../server/identity.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

const grades = (counts: number[]) => counts.map((count, i) => ({ grade: i + 1, count }));

const METRICS: AssessmentMetrics = {
  topicCount: 3,
  guidableRate: 2 / 3, // 66.7
  onlineProcessableRate: 0.95, // 95.0
  applications: 12,
  onTimeRate: 0.8755, // 87.6 (rounded half up)
  goodRatingRate: null, // empty cell
  averageMaterialReduction: 0.5, // 50.0
  averageTimeCompression: -0.05, // -5.0: a number, not guarded as a formula
  topics: [
    {
      topicCode: 'CN-YJS-XSECS',
      topicName: '新生儿出生一件事',
      guidable: true,
      onlineProcessable: true,
      problems: [],
      materialReduction: 0.6,
      timeCompression: 0.75,
      applications: 7,
      onTimeRate: 1,
      ratings: grades([0, 1, 0, 2, 4]),
      goodRatingRate: 6 / 7, // 85.7
    },
    {
      topicCode: 'T-EVIL',
      topicName: '=HYPERLINK("http://evil.example","点我"), "残疾人"\n证',
      guidable: false,
      onlineProcessable: false,
      problems: ['NAME_NOT_STANDARD', 'ONLINE_URL_UNREACHABLE'],
      materialReduction: null,
      timeCompression: 0,
      applications: 0,
      onTimeRate: null,
      ratings: grades([0, 0, 0, 0, 0]),
      goodRatingRate: null,
    },
  ],
  departments: [
    { departmentCode: 'WJJ-440514', cases: 9, overdueCases: 2, onTimeRate: 0.75 },
    { departmentCode: '@SUM(A1)', cases: 1, overdueCases: 0, onTimeRate: null },
  ],
  exemptionRate: 0.25, // 25.0
  channels: [
    { channel: 'PC', applications: 5 },
    { channel: 'MOBILE', applications: 6 },
    { channel: 'WINDOW', applications: 0 },
    { channel: 'KIOSK', applications: 1 },
  ],
  funnel: [
    { topicCode: 'CN-YJS-XSECS', topicName: '新生儿出生一件事', plans: 14, applications: 7, conversionRate: 0.5 },
    { topicCode: 'T-EVIL', topicName: '=HYPERLINK', plans: 2, applications: 0, conversionRate: 0 },
  ],
  monthly: [
    { month: '2026-01', from: new Date('2025-12-31T16:00:00Z'), to: new Date('2026-01-31T16:00:00Z'), applications: 0, plans: 0, ratings: 0,
      materialReduction: null, timeCompression: null, onTimeRate: null, goodRatingRate: null, exemptionRate: null },
    { month: '2026-02', from: new Date('2026-01-31T16:00:00Z'), to: new Date('2026-02-28T16:00:00Z'), applications: 12, plans: 16, ratings: 7,
      materialReduction: 0.5, timeCompression: -0.05, onTimeRate: 0.8755, goodRatingRate: 6 / 7, exemptionRate: 0.25 },
  ],
};

let server: Server;
let base: string;
const asked: MetricsCsvParams[] = [];
let failWith: Error | null = null;

beforeAll(async () => {
  const verifier = await createTokenVerifier({ secret: SECRET });
  server = createServer((req, res) => {
    handleMetricsCsv(req, res, {
      identify: (authorization) => verifier.identify(authorization),
      metrics: async (params) => {
        asked.push(params);
        if (failWith) throw failWith;
        return METRICS;
      },
      departmentNames: async () => new Map([['WJJ-440514', '汕头市潮南区卫生健康局']]),
    }).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exports/metrics.csv`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const tokenOf = (role: TokenClaims['role'], extra: Partial<TokenClaims> = {}) => mintToken(SECRET, { sub: `${role}-1`, role, ...extra });
const PERIOD = 'from=2026-01-01T00:00:00%2B08:00&to=2026-04-01T00:00:00%2B08:00';

async function get(query: string, token?: string, method = 'GET') {
  const response = await fetch(`${base}?${query}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** An RFC 4180 parser, to read the export back as a spreadsheet would. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('GET /exports/metrics.csv', () => {
  it('answers an evaluator with a UTF-8 CSV with BOM, as an attachment named after the region and period', async () => {
    asked.length = 0;
    const { response, bytes } = await get(`${PERIOD}&region=440514`, await tokenOf('EVALUATOR'));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="assessment-metrics_440514_2026-01-01_2026-04-01.csv"; filename*=UTF-8''${encodeURIComponent('一件事评估指标_440514_2026-01-01_2026-04-01.csv')}`,
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(asked).toEqual([{ region: '440514', from: new Date('2025-12-31T16:00:00Z'), to: new Date('2026-03-31T16:00:00Z') }]);
  });

  it('writes one table with a level column: the summary, then each topic, then each department, rates in percent', async () => {
    const { bytes } = await get(`${PERIOD}&region=440514`, await tokenOf('ADMIN'));
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    const at = (row: string[], column: (typeof METRICS_CSV_HEADER)[number]) => row[METRICS_CSV_HEADER.indexOf(column)];

    expect(rows[0]).toEqual([...METRICS_CSV_HEADER]);
    expect(rows.map((r) => r.length)).toEqual(rows.map(() => METRICS_CSV_HEADER.length));
    expect(rows.slice(1).map((r) => [at(r, '层级'), at(r, '编码')])).toEqual([
      ['汇总', '440514'],
      ['主题', 'CN-YJS-XSECS'],
      ['主题', 'T-EVIL'],
      ['部门', 'WJJ-440514'],
      ['部门', "'@SUM(A1)"],
      ['月度', '2026-01'],
      ['月度', '2026-02'],
    ]);
    const [summary, newborn, evil, health, , january, february] = rows.slice(1) as string[][] as [string[], string[], string[], string[], string[], string[], string[]];
    expect(at(summary, '区域')).toBe('440514');
    expect(at(summary, '统计期间起（含）')).toBe('2026-01-01T00:00:00+08:00');
    expect(at(summary, '统计期间止（不含）')).toBe('2026-04-01T00:00:00+08:00');
    expect(at(summary, '主题数')).toBe('3');
    expect(at(summary, '可导办率(%)')).toBe('66.7');
    expect(at(summary, '可网办率(%)')).toBe('95.0');
    expect(at(summary, '申办件数')).toBe('12');
    expect(at(summary, '按时办结率(%)')).toBe('87.6');
    expect(at(summary, '好评率(%)')).toBe('');
    expect(at(summary, '材料精简率(%)')).toBe('50.0');
    expect(at(summary, '时限压缩率(%)')).toBe('-5.0');
    expect(at(summary, '可导办')).toBe('');
    expect(at(summary, '免提交率(%)')).toBe('25.0');
    expect(['电脑端申办件数', '移动端申办件数', '窗口申办件数', '自助终端申办件数'].map((c) => at(summary, c as never))).toEqual(['5', '6', '0', '1']);
    // 16 plans, 7 applications after them.
    expect([at(summary, '导办方案数'), at(summary, '方案转化率(%)')]).toEqual(['16', '43.8']);

    expect(at(newborn, '名称')).toBe('新生儿出生一件事');
    expect([at(newborn, '可导办'), at(newborn, '可网办'), at(newborn, '问题')]).toEqual(['是', '是', '']);
    expect(at(newborn, '好评率(%)')).toBe('85.7');
    expect(at(newborn, '评价数')).toBe('7');
    expect(['1分 非常不满意', '2分 不满意', '3分 基本满意', '4分 满意', '5分 非常满意'].map((c) => at(newborn, c as never))).toEqual(['0', '1', '0', '2', '4']);
    expect([at(newborn, '材料精简率(%)'), at(newborn, '时限压缩率(%)')]).toEqual(['60.0', '75.0']);
    expect([at(newborn, '导办方案数'), at(newborn, '方案转化率(%)')]).toEqual(['14', '50.0']);

    expect(at(evil, '问题')).toBe('名称不符合命名规范(NAME_NOT_STANDARD)；网上申办地址无法访问(ONLINE_URL_UNREACHABLE)');
    expect([at(evil, '材料精简率(%)'), at(evil, '时限压缩率(%)'), at(evil, '按时办结率(%)')]).toEqual(['', '0.0', '']);

    expect([at(health, '名称'), at(health, '事项办件数'), at(health, '逾期件数'), at(health, '按时办结率(%)')]).toEqual([
      '汕头市潮南区卫生健康局',
      '9',
      '2',
      '75.0',
    ]);

    expect([at(january, '名称'), at(january, '申办件数'), at(january, '免提交率(%)'), at(january, '按时办结率(%)')]).toEqual(['2026年1月', '0', '', '']);
    expect(
      (['申办件数', '导办方案数', '评价数', '材料精简率(%)', '时限压缩率(%)', '按时办结率(%)', '好评率(%)', '免提交率(%)'] as const).map((c) => at(february, c)),
    ).toEqual(['12', '16', '7', '50.0', '-5.0', '87.6', '85.7', '25.0']);
  });

  it('quotes fields with commas, quotes and line breaks (RFC 4180) and defuses cells a spreadsheet would run as formulas', async () => {
    const { bytes } = await get(PERIOD, await tokenOf('EVALUATOR'));
    const text = bytes.subarray(3).toString('utf8');

    expect(text).toContain(`,"'=HYPERLINK(""http://evil.example"",""点我""), ""残疾人""\n证",`);
    expect(text.endsWith('\r\n')).toBe(true);
    const evil = parseCsv(text).find((r) => r.includes('T-EVIL'))!;
    expect(evil).toContain(`'=HYPERLINK("http://evil.example","点我"), "残疾人"\n证`);
    // No region: every region.
    expect(parseCsv(text)[1]!.slice(0, 1)).toEqual(['全部']);
  });

  it('answers 401 without a token or with a bad one, and 403 to applicants and department staff', async () => {
    const noToken = await get(PERIOD);
    expect(noToken.response.status).toBe(401);
    expect(noToken.response.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.parse(noToken.bytes.toString())).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await get(PERIOD, 'not.a.token')).response.status).toBe(401);
    expect((await get(PERIOD, await mintToken('another-secret-that-is-32-bytes-long!!', { sub: 'x', role: 'ADMIN' }))).response.status).toBe(401);

    const applicant = await get(PERIOD, await tokenOf('APPLICANT'));
    expect(applicant.response.status).toBe(403);
    expect(JSON.parse(applicant.bytes.toString()).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await get(PERIOD, await tokenOf('DEPARTMENT_STAFF', { dept: 'WJJ-440514' }))).response.status).toBe(403);
  });

  it('answers 400 with a JSON error naming the problem when from or to is missing or not an ISO date-time', async () => {
    const token = await tokenOf('EVALUATOR');
    const cases: Array<[string, RegExp]> = [
      ['to=2026-04-01T00:00:00Z', /from is required/],
      ['from=2026-01-01T00:00:00Z', /to is required/],
      ['from=2026-01-01&to=2026-04-01T00:00:00Z', /from must be an ISO 8601 date-time/],
      ['from=2026-01-01T00:00:00Z&to=yesterday', /to must be an ISO 8601 date-time/],
      ['from=2026-04-01T00:00:00Z&to=2026-01-01T00:00:00Z', /to must be after from/],
      [`${PERIOD}&region=${encodeURIComponent('440514;DROP')}`, /region must be a region code/],
    ];
    asked.length = 0;
    for (const [query, message] of cases) {
      const { response, bytes } = await get(query, token);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = JSON.parse(bytes.toString());
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(message);
    }
    expect(asked).toEqual([]);
  });

  it('answers 502 when an upstream fails, and 405 to other methods', async () => {
    const token = await tokenOf('EVALUATOR');
    failWith = new UpstreamUnavailableError('evaluation', 503);
    try {
      const { response, bytes } = await get(PERIOD, token);
      expect(response.status).toBe(502);
      expect(JSON.parse(bytes.toString()).errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      failWith = null;
    }
    const post = await get(PERIOD, token, 'POST');
    expect(post.response.status).toBe(405);
    expect(post.response.headers.get('allow')).toBe('GET, HEAD');
  });
});
