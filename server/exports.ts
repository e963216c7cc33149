/**
 * GET /exports/metrics.csv?from=&to=&region= — the assessment metrics as a
 * spreadsheet, for evaluators and administrators (aggregates only, like the
 * `metrics` query); GET /exports/replication-backlog.csv?region= — the
 * region's replication backlog (复制推广, like the `replicationBacklog` query).
 *
 * Layout: ONE table with a 层级 (level) column — 汇总 (the period), 主题 (one
 * row per published topic), 部门 (one row per department with cases), 月度
 * (one row per China-time month of the period, the application-based figures;
 * none for a period of more than 120 months) —
 * rather than three sections: a spreadsheet's filter on 层级 shows each
 * level, sorting and pivoting work on the whole sheet, and several exports can
 * be pasted under one another (every row also names its region and period).
 * A column that does not apply to a level is empty.
 *
 * Values: rates as percentages with one decimal (`95.0`, column headers say
 * `(%)`), so they read as they are reported; a rate with nothing to divide by
 * is an empty cell. Yes/no as 是/否. On topic rows 材料精简率/时限压缩率 are
 * those of the topic's widest situation; on the 汇总 row, the mean over the
 * period's applications.
 *
 * Format: RFC 4180 (comma, CRLF, fields with comma, quote or line break in
 * double quotes, quotes doubled), UTF-8 with a BOM so that Excel reads the
 * Chinese right, `Content-Disposition: attachment` with the region and period
 * in the file name. Text cells that a spreadsheet would run as a formula
 * (starting with = + - @, tab or carriage return) get a leading apostrophe
 * (CSV injection); numbers this module formats are left as numbers.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssessmentMetrics } from '../domain/metrics.ts';
import type { RegionReplicationCandidate } from '../usecases/cross-region.ts';
import { BadUserInputError, type ErrorCode, UnauthenticatedError, UpstreamError, UpstreamTimeoutError } from '../lib/errors.ts';
import type { Viewer } from './context.ts';
import { errorBody, sendJson } from './http.ts';
import { problemText } from '../domain/problem-texts.ts';

export interface MetricsCsvParams {
  /** null = every region. */
  region: string | null;
  from: Date;
  to: Date;
}

export interface MetricsCsvDeps {
  /** The viewer for an Authorization header value (`TokenVerifier.identify`). */
  identify(authorization: string | undefined): Promise<Viewer>;
  /** The metrics (`assessmentMetrics` with the services bound). */
  metrics(params: MetricsCsvParams): Promise<AssessmentMetrics>;
  /** Department names by code, for the 部门 rows; optional (names left empty without it). */
  departmentNames?(): Promise<ReadonlyMap<string, string>>;
}

export const METRICS_CSV_PATH = '/exports/metrics.csv';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const REGION = /^[0-9A-Za-z_-]{1,32}$/;
const ALLOWED_ROLES = new Set(['EVALUATOR', 'ADMIN']);

/**
 * Answers GET (or HEAD) /exports/metrics.csv. 401 without a valid bearer
 * token, 403 for roles other than EVALUATOR and ADMIN, 400 for missing or
 * malformed `from`/`to` (ISO 8601 date-times with offset, `to` after `from`)
 * or `region`, 405 for other methods, 502/504 when an upstream fails; errors
 * as JSON in the gateway's error shape. Unexpected errors are rethrown for
 * the server's own handler (500, logged).
 */
export async function handleMetricsCsv(req: IncomingMessage, res: ServerResponse, deps: MetricsCsvDeps): Promise<void> {
  const fail = failWith(res);
  if (!(await admitExport(req, res, deps.identify, 'the metrics'))) return;

  const query = new URL(req.url ?? '/', 'http://gateway').searchParams;
  const parsed = parseParams(query);
  if ('problems' in parsed) return fail(400, 'BAD_USER_INPUT', parsed.problems.join('; '));

  let metrics: AssessmentMetrics;
  let names: ReadonlyMap<string, string>;
  try {
    [metrics, names] = await Promise.all([
      deps.metrics(parsed.params),
      deps.departmentNames ? deps.departmentNames().catch(() => new Map<string, string>()) : new Map<string, string>(),
    ]);
  } catch (error) {
    if (error instanceof BadUserInputError) return fail(400, 'BAD_USER_INPUT', error.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    if (error instanceof UpstreamError) {
      return fail(error instanceof UpstreamTimeoutError ? 504 : 502, error.code, `${error.upstream} failed: the metrics cannot be computed now`);
    }
    throw error;
  }

  sendCsv(req, res, metricsCsv(metrics, parsed.labels, names), fileNames(parsed.labels));
}

const failWith =
  (res: ServerResponse) =>
  (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void =>
    sendJson(res, status, errorBody(code, message), { 'cache-control': 'no-store', ...headers });

/**
 * Whether the request may have an export: GET or HEAD (else 405) with the
 * bearer token (else 401) of an EVALUATOR or ADMIN (else 403). Answers the
 * refusal itself.
 */
async function admitExport(
  req: IncomingMessage,
  res: ServerResponse,
  identify: (authorization: string | undefined) => Promise<Viewer>,
  what: string,
): Promise<boolean> {
  const fail = failWith(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    fail(405, 'METHOD_NOT_ALLOWED', 'Use GET', { allow: 'GET, HEAD' });
    return false;
  }
  let viewer: Viewer;
  try {
    viewer = await identify(req.headers.authorization);
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      fail(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer' });
      return false;
    }
    throw error;
  }
  if (viewer.kind !== 'user') {
    fail(401, 'UNAUTHENTICATED', 'A valid bearer token is required', { 'www-authenticate': 'Bearer' });
    return false;
  }
  if (!ALLOWED_ROLES.has(viewer.role)) {
    fail(403, 'FORBIDDEN', `Only evaluators and administrators may export ${what}`);
    return false;
  }
  return true;
}

/** The sheet with a BOM, as a download. */
function sendCsv(req: IncomingMessage, res: ServerResponse, sheet: string, file: { ascii: string; utf8: string }): void {
  const body = Buffer.from(`\uFEFF${sheet}`, 'utf8');
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${file.ascii}"; filename*=UTF-8''${encodeURIComponent(file.utf8)}`,
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The period as the caller wrote it, for the sheet and the file name. */
export interface PeriodLabels {
  region: string | null;
  from: string;
  to: string;
}

function parseParams(query: URLSearchParams): { params: MetricsCsvParams; labels: PeriodLabels } | { problems: string[] } {
  const problems: string[] = [];
  const instant = (name: 'from' | 'to'): [string, Date] | null => {
    const raw = query.get(name)?.trim();
    if (!raw) {
      problems.push(`${name} is required: an ISO 8601 date-time with offset, e.g. 2026-01-01T00:00:00+08:00`);
      return null;
    }
    const at = new Date(raw);
    if (!DATE_TIME.test(raw) || Number.isNaN(at.getTime())) {
      problems.push(`${name} must be an ISO 8601 date-time with offset, e.g. 2026-01-01T00:00:00+08:00`);
      return null;
    }
    return [raw, at];
  };
  const from = instant('from');
  const to = instant('to');
  if (from && to && to[1].getTime() <= from[1].getTime()) problems.push('to must be after from (the period is [from, to))');
  const region = query.get('region')?.trim() || null;
  if (region !== null && !REGION.test(region)) problems.push('region must be a region code such as 440514');
  if (problems.length || !from || !to) return { problems };
  return { params: { region, from: from[1], to: to[1] }, labels: { region, from: from[0], to: to[0] } };
}

function fileNames(labels: PeriodLabels): { ascii: string; utf8: string } {
  const day = (s: string) => s.slice(0, 10);
  const tail = `${labels.region ?? 'all'}_${day(labels.from)}_${day(labels.to)}.csv`;
  return { ascii: `assessment-metrics_${tail}`, utf8: `一件事评估指标_${tail}` };
}

// ---------------------------------------------------------------- CSV

/** The columns, in order. */
export const METRICS_CSV_HEADER = [
  '区域',
  '统计期间起（含）',
  '统计期间止（不含）',
  '层级',
  '编码',
  '名称',
  '主题数',
  '可导办',
  '可网办',
  '可导办率(%)',
  '可网办率(%)',
  '问题',
  '申办件数',
  '事项办件数',
  '逾期件数',
  '按时办结率(%)',
  '好评率(%)',
  '评价数',
  '1分 非常不满意',
  '2分 不满意',
  '3分 基本满意',
  '4分 满意',
  '5分 非常满意',
  '材料精简率(%)',
  '时限压缩率(%)',
  '免提交率(%)',
  '电脑端申办件数',
  '移动端申办件数',
  '窗口申办件数',
  '自助终端申办件数',
  '导办方案数',
  '方案转化率(%)',
] as const;

const CHANNEL_COLUMN = {
  PC: '电脑端申办件数',
  MOBILE: '移动端申办件数',
  WINDOW: '窗口申办件数',
  KIOSK: '自助终端申办件数',
} as const satisfies Record<AssessmentMetrics['channels'][number]['channel'], (typeof METRICS_CSV_HEADER)[number]>;

type Column = (typeof METRICS_CSV_HEADER)[number];

/** A number this module formatted (left as a number) or a text cell (guarded against formulas). */
type Cell = { number: string } | string | null;

const num = (n: number): Cell => ({ number: String(n) });
const pct = (rate: number | null): Cell => (rate === null ? null : { number: (Math.round(rate * 1000) / 10).toFixed(1) });
const yesNo = (b: boolean): Cell => (b ? '是' : '否');

/** A text cell a spreadsheet would take for a formula gets a leading apostrophe. */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvLine(cells: readonly Cell[]): string {
  return cells
    .map((cell) => (cell === null ? '' : typeof cell === 'string' ? csvField(guardFormula(cell)) : csvField(cell.number)))
    .join(',');
}

/** The sheet (header and rows, CRLF-terminated), without the BOM. */
export function metricsCsv(
  metrics: AssessmentMetrics,
  period: PeriodLabels,
  departmentNames: ReadonlyMap<string, string> = new Map(),
): string {
  const row = (values: Partial<Record<Column, Cell>>): Cell[] => {
    const full: Partial<Record<Column, Cell>> = {
      区域: period.region ?? '全部',
      '统计期间起（含）': period.from,
      '统计期间止（不含）': period.to,
      ...values,
    };
    return METRICS_CSV_HEADER.map((column) => full[column] ?? null);
  };
  const lines: Cell[][] = [[...METRICS_CSV_HEADER]];
  const totalPlans = metrics.funnel.reduce((sum, f) => sum + f.plans, 0);
  lines.push(
    row({
      层级: '汇总',
      编码: period.region ?? '全部',
      名称: period.region ? `${period.region} 全部“一件事”主题` : '全部区域“一件事”主题',
      主题数: num(metrics.topicCount),
      '可导办率(%)': pct(metrics.guidableRate),
      '可网办率(%)': pct(metrics.onlineProcessableRate),
      申办件数: num(metrics.applications),
      '按时办结率(%)': pct(metrics.onTimeRate),
      '好评率(%)': pct(metrics.goodRatingRate),
      '材料精简率(%)': pct(metrics.averageMaterialReduction),
      '时限压缩率(%)': pct(metrics.averageTimeCompression),
      '免提交率(%)': pct(metrics.exemptionRate),
      ...Object.fromEntries(metrics.channels.map((c) => [CHANNEL_COLUMN[c.channel], num(c.applications)])),
      导办方案数: num(totalPlans),
      '方案转化率(%)': pct(totalPlans === 0 ? null : metrics.funnel.reduce((sum, f) => sum + f.applications, 0) / totalPlans),
    }),
  );
  const funnelOf = new Map(metrics.funnel.map((f) => [f.topicCode, f]));
  for (const t of metrics.topics) {
    const funnel = funnelOf.get(t.topicCode);
    const count = (grade: number) => num(t.ratings.find((r) => r.grade === grade)?.count ?? 0);
    lines.push(
      row({
        层级: '主题',
        编码: t.topicCode,
        名称: t.topicName,
        可导办: yesNo(t.guidable),
        可网办: yesNo(t.onlineProcessable),
        问题: t.problems.map((p) => (problemText(p) ? `${problemText(p)!.title}(${p})` : p)).join('；') || null,
        申办件数: num(t.applications),
        '按时办结率(%)': pct(t.onTimeRate),
        '好评率(%)': pct(t.goodRatingRate),
        评价数: num(t.ratings.reduce((sum, r) => sum + r.count, 0)),
        '1分 非常不满意': count(1),
        '2分 不满意': count(2),
        '3分 基本满意': count(3),
        '4分 满意': count(4),
        '5分 非常满意': count(5),
        '材料精简率(%)': pct(t.materialReduction),
        '时限压缩率(%)': pct(t.timeCompression),
        导办方案数: funnel ? num(funnel.plans) : null,
        '方案转化率(%)': funnel ? pct(funnel.conversionRate) : null,
      }),
    );
  }
  for (const d of metrics.departments) {
    lines.push(
      row({
        层级: '部门',
        编码: d.departmentCode,
        名称: departmentNames.get(d.departmentCode) ?? null,
        事项办件数: num(d.cases),
        逾期件数: num(d.overdueCases),
        '按时办结率(%)': pct(d.onTimeRate),
      }),
    );
  }
  for (const m of metrics.monthly ?? []) {
    lines.push(
      row({
        层级: '月度',
        编码: m.month,
        名称: `${m.month.slice(0, 4)}年${Number(m.month.slice(5))}月`,
        申办件数: num(m.applications),
        '按时办结率(%)': pct(m.onTimeRate),
        '好评率(%)': pct(m.goodRatingRate),
        评价数: num(m.ratings),
        '材料精简率(%)': pct(m.materialReduction),
        '时限压缩率(%)': pct(m.timeCompression),
        '免提交率(%)': pct(m.exemptionRate),
        导办方案数: num(m.plans),
      }),
    );
  }
  return lines.map((cells) => `${csvLine(cells)}\r\n`).join('');
}

export interface BacklogCsvDeps {
  /** The viewer for an Authorization header value (`TokenVerifier.identify`). */
  identify(authorization: string | undefined): Promise<Viewer>;
  /** The backlog (`regionReplicationBacklog` with the services bound). */
  backlog(region: string): Promise<RegionReplicationCandidate[]>;
  /** Department names by code; optional (names left empty without it). */
  departmentNames?(): Promise<ReadonlyMap<string, string>>;
}

export const BACKLOG_CSV_PATH = '/exports/replication-backlog.csv';

/**
 * Answers GET (or HEAD) /exports/replication-backlog.csv?region=: one row per
 * topic the region could replicate, in the format of the metrics sheet. 401,
 * 403 and 405 as for the metrics; 400 for a missing or malformed `region`;
 * 502/504 when the registry fails.
 */
export async function handleReplicationBacklogCsv(req: IncomingMessage, res: ServerResponse, deps: BacklogCsvDeps): Promise<void> {
  const fail = failWith(res);
  if (!(await admitExport(req, res, deps.identify, 'the replication backlog'))) return;

  const region = new URL(req.url ?? '/', 'http://gateway').searchParams.get('region')?.trim() ?? '';
  if (!/^\d{6}$/.test(region)) return fail(400, 'BAD_USER_INPUT', 'region is required: the six-digit code of a city, district or county, e.g. 440514');

  let backlog: RegionReplicationCandidate[];
  let names: ReadonlyMap<string, string>;
  try {
    [backlog, names] = await Promise.all([
      deps.backlog(region),
      deps.departmentNames ? deps.departmentNames().catch(() => new Map<string, string>()) : new Map<string, string>(),
    ]);
  } catch (error) {
    if (error instanceof BadUserInputError) return fail(400, 'BAD_USER_INPUT', error.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    if (error instanceof UpstreamError) {
      return fail(error instanceof UpstreamTimeoutError ? 504 : 502, error.code, `${error.upstream} failed: the backlog cannot be listed now`);
    }
    throw error;
  }
  sendCsv(req, res, backlogCsv(region, backlog, names), {
    ascii: `replication-backlog_${region}.csv`,
    utf8: `一件事复制推广清单_${region}.csv`,
  });
}

/** The columns of the backlog sheet, in order. */
export const BACKLOG_CSV_HEADER = [
  '区域',
  '主题名称',
  '已上线区域数',
  '已上线主题（区划 编码）',
  '原牵头部门',
  '应认领部门编码',
  '应认领部门名称',
] as const;

/** The backlog sheet (header and rows, CRLF-terminated), without the BOM. */
export function backlogCsv(
  region: string,
  backlog: readonly RegionReplicationCandidate[],
  departmentNames: ReadonlyMap<string, string> = new Map(),
): string {
  const named = (code: string) => (departmentNames.has(code) ? `${departmentNames.get(code)}(${code})` : code);
  const lines: Cell[][] = [[...BACKLOG_CSV_HEADER]];
  for (const c of backlog) {
    lines.push([
      region,
      c.name,
      num(new Set(c.offeredBy.map((t) => t.region)).size),
      c.offeredBy.map((t) => `${t.region} ${t.code}`).join('；'),
      [...new Set(c.offeredBy.map((t) => t.leadDepartment))].map(named).join('；'),
      c.claimingDepartment,
      c.claimingDepartment ? (departmentNames.get(c.claimingDepartment) ?? null) : null,
    ]);
  }
  return lines.map((cells) => `${csvLine(cells)}\r\n`).join('');
}
