/**
 * The window console end to end in headless Chromium on a desk screen: the
 * real gateway with the sandbox; the newborn's father grants a code on his
 * phone, the sandbox's window staff member redeems it, walks the guidance
 * questions, checks the plan, scans the paper materials, prints the one-time
 * notice, submits, prints the receipt and ends the session. Then an ID card
 * checked at the desk. Screenshots go to test-results/window-*.png.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, NEWBORN, PDF, SERVICE_FIELDS, newbornForm } from '../support/newborn.ts';
import { HAVE_CHROMIUM, SKIP_REASON, openBrowser, type TestBrowser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the window console source', () => {
  it('type-checks as browser code (window/tsconfig.json)', () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'window/tsconfig.json'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

const GRANT = `mutation Grant($topicCode: ID!) { grantAssistance(topicCode: $topicCode) { code } }`;
const ASSISTED_APPLICATION = `query App($id: ID!) { application(id: $id) { id channel assistedBy { staffId hall consent } } }`;

async function settled(page: Page, step: string): Promise<void> {
  await page.waitForSelector(`body[data-step="${step}"][data-state="ready"]`, { timeout: 20_000 });
}

async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function itemsOf(page: Page, testId: string): Promise<string[]> {
  return page
    .getByTestId(testId)
    .locator(':scope > li')
    .evaluateAll((items) => items.map((item) => (item.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

describe.skipIf(!HAVE_CHROMIUM)('the window console in Chromium', () => {
  let gateway: TestGateway;
  let browser: TestBrowser;
  let base: string;
  let father: string;

  beforeAll(async () => {
    gateway = await startTestGateway({}, { sandbox: { caseStepMs: 100 } });
    base = gateway.gateway.url;
    father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
    browser = await openBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('helps the father from the code on his phone to a submitted application and its receipt', async () => {
    const { page } = browser;
    const granted = await gateway.graphql(GRANT, { topicCode: NEWBORN }, father);
    const code = granted.body.data.grantAssistance.code as string;

    await page.goto(`${base}/window`);
    await settled(page, 'signin');
    await page.getByTestId('demo-window-001').click();
    await settled(page, 'start');

    // A wrong code is refused, in words for the desk.
    await page.getByTestId('code').fill(code === '000000' ? '111111' : '000000');
    await page.getByTestId('redeem').click();
    await page.getByTestId('code-error').waitFor();
    expect(await textOf(page, 'code-error')).toBe('授权码不正确，请群众在手机上重新生成。');
    await browser.screenshot('window-1-start.png');

    await page.getByTestId('code').fill(code);
    await page.getByTestId('redeem').click();
    await settled(page, 'guide');
    expect(await textOf(page, 'applicant')).toBe('陈晓明（440514***********6）');
    expect(await textOf(page, 'consent')).toBe('手机授权码');

    const answer = async (questionId: string, act: () => Promise<void>) => {
      await page.waitForSelector(`[data-testid="question"][data-question="${questionId}"]`);
      await settled(page, 'guide');
      await act();
      await page.getByTestId('next').click();
    };
    await answer('birthPlace', () => page.getByTestId('option-IN_DISTRICT').click());
    await answer('parentsMarried', () => page.getByTestId('option-true').click());
    await answer('hukouWith', () => page.getByTestId('option-FATHER').click());
    await browser.screenshot('window-2-question.png');
    await answer('ageMonths', () => page.getByTestId('number').fill('2'));
    await answer('services', async () => {
      for (const service of ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']) await page.getByTestId(`option-${service}`).click();
    });

    // The father's own plan: his e-certificates and shared data are exempt, and the console says why.
    await settled(page, 'plan');
    expect(await textOf(page, 'summary')).toMatch(/^共 5 个事项，材料由 \d+ 份减为 \d+ 份，承诺 \d+ 个工作日办结，跑动 \d+ 次。$/);
    const exempt = await itemsOf(page, 'materials-exempt');
    expect(exempt).toContain('出生医学证明 审批结果互认由本次一并办理的「出生医学证明首次签发」办结后自动取得，无需提交');
    expect(exempt.some((m) => m.includes('电子证照') && m.includes('已调用电子证照'))).toBe(true);
    expect(await page.getByTestId('field-applicant.name').inputValue()).toBe('陈晓明');

    // What the prefill left empty is typed in; then the materials are checked against the form.
    for (const { key, value } of [...newbornForm(), ...SERVICE_FIELDS]) {
      const field = page.getByTestId(`field-${key}`);
      if ((await field.count()) === 0 || (await field.inputValue()) !== '') continue;
      if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
    await page.getByTestId('recheck').click();
    await settled(page, 'plan');
    const toHandIn = await page.getByTestId('materials-to-hand-in').locator(':scope > li').evaluateAll((items) => items.map((i) => i.getAttribute('data-material')!));
    expect(toHandIn.length).toBeGreaterThan(0);
    for (const material of toHandIn) {
      await page.getByTestId(`file-${material}`).setInputFiles({ name: `${material}.pdf`, mimeType: 'application/pdf', buffer: PDF });
      await page.getByTestId(`upload-status-${material}`).filter({ hasText: /^已上传/ }).waitFor();
    }
    await settled(page, 'plan');
    await browser.screenshot('window-3-plan.png');

    // The one-time notice opens as a PDF in a new tab.
    const noticeTab = page.context().waitForEvent('page');
    await page.getByTestId('print-notice').click();
    expect((await noticeTab).url()).toMatch(/^blob:/);
    await settled(page, 'plan');
    expect(await textOf(page, 'pdf-notice')).toMatch(/^已打开一次告知单（PDF，\d+ KB），请在新标签页中打印。$/);
    await (await noticeTab).close();

    await page.getByTestId('submit').click();
    await settled(page, 'done');
    const reference = await textOf(page, 'reference');
    expect(await textOf(page, 'channel')).toBe('窗口');
    expect(await textOf(page, 'assisted-by')).toBe('window-001（CN-HALL-440514，手机授权码）');
    expect(await textOf(page, 'verification-code')).toMatch(/^\S{4,}$/);
    expect(await textOf(page, 'due-date')).toMatch(/^\d+ 个工作日，\d{4}-\d{2}-\d{2} 前$/);
    expect((await itemsOf(page, 'cases')).length).toBe(5);

    const receiptTab = page.context().waitForEvent('page');
    await page.getByTestId('print-receipt').click();
    expect((await receiptTab).url()).toMatch(/^blob:/);
    await settled(page, 'done');
    expect(await textOf(page, 'pdf-notice')).toMatch(/^已打开受理回执（PDF，\d+ KB），请在新标签页中打印。$/);
    const receipt = await receiptTab;
    await receipt.waitForLoadState('load');
    await receipt.waitForTimeout(1500); // the PDF viewer draws after load; only the screenshot waits for it
    await receipt.screenshot({ path: fileURLToPath(new URL('../../test-results/window-5-receipt.png', import.meta.url)) });
    await receipt.close();
    await browser.screenshot('window-4-submitted.png');

    // The father sees the application as one the window made for him.
    const seen = await gateway.graphql(ASSISTED_APPLICATION, { id: reference }, father);
    expect(seen.body).toEqual({ data: { application: { id: reference, channel: 'WINDOW', assistedBy: { staffId: 'window-001', hall: 'CN-HALL-440514', consent: 'CODE' } } } });

    await page.getByTestId('end-session').click();
    await settled(page, 'start');
    expect(await textOf(page, 'start-message')).toBe('已结束对 陈晓明 的帮办。');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['one-thing-gateway.window.token']);
    // Chromium's own PDF viewer loads from chrome:// and its extension; nothing else but the gateway.
    const own = /^(blob:|data:|chrome:|chrome-extension:)/;
    expect(browser.requests.filter((url) => !url.startsWith(base) && !own.test(url))).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 90_000);

  it('starts an in-person session only once the ID card is ticked as checked', async () => {
    const { page } = browser;
    // Signed in still (the tab's sessionStorage), with no session open.
    await page.goto(`${base}/window`);
    await settled(page, 'start');
    await page.getByTestId('name').fill('陈晓明');
    await page.getByTestId('id-number').fill(FATHER);
    await page.getByTestId('topic').selectOption(NEWBORN);
    await page.getByTestId('start-in-person').click();
    await page.getByTestId('in-person-error').waitFor();
    expect(await textOf(page, 'in-person-error')).toBe('请先核验申请人身份证原件，并勾选确认。');

    await page.getByTestId('id-card-verified').check();
    await page.getByTestId('start-in-person').click();
    await settled(page, 'guide');
    expect(await textOf(page, 'consent')).toBe('现场核验身份证');
    expect(await page.getByTestId('question').getAttribute('data-question')).toBe('birthPlace');
    await page.getByTestId('end-session').click();
    await settled(page, 'start');
  }, 30_000);
});

if (!HAVE_CHROMIUM) {
  describe('the window console in Chromium', () => {
    it.skip(SKIP_REASON, () => {});
  });
}
