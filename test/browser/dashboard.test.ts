/**
 * The assessment dashboard end to end in headless Chromium: the real
 * gateway with the sandbox, one application submitted and decided so that
 * every figure has data, an evaluator logging in, the charts drawn from the
 * contract's AssessmentMetrics, and a screenshot in test-results/.
 */
import { statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, PDF, SERVICE_FIELDS, newbornAnswers, newbornForm } from '../support/newborn.ts';
import { HAVE_CHROMIUM, SKIP_REASON, openBrowser, type TestBrowser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the dashboard source', () => {
  it('type-checks as browser code (dashboard/tsconfig.json)', () => {
    // esbuild does not type-check; tsc does, with the DOM library the gateway's own tsconfig leaves out.
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'dashboard/tsconfig.json'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the assessment dashboard in Chromium', () => {
  let gateway: TestGateway;
  let browser: TestBrowser;
  let base: string;
  let exemptShare: number;
  let deliveredCases: number;

  beforeAll(async () => {
    gateway = await startTestGateway(
      {},
      {
        sandbox: { caseStepMs: 100 },
        services: {
          delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
          poller: { intervalMs: 100 },
        },
      },
    );
    base = gateway.gateway.url;
    ({ exemptShare, deliveredCases } = await submitAndWaitForDecisions(gateway));
    browser = await openBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('logs an evaluator in, draws the figures of the sandbox and keeps the token in sessionStorage only', async () => {
    const { page } = browser;
    await page.goto(`${base}/dashboard`);
    await page.getByRole('heading', { name: '评估人员登录' }).waitFor();
    await page.getByTestId('token-input').fill(gateway.tokenOf('EVALUATOR'));
    await page.getByTestId('login').click();
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });

    // Region and period: 440514, this year.
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    await expect(page.getByTestId('subtitle').textContent()).resolves.toBe(`区划 440514 · ${year}-01-01 至 ${year}-12-31`);

    // The headline figures: 6 published topics, 5 guidable (83.3 %), one application.
    await expect(page.getByTestId('kpi-topics').textContent()).resolves.toContain('6');
    await expect(page.getByTestId('kpi-guidable').textContent()).resolves.toContain('83.3%');
    await expect(page.getByTestId('kpi-online').textContent()).resolves.toContain('83.3%');
    await expect(page.getByTestId('kpi-applications').textContent()).resolves.toContain('1');
    expect(await page.getByTestId('kpi-guidable').getAttribute('class')).toContain('bad');

    // Every chart is drawn (SVG), with the topics' and departments' names in it.
    for (const chart of ['chart-rates', 'chart-readiness', 'chart-reduction', 'chart-departments', 'chart-ratings', 'chart-channels', 'chart-funnel', 'chart-trends']) {
      expect(await page.locator(`[data-testid="${chart}"] svg`).count(), chart).toBe(1);
    }
    const readiness = await page.getByTestId('chart-readiness').textContent();
    for (const name of ['新生儿出生一件事', '我要开餐馆', '身后一件事', '退休一件事', '我要开药店']) expect(readiness).toContain(name);
    expect(await page.getByTestId('chart-rates').textContent()).toContain('可网办率（目标 ≥ 95%）');
    expect(await page.getByTestId('chart-departments').textContent()).toContain('卫生健康局');
    expect(await page.getByTestId('chart-ratings').textContent()).toContain('非常不满意');

    // The failing topic and its problems, in Chinese words.
    const problems = (await page.getByTestId('problems').textContent())!;
    expect(problems).toContain('残疾人证办理及两项补贴申领');
    for (const words of ['名称不符合命名规范', '引用了不存在的事项', '缺少办事指南地址', '事项网办深度不足']) expect(problems).toContain(words);
    expect(problems).not.toContain('新生儿出生一件事');
    // 我要开餐馆 is guidable, but the city's asks for other materials and 潮阳区's for another form and time limit.
    expect(problems).toContain('我要开餐馆');
    for (const words of ['办理材料与市级不一致', '业务表单与其他区县不一致', '办理时限与其他区县不一致']) {
      expect(problems).toContain(words);
    }
    const topics = (await page.getByTestId('topics').textContent())!;
    expect(topics).toContain('CN-YJS-XSECS');

    // 免提交率 of the one application: its exempt materials over the materials it needed, as the application lists them.
    await expect(page.getByTestId('kpi-exempt').textContent()).resolves.toContain(`${(Math.round(exemptShare * 1000) / 10).toFixed(1)}%`);
    // The application came from the phone; every channel is on the axis, the window included.
    const channels = (await page.getByTestId('chart-channels').textContent())!;
    for (const name of ['电脑端', '移动端（指尖办）', '窗口', '自助终端']) expect(channels).toContain(name);
    // The funnel: two complete plans for the signed-in father, one application, topic by topic.
    const funnel = (await page.getByTestId('chart-funnel').textContent())!;
    for (const words of ['新生儿出生一件事', '导办方案（登录用户）', '提交申请']) expect(funnel).toContain(words);
    expect(await page.locator('[data-testid="chart-funnel"] svg path').count()).toBeGreaterThan(2);
    // One point per month of this year so far, each rate a line.
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    const trends = (await page.getByTestId('chart-trends').textContent())!;
    for (const words of [`${year}-01`, month, '材料精简率', '时限压缩率', '免提交率', '按时办结率', '好评率']) expect(trends).toContain(words);

    // 效能监督: every delivered case by department and level; all were decided well within their time.
    const warnings = (await page.getByTestId('warnings').textContent())!;
    for (const words of ['部门', '红牌', '黄牌', '正常', '卫生健康局']) expect(warnings).toContain(words);
    expect(await page.locator('[data-testid="warnings"] tfoot td').allTextContents()).toEqual(['合计', '0', '0', String(deliveredCases)]);
    // 差评整改: the father's 差评 opened one follow-up, not contacted yet but within its deadline, none closed.
    expect(await page.locator('[data-testid="follow-ups"] .figure').allInnerTexts()).toEqual([
      '差评整改件数\n1\n已办结 0 件',
      '按时回访整改率\n100.0%\n每一步均在期限内完成 / 全部',
      '整改率\n—\n已整改 0 / 已办结 0',
    ]);

    // A topic's guidance flowchart, opened on its row: the gateway's SVG as an image, with the questions and matters in it.
    await page.getByTestId('flowchart-CN-YJS-XSECS').click();
    const chart = page.getByTestId('flowchart-image');
    await chart.waitFor();
    await page.waitForFunction('document.querySelector(\'[data-testid="flowchart-image"]\').complete');
    expect(await chart.getAttribute('alt')).toBe('新生儿出生一件事导办流程图');
    expect(await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(300);
    const svg = decodeURIComponent((await chart.getAttribute('src'))!.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
    expect(svg.startsWith('<?xml') || svg.startsWith('<svg')).toBe(true);
    for (const words of ['出生医学证明', '卫生健康局']) expect(svg).toContain(words);
    expect(await page.getByTestId('flowchart-problems').count()).toBe(0);

    // The token stays in this tab's sessionStorage, nowhere else.
    const storage = await page.evaluate('({ session: Object.values(sessionStorage), local: localStorage.length, cookies: document.cookie })');
    expect(storage).toEqual({ session: [gateway.tokenOf('EVALUATOR')], local: 0, cookies: '' });

    const screenshot = await browser.screenshot('dashboard.png');
    await chart.scrollIntoViewIfNeeded();
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);

    // Nothing came from anywhere but the gateway, and nothing went wrong in the page (a CSP violation would).
    expect(browser.requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it('switches the period and shows an empty one as such', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: '上一年度' }).click();
    await page.waitForSelector('body[data-state="ready"]');
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() - 1;
    await expect(page.getByTestId('subtitle').textContent()).resolves.toContain(`${year}-01-01 至 ${year}-12-31`);
    await expect(page.getByTestId('kpi-applications').textContent()).resolves.toContain('0');
    expect(await page.getByText('所选周期内暂无办件。').count()).toBe(1);
    expect(await page.getByText('所选周期内暂无申请。').count()).toBe(1);
    await expect(page.getByTestId('kpi-exempt').textContent()).resolves.toContain('—');
  }, 30_000);

  it('refuses a token without the evaluator role, and sends an invalid one back to the login', async () => {
    const { page } = browser;
    await page.getByTestId('logout').click();
    await page.getByTestId('token-input').fill(gateway.tokenOf('APPLICANT'));
    await page.getByTestId('login').click();
    await page.waitForSelector('body[data-state="error"]');
    await expect(page.getByTestId('status').textContent()).resolves.toContain('没有查看评估指标的权限');

    await page.getByTestId('logout').click();
    await page.getByTestId('token-input').fill('not-a-token');
    await page.getByTestId('login').click();
    await page.getByTestId('login-error').waitFor();
    await expect(page.getByTestId('login-error').textContent()).resolves.toBe('令牌无效或已过期，请重新登录。');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  }, 30_000);
});

if (!HAVE_CHROMIUM) {
  describe('the assessment dashboard in Chromium', () => {
    it.skip(SKIP_REASON, () => {});
  });
}

/**
 * Two complete plans, then one newborn application from the phone, delivered to its departments and decided, and
 * given a 差评, so that the period has cases and figures. Returns the application's share of exempt materials
 * (免提交率) and how many cases it has.
 */
async function submitAndWaitForDecisions(gateway: TestGateway): Promise<{ exemptShare: number; deliveredCases: number }> {
  const token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const answers = newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']);
  for (let i = 0; i < 2; i++) await gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers, form: [] }, token);
  const uploaded = await fetch(`${gateway.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: PDF,
  });
  const { fileRef } = (await uploaded.json()) as { fileRef: string };
  const submitted = await gateway.graphql(
    contractOperation('SubmitApplication'),
    {
      input: {
        topicCode: 'CN-YJS-XSECS',
        answers,
        form: newbornForm(SERVICE_FIELDS),
        // Nothing deferred (容缺): every case can then be decided, and the application rated.
        uploads: ['M-SFZ', 'M-FMJL', 'M-ZP', 'M-SZJZJL'].map((materialCode) => ({ materialCode, fileRef })),
        deliveryMethod: 'POST',
        channel: 'MOBILE',
        idempotencyKey: 'dashboard-browser-test',
      },
    },
    token,
  );
  const id = submitted.body.data?.submitApplication?.application?.id;
  if (!id) throw new Error(`the application was not accepted: ${JSON.stringify(submitted.body)}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { body } = await gateway.graphql(contractOperation('ApplicationStatus'), { id }, token);
    const cases = (body.data?.application?.cases ?? []) as Array<{ decidedAt: string | null }>;
    if (cases.length > 0 && cases.every((c) => c.decidedAt)) {
      const materials = body.data.application.materials as Array<{ provision: string | null; exemption: unknown }>;
      const needed = materials.filter((m) => m.provision !== null || m.exemption !== null);
      const rated = await gateway.graphql(contractOperation('RateApplication'), { input: { applicationId: id, grade: 2, comment: '等候时间太长', channel: 'MOBILE' } }, token);
      if (rated.body.errors) throw new Error(`the rating was refused: ${JSON.stringify(rated.body.errors)}`);
      return { exemptShare: needed.filter((m) => m.exemption !== null).length / needed.length, deliveredCases: cases.length };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the cases were not decided in time');
}


