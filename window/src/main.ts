/**
 * 一窗受理 · 帮办工作台: window staff help a citizen at the desk.
 *
 * Sign in with the staff token (sessionStorage only), open an assistance
 * session from the citizen's 6-digit code or an ID card checked in person,
 * walk the guidance questions one at a time (the plan decides which follow),
 * check the plan with its exemptions and why, scan the paper materials,
 * submit, print the one-time notice and the receipt, end the session. Every
 * text from the server goes in as text, never as HTML.
 */
import './style.css';
import { h, tag, type Child } from '../../citizen/src/dom.ts';
import { APPLICATION_STATUS, CASE_STATUS, PREFILL_SOURCE, caseTone, chinaDateTime, explainExemption, explainProblem } from '../../citizen/src/labels.ts';
import type { PlanFormField, PlanMaterial, PlanQuestion, Problem } from '../../citizen/src/types.ts';
import { ApiError, createApi } from './api.ts';
import type { AssistanceSession, PlannedTopic, Receipt, SubmittedApplication, WindowConfig } from './types.ts';

const config = JSON.parse(document.getElementById('window-config')!.textContent ?? '{}') as WindowConfig;
const api = createApi(config);
const TOKEN_KEY = 'one-thing-gateway.window.token';
const SESSION_KEY = 'one-thing-gateway.window.session';
const CONSENT: Record<string, string> = { CODE: '手机授权码', IN_PERSON: '现场核验身份证' };

const stored = {
  get(key: string): string {
    try {
      return sessionStorage.getItem(key) ?? '';
    } catch {
      return '';
    }
  },
  set(key: string, value: string): void {
    try {
      if (value) sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
    } catch {
      // Storage disabled: kept as long as the page.
    }
  },
};

type Step = 'signin' | 'start' | 'guide' | 'plan' | 'done';

interface Work {
  answers: Map<string, string[]>;
  /** Questions shown once, answered or left out. */
  asked: Set<string>;
  planned: PlannedTopic | null;
  form: Map<string, string>;
  uploads: Map<string, { fileRef: string; fileName: string }>;
  deferred: Set<string>;
  deliveryMethod: string;
  /** Kept across retries of one submission. */
  idempotencyKey: string;
  application: SubmittedApplication | null;
  receipt: Receipt | null;
}

const freshWork = (): Work => ({
  answers: new Map(),
  asked: new Set(),
  planned: null,
  form: new Map(),
  uploads: new Map(),
  deferred: new Set(),
  deliveryMethod: 'WINDOW',
  idempotencyKey: crypto.randomUUID(),
  application: null,
  receipt: null,
});

const state = {
  token: stored.get(TOKEN_KEY),
  session: (() => {
    try {
      return JSON.parse(stored.get(SESSION_KEY) || 'null') as AssistanceSession | null;
    } catch {
      return null;
    }
  })(),
  work: freshWork(),
};

const app = document.getElementById('app')!;
const credentials = () => ({ token: state.token, session: state.session?.id ?? null });

function mark(step: Step, phase: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.step = step;
  document.body.dataset.state = phase;
}

function topbar(): HTMLElement {
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('div', { class: 'logo', 'aria-hidden': 'true' }, '窗'), h('div', {}, h('h1', {}, '一窗受理 · 帮办工作台'), h('p', { class: 'subtitle' }, '导办 · 帮办 · 代办'))),
    state.token ? h('button', { type: 'button', class: 'ghost', 'data-testid': 'signout', onclick: () => signOut() }, '退出登录') : null,
  );
}

function sessionBar(): HTMLElement | null {
  const s = state.session;
  if (!s) return null;
  return h(
    'section',
    { class: 'session-bar', 'data-testid': 'session-bar' },
    h('div', {}, h('span', { class: 'muted' }, '申请人 '), h('strong', { 'data-testid': 'applicant' }, `${s.applicantName}（${s.applicantId}）`)),
    h('div', {}, h('span', { class: 'muted' }, '主题 '), s.topic?.name ?? s.topicCode),
    h('div', {}, h('span', { class: 'muted' }, '授权 '), tag(CONSENT[s.consent] ?? s.consent, 'info', 'consent')),
    h('div', {}, h('span', { class: 'muted' }, '有效至 '), chinaDateTime(s.expiresAt)),
    h('button', { type: 'button', class: 'danger', 'data-testid': 'end-session', onclick: () => void endSession() }, '结束帮办'),
  );
}

function show(step: Step, ...children: Child[]): void {
  app.replaceChildren(topbar(), step === 'signin' || step === 'start' ? '' : (sessionBar() ?? ''), h('main', { class: 'desk' }, ...children));
  mark(step, 'ready');
}

function errorLine(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, message);
}

/** What every failure does first: a lost sign-in or session goes back to where it can be made again. */
function handled(error: unknown, step: Step): boolean {
  if (error instanceof ApiError && error.kind === 'unauthenticated') {
    signOut(error.message);
    return true;
  }
  if (error instanceof ApiError && error.kind === 'session') {
    dropSession();
    showStart(error.message);
    return true;
  }
  mark(step, 'error');
  return false;
}

// Sign-in

function showSignIn(message?: string): void {
  const input = h('textarea', { id: 'token', rows: '3', 'data-testid': 'token-input', placeholder: '粘贴窗口人员（WINDOW_STAFF）的令牌', autocomplete: 'off', spellcheck: 'false' });
  const signIn = (token: string) => {
    state.token = token.trim().replace(/^Bearer\s+/i, '');
    if (!state.token) return showSignIn('请先输入令牌。');
    stored.set(TOKEN_KEY, state.token);
    showStart();
  };
  show(
    'signin',
    h(
      'form',
      { class: 'card narrow', onsubmit: (e: Event) => (e.preventDefault(), signIn(input.value)) },
      h('h2', {}, '窗口人员登录'),
      h('p', { class: 'muted' }, '令牌仅保存在本浏览器标签页，关闭即清除。帮办须经群众授权：手机授权码，或现场核验身份证。'),
      h('label', { for: 'token' }, '访问令牌'),
      input,
      message ? h('p', { class: 'error', role: 'alert', 'data-testid': 'signin-error' }, message) : null,
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'signin' }, '登录'),
      config.demoStaff.length
        ? h(
            'div',
            { class: 'demo' },
            h('p', { class: 'muted' }, '演示环境：'),
            ...config.demoStaff.map((s) =>
              h('button', { type: 'button', class: 'secondary', 'data-testid': `demo-${s.staffId}`, onclick: () => signIn(s.token) }, `${s.name}（${s.hall}）`),
            ),
          )
        : null,
    ),
  );
}

function signOut(message?: string): void {
  state.token = '';
  stored.set(TOKEN_KEY, '');
  dropSession();
  showSignIn(message);
}

// Consent: a code from the phone, or an ID card checked at the desk

function dropSession(): void {
  state.session = null;
  stored.set(SESSION_KEY, '');
  state.work = freshWork();
}

function problemsByField(error: unknown): Map<string, string> {
  const texts = new Map<string, string>();
  const words: Record<string, string> = {
    ASSISTANCE_CODE_UNKNOWN: '授权码不正确，请群众在手机上重新生成。',
    ASSISTANCE_CODE_USED: '授权码已使用过，请群众在手机上重新生成。',
    ASSISTANCE_CODE_EXPIRED: '授权码已过期（10 分钟内有效），请群众重新生成。',
    ID_CARD_NOT_VERIFIED: '请先核验申请人身份证原件，并勾选确认。',
  };
  if (error instanceof ApiError) for (const p of error.problems) texts.set(p.field.replace(/^inPerson\./, ''), words[p.code] ?? p.message);
  return texts;
}

async function showStart(message?: string): Promise<void> {
  mark('start', 'loading');
  let topics: Array<{ code: string; name: string; readiness: { guidable: boolean } | null }> = [];
  try {
    topics = (await api.graphql<{ topics: typeof topics }>('WindowTopics', { region: config.region }, { token: state.token })).topics;
  } catch (error) {
    if (handled(error, 'start')) return;
  }
  const code = h('input', { id: 'code', inputmode: 'numeric', maxlength: '64', autocomplete: 'off', 'data-testid': 'code', placeholder: '6 位数字，或扫码所得内容' });
  const idNumber = h('input', { id: 'idNumber', maxlength: '18', autocomplete: 'off', 'data-testid': 'id-number' });
  const name = h('input', { id: 'name', maxlength: '50', autocomplete: 'off', 'data-testid': 'name' });
  const topic = h(
    'select',
    { id: 'topic', 'data-testid': 'topic' },
    ...topics.filter((t) => t.readiness?.guidable !== false).map((t) => h('option', { value: t.code }, t.name)),
  );
  const verified = h('input', { type: 'checkbox', id: 'verified', 'data-testid': 'id-card-verified' });
  const codeError = h('p', { class: 'error', role: 'alert', 'data-testid': 'code-error', hidden: true });
  const personError = h('p', { class: 'error', role: 'alert', 'data-testid': 'in-person-error', hidden: true });
  const begin = async (variables: Record<string, unknown>, line: HTMLElement) => {
    mark('start', 'loading');
    line.hidden = true;
    try {
      const { startAssistance } = await api.graphql<{ startAssistance: AssistanceSession }>('StartAssistance', variables, { token: state.token });
      state.session = startAssistance;
      state.work = freshWork();
      stored.set(SESSION_KEY, JSON.stringify(startAssistance));
      await guide();
    } catch (error) {
      if (handled(error, 'start')) return;
      const texts = problemsByField(error);
      line.textContent = texts.size ? [...texts.values()].join(' ') : error instanceof Error ? error.message : String(error);
      line.hidden = false;
    }
  };
  show(
    'start',
    message ? h('p', { class: 'notice', 'data-testid': 'start-message' }, message) : null,
    h(
      'div',
      { class: 'columns' },
      h(
        'form',
        { class: 'card', onsubmit: (e: Event) => (e.preventDefault(), void begin({ code: code.value.trim() }, codeError)) },
        h('h2', {}, '方式一：群众手机授权码'),
        h('p', { class: 'muted' }, '群众在手机上登录后为一个主题生成授权码（10 分钟内有效，只能使用一次）。'),
        h('label', { for: 'code' }, '授权码'),
        code,
        codeError,
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'redeem' }, '开始帮办'),
      ),
      h(
        'form',
        { class: 'card', onsubmit: (e: Event) => (e.preventDefault(), void begin({ inPerson: { idNumber: idNumber.value.trim(), name: name.value.trim(), idCardVerified: verified.checked, topicCode: topic.value } }, personError)) },
        h('h2', {}, '方式二：现场核验身份证'),
        h('p', { class: 'muted' }, '核验申请人身份证原件后办理；将记录为现场核验，申请人事后可在个人记录中看到。'),
        h('label', { for: 'name' }, '姓名'),
        name,
        h('label', { for: 'idNumber' }, '身份证号码'),
        idNumber,
        h('label', { for: 'topic' }, '办理主题'),
        topic,
        h('label', { class: 'check', for: 'verified' }, verified, '已核验身份证原件，人证一致'),
        personError,
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'start-in-person' }, '开始帮办'),
      ),
    ),
  );
}

async function endSession(): Promise<void> {
  const session = state.session;
  if (!session) return;
  mark(document.body.dataset.step as Step, 'loading');
  try {
    await api.graphql('EndAssistance', { sessionId: session.id }, { token: state.token });
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthenticated') return signOut(error.message);
    // Ended or expired already: either way the session is over.
  }
  dropSession();
  await showStart(`已结束对 ${session.applicantName} 的帮办。`);
}

// Guidance questions, one at a time

async function plan(step: Step, withForm: boolean): Promise<PlannedTopic | null> {
  mark(step, 'loading');
  const w = state.work;
  const answers = [...w.answers].map(([questionId, values]) => ({ questionId, values }));
  const form = withForm ? [...w.form].filter(([, value]) => value !== '').map(([key, value]) => ({ key, value })) : undefined;
  const { topic } = await api.graphql<{ topic: PlannedTopic | null }>('WindowPlan', { code: state.session!.topicCode, answers, form }, credentials());
  if (!topic) throw new ApiError('该主题暂未发布。', 'other');
  w.planned = topic;
  for (const field of topic.plan.form) if (field.prefill && !w.form.has(field.key)) w.form.set(field.key, field.prefill.value);
  return topic;
}

async function guide(problems: readonly Problem[] = []): Promise<void> {
  let planned: PlannedTopic | null;
  try {
    planned = await plan('guide', false);
  } catch (error) {
    if (handled(error, 'guide')) return;
    return show('guide', errorLine(error));
  }
  const next = planned!.plan.questions.find((q) => !state.work.asked.has(q.id) && !q.answered);
  if (!next && planned!.plan.complete) return showPlan();
  const answered = planned!.plan.questions.filter((q) => state.work.answers.has(q.id));
  show(
    'guide',
    h(
      'section',
      { class: 'card' },
      h('h2', {}, `情形引导 · ${planned!.name}`),
      answered.length
        ? h('ol', { class: 'answered', 'data-testid': 'answered' }, ...answered.map((q) => h('li', {}, h('span', { class: 'muted' }, q.text), ' ', h('strong', {}, answerLabel(q)))))
        : null,
      next ? questionForm(next, problems) : h('p', { class: 'error' }, '还有必答问题未回答。'),
    ),
  );
}

function answerLabel(q: PlanQuestion): string {
  const values = state.work.answers.get(q.id) ?? [];
  if (q.type === 'BOOLEAN') return values[0] === 'true' ? '是' : '否';
  if (q.options) return values.map((v) => q.options!.find((o) => o.value === v)?.label ?? v).join('、') || '（无）';
  return values.join('、');
}

function questionForm(q: PlanQuestion, problems: readonly Problem[]): HTMLElement {
  const inputs: HTMLInputElement[] = [];
  const choice = (type: 'radio' | 'checkbox', value: string, label: string) => {
    const input = h('input', { type, name: q.id, value });
    inputs.push(input);
    return h('label', { class: 'option', 'data-testid': `option-${value}` }, input, label);
  };
  let body: HTMLElement;
  if (q.type === 'BOOLEAN') body = h('div', { class: 'options' }, choice('radio', 'true', '是'), choice('radio', 'false', '否'));
  else if (q.type === 'NUMBER') {
    const input = h('input', { type: 'number', name: q.id, min: q.min === null ? undefined : String(q.min), max: q.max === null ? undefined : String(q.max), 'data-testid': 'number' });
    inputs.push(input);
    body = h('div', { class: 'options' }, input);
  } else body = h('div', { class: 'options' }, ...(q.options ?? []).map((o) => choice(q.type === 'MULTI' ? 'checkbox' : 'radio', o.value, o.label)));
  const problem = problems.find((p) => p.field === `answers.${q.id}` || p.field === q.id);
  const error = h('p', { class: 'error', role: 'alert', hidden: !problem }, problem ? explainProblem(problem, () => q.text) : '');
  const submit = (event: Event) => {
    event.preventDefault();
    const values = q.type === 'NUMBER' ? [inputs[0]!.value.trim()].filter(Boolean) : inputs.filter((i) => i.checked).map((i) => i.value);
    if (values.length === 0 && q.required && q.type !== 'MULTI') {
      error.textContent = `请回答「${q.text}」`;
      error.hidden = false;
      return;
    }
    state.work.asked.add(q.id);
    if (values.length || q.type === 'MULTI') state.work.answers.set(q.id, values);
    void guide().catch(() => undefined);
  };
  return h(
    'form',
    { class: 'question', 'data-testid': 'question', 'data-question': q.id, onsubmit: submit },
    h('h3', {}, q.text, q.required ? '' : h('span', { class: 'muted' }, '（选答）')),
    body,
    error,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'next' }, '下一步'),
  );
}

// The plan: matters, materials (and why some are not needed), the form, the scans

function materialsToHandIn(materials: PlanMaterial[]): PlanMaterial[] {
  return materials.filter((m) => !m.exemption);
}

async function showPlan(problems: readonly Problem[] = [], message?: string): Promise<void> {
  const planned = state.work.planned!;
  const p = planned.plan;
  const matterName = (code: string) => p.matters.find((m) => m.code === code)?.name ?? code;
  const describe = (field: string) => {
    const key = field.replace(/^(form|uploads|deferredMaterials)\.?/, '');
    return p.form.find((f) => f.key === key)?.label ?? p.materials.find((m) => m.code === key)?.name ?? field;
  };
  const problemOf = (key: string) => problems.find((pr) => pr.field.endsWith(key));
  const handIn = materialsToHandIn(p.materials);
  const exempt = p.materials.filter((m) => m.exemption);
  show(
    'plan',
    h(
      'section',
      { class: 'card' },
      h('h2', {}, `办理方案 · ${planned.name}`),
      h(
        'p',
        { class: 'summary', 'data-testid': 'summary' },
        `共 ${p.summary.matterCount} 个事项，材料由 ${p.summary.materialsBefore} 份减为 ${p.summary.materialsToSubmit} 份，承诺 ${p.summary.committedDays} 个工作日办结，跑动 ${p.summary.visits} 次。`,
      ),
      h(
        'ol',
        { class: 'matters', 'data-testid': 'matters' },
        ...p.matters.map((m) =>
          h(
            'li',
            {},
            h('strong', {}, m.name),
            ` · ${m.department?.name ?? '—'} · 承诺 ${m.committedDays ?? '—'} 个工作日`,
            m.dependsOn.length ? h('span', { class: 'muted' }, `（待「${m.dependsOn.map((d) => matterName(d.code)).join('」「')}」办结后办理）`) : '',
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, '需提交的材料（扫描纸质材料上传）'),
      h('ul', { class: 'materials', 'data-testid': 'materials-to-hand-in' }, ...handIn.map((m) => materialRow(m, problemOf(m.code), describe))),
      h('h2', {}, '无需提交的材料'),
      exempt.length
        ? h(
            'ul',
            { class: 'materials', 'data-testid': 'materials-exempt' },
            ...exempt.map((m) => {
              const why = explainExemption(m.exemption!, matterName);
              return h('li', {}, h('strong', {}, m.name), ' ', tag(why.title, 'good'), h('div', { class: 'muted' }, why.detail));
            }),
          )
        : h('p', { class: 'muted' }, '无。'),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, '申请表'),
      h('div', { class: 'form-grid', 'data-testid': 'form' }, ...p.form.map((f) => formField(f, problemOf(f.key), describe))),
      h(
        'button',
        { type: 'button', class: 'secondary', 'data-testid': 'recheck', onclick: () => void recheck() },
        '按申请表核对材料',
      ),
    ),
    h(
      'section',
      { class: 'card actions' },
      h(
        'label',
        {},
        '送达方式 ',
        h(
          'select',
          { 'data-testid': 'delivery', onchange: (e: Event) => (state.work.deliveryMethod = (e.target as HTMLSelectElement).value) },
          ...[['WINDOW', '窗口领取'], ['POST', '邮寄送达'], ['ONLINE', '网上送达（电子证照）']].map(([value, label]) =>
            h('option', { value: value!, selected: state.work.deliveryMethod === value }, label!),
          ),
        ),
      ),
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'print-notice', onclick: () => void openPdf(p.notice.url, 'notice') }, '打印一次告知单'),
      h('button', { type: 'button', class: 'primary', 'data-testid': 'submit', onclick: () => void submit() }, '提交申请'),
      h('p', { class: 'muted', 'data-testid': 'pdf-notice', hidden: true }),
      message ? h('p', { class: 'error', role: 'alert', 'data-testid': 'submit-error' }, message) : null,
      problems.length
        ? h('ul', { class: 'error', 'data-testid': 'problems' }, ...problems.map((pr) => h('li', {}, explainProblem(pr, describe))))
        : null,
    ),
  );
}

function materialRow(m: PlanMaterial, problem: Problem | undefined, describe: (field: string) => string): HTMLElement {
  const w = state.work;
  const uploaded = w.uploads.get(m.code);
  const status = h('span', { class: 'muted', 'data-testid': `upload-status-${m.code}` }, uploaded ? `已上传：${uploaded.fileName}` : '未上传');
  const file = h('input', { type: 'file', accept: '.pdf,.ofd,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'data-testid': `file-${m.code}` });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    status.textContent = '正在上传…';
    mark('plan', 'loading');
    api.upload(chosen, credentials()).then(
      (fileRef) => {
        w.uploads.set(m.code, { fileRef, fileName: chosen.name });
        w.deferred.delete(m.code);
        status.textContent = `已上传：${chosen.name}`;
        mark('plan', 'ready');
      },
      (error: unknown) => {
        if (handled(error, 'plan')) return;
        status.textContent = error instanceof Error ? error.message : String(error);
      },
    );
  });
  const defer = m.tolerant
    ? h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          'data-testid': `defer-${m.code}`,
          checked: w.deferred.has(m.code),
          onchange: (e: Event) => ((e.target as HTMLInputElement).checked ? w.deferred.add(m.code) : w.deferred.delete(m.code)),
        }),
        '容缺后补',
      )
    : null;
  return h(
    'li',
    { 'data-material': m.code },
    h('strong', {}, m.name),
    ' ',
    tag(m.required ? '必交' : '选交', m.required ? 'warn' : 'neutral'),
    m.tolerant ? tag('可容缺', 'info') : '',
    h('div', { class: 'upload' }, file, status, defer),
    problem ? h('p', { class: 'error' }, explainProblem(problem, describe)) : null,
  );
}

function formField(f: PlanFormField, problem: Problem | undefined, describe: (field: string) => string): HTMLElement {
  const w = state.work;
  const value = w.form.get(f.key) ?? '';
  const locked = f.prefill?.source === 'IDENTITY';
  const onInput = (e: Event) => w.form.set(f.key, (e.target as HTMLInputElement).value);
  const input =
    f.type === 'ENUM' || f.type === 'BOOLEAN'
      ? h(
          'select',
          { 'data-testid': `field-${f.key}`, onchange: onInput, disabled: locked },
          h('option', { value: '' }, '请选择'),
          ...(f.type === 'BOOLEAN' ? ['true', 'false'] : (f.options ?? [])).map((o) =>
            h('option', { value: o, selected: o === value }, f.type === 'BOOLEAN' ? (o === 'true' ? '是' : '否') : o),
          ),
        )
      : h('input', {
          type: f.type === 'DATE' ? 'date' : f.type === 'NUMBER' ? 'number' : 'text',
          value,
          maxlength: f.maxLength ? String(f.maxLength) : undefined,
          readonly: locked,
          'data-testid': `field-${f.key}`,
          oninput: onInput,
        });
  return h(
    'label',
    { class: 'field' },
    h('span', {}, f.label, f.required ? h('span', { class: 'required' }, ' *') : ''),
    input,
    f.prefill ? h('span', { class: 'muted' }, `来源：${PREFILL_SOURCE[f.prefill.source] ?? f.prefill.source}`) : null,
    problem ? h('span', { class: 'error' }, explainProblem(problem, describe)) : null,
  );
}

async function recheck(): Promise<void> {
  try {
    await plan('plan', true);
    await showPlan();
  } catch (error) {
    if (handled(error, 'plan')) return;
    await showPlan(error instanceof ApiError ? error.problems : [], error instanceof Error ? error.message : String(error));
  }
}

async function submit(): Promise<void> {
  const w = state.work;
  const p = w.planned!.plan;
  mark('plan', 'loading');
  const input = {
    topicCode: state.session!.topicCode,
    answers: [...w.answers].map(([questionId, values]) => ({ questionId, values })),
    form: [...w.form].filter(([, value]) => value !== '').map(([key, value]) => ({ key, value })),
    uploads: materialsToHandIn(p.materials)
      .filter((m) => w.uploads.has(m.code))
      .map((m) => ({ materialCode: m.code, fileRef: w.uploads.get(m.code)!.fileRef })),
    deferredMaterials: [...w.deferred],
    deliveryMethod: w.deliveryMethod,
    idempotencyKey: w.idempotencyKey,
  };
  try {
    const { submitApplication } = await api.graphql<{ submitApplication: { application: SubmittedApplication } }>('WindowSubmit', { input }, credentials());
    w.application = submitApplication.application;
    const { application } = await api.graphql<{ application: { receipt: Receipt | null } | null }>('WindowReceipt', { id: w.application.id }, credentials());
    w.receipt = application?.receipt ?? null;
    showDone();
  } catch (error) {
    if (handled(error, 'plan')) return;
    await showPlan(error instanceof ApiError ? error.problems : [], error instanceof Error ? error.message : String(error));
  }
}

// Submitted: the application, the receipt, the notice

function showDone(): void {
  const w = state.work;
  const a = w.application!;
  const r = w.receipt;
  show(
    'done',
    h(
      'section',
      { class: 'card' },
      h('h2', {}, '申请已受理'),
      h(
        'dl',
        { class: 'facts', 'data-testid': 'application' },
        h('dt', {}, '受理编号'),
        h('dd', { 'data-testid': 'reference' }, r?.reference ?? a.id),
        h('dt', {}, '状态'),
        h('dd', {}, APPLICATION_STATUS[a.status] ?? a.status),
        h('dt', {}, '受理渠道'),
        h('dd', { 'data-testid': 'channel' }, a.channel === 'WINDOW' ? '窗口' : a.channel),
        h('dt', {}, '帮办人员'),
        h('dd', { 'data-testid': 'assisted-by' }, a.assistedBy ? `${a.assistedBy.staffId}（${a.assistedBy.hall}，${CONSENT[a.assistedBy.consent] ?? a.assistedBy.consent}）` : '—'),
        h('dt', {}, '核验码'),
        h('dd', { 'data-testid': 'verification-code' }, r?.verificationCode ?? '—'),
        h('dt', {}, '承诺办结'),
        h('dd', { 'data-testid': 'due-date' }, r ? `${r.committedDays} 个工作日，${r.dueDate} 前` : '—'),
      ),
      h(
        'ul',
        { class: 'cases', 'data-testid': 'cases' },
        ...a.cases.map((c) => h('li', {}, h('strong', {}, c.matter.name), ` · ${c.department?.name ?? '—'} `, tag(CASE_STATUS[c.status] ?? c.status, caseTone(c.status)))),
      ),
    ),
    h(
      'section',
      { class: 'card actions' },
      r ? h('button', { type: 'button', class: 'primary', 'data-testid': 'print-receipt', onclick: () => void openPdf(r.url, 'receipt') }, '打印受理回执') : null,
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'print-notice', onclick: () => void openPdf(w.planned!.plan.notice.url, 'notice') }, '打印一次告知单'),
      h('p', { class: 'muted', 'data-testid': 'pdf-notice', hidden: true }),
    ),
  );
}

const DOCUMENT_NAMES = { notice: '一次告知单', receipt: '受理回执' } as const;

/** Opens a PDF the gateway prints in a new tab; a plain link could not carry the session's headers. */
async function openPdf(url: string, kind: keyof typeof DOCUMENT_NAMES): Promise<void> {
  const step = document.body.dataset.step as Step;
  const line = app.querySelector<HTMLElement>('[data-testid=pdf-notice]');
  mark(step, 'loading');
  try {
    const blob = await api.pdf(url, credentials());
    const link = h('a', { href: URL.createObjectURL(blob), target: '_blank', rel: 'noopener' });
    document.body.append(link);
    link.click();
    link.remove();
    if (line) {
      line.textContent = `已打开${DOCUMENT_NAMES[kind]}（PDF，${Math.max(1, Math.round(blob.size / 1024))} KB），请在新标签页中打印。`;
      line.hidden = false;
    }
    mark(step, 'ready');
  } catch (error) {
    if (handled(error, step)) return;
    if (line) {
      line.textContent = error instanceof Error ? error.message : String(error);
      line.hidden = false;
    }
  }
}

if (!state.token) showSignIn();
else if (state.session) void guide();
else void showStart();
