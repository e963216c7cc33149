/**
 * 一件事 · 网上办事: the reference citizen page.
 *
 * One topic from start to end with the contract's operations only: the
 * catalogue (TopicCatalog), the guide (TopicGuide), one SituationPlan after
 * every answer (the plan says which questions are visible next), the merged
 * materials with their exemptions, sign-in with a bearer token (kept in
 * sessionStorage only), the prefilled form, uploads to POST /uploads,
 * SubmitApplication and ApplicationStatus. The application's id is kept in
 * the address (#/applications/<id>), so the status survives a reload.
 */
import './style.css';
import { ApiError, createApi } from './api.ts';
import { h, tag, type Child } from './dom.ts';
import {
  APPLICATION_STATUS,
  CASE_STATUS,
  DELIVERY_METHOD,
  FINAL_APPLICATION_STATUSES,
  PREFILL_SOURCE,
  PROVISION,
  caseTone,
  chinaDateTime,
  explainExemption,
  explainProblem,
} from './labels.ts';
import type {
  Application,
  CitizenConfig,
  DeliveryMethod,
  Plan,
  PlanFormField,
  PlanMaterial,
  PlanQuestion,
  Problem,
  TopicGuide,
  TopicSummary,
} from './types.ts';

const config = JSON.parse(document.getElementById('citizen-config')!.textContent ?? '{}') as CitizenConfig;
const api = createApi(config);
const app = document.getElementById('app')!;
const TOKEN_KEY = 'one-thing-gateway.citizen.token';
/** How often the status is read again while the application is not finished. */
const STATUS_REFRESH_MS = 4000;

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

/** The name in the token, for the header only (the gateway verifies the token, not the page). */
function nameInToken(token: string): string | null {
  try {
    const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { name?: unknown };
    return typeof claims.name === 'string' ? claims.name : null;
  } catch {
    return null;
  }
}

/** An idempotency key; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `citizen-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

type Step = 'topics' | 'questions' | 'materials' | 'signin' | 'form' | 'uploads' | 'status';

const STEPS: ReadonlyArray<[Step, string]> = [
  ['topics', '选择事项'],
  ['questions', '情形引导'],
  ['materials', '材料清单'],
  ['signin', '登录'],
  ['form', '填写表单'],
  ['uploads', '上传提交'],
  ['status', '办理进度'],
];

interface Upload {
  fileRef: string;
  fileName: string;
  size: number;
}

const state = {
  topicCode: '',
  topic: null as TopicGuide | null,
  plan: null as Plan | null,
  /** Upstreams whose look-ups failed for the current plan. */
  planWarnings: [] as string[],
  answers: new Map<string, string[]>(),
  /** Questions the citizen went past, in order (an optional one may be left unanswered). */
  confirmed: [] as string[],
  form: new Map<string, string>(),
  uploads: new Map<string, Upload>(),
  deferred: new Set<string>(),
  deliveryMethod: 'ONLINE' as DeliveryMethod,
  /** Kept across retries of one submission, so that a retry after a lost answer cannot submit twice. */
  idempotencyKey: null as string | null,
};

/** Incremented by every view, so that an answer arriving for a view that was left is dropped. */
let viewId = 0;

function setBusy(busy: boolean): void {
  document.body.dataset.state = busy ? 'loading' : 'ready';
}

function header(): HTMLElement {
  const token = session.token;
  const name = token ? (nameInToken(token) ?? '已登录') : null;
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('div', { class: 'logo', 'aria-hidden': 'true' }, '办'), h('div', {}, h('h1', {}, '一件事 · 网上办事'), h('p', { class: 'subtitle' }, '一次告知 · 一表申请 · 一网通办'))),
    name
      ? h(
          'div',
          { class: 'session' },
          h('span', { class: 'who', 'data-testid': 'signed-in-as' }, name),
          h('button', { type: 'button', class: 'link light', 'data-testid': 'sign-out', onclick: () => signOut() }, '退出'),
        )
      : null,
  );
}

function stepper(step: Step): HTMLElement {
  const index = STEPS.findIndex(([s]) => s === step);
  return h(
    'nav',
    { class: 'stepper', 'aria-label': '办理步骤' },
    h('span', { class: 'step-count', 'data-testid': 'step' }, `第 ${index + 1} 步 / 共 ${STEPS.length} 步 · ${STEPS[index]![1]}`),
    h('ol', {}, ...STEPS.map(([s, label], i) => h('li', { class: i < index ? 'done' : i === index ? 'current' : '' }, label))),
  );
}

function show(step: Step, ...content: Child[]): number {
  viewId += 1;
  document.body.dataset.step = step;
  app.replaceChildren(header(), stepper(step), h('main', { class: 'page' }, ...content));
  window.scrollTo(0, 0);
  return viewId;
}

function card(...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, ...children);
}

function errorBox(message: string, problems: readonly string[] = [], requestId: string | null = null): HTMLElement {
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-testid': 'error' },
    h('p', {}, message),
    problems.length ? h('ul', {}, ...problems.map((p) => h('li', {}, p))) : null,
    requestId ? h('p', { class: 'muted small' }, `请求编号 ${requestId}`) : null,
  );
}

function failureView(error: unknown, retry: () => void): void {
  if (error instanceof ApiError && error.kind === 'unauthenticated') {
    session.token = '';
    return showSignIn(error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  show(
    'topics',
    card(
      errorBox(message, [], error instanceof ApiError ? error.requestId : null),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: retry }, '重试')),
    ),
  );
  document.body.dataset.state = 'error';
}

function signOut(): void {
  session.token = '';
  state.form.clear();
  state.uploads.clear();
  state.deferred.clear();
  location.hash = '';
  void showTopics();
}

async function showTopics(): Promise<void> {
  setBusy(true);
  let topics: TopicSummary[];
  try {
    topics = (await api.graphql<{ topics: TopicSummary[] }>('TopicCatalog', { region: config.region }, null)).data.topics;
  } catch (error) {
    return failureView(error, () => void showTopics());
  }
  show(
    'topics',
    h('h2', { class: 'page-title' }, '选择要办的一件事'),
    h('p', { class: 'muted' }, '一件事，一次办：回答几个问题，即可知道要办哪些事项、需要哪些材料。'),
    h(
      'ul',
      { class: 'topics', 'data-testid': 'topics' },
      ...topics.map((topic) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'topic',
              'data-testid': `topic-${topic.code}`,
              disabled: !topic.readiness.guidable,
              onclick: () => void chooseTopic(topic.code),
            },
            h('span', { class: 'topic-name' }, topic.name),
            h(
              'span',
              { class: 'topic-meta' },
              `${topic.leadDepartment?.name ?? ''} 牵头 · 涉及 ${topic.matterCount} 个事项`,
              topic.readiness.guidable ? (topic.readiness.onlineProcessable ? tag('可网办', 'good') : tag('可导办', 'info')) : tag('暂未开通', 'bad'),
            ),
          ),
        ),
      ),
    ),
  );
  setBusy(false);
}

async function chooseTopic(code: string): Promise<void> {
  state.answers.clear();
  state.confirmed = [];
  state.form.clear();
  state.uploads.clear();
  state.deferred.clear();
  state.idempotencyKey = null;
  state.topicCode = code;
  state.plan = null;
  setBusy(true);
  try {
    const [guide] = await Promise.all([api.graphql<{ topic: TopicGuide | null }>('TopicGuide', { code }, null), loadPlan()]);
    if (!guide.data.topic) throw new ApiError('该事项已下线或暂未发布。', 'other');
    state.topic = guide.data.topic;
  } catch (error) {
    return failureView(error, () => void chooseTopic(code));
  }
  showQuestion();
}

function answersInput(): Array<{ questionId: string; values: string[] }> {
  const visible = new Set((state.plan?.questions ?? []).map((q) => q.id));
  return [...state.answers]
    .filter(([id]) => !state.plan || visible.has(id))
    .map(([questionId, values]) => ({ questionId, values }));
}

function formInput(): Array<{ key: string; value: string }> {
  const keys = new Set((state.plan?.form ?? []).map((f) => f.key));
  return [...state.form].filter(([key, value]) => keys.has(key) && value.trim() !== '').map(([key, value]) => ({ key, value }));
}

/** Asks for the plan of the answers so far (and the form, once there is one); anonymous until signed in. */
async function loadPlan(): Promise<Plan> {
  const form = formInput();
  const { data, partialErrors } = await api.graphql<{ topic: { code: string; plan: Plan | null } | null }>(
    'SituationPlan',
    { code: state.topicCode, answers: answersInput(), ...(form.length ? { form } : {}) },
    session.token || null,
  );
  const plan = data.topic?.plan;
  if (!plan) throw new ApiError('该事项已下线或暂未发布。', 'other');
  state.plan = plan;
  state.planWarnings = [...new Set(partialErrors.map((e) => e.extensions?.upstream ?? '相关系统'))];
  // Answers to questions that are hidden now no longer count.
  const visible = new Set(plan.questions.map((q) => q.id));
  for (const id of [...state.answers.keys()]) if (!visible.has(id)) state.answers.delete(id);
  state.confirmed = state.confirmed.filter((id) => visible.has(id));
  return plan;
}

function nextQuestion(plan: Plan): PlanQuestion | undefined {
  return plan.questions.find((q) => !state.confirmed.includes(q.id)) ?? plan.questions.find((q) => q.required && !q.answered);
}

function questionInput(question: PlanQuestion, current: string[]): { element: HTMLElement; values: () => string[] } {
  const name = `q-${question.id}`;
  if (question.type === 'NUMBER') {
    const input = h('input', {
      id: name,
      type: 'number',
      inputmode: 'numeric',
      min: question.min === null ? undefined : String(question.min),
      max: question.max === null ? undefined : String(question.max),
      value: current[0] ?? '',
      'data-testid': 'answer-number',
    });
    const range =
      question.min !== null && question.max !== null ? `请输入 ${question.min}–${question.max} 之间的数` : question.min !== null ? `不小于 ${question.min}` : question.max !== null ? `不大于 ${question.max}` : '';
    return {
      element: h('div', { class: 'field' }, input, range ? h('p', { class: 'hint' }, range) : null),
      values: () => (input.value.trim() === '' ? [] : [input.value.trim()]),
    };
  }
  const options = question.type === 'BOOLEAN' ? [{ value: 'true', label: '是' }, { value: 'false', label: '否' }] : (question.options ?? []);
  const multi = question.type === 'MULTI';
  const inputs = options.map((option) => {
    const input = h('input', { type: multi ? 'checkbox' : 'radio', name, value: option.value, checked: current.includes(option.value) });
    return { input, label: h('label', { class: 'choice', 'data-testid': `option-${option.value}` }, input, h('span', {}, option.label)) };
  });
  return {
    element: h(
      'div',
      { class: 'choices', role: multi ? 'group' : 'radiogroup' },
      multi ? h('p', { class: 'hint' }, question.required ? '可多选' : '可多选，不需要可直接下一步') : null,
      ...inputs.map((i) => i.label),
    ),
    values: () => inputs.filter((i) => i.input.checked).map((i) => i.input.value),
  };
}

function showQuestion(problems: string[] = []): void {
  const plan = state.plan!;
  const question = nextQuestion(plan);
  if (!question) return showMaterials();
  const index = plan.questions.indexOf(question);
  const input = questionInput(question, state.answers.get(question.id) ?? []);
  const go = async (event: Event) => {
    event.preventDefault();
    const values = input.values();
    if (question.required && values.length === 0) return showQuestion(['请先回答这个问题。']);
    const previous = state.answers.get(question.id);
    if (values.length) state.answers.set(question.id, values);
    else state.answers.delete(question.id);
    setBusy(true);
    try {
      await loadPlan();
    } catch (error) {
      if (previous) state.answers.set(question.id, previous);
      else state.answers.delete(question.id);
      if (error instanceof ApiError && error.kind === 'input') {
        setBusy(false);
        return showQuestion(error.problems.map((p) => explainProblem(p, () => question.text)));
      }
      return failureView(error, () => showQuestion());
    }
    state.confirmed.push(question.id);
    showQuestion();
  };
  const back = () => {
    if (state.confirmed.length === 0) return void showTopics();
    state.confirmed.pop();
    showQuestion();
  };
  show(
    'questions',
    h('h2', { class: 'page-title' }, state.topic!.name),
    h(
      'form',
      { class: 'card question', onsubmit: go, novalidate: true, 'data-testid': 'question', 'data-question': question.id },
      h('p', { class: 'progress', 'data-testid': 'question-progress' }, `第 ${index + 1} 题，共 ${plan.questions.length} 题`),
      h('h3', { 'data-testid': 'question-text' }, question.text, question.required ? null : h('span', { class: 'muted' }, '（选答）')),
      input.element,
      problems.length ? errorBox('请检查您的回答：', problems) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: back, 'data-testid': 'back' }, state.confirmed.length ? '上一题' : '重新选择事项'),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'next' }, '下一步'),
      ),
    ),
    state.topic!.description ? h('p', { class: 'muted small' }, state.topic!.description) : null,
  );
  setBusy(false);
}

const matterName = (code: string) => state.topic?.matters.find((m) => m.code === code)?.name ?? state.plan?.matters.find((m) => m.code === code)?.name ?? code;

function summaryBand(plan: Plan): HTMLElement {
  const s = plan.summary;
  const item = (testId: string, value: string, label: string) =>
    h('div', { class: 'figure', 'data-testid': testId }, h('div', { class: 'figure-value' }, value), h('div', { class: 'figure-label' }, label));
  return h(
    'div',
    { class: 'figures' },
    item('summary-matters', `${s.matterCount} 项`, '一次办理的事项'),
    item('summary-materials', `${s.materialsBefore} → ${s.materialsToSubmit} 份`, '需提交材料'),
    item('summary-days', `${s.legalDaysTotal} → ${s.committedDays} 天`, '办理时限（工作日）'),
    item('summary-visits', s.visits === 0 ? '零跑动' : `${s.visits} 次`, '最多跑动'),
  );
}

function mattersList(plan: Plan): HTMLElement {
  return h(
    'ol',
    { class: 'matters', 'data-testid': 'matters' },
    ...plan.matters.map((m) =>
      h(
        'li',
        {},
        h('div', { class: 'strong' }, m.name),
        h(
          'div',
          { class: 'muted small' },
          `${m.department?.name ?? ''}${m.committedDays !== null ? ` · 承诺 ${m.committedDays} 个工作日` : ''}`,
          m.dependsOn.length ? ` · 在「${m.dependsOn.map((d) => matterName(d.code)).join('」「')}」之后办理` : '',
        ),
      ),
    ),
  );
}

function materialTags(m: PlanMaterial): HTMLElement {
  return h('span', { class: 'tags' }, m.required ? tag('必需', 'info') : tag('可选'), m.tolerant ? tag('可容缺后补', 'warn') : null);
}

function exemptList(materials: PlanMaterial[]): HTMLElement {
  return h(
    'ul',
    { class: 'materials exempt', 'data-testid': 'exempt-materials' },
    ...materials.map((m) => {
      const why = explainExemption(m.exemption!, matterName);
      return h(
        'li',
        { 'data-material': m.code },
        h('div', { class: 'material-head' }, h('span', { class: 'strong' }, m.name), tag(`免提交 · ${why.title}`, 'good')),
        h('p', { class: 'muted small' }, why.detail),
      );
    }),
  );
}

function warnings(): HTMLElement | null {
  if (!state.planWarnings.length) return null;
  return h('p', { class: 'notice warn', 'data-testid': 'plan-warning' }, '部分免提交信息暂时无法核验，相关材料请先按清单准备，稍后刷新可能减少。');
}

function showMaterials(): void {
  const plan = state.plan!;
  const signedIn = Boolean(session.token);
  const toHandIn = plan.materials.filter((m) => !m.exemption);
  const exempt = plan.materials.filter((m) => m.exemption);
  const next = () => (signedIn ? void startForm() : showSignIn());
  const back = () => {
    state.confirmed.pop();
    showQuestion();
  };
  show(
    'materials',
    h('h2', { class: 'page-title' }, `${state.topic!.name} · 办理清单`),
    summaryBand(plan),
    warnings(),
    card(h('h3', {}, `将一并办理 ${plan.matters.length} 个事项`), mattersList(plan)),
    card(
      h('h3', {}, `需要提交的材料（${toHandIn.length} 份）`),
      toHandIn.length
        ? h(
            'ul',
            { class: 'materials', 'data-testid': 'materials-to-submit' },
            ...toHandIn.map((m) => h('li', { 'data-material': m.code }, h('div', { class: 'material-head' }, h('span', { class: 'strong' }, m.name), materialTags(m)))),
          )
        : h('p', { class: 'muted' }, '无需提交任何材料。'),
    ),
    card(h('h3', {}, `无需提交的材料（${exempt.length} 份）`), exempt.length ? exemptList(exempt) : h('p', { class: 'muted' }, '暂无。')),
    signedIn ? null : h('p', { class: 'notice', 'data-testid': 'sign-in-hint' }, '登录后，系统将自动核验您的电子证照和共享数据，可免交更多材料，并为您自动填写申请表。'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: back, 'data-testid': 'back' }, '修改情形'),
      h('button', { type: 'button', class: 'primary', onclick: next, 'data-testid': 'next' }, signedIn ? '下一步：填写申请表' : '登录并办理'),
    ),
  );
  setBusy(false);
}

function showSignIn(message?: string): void {
  const input = h('textarea', {
    id: 'token',
    rows: '3',
    'data-testid': 'token-input',
    placeholder: '粘贴统一身份认证平台签发的令牌（Bearer Token）',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const submit = (event: Event) => {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return showSignIn('请先输入令牌。');
    void signIn(token);
  };
  show(
    'signin',
    h(
      'form',
      { class: 'card', onsubmit: submit },
      h('h2', {}, '登录'),
      h('p', { class: 'muted' }, '登录后才能提交申请。令牌只保存在本浏览器标签页（sessionStorage），关闭标签页即清除。'),
      h('label', { for: 'token' }, '身份令牌'),
      input,
      message ? errorBox(message) : null,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, '登录')),
    ),
    config.demoApplicants.length
      ? card(
          h('h3', {}, '沙箱演示账号'),
          h('p', { class: 'muted small' }, '仅在沙箱环境中提供，数据均为模拟数据。'),
          h(
            'ul',
            { class: 'demo-users', 'data-testid': 'demo-users' },
            ...config.demoApplicants.map((user) =>
              h(
                'li',
                {},
                h(
                  'button',
                  { type: 'button', class: 'demo-user', onclick: () => void signIn(user.token) },
                  h('span', { class: 'strong' }, user.name),
                  h('span', { class: 'muted small' }, user.subject),
                ),
              ),
            ),
          ),
        )
      : null,
  );
  setBusy(false);
  input.focus();
}

async function signIn(token: string): Promise<void> {
  session.token = token;
  const application = applicationInAddress();
  if (application) return showStatus(application);
  if (!state.plan) return showTopics();
  await startForm();
}

/** The personal plan: the prefilled values become the form the citizen checks. */
async function startForm(): Promise<void> {
  setBusy(true);
  try {
    const plan = await loadPlan();
    for (const field of plan.form) if (field.prefill && !state.form.has(field.key)) state.form.set(field.key, field.prefill.value);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthenticated') {
      session.token = '';
      return showSignIn('令牌无效或已过期，请重新登录。');
    }
    return failureView(error, () => void startForm());
  }
  showForm();
}

function fieldInput(field: PlanFormField): HTMLInputElement | HTMLSelectElement {
  const value = state.form.get(field.key) ?? '';
  const common = { id: `f-${field.key}`, name: field.key, 'data-testid': `field-${field.key}`, required: field.required };
  if (field.type === 'ENUM' || field.type === 'BOOLEAN') {
    const options = field.type === 'BOOLEAN' ? [['true', '是'], ['false', '否']] : (field.options ?? []).map((o) => [o, o]);
    return h('select', common, h('option', { value: '' }, '请选择'), ...options.map(([v, label]) => h('option', { value: v!, selected: v === value }, label!)));
  }
  const input = h('input', {
    ...common,
    type: field.type === 'DATE' ? 'date' : 'text',
    inputmode: field.type === 'NUMBER' ? 'decimal' : undefined,
    maxlength: field.maxLength === null ? undefined : String(field.maxLength),
    readonly: field.prefill?.source === 'IDENTITY',
    autocomplete: 'off',
  });
  input.value = value;
  return input;
}

function showForm(problems: readonly Problem[] = []): void {
  const plan = state.plan!;
  const problemOf = new Map(problems.map((p) => [p.field, p]));
  const inputs = plan.form.map((field) => ({ field, input: fieldInput(field) }));
  const next = async (event: Event) => {
    event.preventDefault();
    for (const { field, input } of inputs) state.form.set(field.key, input.value.trim());
    const missing = inputs
      .filter(({ field, input }) => field.required && input.value.trim() === '')
      .map(({ field }): Problem => ({ field: `form.${field.key}`, code: 'REQUIRED', message: '' }));
    if (missing.length) return showForm(missing);
    setBusy(true);
    try {
      await loadPlan();
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'input') return showForm(error.problems);
      return failureView(error, () => showForm());
    }
    showUploads();
  };
  const prefilled = plan.form.filter((f) => f.prefill).length;
  show(
    'form',
    h('h2', { class: 'page-title' }, '一表申请'),
    h('p', { class: 'muted', 'data-testid': 'prefill-note' }, prefilled ? `已为您自动填写 ${prefilled} 项，请核对后补充其余内容。` : '请填写申请信息。'),
    h(
      'form',
      { class: 'card form', onsubmit: next, novalidate: true, 'data-testid': 'form' },
      ...inputs.map(({ field, input }) => {
        const problem = problemOf.get(`form.${field.key}`);
        return h(
          'div',
          { class: `field${problem ? ' invalid' : ''}`, 'data-field': field.key },
          h('label', { for: input.id }, field.label, field.required ? h('span', { class: 'required', 'aria-label': '必填' }, ' *') : null),
          input,
          field.prefill ? h('p', { class: 'hint prefill', 'data-testid': `prefill-${field.key}` }, `已自动填写 · 来源：${PREFILL_SOURCE[field.prefill.source] ?? field.prefill.source}`) : null,
          problem ? h('p', { class: 'field-error', role: 'alert' }, explainProblem(problem, () => field.label)) : null,
        );
      }),
      problems.length ? errorBox(`还有 ${problems.length} 处需要修改，请按提示填写。`) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => showMaterials(), 'data-testid': 'back' }, '上一步'),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'next' }, '下一步：上传材料'),
      ),
    ),
  );
  setBusy(false);
}

function describeField(field: string): string {
  const [kind, ...rest] = field.split('.');
  const key = rest.join('.');
  const plan = state.plan;
  if (kind === 'answers') return plan?.questions.find((q) => q.id === key)?.text ?? key;
  if (kind === 'form') return plan?.form.find((f) => f.key === key)?.label ?? key;
  if (kind === 'materials') return plan?.materials.find((m) => m.code === key)?.name ?? key;
  return field;
}

const kilobytes = (size: number) => (size < 1024 * 1024 ? `${Math.max(1, Math.round(size / 1024))} KB` : `${(size / 1024 / 1024).toFixed(1)} MB`);

function uploadRow(m: PlanMaterial, problem: Problem | undefined): HTMLElement {
  const status = h('p', { class: 'upload-status', 'data-testid': `upload-status-${m.code}` });
  const file = h('input', { type: 'file', id: `file-${m.code}`, accept: '.pdf,.ofd,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'data-testid': `file-${m.code}` });
  const defer = m.tolerant ? h('input', { type: 'checkbox', 'data-testid': `defer-${m.code}`, checked: state.deferred.has(m.code) }) : null;
  const refresh = () => {
    const uploaded = state.uploads.get(m.code);
    const deferred = state.deferred.has(m.code);
    if (uploaded || deferred) {
      row.classList.remove('invalid');
      row.querySelector('.field-error')?.remove();
      if (!app.querySelector('.uploads li.invalid')) app.querySelector('[data-testid="uploads"] [data-testid="error"]')?.remove();
    }
    file.disabled = deferred;
    status.className = `upload-status${uploaded || deferred ? ' done' : ''}`;
    status.textContent = deferred ? '已选择容缺后补：提交后请在规定时间内补交' : uploaded ? `已上传：${uploaded.fileName}（${kilobytes(uploaded.size)}）` : m.required ? '尚未上传' : '可选，不需要可不传';
  };
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    status.className = 'upload-status';
    status.textContent = '正在上传…';
    setBusy(true);
    api
      .upload(chosen, session.token)
      .then((answer) => {
        state.uploads.set(m.code, { fileRef: answer.fileRef, fileName: chosen.name, size: answer.size });
        refresh();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.kind === 'unauthenticated') {
          session.token = '';
          return showSignIn(error.message);
        }
        status.className = 'upload-status bad';
        status.textContent = error instanceof Error ? error.message : String(error);
      })
      .finally(() => setBusy(false));
  });
  defer?.addEventListener('change', () => {
    if (defer.checked) {
      state.deferred.add(m.code);
      state.uploads.delete(m.code);
      file.value = '';
    } else state.deferred.delete(m.code);
    refresh();
  });
  const row = h(
    'li',
    { class: problem ? 'invalid' : '', 'data-material': m.code },
    h('div', { class: 'material-head' }, h('span', { class: 'strong' }, m.name), materialTags(m)),
    h('p', { class: 'muted small' }, `用于：${m.requiredBy.map((r) => matterName(r.code)).join('、')}`),
    h('label', { class: 'file-button', for: file.id }, '选择文件', file),
    status,
    defer ? h('label', { class: 'choice inline' }, defer, h('span', {}, '暂不提供，承诺后补（容缺）')) : null,
    problem ? h('p', { class: 'field-error', role: 'alert' }, explainProblem(problem, describeField)) : null,
  );
  refresh();
  return row;
}

function showUploads(problems: readonly Problem[] = [], message?: string, requestId: string | null = null): void {
  const plan = state.plan!;
  const toHandIn = plan.materials.filter((m) => !m.exemption);
  const exempt = plan.materials.filter((m) => m.exemption);
  const codes = new Set(toHandIn.map((m) => m.code));
  for (const code of [...state.uploads.keys()]) if (!codes.has(code)) state.uploads.delete(code);
  for (const code of [...state.deferred]) if (!codes.has(code)) state.deferred.delete(code);
  const problemOf = new Map(problems.map((p) => [p.field, p]));
  const methods = (Object.keys(DELIVERY_METHOD) as DeliveryMethod[]).map((method) => {
    const input = h('input', { type: 'radio', name: 'delivery', value: method, checked: state.deliveryMethod === method });
    input.addEventListener('change', () => (state.deliveryMethod = method));
    return h('label', { class: 'choice', 'data-testid': `delivery-${method}` }, input, h('span', {}, DELIVERY_METHOD[method]!));
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    const missing = toHandIn
      .filter((m) => m.required && !state.uploads.has(m.code) && !state.deferred.has(m.code))
      .map((m): Problem => ({ field: `materials.${m.code}`, code: 'MISSING_MATERIAL', message: '' }));
    if (missing.length) return showUploads(missing, `还有 ${missing.length} 份材料未上传。`);
    await submitApplication();
  };
  show(
    'uploads',
    h('h2', { class: 'page-title' }, '上传材料并提交'),
    summaryBand(plan),
    warnings(),
    h(
      'form',
      { class: 'card', onsubmit: submit, 'data-testid': 'uploads' },
      h('h3', {}, `需要提交的材料（${toHandIn.length} 份）`),
      h('p', { class: 'muted small' }, '支持 PDF、OFD、JPG、PNG 格式。'),
      h('ul', { class: 'materials uploads' }, ...toHandIn.map((m) => uploadRow(m, problemOf.get(`materials.${m.code}`)))),
      h('h3', {}, '办结结果送达方式'),
      h('div', { class: 'choices', role: 'radiogroup' }, ...methods),
      message || problems.length
        ? errorBox(
            message ?? '提交未成功，请按提示修改：',
            problems.filter((p) => !p.field.startsWith('materials.') || !codes.has(p.field.slice('materials.'.length))).map((p) => explainProblem(p, describeField)),
            requestId,
          )
        : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => showForm(), 'data-testid': 'back' }, '上一步'),
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'submit' }, '提交申请'),
      ),
    ),
    card(h('h3', {}, `无需提交的材料（${exempt.length} 份）`), exempt.length ? exemptList(exempt) : h('p', { class: 'muted' }, '暂无。')),
  );
  setBusy(false);
}

async function submitApplication(): Promise<void> {
  state.idempotencyKey ??= newIdempotencyKey();
  const input = {
    topicCode: state.topicCode,
    answers: answersInput(),
    form: formInput(),
    uploads: [...state.uploads].map(([materialCode, upload]) => ({ materialCode, fileRef: upload.fileRef })),
    deferredMaterials: [...state.deferred],
    deliveryMethod: state.deliveryMethod,
    idempotencyKey: state.idempotencyKey,
  };
  setBusy(true);
  let id: string;
  try {
    const { data } = await api.graphql<{ submitApplication: { application: { id: string } } }>('SubmitApplication', { input }, session.token);
    id = data.submitApplication.application.id;
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthenticated') {
      session.token = '';
      return showSignIn(error.message);
    }
    if (error instanceof ApiError) return showUploads(error.problems, error.kind === 'input' ? undefined : error.message, error.requestId);
    return showUploads([], String(error));
  }
  state.idempotencyKey = null;
  location.hash = `#/applications/${encodeURIComponent(id)}`;
  void showStatus(id);
}

/** A department asks for a material again (补正), or for a deferred one: the citizen uploads it right here. */
function supplementInput(application: Application, matterCode: string, materialCode: string): HTMLElement {
  const name = application.materials.find((m) => m.code === materialCode)?.name ?? materialCode;
  const status = h('p', { class: 'upload-status', 'data-testid': `supplement-status-${matterCode}-${materialCode}` });
  const file = h('input', { type: 'file', id: `supplement-${matterCode}-${materialCode}`, accept: '.pdf,.ofd,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'data-testid': `supplement-${matterCode}-${materialCode}` });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    status.className = 'upload-status';
    status.textContent = '正在提交补正材料…';
    setBusy(true);
    void (async () => {
      try {
        const { fileRef } = await api.upload(chosen, session.token);
        await api.graphql(
          'SupplementMaterials',
          { input: { applicationId: application.id, matterCode, uploads: [{ materialCode, fileRef }], idempotencyKey: newIdempotencyKey() } },
          session.token,
        );
      } catch (error) {
        if (error instanceof ApiError && error.kind === 'unauthenticated') {
          session.token = '';
          return showSignIn(error.message);
        }
        status.className = 'upload-status bad';
        status.textContent = error instanceof ApiError && error.kind === 'input' ? error.problems.map((p) => explainProblem(p, () => name)).join('；') || error.message : String(error instanceof Error ? error.message : error);
        return setBusy(false);
      }
      status.className = 'upload-status done';
      status.textContent = `已提交「${name}」，等待部门处理`;
      setBusy(false);
      await showStatus(application.id);
    })();
  });
  return h('div', { class: 'supplement' }, h('label', { class: 'file-button', for: file.id }, `上传「${name}」`, file), status);
}

function caseCard(c: Application['cases'][number], application: Application): HTMLElement {
  const certificate = c.result?.certificate;
  const materialName = (code: string) => application.materials.find((m) => m.code === code)?.name ?? code;
  return h(
    'li',
    { class: `case ${caseTone(c.status)}`, 'data-testid': `case-${c.matter.code}` },
    h('div', { class: 'material-head' }, h('span', { class: 'strong' }, c.matter.name), tag(CASE_STATUS[c.status] ?? c.status, caseTone(c.status), 'case-status')),
    h('p', { class: 'muted small' }, c.department?.name ?? ''),
    c.statusReason ? h('p', { class: 'small' }, `说明：${c.statusReason}`) : null,
    h(
      'p',
      { class: 'small' },
      c.decidedAt ? `办结时间：${chinaDateTime(c.decidedAt)}` : c.dueAt ? `承诺办结：${chinaDateTime(c.dueAt)} 前` : '',
      c.overdue ? tag('已超期', 'bad') : null,
    ),
    c.requestedMaterials.length ? h('p', { class: 'small warn-text' }, `需补正：${c.requestedMaterials.map(materialName).join('、')}`) : null,
    ...(c.status === 'SUPPLEMENT_REQUIRED' ? c.requestedMaterials.map((code) => supplementInput(application, c.matter.code, code)) : []),
    certificate ? h('p', { class: 'small good-text' }, `已生成电子证照：${certificate.typeName}（${certificate.number}）`) : null,
  );
}

/** The status on screen: a refresh that brings nothing new leaves the page as it is (a file being chosen stays chosen). */
let statusShown: { view: number; id: string; answer: string } | null = null;

async function showStatus(id: string): Promise<void> {
  if (!session.token) return showSignIn('查看办理进度需要先登录。');
  const refreshing = statusShown && statusShown.view === viewId && statusShown.id === id ? statusShown : null;
  if (!refreshing) setBusy(true);
  let application: Application | null;
  try {
    application = (await api.graphql<{ application: Application | null }>('ApplicationStatus', { id }, session.token)).data.application;
  } catch (error) {
    return failureView(error, () => void showStatus(id));
  }
  if (refreshing && refreshing.view === viewId && refreshing.answer === JSON.stringify(application)) {
    app.querySelector('[data-testid="refreshed"]')!.textContent = refreshedText(false);
    setBusy(false);
    return scheduleRefresh(id, viewId);
  }
  const anotherTopic = () => {
    location.hash = '';
    void showTopics();
  };
  if (!application) {
    show('status', card(errorBox('未找到该申请，或它不属于当前登录的账号。'), h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: anotherTopic }, '办理其他事项'))));
    return setBusy(false);
  }
  const final = FINAL_APPLICATION_STATUSES.has(application.status);
  const decided = application.cases.filter((c) => c.decidedAt).length;
  const statusTone = final ? (application.status === 'COMPLETED' ? 'good' : 'bad') : application.status === 'NEEDS_SUPPLEMENT' ? 'warn' : 'info';
  const view = show(
    'status',
    h('h2', { class: 'page-title' }, '办理进度'),
    card(
      h('div', { class: 'material-head' }, h('span', { class: 'strong big' }, application.topic.name), tag(APPLICATION_STATUS[application.status] ?? application.status, statusTone, 'application-status')),
      h('dl', { class: 'facts' },
        h('dt', {}, '申请编号'), h('dd', { 'data-testid': 'application-id' }, application.id),
        h('dt', {}, '提交时间'), h('dd', {}, chinaDateTime(application.submittedAt)),
        h('dt', {}, '送达方式'), h('dd', {}, DELIVERY_METHOD[application.deliveryMethod] ?? application.deliveryMethod),
        h('dt', {}, '办理进度'), h('dd', { 'data-testid': 'progress' }, `${decided} / ${application.cases.length} 个事项已办结`),
      ),
    ),
    card(h('h3', {}, '各部门办理情况'), h('ul', { class: 'cases', 'data-testid': 'cases' }, ...application.cases.map((c) => caseCard(c, application)))),
    card(
      h('h3', {}, '材料提供情况'),
      h(
        'ul',
        { class: 'materials', 'data-testid': 'application-materials' },
        ...application.materials.map((m) =>
          h('li', { 'data-material': m.code }, h('div', { class: 'material-head' }, h('span', {}, m.name), tag(PROVISION[m.provision] ?? m.provision, m.provision === 'DEFERRED' ? 'warn' : m.provision === 'UPLOADED' ? 'neutral' : 'good'))),
        ),
      ),
    ),
    h('p', { class: 'muted small', 'data-testid': 'refreshed' }, refreshedText(final)),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => void showStatus(id), 'data-testid': 'refresh' }, '刷新'),
      h('button', { type: 'button', class: 'primary', onclick: anotherTopic }, '办理其他事项'),
    ),
  );
  statusShown = { view, id, answer: JSON.stringify(application) };
  setBusy(false);
  if (!final) scheduleRefresh(id, view);
}

function refreshedText(final: boolean): string {
  return `更新于 ${chinaDateTime(new Date().toISOString())}${final ? '' : '，页面将自动刷新'}`;
}

function scheduleRefresh(id: string, view: number): void {
  setTimeout(() => {
    if (viewId === view) void showStatus(id);
  }, STATUS_REFRESH_MS);
}

function applicationInAddress(): string | null {
  const match = /^#\/applications\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

const application = applicationInAddress();
if (application) void showStatus(application);
else void showTopics();
