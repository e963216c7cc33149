/**
 * The one-time notice, the signed receipt and the guidance flowchart over
 * real HTTP, as a front-end, a citizen with a printer and a verifier with a
 * phone would use them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPem, readPublicKey } from '../../lib/seal.ts';
import { sandboxJwtSecret } from '../../server/bootstrap.ts';
import { mintToken } from '../../server/identity.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MOTHER, NEWBORN, PDF, newbornAnswers, newbornSubmission } from '../support/newborn.ts';
import { HAVE_POPPLER, POPPLER_SKIP_REASON, qrTextOnFirstPage, readableText, renderPages } from '../support/pdf.ts';

const PLAN_NOTICE = `query Notice($code: ID!, $answers: [AnswerInput!]!) {
  topic(code: $code) { plan(answers: $answers) { notice { url personal } } }
}`;
const RECEIPT = `query Receipt($id: ID!) {
  application(id: $id) {
    receipt { reference verificationCode issuedAt committedDays dueDate url payload keyId algorithm signature content }
  }
}`;
const VERIFY = `query Verify($payload: String!) {
  verifyReceipt(payload: $payload) { valid reason message keyId algorithm receipt { reference verificationCode topicName applicantName applicantId dueDate matterCount } }
}`;
const ACCESS_LOG = `{ me { dataAccessLog(first: 100) { edges { node { system purpose } } } } }`;

const SERVICES = ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD'];

async function get(gateway: TestGateway, path: string, token?: string) {
  const response = await fetch(`${gateway.gateway.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

async function submitNewborn(gateway: TestGateway, token: string, key: string): Promise<string> {
  const fileRef = await gateway.upload(token, PDF);
  const { body } = await gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission(key, fileRef) }, token);
  expect(body.errors).toBeUndefined();
  return body.data.submitApplication.application.id;
}

/** A changed byte of a receipt payload's signature. */
const tamper = (payload: string) => {
  const at = payload.length - 20;
  return `${payload.slice(0, at)}${payload[at] === 'A' ? 'B' : 'A'}${payload.slice(at + 1)}`;
};

describe('the one-time notice, the receipt and the flowchart', () => {
  let gateway: TestGateway;
  let father: string;
  let mother: string;
  let applicationId: string;
  let receipt: any;

  beforeAll(async () => {
    gateway = await startTestGateway();
    father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
    mother = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });
    applicationId = await submitNewborn(gateway, father, 'documents-1');
    const { body } = await gateway.graphql(RECEIPT, { id: applicationId }, father);
    expect(body.errors).toBeUndefined();
    receipt = body.data.application.receipt;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe('the notice', () => {
    it('is a PDF anyone can fetch at the URL the anonymous plan gives, telling what the situation needs', async () => {
      const { body } = await gateway.graphql(PLAN_NOTICE, { code: NEWBORN, answers: newbornAnswers(SERVICES) });
      const notice = body.data.topic.plan.notice;
      expect(notice).toEqual({ url: expect.stringMatching(/^\/notices\/CN-YJS-XSECS\.pdf\?answers=[A-Za-z0-9_-]+$/), personal: false });

      const pdf = await get(gateway, notice.url);
      expect([pdf.status, pdf.headers.get('content-type'), pdf.body.subarray(0, 5).toString()]).toEqual([200, 'application/pdf', '%PDF-']);
      if (!HAVE_POPPLER) return console.warn(POPPLER_SKIP_REASON);
      expect(renderPages(pdf.body, 'http-notice-anonymous').length).toBe(2);
      const text = readableText(pdf.body);
      for (const expected of [
        '新生儿出生一件事',
        '未登录：未核对您本人的电子证照和共享数据',
        '二、需要办理的事项（5项）',
        '社会保障卡申领（新生儿）',
        '汕头市潮南区人力资源和社会保障局',
        '三、需要提交的材料（7份）',
        '四、无需提交的材料（3份）',
        '由本次一并办理的“出生医学证明首次签发”办结结果提供',
        '潮南区政务服务中心一楼“一件事”集成服务窗口（8–11号窗）',
        '/portal/online/CN-YJS-XSECS',
        '10个工作日办结',
      ]) {
        expect(text).toContain(expected);
      }
    });

    it("is the applicant's own with their token: exempt by their e-certificates and data, each read logged", async () => {
      const { body } = await gateway.graphql(PLAN_NOTICE, { code: NEWBORN, answers: newbornAnswers(SERVICES) }, father);
      const notice = body.data.topic.plan.notice;
      expect(notice).toEqual({ url: expect.stringMatching(/&personal=true$/), personal: true });
      const readsBefore = (await gateway.graphql(ACCESS_LOG, {}, father)).body.data.me.dataAccessLog.edges.length;

      const [anonymous, evaluator, own] = await Promise.all([
        get(gateway, notice.url),
        get(gateway, notice.url, gateway.tokenOf('EVALUATOR')),
        get(gateway, notice.url, father),
      ]);
      expect([anonymous.status, anonymous.json().errors[0].extensions.code, anonymous.headers.get('www-authenticate')]).toEqual([401, 'UNAUTHENTICATED', 'Bearer']);
      expect([evaluator.status, evaluator.json().errors[0].extensions.code]).toEqual([403, 'FORBIDDEN']);
      expect([own.status, own.headers.get('cache-control')]).toEqual([200, 'private, no-store']);
      const readsAfter = (await gateway.graphql(ACCESS_LOG, {}, father)).body.data.me.dataAccessLog.edges;
      expect(readsAfter.length).toBeGreaterThan(readsBefore);
      expect(readsAfter[0].node.purpose).toBe(NEWBORN);

      if (!HAVE_POPPLER) return console.warn(POPPLER_SKIP_REASON);
      renderPages(own.body, 'http-notice-personal');
      const text = readableText(own.body);
      expect(text).toContain('已按您本人的电子证照和共享数据核对');
      expect(text).toContain('您已有有效的电子证照“居民户口簿”');
      expect(text).toContain('部门通过大数据中心共享核验（数据共享免提交）');
    });

    it('refuses bad answers in its URL, listing every problem, and knows no unpublished topic', async () => {
      const encode = (answers: unknown) => Buffer.from(JSON.stringify(answers)).toString('base64url');
      const [badOption, notEncoded, draft, unknown] = await Promise.all([
        get(gateway, `/notices/${NEWBORN}.pdf?answers=${encode([['birthPlace', ['MARS']], ['ageMonths', ['99']]])}`),
        get(gateway, `/notices/${NEWBORN}.pdf?answers=%%%`),
        get(gateway, '/notices/CN-YJS-QYBG.pdf'),
        get(gateway, '/notices/NO-SUCH-TOPIC.pdf'),
      ]);

      expect([badOption.status, badOption.json().errors[0].extensions]).toEqual([
        400,
        {
          code: 'BAD_USER_INPUT',
          problems: [
            { field: 'answers.birthPlace', code: 'NOT_AN_OPTION', message: '"MARS" is not an option of question "birthPlace"' },
            { field: 'answers.ageMonths', code: 'OUT_OF_RANGE', message: 'question "ageMonths" takes a number in [0, 36], got 99' },
          ],
        },
      ]);
      expect([notEncoded.status, notEncoded.json().errors[0].extensions.problems[0].code]).toEqual([400, 'MALFORMED_ANSWERS']);
      expect([draft.status, unknown.status]).toEqual([404, 404]);
    });
  });

  describe('the receipt', () => {
    it('is issued once for the accepted application, with its due dates in working days', async () => {
      const again = (await gateway.graphql(RECEIPT, { id: applicationId }, father)).body.data.application.receipt;
      expect(receipt).toEqual({
        reference: applicationId,
        verificationCode: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/),
        issuedAt: expect.any(String),
        committedDays: 10,
        dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        url: `/receipts/${applicationId}.pdf`,
        payload: `OTR1.${applicationId}.${receipt.keyId}.${receipt.signature}`,
        keyId: expect.stringMatching(/^es256-[0-9a-f]{16}$/),
        algorithm: 'ES256',
        signature: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
        content: expect.any(String),
      });
      expect(again).toEqual(receipt);
      const content = JSON.parse(receipt.content);
      expect(content.applicant).toEqual({ kind: 'PERSON', name: '陈晓明', idNumber: '440514***********6' });
      expect(content.materials.find((m: any) => m.code === 'M-SZJZJL')).toEqual({
        code: 'M-SZJZJL',
        name: '新生儿首剂乙肝疫苗和卡介苗接种记录',
        provision: 'DEFERRED',
        dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
      expect(content.dueDate > content.materials.find((m: any) => m.code === 'M-SZJZJL').dueDate).toBe(true);
    });

    it('is a PDF for the applicant and ADMIN only, its QR code scanning back to the signed payload', async () => {
      const [none, other, staff, admin, own] = await Promise.all([
        get(gateway, receipt.url),
        get(gateway, receipt.url, mother),
        get(gateway, receipt.url, gateway.tokenOf('DEPARTMENT_STAFF')),
        get(gateway, receipt.url, gateway.tokenOf('ADMIN')),
        get(gateway, receipt.url, father),
      ]);
      expect([none.status, other.status, staff.status, admin.status, own.status]).toEqual([401, 404, 404, 200, 200]);
      expect(other.json().errors[0].extensions.code).toBe('NOT_FOUND');
      expect((await get(gateway, '/receipts/OT20990101NOSUCHAPPL.pdf', father)).status).toBe(404);

      if (!HAVE_POPPLER) return console.warn(POPPLER_SKIP_REASON);
      renderPages(own.body, 'http-receipt');
      const text = readableText(own.body);
      for (const expected of [`受理编号${applicationId}`, receipt.verificationCode, '440514***********6', `应办结日期${receipt.dueDate}前`, '容缺后补，请于', receipt.keyId]) {
        expect(text).toContain(expected);
      }
      expect(qrTextOnFirstPage(own.body)).toBe(receipt.payload);
      expect(qrTextOnFirstPage(admin.body)).toBe(receipt.payload);
    });

    it('is not shown to department staff through their cases', async () => {
      const staff = await gateway.mint({ sub: 'staff-wjj', name: '卫健局窗口', role: 'DEPARTMENT_STAFF', dept: 'WJJ-440514' });
      const { body } = await gateway.graphql(`{ departmentCases(first: 1) { edges { node { application { id receipt { reference } } } } } }`, {}, staff);
      expect([body.data.departmentCases.edges[0].node.application, body.errors?.map((e) => e.extensions?.code)]).toEqual([
        { id: applicationId, receipt: null },
        ['FORBIDDEN'],
      ]);
    });

    it('verifies as scanned, and a changed byte, an unknown key or an unknown application does not', async () => {
      const verify = async (payload: string) => (await get(gateway, `/receipts/verify?payload=${encodeURIComponent(payload)}`)).json();
      const unknownKey = receipt.payload.replace(receipt.keyId, 'es256-0123456789abcdef');
      const unknownApplication = receipt.payload.replace(applicationId, 'OT20990101NOSUCHAPPL');

      expect(await verify(receipt.payload)).toEqual({
        valid: true,
        reason: null,
        message: '回执真实有效：由“一件事”集成服务网关签发，内容未被改动',
        keyId: receipt.keyId,
        algorithm: 'ES256',
        receipt: {
          reference: applicationId,
          verificationCode: receipt.verificationCode,
          topicName: '新生儿出生一件事',
          applicantName: '陈*明',
          applicantId: '440514***********6',
          acceptedAt: expect.any(String),
          dueDate: receipt.dueDate,
          matterCount: 5,
        },
      });
      const invalid = await Promise.all([tamper(receipt.payload), unknownKey, unknownApplication, 'https://example.com/menu'].map(verify));
      expect(invalid.map(({ valid, reason, receipt: shown }) => ({ valid, reason, shown }))).toEqual([
        { valid: false, reason: 'TAMPERED', shown: null },
        { valid: false, reason: 'UNKNOWN_KEY', shown: null },
        { valid: false, reason: 'UNKNOWN_APPLICATION', shown: null },
        { valid: false, reason: 'MALFORMED', shown: null },
      ]);
      expect((await get(gateway, '/receipts/verify')).status).toBe(400);
    });

    it('verifies through GraphQL too, for anyone', async () => {
      const valid = (await gateway.graphql(VERIFY, { payload: receipt.payload })).body.data.verifyReceipt;
      const tampered = (await gateway.graphql(VERIFY, { payload: tamper(receipt.payload) })).body.data.verifyReceipt;
      expect([valid.valid, valid.receipt.reference, tampered]).toEqual([
        true,
        applicationId,
        { valid: false, reason: 'TAMPERED', message: '回执内容或签名已被改动，回执不可信', keyId: receipt.keyId, algorithm: 'ES256', receipt: null },
      ]);
    });

    it('no longer verifies once the stored receipt is changed', async () => {
      const db = gateway.services.db;
      await db.query(`UPDATE receipts SET content = replace(content, '"committedDays":10', '"committedDays":1') WHERE application_id = $1`, [applicationId]);
      try {
        expect((await gateway.graphql(VERIFY, { payload: receipt.payload })).body.data.verifyReceipt.reason).toBe('TAMPERED');
      } finally {
        await db.query(`UPDATE receipts SET content = $2 WHERE application_id = $1`, [applicationId, receipt.content]);
      }
      expect((await gateway.graphql(VERIFY, { payload: receipt.payload })).body.data.verifyReceipt.valid).toBe(true);
    });

    it('can be checked offline with the key published at the well-known URL', async () => {
      const keys = await get(gateway, '/.well-known/one-thing/receipt-keys.json');
      const published = keys.json().keys;
      expect(published.map(({ kid, algorithm, status }: any) => ({ kid, algorithm, status }))).toEqual([
        { kid: receipt.keyId, algorithm: 'ES256', status: 'current' },
      ]);
      const key = readPublicKey(published[0].publicKeyPem);
      expect([key.verify(receipt.content, receipt.signature), key.verify(receipt.content.replace('陈晓明', '陈晓红'), receipt.signature)]).toEqual([true, false]);
    });
  });

  describe('the flowchart', () => {
    it('comes as SVG and as DOT text, with the problems it shows', async () => {
      const query = `query Chart($code: ID!, $format: FlowchartFormat) { topic(code: $code) { flowchart(format: $format) { format content problems } } }`;
      const [svg, dot, failing] = await Promise.all([
        gateway.graphql(query, { code: NEWBORN }),
        gateway.graphql(query, { code: NEWBORN, format: 'DOT' }),
        gateway.graphql(query, { code: 'CN-YJS-CJR', format: 'DOT' }),
      ]);
      expect(svg.body.data.topic.flowchart).toEqual({ format: 'SVG', content: expect.stringMatching(/<svg[\s\S]*问题 1：新生儿在哪里出生？[\s\S]*<\/svg>/), problems: [] });
      expect(dot.body.data.topic.flowchart).toEqual({ format: 'DOT', content: expect.stringMatching(/^digraph "CN-YJS-XSECS" \{[\s\S]*社会保障卡申领（新生儿）/), problems: [] });
      expect(failing.body.data.topic.flowchart.problems).toEqual(['UNKNOWN_MATTER:440514-CL-GG-0007']);
    });
  });
});

describe('rotating the receipt key', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-rotation-'));
  const database = { dataDir: join(dataDir, 'db') };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const boot = (env: Record<string, string>) => startTestGateway({ DATA_DIR: dataDir, ...env }, { database });
  const applicant = () => mintToken(sandboxJwtSecret(dataDir), { sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const receiptOf = async (gateway: TestGateway, id: string, token: string) =>
    (await gateway.graphql(RECEIPT, { id }, token)).body.data.application.receipt;
  const verify = async (gateway: TestGateway, payload: string) => (await gateway.graphql(VERIFY, { payload })).body.data.verifyReceipt;

  it('signs with the new key while what the old one signed still verifies, and only while its public key is kept', async () => {
    let gateway = await boot({});
    const token = await applicant();
    const first = await receiptOf(gateway, await submitNewborn(gateway, token, 'rotation-1'), token);
    await gateway.close();

    // The sandbox switches to SM2: its earlier key, kept under DATA_DIR, becomes a previous key.
    gateway = await boot({ RECEIPT_SEAL_ALGORITHM: 'SM2-SM3' });
    try {
      const second = await receiptOf(gateway, await submitNewborn(gateway, token, 'rotation-2'), token);
      expect([first.algorithm, second.algorithm]).toEqual(['ES256', 'SM2-SM3']);
      expect([(await verify(gateway, first.payload)).valid, (await verify(gateway, second.payload)).valid]).toEqual([true, true]);
      const keys = (await get(gateway, '/.well-known/one-thing/receipt-keys.json')).json().keys;
      expect(keys.map(({ kid, status }: any) => ({ kid, status }))).toEqual([
        { kid: first.keyId, status: 'previous' },
        { kid: second.keyId, status: 'current' },
      ]);
      expect(await receiptOf(gateway, first.reference, token)).toEqual(first);
    } finally {
      await gateway.close();
    }

    // An operator's own key file: earlier receipts verify only with the earlier public keys listed.
    const keyFile = join(dataDir, 'operator-seal.pem');
    writeFileSync(keyFile, generateSigningKeyPem('SM2-SM3'));
    gateway = await boot({ RECEIPT_SIGNING_KEY_FILE: keyFile });
    try {
      expect((await verify(gateway, first.payload)).reason).toBe('UNKNOWN_KEY');
    } finally {
      await gateway.close();
    }
    gateway = await boot({ RECEIPT_SIGNING_KEY_FILE: keyFile, RECEIPT_PREVIOUS_KEY_FILES: join(dataDir, 'receipt-keys', 'receipt-seal-es256.pem') });
    try {
      expect((await verify(gateway, first.payload)).valid).toBe(true);
    } finally {
      await gateway.close();
    }
  }, 120_000);
});
