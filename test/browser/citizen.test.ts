/**
 * The reference citizen page end to end in headless Chromium on a phone-sized
 * viewport: the real gateway with the sandbox, serving only the contract's
 * operations (TRUSTED_DOCUMENTS=contract), and the newborn's father going
 * from the topic list through the questions, the materials, the sign-in, the
 * prefilled form and the uploads to the submission, its status and the
 * supplement a department asks for.
 * Screenshots of every step go to test-results/citizen-*.png.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITIZEN_OPERATIONS } from '../../citizen/page.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MATTERS, PDF } from '../support/newborn.ts';
import { HAVE_CHROMIUM, PHONE, SKIP_REASON, openBrowser, type TestBrowser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the citizen page source', () => {
  it('type-checks as browser code (citizen/tsconfig.json)', () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'citizen/tsconfig.json'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

/** The page is done with what it was asked: on `step`, nothing loading. */
async function settled(page: Page, step: string): Promise<void> {
  await page.waitForSelector(`body[data-step="${step}"][data-state="ready"]`, { timeout: 20_000 });
}

async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Each material's name and what the page says about it, in page order. */
async function materialsIn(page: Page, testId: string): Promise<string[]> {
  return page
    .getByTestId(testId)
    .locator(':scope > li')
    .evaluateAll((items) => items.map((item) => (item.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

describe.skipIf(!HAVE_CHROMIUM)('the citizen page in Chromium on a phone', () => {
  let gateway: TestGateway;
  let browser: TestBrowser;
  let base: string;
  /** The operation names of every POST /graphql the page sent. */
  const operationsSent: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway(
      { TRUSTED_DOCUMENTS: 'contract' },
      {
        sandbox: { caseStepMs: 100 },
        services: {
          delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
          poller: { intervalMs: 100 },
        },
      },
    );
    base = gateway.gateway.url;
    browser = await openBrowser(PHONE);
    browser.context.on('request', (request) => {
      if (request.url() === `${base}/graphql` && request.method() === 'POST') {
        operationsSent.push((JSON.parse(request.postData() ?? '{}') as { operationName?: string }).operationName ?? '(none)');
      }
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('walks the newborn topic from the questions to the submission and its status', async () => {
    const { page } = browser;
    await page.goto(`${base}/citizen`);

    // The topics of Chaonan; one that is not guidable cannot be chosen.
    await settled(page, 'topics');
    expect(await textOf(page, 'step')).toBe('第 1 步 / 共 7 步 · 选择事项');
    expect(await textOf(page, 'topic-CN-YJS-XSECS')).toBe('新生儿出生一件事汕头市潮南区卫生健康局 牵头 · 涉及 6 个事项可网办');
    expect(await page.getByTestId('topic-CN-YJS-CJR').isDisabled()).toBe(true);
    expect(await textOf(page, 'topic-CN-YJS-CJR')).toContain('暂未开通');
    await browser.screenshot('citizen-1-topics.png');

    // One question at a time, each the next visible one of the plan.
    await page.getByTestId('topic-CN-YJS-XSECS').click();
    await settled(page, 'questions');
    expect(await page.getByTestId('question').count()).toBe(1);
    expect(await textOf(page, 'question-progress')).toBe('第 1 题，共 5 题');
    expect(await textOf(page, 'question-text')).toBe('新生儿在哪里出生？');
    await browser.screenshot('citizen-2-question.png');
    const answer = async (questionId: string, act: () => Promise<void>) => {
      await page.waitForSelector(`[data-testid="question"][data-question="${questionId}"]`);
      await settled(page, 'questions');
      await act();
      await page.getByTestId('next').click();
    };
    await answer('birthPlace', () => page.getByTestId('option-IN_DISTRICT').click());
    await answer('parentsMarried', () => page.getByTestId('option-true').click());
    await answer('hukouWith', () => page.getByTestId('option-FATHER').click());
    // A number out of range is refused by the gateway, and said so on the question.
    await answer('ageMonths', () => page.getByTestId('answer-number').fill('40'));
    await page.getByTestId('error').waitFor();
    expect(await textOf(page, 'error')).toBe('请检查您的回答：「新生儿目前的月龄（已满月数）？」超出了允许的范围');
    expect(await page.getByTestId('question').getAttribute('data-question')).toBe('ageMonths');
    await answer('ageMonths', () => page.getByTestId('answer-number').fill('2'));
    // Asking for the maternity allowance makes the plan show one more question; going back and not asking hides it.
    await answer('services', async () => {
      for (const service of ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD', 'MATERNITY']) await page.getByTestId(`option-${service}`).click();
    });
    await page.waitForSelector('[data-testid="question"][data-question="motherEmployed"]');
    expect(await textOf(page, 'question-progress')).toBe('第 6 题，共 6 题');
    expect(await textOf(page, 'question-text')).toBe('母亲是否在职并参加职工基本医疗保险（生育保险）？');
    await page.getByTestId('back').click();
    await answer('services', () => page.getByTestId('option-MATERNITY').click());

    // The anonymous plan: the merged materials, what is exempt and why.
    await settled(page, 'materials');
    expect(await textOf(page, 'summary-matters')).toBe('5 项一次办理的事项');
    expect(await textOf(page, 'summary-materials')).toBe('17 → 7 份需提交材料');
    expect(await textOf(page, 'summary-days')).toBe('75 → 10 天办理时限（工作日）');
    expect(await textOf(page, 'summary-visits')).toBe('1 次最多跑动');
    expect(await materialsIn(page, 'materials-to-submit')).toEqual([
      '申请人居民身份证必需',
      '配偶居民身份证必需',
      '助产机构出具的分娩记录必需',
      '结婚证必需',
      '新生儿首剂乙肝疫苗和卡介苗接种记录必需可容缺后补',
      '申请人居民户口簿必需',
      '近期免冠彩色证件照片（数码回执）必需可容缺后补',
    ]);
    expect(await materialsIn(page, 'exempt-materials')).toEqual([
      '出生医学证明免提交 · 审批结果互认由本次一并办理的「出生医学证明首次签发」办结后自动取得，无需提交',
      '新生儿居民户口簿（本人页）免提交 · 审批结果互认由本次一并办理的「出生登记（新生儿入户）」办结后自动取得，无需提交',
      '医疗保险参保凭证免提交 · 审批结果互认由本次一并办理的「城乡居民基本医疗保险参保登记（新生儿）」办结后自动取得，无需提交',
    ]);
    expect(await textOf(page, 'sign-in-hint')).toContain('登录后，系统将自动核验您的电子证照和共享数据');
    await browser.screenshot('citizen-3-materials.png');

    // Sign in as a sandbox demo applicant: listed by name, the ID number masked.
    await page.getByTestId('next').click();
    await settled(page, 'signin');
    expect(await textOf(page, 'demo-users')).toBe('陈晓明440514***********6汕头市潮南区康民医药连锁有限公司91440514338746125F');
    expect(await page.locator('body').textContent()).not.toContain(FATHER);
    await browser.screenshot('citizen-4-sign-in.png');
    await page.getByRole('button', { name: /陈晓明/ }).click();

    // The form, prefilled from the identity and the data center.
    await settled(page, 'form');
    expect(await textOf(page, 'signed-in-as')).toBe('陈晓明');
    expect(await textOf(page, 'prefill-note')).toBe('已为您自动填写 7 项，请核对后补充其余内容。');
    expect(await page.getByTestId('field-applicant.idNumber').inputValue()).toBe(FATHER);
    expect(await page.getByTestId('field-applicant.idNumber').getAttribute('readonly')).toBe('');
    expect(await textOf(page, 'prefill-applicant.idNumber')).toBe('已自动填写 · 来源：实名认证');
    expect(await page.getByTestId('field-applicant.name').inputValue()).toBe('陈晓明');
    expect(await textOf(page, 'prefill-applicant.name')).toBe('已自动填写 · 来源：大数据中心');
    expect(await page.getByTestId('field-spouse.idNumber').inputValue()).toBe('440514199608250285');
    expect(await page.getByTestId('field-applicant.householdAddress').inputValue()).toBe('广东省汕头市潮南区峡山街道桃溪社区新兴路12号');
    await browser.screenshot('citizen-5-form.png');
    // What is neither prefilled nor typed in is asked for, field by field.
    await page.getByTestId('next').click();
    await settled(page, 'form');
    expect(await page.locator('.field.invalid label').evaluateAll((labels) => labels.map((l) => l.textContent))).toEqual([
      '配偶姓名 *',
      '新生儿姓名 *',
      '新生儿性别 *',
      '出生日期 *',
      '出生地点 *',
      '民族 *',
      '社保卡服务银行 *',
    ]);
    expect(await page.locator('[data-field="child.name"] .field-error').textContent()).toBe('请填写「新生儿姓名」');
    await page.getByTestId('field-spouse.name').fill('林美玲');
    await page.getByTestId('field-child.name').fill('陈小宝');
    await page.getByTestId('field-child.gender').selectOption('男');
    await page.getByTestId('field-child.birthDate').fill('2026-10-01');
    await page.getByTestId('field-child.birthPlace').fill('潮南区人民医院');
    await page.getByTestId('field-child.ethnicity').fill('汉族');
    await page.getByTestId('field-card.bankName').selectOption('中国银行');
    await page.getByTestId('next').click();

    // The personal plan: the e-certificates and shared data the applicant need not hand in.
    await settled(page, 'uploads');
    expect(await textOf(page, 'summary-materials')).toBe('17 → 4 份需提交材料');
    expect(await materialsIn(page, 'exempt-materials')).toEqual([
      '配偶居民身份证免提交 · 电子证照已调用电子证照「居民身份证」（证照编号 440514199608250285，有效期至 2039-08-25），无需提交',
      '结婚证免提交 · 数据共享已通过大数据中心共享获取，无需提交',
      '出生医学证明免提交 · 审批结果互认由本次一并办理的「出生医学证明首次签发」办结后自动取得，无需提交',
      '申请人居民户口簿免提交 · 电子证照已调用电子证照「居民户口簿」（证照编号 440514031852），无需提交',
      '新生儿居民户口簿（本人页）免提交 · 审批结果互认由本次一并办理的「出生登记（新生儿入户）」办结后自动取得，无需提交',
      '医疗保险参保凭证免提交 · 审批结果互认由本次一并办理的「城乡居民基本医疗保险参保登记（新生儿）」办结后自动取得，无需提交',
    ]);
    // Submitting before uploading says what is missing.
    await page.getByTestId('submit').click();
    await settled(page, 'uploads');
    expect(await textOf(page, 'error')).toBe('还有 4 份材料未上传。');
    expect(await page.locator('li.invalid .field-error').evaluateAll((errors) => errors.map((e) => e.textContent))).toEqual([
      '请上传「申请人居民身份证」',
      '请上传「助产机构出具的分娩记录」',
      '请上传「新生儿首剂乙肝疫苗和卡介苗接种记录」',
      '请上传「近期免冠彩色证件照片（数码回执）」',
    ]);
    for (const [code, name] of [['M-SFZ', '身份证.pdf'], ['M-FMJL', '分娩记录.pdf'], ['M-ZP', '照片.pdf']] as const) {
      await page.getByTestId(`file-${code}`).setInputFiles({ name, mimeType: 'application/pdf', buffer: PDF });
      await page.getByTestId(`upload-status-${code}`).filter({ hasText: '已上传' }).waitFor();
      expect(await textOf(page, `upload-status-${code}`)).toBe(`已上传：${name}（1 KB）`);
    }
    await page.getByTestId('defer-M-SZJZJL').check();
    expect(await textOf(page, 'upload-status-M-SZJZJL')).toBe('已选择容缺后补：提交后请在规定时间内补交');
    await page.getByTestId('delivery-POST').click();
    await browser.screenshot('citizen-6-uploads.png');
    await page.getByTestId('submit').click();

    // The status: every department's case, and how each material was provided.
    await settled(page, 'status');
    const id = await textOf(page, 'application-id');
    expect(page.url()).toBe(`${base}/citizen#/applications/${encodeURIComponent(id)}`);
    expect(await page.getByTestId('cases').locator(':scope > li').count()).toBe(5);
    expect(await textOf(page, `case-${MATTERS.registration}`)).toContain('出生登记（新生儿入户）');
    expect(await textOf(page, `case-${MATTERS.registration}`)).toContain('汕头市公安局潮南分局');
    expect(await materialsIn(page, 'application-materials')).toEqual([
      '申请人居民身份证已上传',
      '配偶居民身份证电子证照调用',
      '助产机构出具的分娩记录已上传',
      '结婚证数据共享获取',
      '出生医学证明前序事项结果互认',
      '新生儿首剂乙肝疫苗和卡介苗接种记录容缺后补',
      '申请人居民户口簿电子证照调用',
      '新生儿居民户口簿（本人页）前序事项结果互认',
      '医疗保险参保凭证前序事项结果互认',
      '近期免冠彩色证件照片（数码回执）已上传',
    ]);
    // The page follows the departments' work: the birth certificate is issued as the sandbox decides it.
    const birthCertificate = page.getByTestId(`case-${MATTERS.birthCertificate}`);
    await birthCertificate.filter({ hasText: '已生成电子证照' }).waitFor({ timeout: 30_000 });
    const decided = (await birthCertificate.textContent())!;
    expect(decided).toMatch(/^出生医学证明首次签发已办结（通过）汕头市潮南区卫生健康局办结时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}已生成电子证照：出生医学证明（[^）]+）$/);
    await browser.screenshot('citizen-7-status.png');

    // The vaccination record was deferred (容缺): the department asks for it, and the father hands it in from the status.
    const vaccination = page.getByTestId(`case-${MATTERS.vaccination}`);
    await vaccination.filter({ hasText: '需补正材料' }).waitFor({ timeout: 30_000 });
    expect(await vaccination.textContent()).toContain('需补正：新生儿首剂乙肝疫苗和卡介苗接种记录');
    await page.getByTestId(`supplement-${MATTERS.vaccination}-M-SZJZJL`).setInputFiles({ name: '接种记录.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByTestId('application-status').filter({ hasText: '已办结' }).waitFor({ timeout: 30_000 });
    expect(await textOf(page, 'progress')).toBe('5 / 5 个事项已办结');
    expect(await page.getByTestId('case-status').allTextContents()).toEqual(Array(5).fill('已办结（通过）'));
    expect(await textOf(page, 'refreshed')).not.toContain('自动刷新');
    await browser.screenshot('citizen-8-completed.png');

    // What the page showed is what the gateway holds for the father.
    const father = gateway.tokenOf('APPLICANT');
    const { body } = await gateway.graphql(contractOperation('ApplicationStatus'), { id }, father);
    expect(body.data.application).toMatchObject({ id, deliveryMethod: 'POST', topic: { code: 'CN-YJS-XSECS' } });
    const stored = body.data.application.cases.find((c: { matter: { code: string } }) => c.matter.code === MATTERS.birthCertificate);
    expect(decided).toContain(stored.result.certificate.number);

    // Only the contract's operations, only the gateway, no error in the page, the token in this tab only.
    expect([...new Set(operationsSent)].sort()).toEqual([...CITIZEN_OPERATIONS].sort());
    expect(browser.requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    expect(browser.errors).toEqual([]);
    const storage = await page.evaluate('({ session: Object.values(sessionStorage), local: localStorage.length, cookies: document.cookie })');
    expect(storage).toEqual({ session: [father], local: 0, cookies: '' });
    for (const shot of ['1-topics', '3-materials', '5-form', '7-status', '8-completed']) {
      expect(statSync(`${ROOT}test-results/citizen-${shot}.png`).size).toBeGreaterThan(20_000);
    }
  }, 120_000);

  it('shows the status again after a reload, and sends an invalid token back to the sign-in', async () => {
    const { page } = browser;
    await page.reload();
    await settled(page, 'status');
    expect(await page.getByTestId('cases').locator(':scope > li').count()).toBe(5);

    await page.getByTestId('sign-out').click();
    await settled(page, 'topics');
    await page.getByTestId('topic-CN-YJS-XSECS').click();
    await settled(page, 'questions');
    for (const [questionId, option] of [['birthPlace', 'IN_DISTRICT'], ['parentsMarried', 'true'], ['hukouWith', 'FATHER']]) {
      await page.waitForSelector(`[data-testid="question"][data-question="${questionId}"]`);
      await page.getByTestId(`option-${option}`).click();
      await page.getByTestId('next').click();
    }
    await page.waitForSelector('[data-testid="question"][data-question="ageMonths"]');
    await page.getByTestId('answer-number').fill('2');
    await page.getByTestId('next').click();
    await page.waitForSelector('[data-testid="question"][data-question="services"]');
    await page.getByTestId('next').click();
    await settled(page, 'materials');
    await page.getByTestId('next').click();
    await settled(page, 'signin');
    await page.getByTestId('token-input').fill('not-a-token');
    await page.getByTestId('sign-in').click();
    await settled(page, 'signin');
    expect(await textOf(page, 'error')).toBe('令牌无效或已过期，请重新登录。');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  }, 60_000);
});

if (!HAVE_CHROMIUM) {
  describe('the citizen page in Chromium on a phone', () => {
    it.skip(SKIP_REASON, () => {});
  });
}
