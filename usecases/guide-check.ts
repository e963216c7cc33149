/**
 * 定期检查 (work plan, "紧跟评估，优化升级"): the routine check of every
 * published topic's guide — naming standard, guidance questions, matters
 * resolvable in the registry, guide URL, the online address answering, every
 * matter's online depth — i.e. `assessReadiness` with a real probe of the
 * online address. Each run is stored (`store/guide-checks.ts`); readiness
 * then reads the latest reachability from there, and `formatGuideReport`
 * turns the findings into a report the lead departments can act on.
 *
 * @module
 */
import { BackgroundLoop } from '../lib/background-loop.ts';
import { mapLimit } from '../lib/concurrency.ts';
import type { Matter, Topic, TopicSummary } from '../connectors/matter-registry/models.ts';
import type { UrlProbeResult } from '../connectors/online-address/probe.ts';
import { assessReadiness } from '../domain/readiness.ts';
import type { Database } from '../store/database.ts';
import { saveRun, type GuideFinding, type GuideFindingDetails } from '../store/guide-checks.ts';
import { compareWithOtherRegions, type CompareWithOtherRegions } from './cross-region.ts';
import type { CrossRegionDifference } from '../domain/cross-region.ts';

/** The registry as the check needs it (`CachedMatterRegistry` fits). */
export interface GuideCheckRegistry {
  topics(region: string | null | undefined): Promise<TopicSummary[]>;
  topic(code: string): Promise<Topic | null>;
  mattersByCode(codes: readonly string[]): Promise<(Matter | null)[]>;
}

/**
 * Looks at one online address within `timeoutMs` and never throws: a failure
 * is an unreachable result (`UrlProber.probe` of connectors/online-address/probe.ts).
 */
export type UrlProbe = (url: string, timeoutMs: number) => Promise<UrlProbeResult>;

export interface GuideCheckDeps {
  registry: GuideCheckRegistry;
  /** Where the run is stored; null/absent = not stored (the report is still produced). */
  db?: Pick<Database, 'transaction'> | null;
  /** Probes one online address. */
  probeUrl: UrlProbe;
  now?: () => Date;
}

export interface GuideCheckOptions {
  /** Region code; absent, null or blank = every region. */
  region?: string | null;
  /** Deadline of one probe of an online address, in milliseconds. Default 5000 (DESIGN.md: "within 5 s"). */
  urlTimeoutMs?: number;
  /** Topics checked at once (registry reads and probes). Default 8. */
  concurrency?: number;
}

export interface GuideCheckResult {
  /** The stored run's id; null when no database was given. */
  runId: string | null;
  region: string | null;
  startedAt: Date;
  finishedAt: Date;
  /** One per PUBLISHED topic, in the registry's order. */
  findings: GuideFinding[];
}

export const DEFAULT_URL_TIMEOUT_MS = 5000;
export const DEFAULT_CHECK_CONCURRENCY = 8;

const blankToNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/**
 * Checks every PUBLISHED topic (of `options.region`, or of every region),
 * stores the run when a database is given, and returns the findings.
 * Registry failures fail the run (it is tried again at the next interval);
 * an online address that fails is a finding, never an error.
 */
export async function runGuideCheck(deps: GuideCheckDeps, options: GuideCheckOptions = {}): Promise<GuideCheckResult> {
  const now = deps.now ?? (() => new Date());
  const region = blankToNull(options.region);
  const timeoutMs = options.urlTimeoutMs ?? DEFAULT_URL_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`urlTimeoutMs must be positive, got ${timeoutMs}`);
  const startedAt = now();

  const compare = compareWithOtherRegions(deps.registry);
  const summaries = (await deps.registry.topics(region)).filter((t) => t.status === 'PUBLISHED');
  const checked = await mapLimit(summaries, options.concurrency ?? DEFAULT_CHECK_CONCURRENCY, async (summary) => {
    const topic = await deps.registry.topic(summary.code);
    // Listed but gone, or no longer published since the list was read: nothing to check.
    if (!topic || topic.status !== 'PUBLISHED') return null;
    return checkTopic(topic, deps.registry, compare, deps.probeUrl, timeoutMs, now);
  });
  const findings = checked.filter((f): f is GuideFinding => f !== null);
  const finishedAt = now();
  const runId = deps.db ? await saveRun(deps.db, { startedAt, finishedAt, region, findings }) : null;
  return { runId, region, startedAt, finishedAt, findings };
}

async function checkTopic(
  topic: Topic,
  registry: GuideCheckRegistry,
  compare: CompareWithOtherRegions,
  probe: UrlProbe,
  timeoutMs: number,
  now: () => Date,
): Promise<GuideFinding> {
  const codes = topic.matters.map((m) => m.matterCode);
  const found = codes.length ? await registry.mattersByCode(codes) : [];
  const matters = new Map<string, Matter>();
  for (const matter of found) if (matter) matters.set(matter.code, matter);

  const onlineUrl = blankToNull(topic.onlineUrl);
  const [result, crossRegion] = await Promise.all([onlineUrl ? probe(onlineUrl, timeoutMs) : null, compare({ topic, matters })]);
  const checkedAt = now();
  const readiness = assessReadiness(
    topic,
    matters,
    result ? { reachable: result.reachable, checkedAt: checkedAt.toISOString() } : null,
  );

  const details: GuideFindingDetails = {};
  const unknown = [...new Set(codes.filter((code) => !matters.has(code)))];
  if (unknown.length) details.unknownMatters = unknown;
  const offline = [...matters.values()].filter((m) => m.onlineDepth < 3);
  if (offline.length) details.offlineMatters = offline.map((m) => ({ code: m.code, name: m.name, onlineDepth: m.onlineDepth }));
  if (result && !result.reachable && result.error) details.onlineUrlError = result.error;
  if (crossRegion.differences.length) details.crossRegion = crossRegion.differences;

  return {
    topicCode: topic.code,
    topicName: topic.name,
    leadDepartment: topic.leadDepartment,
    region: topic.region,
    status: topic.status,
    guidable: readiness.guidable,
    onlineProcessable: readiness.onlineProcessable,
    problems: [...readiness.problems, ...crossRegion.problems],
    details,
    onlineUrl,
    onlineUrlReachable: result ? result.reachable : null,
    onlineUrlStatus: result ? result.status : null,
    onlineUrlLatencyMs: result ? result.latencyMs : null,
    checkedAt,
  };
}

// ---------------------------------------------------------------- report

/** The work plan's targets: 可导办率 100 %, 可网办率 ≥ 95 %. */
export const GUIDABLE_TARGET = 1;
export const ONLINE_PROCESSABLE_TARGET = 0.95;

const percent = (value: number): string => `${(Math.round(value * 1000) / 10).toFixed(1)} %`;
const yesNo = (value: boolean): string => (value ? '是 yes' : '否 NO');

/** What each problem means and what the lead department should do, in Chinese and English. */
function explain(code: string, f: Pick<GuideFinding, 'details' | 'onlineUrl'>): [string, string] {
  const d = f.details;
  switch (code) {
    case 'NOT_PUBLISHED':
      return ['主题未发布：在省事项系统中发布后才对群众可见。', 'The topic is not published: publish it in the matter registry so citizens can see it.'];
    case 'NAME_NOT_STANDARD':
      return [
        '主题名称不符合国家命名标准：请在省事项系统中按“我要…”或“…一件事”重新命名。',
        'The name does not follow the national naming standard: rename it in the matter registry to start with 我要 or end with 一件事.',
      ];
    case 'NO_GUIDANCE':
      return [
        '没有场景式导办问题：请编制导办问题（受理区域、情境、条件等），群众才能得到精准的事项和材料清单。',
        'No guidance questions: add situation questions (area, circumstances, conditions) so applicants get the exact matters and materials.',
      ];
    case 'UNKNOWN_MATTER': {
      const codes = d.unknownMatters?.join('、') ?? '';
      return [
        `事项编码在省事项系统中查不到${codes ? `（${codes}）` : ''}：请改正编码，或先在省事项系统中注册认领该事项。`,
        `Matter code(s) not found in the matter registry${codes ? ` (${d.unknownMatters!.join(', ')})` : ''}: correct the code or register the matter first.`,
      ];
    }
    case 'NO_GUIDE_URL':
      return [
        '没有办事指南地址：请在省事项系统中发布办事指南并填写指南地址。',
        'No guide URL: publish the service guide and enter its address in the matter registry.',
      ];
    case 'MATTER_NOT_ONLINE': {
      const list = d.offlineMatters ?? [];
      const zh = list.map((m) => `${m.code} ${m.name}（深度 ${m.onlineDepth}）`).join('；');
      const en = list.map((m) => `${m.code} (depth ${m.onlineDepth})`).join(', ');
      return [
        `有事项网上办理深度低于三级${zh ? `：${zh}` : ''}：请推动审批系统对接，使每个事项至少达到三级（网上申报、网上受理）。`,
        `Matter(s) below online depth 3${en ? `: ${en}` : ''}: connect the approval systems so every matter reaches at least level 3.`,
      ];
    }
    case 'NO_ONLINE_URL':
      return [
        '没有网上申办地址：请在省事项系统中填写“一件事”在线申办地址。',
        'No online application address: enter the topic’s online address in the matter registry.',
      ];
    case 'ONLINE_URL_UNREACHABLE': {
      const why = d.onlineUrlError ?? 'no answer';
      return [
        `网上申办地址打不开（${f.onlineUrl ?? ''}，${why}）：请检查该地址和申办系统是否正常，或更新为正确地址。`,
        `The online address does not answer (${f.onlineUrl ?? ''}: ${why}): check the address and the application system, or enter the right address.`,
      ];
    }
    case 'DEPENDENCY_CYCLE':
      return [
        '事项之间的前置依赖（dependsOn）形成循环，无法确定办理顺序：请在省事项系统中改正前后置关系。',
        'The matters’ prerequisites (dependsOn) form a cycle, so the order of approval is undefined: correct them in the matter registry.',
      ];
    default:
      if (code.startsWith('DIFFERS_FROM_')) return explainDifference(code, d.crossRegion ?? []);
      return [`问题 ${code}。`, `Problem ${code}.`];
  }
}

const ASPECT_WORDS: Readonly<Record<string, [string, string]>> = {
  QUESTIONS: ['受理条件（导办问题及选项）', 'guidance questions and options'],
  MATTERS: ['所含事项（名称、类型）', 'matters (name and type)'],
  MATERIALS: ['办理材料', 'materials'],
  FORM: ['业务表单要素', 'form fields'],
  TIME_LIMIT: ['办理时限', 'time limits'],
};

/** A cross-region difference, peer by peer, with what only one side has and what differs. */
function explainDifference(code: string, differences: readonly CrossRegionDifference[]): [string, string] {
  const own = differences.filter((d) => d.code === code);
  const aspect = own[0]?.aspect ?? code.slice(code.indexOf(':') + 1);
  const [aspectZh, aspectEn] = ASPECT_WORDS[aspect] ?? [aspect, aspect];
  const city = code.startsWith('DIFFERS_FROM_CITY');
  const zhParts = own.map((d) => {
    const parts = [
      d.onlyHere.length ? `本主题多出 ${d.onlyHere.join('、')}` : '',
      d.onlyThere.length ? `本主题缺少 ${d.onlyThere.join('、')}` : '',
      ...d.changed.map((c) => `${c.item}：本主题 ${c.here}，对方 ${c.there}`),
    ].filter(Boolean);
    return `${d.peer.topicCode}（${d.peer.region}）：${parts.join('；')}`;
  });
  const enParts = own.map((d) => {
    const parts = [
      d.onlyHere.length ? `only here ${d.onlyHere.join(', ')}` : '',
      d.onlyThere.length ? `only there ${d.onlyThere.join(', ')}` : '',
      ...d.changed.map((c) => `${c.item}: ${c.here} here, ${c.there} there`),
    ].filter(Boolean);
    return `${d.peer.topicCode} (${d.peer.region}): ${parts.join('; ')}`;
  });
  return [
    `${aspectZh}与${city ? '市级' : '其他区县'}同名主题不一致${zhParts.length ? `——${zhParts.join('；')}` : ''}。请牵头部门对照统一实施标准（无差别受理、同标准办理），确定应统一的内容，需市级统筹的及时报市级部门。`,
    `The ${aspectEn} differ from the same-name topic ${city ? 'of the city' : 'of another district'}${enParts.length ? ` — ${enParts.join('; ')}` : ''}: the lead department should settle one standard with them.`,
  ];
}

export interface GuideReportOptions {
  /** When the check ran (printed in the heading). */
  checkedAt?: Date;
  /** The region checked (printed in the heading); null = every region. */
  region?: string | null;
}

/**
 * A plain-text report, in Chinese and English, that a lead department can act
 * on: a summary of 可导办率 / 可网办率 over the PUBLISHED topics against the
 * work plan's targets (100 %, ≥ 95 %), then one block per topic — topics with
 * problems first — saying whether it is guidable and online-processable and,
 * for each problem, what it means and what to fix.
 */
export function formatGuideReport(findings: readonly GuideFinding[], options: GuideReportOptions = {}): string {
  const published = findings.filter((f) => f.status === 'PUBLISHED');
  const lines: string[] = [];
  lines.push('“一件事”主题集成服务办事指南定期检查报告 / Routine check of the guides of "one-thing" topics');
  if (options.checkedAt) lines.push(`检查时间 Checked at: ${options.checkedAt.toISOString()}`);
  if (options.region !== undefined) lines.push(`区域 Region: ${options.region ?? '全部 all'}`);
  lines.push('');

  if (published.length === 0) {
    lines.push('汇总 Summary: 没有已发布的主题 / no published topic; 可导办率、可网办率无从计算 / no rates to compute.');
    return `${lines.join('\n')}\n`;
  }
  const guidable = published.filter((f) => f.guidable).length;
  const online = published.filter((f) => f.onlineProcessable).length;
  const guidableRate = guidable / published.length;
  const onlineRate = online / published.length;
  const verdict = (met: boolean) => (met ? '达标 met' : '未达标 NOT MET');
  lines.push(
    `汇总 Summary: 已发布主题 ${published.length} 个 / ${published.length} published topics; ` +
      `可导办 ${guidable} 个，可导办率 guidable ${percent(guidableRate)}（目标 target 100 %，${verdict(guidableRate >= GUIDABLE_TARGET)}）; ` +
      `可网办 ${online} 个，可网办率 online-processable ${percent(onlineRate)}（目标 target ≥ 95 %，${verdict(onlineRate >= ONLINE_PROCESSABLE_TARGET)}）`,
  );
  const failing = published.filter((f) => f.problems.length > 0).length;
  lines.push(
    failing === 0
      ? '所有主题均无问题 / No topic has a problem.'
      : `有问题的主题 ${failing} 个，请牵头部门按下列说明整改 / ${failing} topic(s) with problems: the lead departments should fix them as described below.`,
  );

  const rank = (f: GuideFinding) => (!f.guidable ? 0 : !f.onlineProcessable ? 1 : f.problems.length ? 2 : 3);
  const ordered = [...published].sort((a, b) => rank(a) - rank(b) || a.topicCode.localeCompare(b.topicCode));
  ordered.forEach((f, i) => {
    lines.push('');
    lines.push(`[${i + 1}] ${f.topicCode} ${f.topicName}（牵头部门 lead department: ${f.leadDepartment}，区域 region: ${f.region}）`);
    lines.push(`    可导办 Guidable: ${yesNo(f.guidable)}    可网办 Online-processable: ${yesNo(f.onlineProcessable)}`);
    if (f.onlineUrl) {
      const how = f.onlineUrlReachable
        ? `可访问 reachable (HTTP ${f.onlineUrlStatus}, ${f.onlineUrlLatencyMs} ms)`
        : `不可访问 NOT reachable (${f.details.onlineUrlError ?? 'no answer'})`;
      lines.push(`    网上申办地址 Online address: ${f.onlineUrl} — ${how}`);
    }
    if (f.problems.length === 0) {
      lines.push('    无问题 No problem.');
      return;
    }
    lines.push('    问题及整改 Problems and what to fix:');
    for (const code of f.problems) {
      const [zh, en] = explain(code, f);
      lines.push(`    - ${code}: ${zh}`);
      lines.push(`      ${en}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

export interface GuideCheckSchedulerOptions {
  /** Time between the end of one run and the start of the next. Default 6 h. */
  intervalMs?: number;
  /** Delay of the first run after start(). Default 10 s (after the gateway is up). */
  firstRunAfterMs?: number;
  /** Told about a failed run; the schedule goes on. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

/**
 * Runs the check once shortly after start, then every `intervalMs` (counted
 * from the end of a run, so runs never overlap). Its timer never keeps the
 * process alive (unref'd). stop() cancels the next run and waits for a
 * running one to end.
 */
export class GuideCheckScheduler {
  readonly #runs: BackgroundLoop<unknown>;

  constructor(check: () => Promise<unknown>, options: GuideCheckSchedulerOptions = {}) {
    this.#runs = new BackgroundLoop({
      step: check,
      intervalMs: options.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS,
      firstStepAfterMs: options.firstRunAfterMs ?? 10_000,
      onError: options.onError,
    });
  }

  /** Whether a run is going on now. */
  get running(): boolean {
    return this.#runs.stepping;
  }

  start(): void {
    this.#runs.start();
  }

  stop(): Promise<void> {
    return this.#runs.stop();
  }
}
