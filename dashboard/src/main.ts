/**
 * 一件事集成服务评估看板: the evaluator's view of the assessment metrics.
 *
 * Log in with an EVALUATOR (or ADMIN) token, kept in sessionStorage only
 * (gone when the tab is closed); pick a region and a period (default: this
 * year, region 440514); the page sends the contract's AssessmentMetrics
 * operation to POST /graphql and draws the answer. Every text from the
 * server is put in the page as text, never as HTML.
 */
import './style.css';
import { channelBars, departmentBars, draw, funnelBars, ratesGauges, trendLines, ratingBars, readinessMatrix, reductionBars, resizeAll, type ChartOption } from './charts.ts';
import { GUIDABLE_TARGET, ONLINE_PROCESSABLE_TARGET, count, explainProblem, percent } from './labels.ts';
import type { AssessmentMetrics, AssessmentSupervision, AssessmentTrends, DashboardConfig, TopicFlowchart } from './types.ts';
import { h } from '../../citizen/src/dom.ts';
import { flowchartImage, followUpFigures, warningsTable, type SupervisionConfig } from './supervision.ts';

const config = JSON.parse(document.getElementById('dashboard-config')!.textContent ?? '{}') as DashboardConfig & SupervisionConfig;
const TOKEN_KEY = 'one-thing-gateway.dashboard.token';
const CHINA_OFFSET = '+08:00';

// ---------------------------------------------------------------- session

const session = {
  get token(): string {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? '';
    } catch {
      return '';
    }
  },
  set token(value: string) {
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage disabled: the token lives as long as the page.
    }
  },
};

// ---------------------------------------------------------------- period

/** Today in China (UTC+8), as YYYY-MM-DD. */
function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

interface Period {
  from: string;
  /** Inclusive. */
  to: string;
}

function presetPeriod(kind: 'year' | 'quarter' | 'month' | 'lastYear'): Period {
  const today = chinaToday();
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const pad = (n: number) => String(n).padStart(2, '0');
  const endOfMonth = (y: number, m: number) => addDays(m === 12 ? `${y + 1}-01-01` : `${y}-${pad(m + 1)}-01`, -1);
  switch (kind) {
    case 'year':
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    case 'lastYear':
      return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
    case 'month':
      return { from: `${year}-${pad(month)}-01`, to: endOfMonth(year, month) };
    case 'quarter': {
      const first = Math.floor((month - 1) / 3) * 3 + 1;
      return { from: `${year}-${pad(first)}-01`, to: endOfMonth(year, first + 2) };
    }
  }
}

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'unauthenticated' | 'forbidden' | 'input' | 'other',
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; problems?: Array<{ field: string; message: string }> };
}

async function fetchMetrics(token: string, region: string, period: Period): Promise<AssessmentMetrics> {
  return fetchOperation<AssessmentMetrics>(token, 'AssessmentMetrics', config.operation, region, period);
}

/**
 * The figures beyond the contract's operation. A gateway serving only the
 * contract's operations (TRUSTED_DOCUMENTS=contract) refuses it: the reason is
 * shown in those panels, and the rest of the dashboard stands.
 */
async function fetchTrends(token: string, region: string, period: Period): Promise<AssessmentTrends | ApiError> {
  try {
    return await fetchOperation<AssessmentTrends>(token, 'AssessmentTrends', config.trendsOperation, region, period);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

/** The gateway's supervision figures; refused like the trends with TRUSTED_DOCUMENTS=contract, and shown as such. */
async function fetchSupervision(token: string, region: string, period: Period): Promise<AssessmentSupervision | ApiError> {
  try {
    return await fetchOperation<AssessmentSupervision>(token, 'AssessmentSupervision', config.supervisionOperation, region, period);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
}

async function fetchOperation<T>(token: string, operationName: string, query: string, region: string, period: Period): Promise<T> {
  const variables = {
    region: region || null,
    from: `${period.from}T00:00:00${CHINA_OFFSET}`,
    to: `${addDays(period.to, 1)}T00:00:00${CHINA_OFFSET}`,
  };
  return post<T>(token, operationName, query, variables, (data) => (data as { metrics?: T | null }).metrics);
}

async function fetchFlowchart(token: string, code: string): Promise<TopicFlowchart> {
  const chart = await post<TopicFlowchart | null>(token, 'TopicFlowchart', config.flowchartOperation, { code }, (data) => {
    const topic = (data as { topic?: { flowchart?: TopicFlowchart | null } | null }).topic;
    return topic === undefined ? undefined : (topic?.flowchart ?? null);
  });
  if (!chart) throw new ApiError('该主题没有流程图。', 'other');
  return chart;
}

async function post<T>(token: string, operationName: string, query: string, variables: Record<string, unknown>, pick: (data: object) => T | null | undefined): Promise<T> {
  let response: Response;
  try {
    response = await fetch(config.endpoint, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ operationName, query, variables }),
    });
  } catch {
    throw new ApiError('无法连接网关，请检查网络后重试。', 'other');
  }
  const requestId = response.headers.get('x-request-id');
  let body: { data?: object | null; errors?: GraphQLError[] } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // handled below
  }
  const error = body.errors?.[0];
  const code = error?.extensions?.code;
  if (response.status === 401 || code === 'UNAUTHENTICATED') {
    throw new ApiError('令牌无效或已过期，请重新登录。', 'unauthenticated', requestId);
  }
  if (code === 'OPERATION_NOT_TRUSTED') throw new ApiError('网关只受理前端契约中的操作（TRUSTED_DOCUMENTS=contract），此项指标暂不可用。', 'other', requestId);
  if (code === 'FORBIDDEN') throw new ApiError('此令牌没有查看评估指标的权限（需要评估员或管理员角色）。', 'forbidden', requestId);
  if (code === 'BAD_USER_INPUT') {
    const problems = error?.extensions?.problems?.map((p) => `${p.field}: ${p.message}`).join('；');
    throw new ApiError(`查询条件有误${problems ? `：${problems}` : ''}`, 'input', requestId);
  }
  const picked = body.data ? pick(body.data) : undefined;
  if (picked === undefined || (picked === null && error)) {
    throw new ApiError(error ? `网关返回错误：${error.message}` : `网关返回了异常的应答（HTTP ${response.status}）。`, 'other', requestId);
  }
  return picked as T;
}

async function downloadCsv(token: string, region: string, period: Period): Promise<void> {
  const params = new URLSearchParams({
    from: `${period.from}T00:00:00${CHINA_OFFSET}`,
    to: `${addDays(period.to, 1)}T00:00:00${CHINA_OFFSET}`,
  });
  if (region) params.set('region', region);
  const response = await fetch(`${config.csvPath}?${params}`, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
  if (!response.ok) throw new ApiError(`导出失败（HTTP ${response.status}）。`, response.status === 401 ? 'unauthenticated' : 'other');
  const url = URL.createObjectURL(await response.blob());
  const link = h('a', { href: url, download: `一件事评估指标_${region || '全部区划'}_${period.from}_${period.to}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------- views

const app = document.getElementById('app')!;
const state = {
  region: config.defaultRegion,
  period: presetPeriod('year'),
  loading: false,
};

function header(loggedIn: boolean): HTMLElement {
  return h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'brand' },
      h('div', { class: 'logo', 'aria-hidden': 'true' }, '一'),
      h(
        'div',
        {},
        h('h1', {}, '一件事集成服务评估看板'),
        h('p', { class: 'subtitle', 'data-testid': 'subtitle' }, loggedIn ? `区划 ${state.region || '全部'} · ${state.period.from} 至 ${state.period.to}` : '第三方评估 · 标杆大厅评估 · 日常监测'),
      ),
    ),
    loggedIn
      ? h(
          'div',
          { class: 'session' },
          h('span', { class: 'badge' }, '已登录'),
          h('button', { type: 'button', class: 'ghost', 'data-testid': 'logout', onclick: () => logout() }, '退出'),
        )
      : null,
  );
}

function showLogin(message?: string): void {
  const input = h('textarea', {
    id: 'token',
    rows: '4',
    'data-testid': 'token-input',
    placeholder: '粘贴评估员（EVALUATOR）或管理员（ADMIN）的 Bearer 令牌',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const submit = (event: Event) => {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return showLogin('请先输入令牌。');
    session.token = token;
    showDashboard();
  };
  app.replaceChildren(
    header(false),
    h(
      'main',
      { class: 'login' },
      h(
        'form',
        { class: 'card login-card', onsubmit: submit },
        h('h2', {}, '评估人员登录'),
        h('p', { class: 'muted' }, '看板只显示汇总指标，不含任何个人信息。令牌仅保存在本浏览器标签页（sessionStorage），关闭标签页即清除。'),
        h('label', { for: 'token' }, '访问令牌'),
        input,
        message ? h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error' }, message) : null,
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'login' }, '登录'),
      ),
    ),
  );
  input.focus();
}

function logout(): void {
  session.token = '';
  showLogin();
}

function toolbar(): HTMLElement {
  const region = h('input', { id: 'region', value: state.region, inputmode: 'numeric', maxlength: '32', 'data-testid': 'region', placeholder: '留空为全部区划' });
  const from = h('input', { id: 'from', type: 'date', value: state.period.from, 'data-testid': 'from' });
  const to = h('input', { id: 'to', type: 'date', value: state.period.to, 'data-testid': 'to' });
  const apply = (period?: Period) => {
    state.region = region.value.trim();
    state.period = period ?? { from: from.value, to: to.value };
    if (!state.period.from || !state.period.to || state.period.to < state.period.from) {
      setStatus('error', '请选择有效的统计周期（结束日期不早于开始日期）。');
      return;
    }
    void load();
  };
  const preset = (label: string, kind: Parameters<typeof presetPeriod>[0]) =>
    h('button', { type: 'button', class: 'chip', onclick: () => apply(presetPeriod(kind)) }, label);
  return h(
    'form',
    { class: 'toolbar card', onsubmit: (e: Event) => (e.preventDefault(), apply()) },
    h('div', { class: 'field' }, h('label', { for: 'region' }, '区划代码'), region),
    h('div', { class: 'field' }, h('label', { for: 'from' }, '统计周期'), h('div', { class: 'range' }, from, h('span', {}, '至'), to)),
    h('div', { class: 'presets' }, preset('本年度', 'year'), preset('本季度', 'quarter'), preset('本月', 'month'), preset('上一年度', 'lastYear')),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'apply' }, '查询'),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'data-testid': 'export-csv',
          onclick: () =>
            void downloadCsv(session.token, state.region, state.period).catch((error: unknown) =>
              setStatus('error', error instanceof Error ? error.message : String(error)),
            ),
        },
        '导出 CSV',
      ),
    ),
  );
}

let statusLine: HTMLElement | null = null;
let content: HTMLElement | null = null;

function setStatus(kind: 'loading' | 'error' | 'none', message = ''): void {
  if (!statusLine) return;
  statusLine.className = `status ${kind}`;
  statusLine.textContent = message;
  statusLine.hidden = kind === 'none';
}

function showDashboard(): void {
  statusLine = h('div', { class: 'status', role: 'status', 'data-testid': 'status', hidden: true });
  content = h('div', { class: 'content' });
  app.replaceChildren(header(true), h('main', { class: 'dashboard' }, toolbar(), statusLine, content));
  void load();
}

async function load(): Promise<void> {
  const token = session.token;
  if (!token) return showLogin();
  document.body.dataset.state = 'loading';
  app.querySelector('[data-testid=subtitle]')!.textContent = `区划 ${state.region || '全部'} · ${state.period.from} 至 ${state.period.to}`;
  setStatus('loading', '正在读取评估指标…');
  try {
    const [metrics, trends, supervision] = await Promise.all([
      fetchMetrics(token, state.region, state.period),
      fetchTrends(token, state.region, state.period),
      fetchSupervision(token, state.region, state.period),
    ]);
    setStatus('none');
    await render(metrics, trends, supervision);
    document.body.dataset.state = 'ready';
  } catch (error) {
    document.body.dataset.state = 'error';
    if (error instanceof ApiError && error.kind === 'unauthenticated') {
      session.token = '';
      return showLogin(error.message);
    }
    const message = error instanceof Error ? error.message : String(error);
    const requestId = error instanceof ApiError && error.requestId ? `（请求编号 ${error.requestId}）` : '';
    setStatus('error', `${message}${requestId}`);
  }
}

function kpi(testId: string, label: string, value: string, note: string, tone: 'good' | 'bad' | 'neutral' = 'neutral'): HTMLElement {
  return h(
    'div',
    { class: `kpi ${tone}`, 'data-testid': testId },
    h('div', { class: 'kpi-label' }, label),
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-note' }, note),
  );
}

const tone = (value: number | null, target: number) => (value === null ? 'neutral' : value >= target ? 'good' : 'bad');

function panel(title: string, hint: string, body: HTMLElement, wide = false, testId?: string): HTMLElement {
  return h(
    'section',
    { class: `card panel${wide ? ' wide' : ''}`, 'data-testid': testId },
    h('div', { class: 'panel-head' }, h('h2', {}, title), hint ? h('p', { class: 'hint' }, hint) : null),
    body,
  );
}

function chartBox(testId: string, label: string, height: number): HTMLElement {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testId });
  box.style.height = `${height}px`;
  return box;
}

function empty(text: string): HTMLElement {
  return h('div', { class: 'empty' }, text);
}

function problemsTable(metrics: AssessmentMetrics): HTMLElement {
  const failing = metrics.topics.filter((t) => t.problems.length > 0);
  if (failing.length === 0) return empty('所有主题均可导办、可网办，没有发现问题。');
  return h(
    'table',
    { class: 'table', 'data-testid': 'problems' },
    h('thead', {}, h('tr', {}, h('th', {}, '主题'), h('th', {}, '可导办'), h('th', {}, '可网办'), h('th', {}, '问题及说明'))),
    h(
      'tbody',
      {},
      ...failing.map((t) =>
        h(
          'tr',
          {},
          h('td', {}, h('div', { class: 'strong' }, t.topic.name), h('div', { class: 'code' }, t.topic.code)),
          h('td', {}, yesNo(t.guidable)),
          h('td', {}, yesNo(t.onlineProcessable)),
          h(
            'td',
            {},
            h(
              'ul',
              { class: 'problems' },
              ...t.problems.map((code) => {
                const p = explainProblem(code, config.problemTexts);
                return h('li', {}, h('span', { class: 'tag bad', title: p.code }, p.title), h('span', { class: 'muted' }, p.detail));
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function yesNo(value: boolean): HTMLElement {
  return h('span', { class: `tag ${value ? 'good' : 'bad'}` }, value ? '是' : '否');
}

function topicsTable(metrics: AssessmentMetrics): HTMLElement {
  if (metrics.topics.length === 0) return empty('该区划没有已发布的主题。');
  const ratingsOf = (t: AssessmentMetrics['topics'][number]) => t.ratings.reduce((sum, r) => sum + r.count, 0);
  return h(
    'table',
    { class: 'table numeric', 'data-testid': 'topics' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['主题', '可导办', '可网办', '申请件数', '按时办结率', '评价数', '好评率', '材料精简率', '时限压缩率', '导办流程图'].map((title) => h('th', {}, title)),
      ),
    ),
    h(
      'tbody',
      {},
      ...metrics.topics.flatMap((t) => {
        const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: '10' }));
        const row = h(
          'tr',
          { 'data-topic': t.topic.code },
          h('td', {}, h('div', { class: 'strong' }, t.topic.name), h('div', { class: 'code' }, t.topic.code)),
          h('td', {}, yesNo(t.guidable)),
          h('td', {}, yesNo(t.onlineProcessable)),
          h('td', {}, count(t.applications)),
          h('td', {}, percent(t.onTimeRate)),
          h('td', {}, count(ratingsOf(t))),
          h('td', {}, percent(t.goodRatingRate)),
          h('td', {}, percent(t.materialReduction)),
          h('td', {}, percent(t.timeCompression)),
          h('td', {}, flowchartToggle(t.topic, detail)),
        );
        return [row, detail];
      }),
    ),
  );
}

/** Shows the topic's flowchart in the row below, fetched the first time it is opened. */
function flowchartToggle(topic: { code: string; name: string }, detail: HTMLTableRowElement): HTMLElement {
  const cell = detail.firstElementChild as HTMLElement;
  let loaded = false;
  const button = h('button', { type: 'button', class: 'chip', 'data-testid': `flowchart-${topic.code}`, 'aria-expanded': 'false' }, '查看');
  button.addEventListener('click', () => {
    const open = detail.hidden;
    detail.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? '收起' : '查看';
    if (!open || loaded) return;
    loaded = true;
    cell.replaceChildren(h('div', { class: 'muted' }, '正在生成流程图…'));
    fetchFlowchart(session.token, topic.code).then(
      (chart) => cell.replaceChildren(flowchartImage(topic.name, chart)),
      (error: unknown) => {
        loaded = false;
        cell.replaceChildren(h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)));
      },
    );
  });
  return button;
}

async function render(metrics: AssessmentMetrics, trends: AssessmentTrends | ApiError, supervision: AssessmentSupervision | ApiError): Promise<void> {
  const supervisionOr = (make: (s: AssessmentSupervision) => HTMLElement): HTMLElement =>
    supervision instanceof ApiError ? empty(supervision.message) : make(supervision);
  const trendsOr = (make: (t: AssessmentTrends) => HTMLElement): HTMLElement =>
    trends instanceof ApiError ? empty(trends.message) : make(trends);
  const failing = metrics.topics.filter((t) => !t.guidable || !t.onlineProcessable).length;
  const ratingCount = metrics.topics.reduce((sum, t) => sum + t.ratings.reduce((s, r) => s + r.count, 0), 0);
  const kpis = h(
    'div',
    { class: 'kpis' },
    kpi('kpi-topics', '已发布主题', count(metrics.topicCount), failing ? `其中 ${failing} 个未全部达标` : '全部可导办、可网办'),
    kpi('kpi-guidable', '可导办率', percent(metrics.guidableRate), `目标 ${percent(GUIDABLE_TARGET)}`, tone(metrics.guidableRate, GUIDABLE_TARGET)),
    kpi('kpi-online', '可网办率', percent(metrics.onlineProcessableRate), `目标 ≥ ${percent(ONLINE_PROCESSABLE_TARGET)}`, tone(metrics.onlineProcessableRate, ONLINE_PROCESSABLE_TARGET)),
    kpi('kpi-applications', '申请件数', count(metrics.applications), '统计周期内提交'),
    kpi('kpi-ontime', '按时办结率', percent(metrics.onTimeRate), '按期办结件 / 已办结件'),
    kpi('kpi-good', '好评率', percent(metrics.goodRatingRate), `3–5 分 / 全部 ${count(ratingCount)} 条评价`),
    kpi('kpi-materials', '平均材料精简率', percent(metrics.averageMaterialReduction), '按申请件平均'),
    kpi('kpi-time', '平均时限压缩率', percent(metrics.averageTimeCompression), '按申请件平均'),
    kpi('kpi-exempt', '免提交率', trends instanceof ApiError ? '—' : percent(trends.exemptionRate), '免提交材料 / 所需材料'),
  );

  const charts: Array<[HTMLElement, ChartOption]> = [];
  const chart = (testId: string, label: string, height: number, option: ChartOption) => {
    const box = chartBox(testId, label, height);
    charts.push([box, option]);
    return box;
  };
  const rowHeight = (rows: number, per: number, min: number) => Math.max(min, rows * per + 60);
  const topics = metrics.topics;
  const readinessHeight = rowHeight(topics.length, 44, 280);

  content!.replaceChildren(
    kpis,
    h(
      'div',
      { class: 'grid' },
      panel('可导办率与可网办率', '对照目标：可导办率 100%，可网办率 ≥ 95%（已发布主题）', chart('chart-rates', '可导办率与可网办率仪表', readinessHeight, ratesGauges(metrics))),
      panel(
        '各主题达标情况',
        '可导办：已发布、名称规范、有导办问题、事项齐全、有办事指南；可网办：另需事项网办深度 ≥ 3 级且申办地址可访问',
        topics.length ? chart('chart-readiness', '各主题可导办与可网办情况', readinessHeight, readinessMatrix(topics)) : empty('该区划没有已发布的主题。'),
      ),
      panel(
        '各主题材料精简率与时限压缩率',
        '最全情形下：1 − 需提交材料数 / 原材料数；1 − 承诺时限 / 法定时限',
        topics.length ? chart('chart-reduction', '各主题材料精简率与时限压缩率', rowHeight(topics.length, 46, 260), reductionBars(topics)) : empty('暂无数据。'),
        true,
      ),
      panel(
        '各部门按时办结率',
        '统计周期内申请的办件：按期办结件 / 已办结件',
        metrics.departments.length
          ? chart('chart-departments', '各部门按时办结率', rowHeight(metrics.departments.length, 40, 220), departmentBars(metrics.departments))
          : empty('所选周期内暂无办件。'),
      ),
      panel(
        '评价等级分布',
        `好差评 1–5 分，共 ${count(ratingCount)} 条；好评率 ${percent(metrics.goodRatingRate)}`,
        ratingCount ? chart('chart-ratings', '评价等级分布', 260, ratingBars(topics)) : empty('所选周期内暂无评价。'),
      ),
      panel(
        '申请渠道分布',
        '统计周期内提交的申请：电脑端、移动端、窗口、自助终端',
        trendsOr((t) =>
          t.channels.some((c) => c.applications > 0) ? chart('chart-channels', '各渠道申请件数', 260, channelBars(t.channels)) : empty('所选周期内暂无申请。'),
        ),
        false,
        'panel-channels',
      ),
      panel(
        '导办方案 → 申请转化',
        '登录用户获取的完整导办方案数（不记录身份）与提交的申请数',
        trendsOr((t) =>
          t.funnel.length ? chart('chart-funnel', '各主题导办方案与申请', rowHeight(t.funnel.length, 46, 260), funnelBars(t.funnel)) : empty('该区划没有已发布的主题。'),
        ),
        false,
        'panel-funnel',
      ),
      panel(
        '月度趋势',
        '按申请提交月份：材料精简率、时限压缩率、免提交率、按时办结率；好评率按评价月份',
        trendsOr((t) => chart('chart-trends', '各项比率月度趋势', 320, trendLines(t.monthly))),
        true,
        'panel-trends',
      ),
      panel(
        '效能监督：红黄牌预警',
        '统计周期内已推送的办件，按部门与预警等级：黄牌为已用去承诺时限（工作日）的 80% 以上，红牌为已超期；已办结的办件保留办结时的等级',
        supervisionOr((s) => warningsTable(s.warnings)),
        false,
        'panel-warnings',
      ),
      panel(
        '差评整改',
        '统计周期内收到的差评（1–2 分）：由主题牵头部门回访、整改或解释说明',
        supervisionOr((s) => followUpFigures(s.followUps)),
        false,
        'panel-follow-ups',
      ),
      panel('主题问题清单', '未达标主题的问题及整改方向', problemsTable(metrics), true, 'panel-problems'),
      panel('主题明细', '比率无可计算数据时显示“—”', topicsTable(metrics), true),
    ),
    h(
      'footer',
      { class: 'footnote' },
      '口径：可导办率、可网办率以区划内已发布主题计；申请件数、按时办结率、平均精简率与压缩率以统计周期内提交的申请计；好评率以统计周期内的评价计。数据来自一件事集成服务网关，不含个人信息。',
    ),
  );
  const drawn = charts.map(([box, option]) => draw(box, option).drawn);
  await Promise.all(drawn);
}

window.addEventListener('resize', () => resizeAll(document.querySelectorAll<HTMLElement>('.chart')));

if (session.token) showDashboard();
else showLogin();
