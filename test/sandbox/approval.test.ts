import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseView, DepartmentSystem, Sandbox } from '../../sandbox/index.ts';
import {
  BIRTH_CERTIFICATE,
  BUSINESS_LICENCE,
  FOOD_LICENCE,
  HEALTH,
  SAMR,
  ZHANG_SAN,
  getJson,
  manualClock,
  personalDataHeaders,
  postJson,
  startFixtureSandbox,
} from './fixtures.ts';

const STEP_MS = 1000;
const START = '2025-03-03T01:00:00.000Z';
const at = (steps: number) => new Date(Date.parse(START) + steps * STEP_MS).toISOString();

function submission(matterCode: string, overrides: Record<string, unknown> = {}) {
  return {
    matterCode,
    applicationId: 'APP-100',
    applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
    form: { 'applicant.name': '张三', 'business.name': '好味道', 'business.areaSqm': 45 },
    materials: [{ code: 'MAT-SFZ', provision: 'GOVERNMENT_ISSUED' }],
    deliveryMethod: 'ONLINE',
    ...overrides,
  };
}

describe('approval system simulator', () => {
  let sandbox: Sandbox;
  let clock: ReturnType<typeof manualClock>;
  let samr: DepartmentSystem;

  async function start(options: { caseStepMs?: number; realClock?: boolean; startAt?: string } = {}) {
    clock = manualClock(Date.parse(options.startAt ?? START));
    sandbox = await startFixtureSandbox({
      caseStepMs: options.caseStepMs ?? STEP_MS,
      ...(options.realClock ? {} : { now: clock.now }),
    });
    samr = sandbox.departments.find((department) => department.departmentCode === SAMR)!;
  }
  afterEach(() => sandbox.close());

  const auth = () => ({ authorization: `Bearer ${samr.token}` });
  const submit = (body: unknown, key = 'APP-100:matter') =>
    postJson(`${samr.baseUrl}/api/v1/cases`, body, { ...auth(), 'idempotency-key': key });
  const read = async (caseId: string) => {
    const { body } = await getJson(`${samr.baseUrl}/api/v1/cases?ids=${caseId}`, { headers: auth() });
    return (body as { items: CaseView[] }).items[0]!;
  };
  const supplement = (caseId: string, codes: string[], key: string) =>
    postJson(
      `${samr.baseUrl}/api/v1/cases/${caseId}/supplements`,
      { materials: codes.map((code) => ({ code, provision: 'UPLOADED', fileRef: `sha256:${'ab'.repeat(32)}` })) },
      { ...auth(), 'idempotency-key': key },
    );

  it('runs one approval system per department that handles matters', async () => {
    await start();
    expect(sandbox.departments).toEqual([
      { departmentCode: SAMR, departmentName: '汕头市潮南区市场监督管理局', baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), token: expect.stringMatching(/^[0-9a-f]{48}$/), webhookSecret: expect.stringMatching(/^[0-9a-f]{48}$/), matterCodes: [BUSINESS_LICENCE.code, FOOD_LICENCE.code] },
      { departmentCode: HEALTH, departmentName: '汕头市潮南区卫生健康局', baseUrl: expect.any(String), token: expect.any(String), webhookSecret: expect.any(String), matterCodes: [BIRTH_CERTIFICATE.code] },
    ]);
    expect(await getJson(`${samr.baseUrl}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('creates one case per Idempotency-Key: 201 the first time, 200 with the same case after', async () => {
    await start();
    const created = await submit(submission(BUSINESS_LICENCE.code));
    expect(created).toEqual({
      status: 201,
      body: {
        caseId: expect.stringMatching(/^SCJGJ-440514-20250303-[0-9A-F]{8}$/),
        matterCode: BUSINESS_LICENCE.code,
        applicationId: 'APP-100',
        status: 'RECEIVED',
        statusReason: null,
        receivedAt: START,
        updatedAt: START,
        dueAt: '2025-03-06T01:00:00.000Z',
        decidedAt: null,
        requestedMaterials: [],
        result: null,
      },
    });
    clock.advance(STEP_MS);
    const again = await submit(submission(BUSINESS_LICENCE.code));
    expect(again).toEqual({ status: 200, body: { ...(created.body as CaseView), status: 'ACCEPTED', updatedAt: at(1) } });
    const other = await submit(submission(BUSINESS_LICENCE.code), 'APP-100:other');
    expect(other.status).toBe(201);
    expect((other.body as CaseView).caseId).not.toBe((created.body as CaseView).caseId);
  });

  it('sets dueAt the committed working days after receipt, as a department does: over the holiday, on the make-up Saturday', async () => {
    // Tuesday 2025-09-30 09:00 in China; National Day is Oct 1–8 and Saturday Oct 11 is worked in lieu.
    await start({ startAt: '2025-09-30T01:00:00.000Z' });
    const created = await submit(submission(BUSINESS_LICENCE.code));

    expect(BUSINESS_LICENCE.committedDays).toBe(3);
    expect((created.body as CaseView).dueAt).toBe('2025-10-11T01:00:00.000Z');
  });

  it('refuses a case without the right token, Idempotency-Key or body, and a matter of another department', async () => {
    await start();
    const body = submission(BUSINESS_LICENCE.code);
    const post = (headers: Record<string, string>, payload: unknown = body) => postJson(`${samr.baseUrl}/api/v1/cases`, payload, headers);
    expect((await post({ 'idempotency-key': 'k' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${sandbox.departments[1]!.token}`, 'idempotency-key': 'k' })).status).toBe(401);
    expect(await post(auth())).toEqual({ status: 400, body: { code: 'BAD_REQUEST', message: 'The Idempotency-Key header is required' } });
    expect((await post({ ...auth(), 'idempotency-key': 'k'.repeat(129) })).status).toBe(400);
    expect((await post({ ...auth(), 'idempotency-key': 'k'.repeat(128) })).status).toBe(201);
    for (const invalid of [
      { ...body, applicant: { type: 'ROBOT', id: ZHANG_SAN, name: '张三' } },
      { ...body, materials: [{ code: 'MAT-SFZ', provision: 'EMAILED' }] },
      { ...body, form: ['not', 'an', 'object'] },
      { ...body, matterCode: undefined },
    ]) {
      const { status, body: error } = await post({ ...auth(), 'idempotency-key': 'k2' }, invalid);
      expect(status).toBe(400);
      expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await post({ ...auth(), 'idempotency-key': 'k3' }, { ...body, matterCode: BIRTH_CERTIFICATE.code })).toEqual({
      status: 422,
      body: { code: 'MATTER_NOT_HANDLED', message: `${SAMR} does not handle matter ${BIRTH_CERTIFICATE.code}` },
    });
  });

  it('moves a case along the clock to APPROVED and issues its result certificate into the library', async () => {
    await start();
    const { caseId } = (await submit(submission(BUSINESS_LICENCE.code))).body as CaseView;
    const statuses: string[] = [];
    for (let step = 0; step <= 4; step += 1) {
      statuses.push((await read(caseId)).status);
      clock.advance(STEP_MS);
    }
    expect(statuses).toEqual(['RECEIVED', 'ACCEPTED', 'IN_REVIEW', 'APPROVED', 'APPROVED']);

    const approved = await read(caseId);
    expect(approved).toMatchObject({ status: 'APPROVED', updatedAt: at(3), decidedAt: at(3), statusReason: null });
    const search = await postJson(
      `${sandbox.urls.eCertificates}/api/v1/certificates/search`,
      { holderIds: [ZHANG_SAN], typeCodes: ['CT-YYZZ'] },
      personalDataHeaders(sandbox.tokens.eCertificates),
    );
    const issued = (search.body as { items: Array<{ id: string }> }).items.find((certificate) => certificate.id !== 'EC-0001');
    expect(issued).toEqual({
      id: approved.result?.certificateId,
      typeCode: 'CT-YYZZ',
      typeName: '营业执照',
      number: 'YYZZ4405142025000001',
      holderId: ZHANG_SAN,
      holderName: '张三',
      issuerDepartment: SAMR,
      issuedAt: '2025-03-03',
      validFrom: '2025-03-03',
      validUntil: null,
      status: 'VALID',
    });
    expect(approved.result).toEqual({ certificateId: issued?.id, certificateNumber: 'YYZZ4405142025000001' });
  });

  it('issues the certificate of a case approved unseen when the library is read', async () => {
    await start();
    const { caseId } = (await submit(submission(BUSINESS_LICENCE.code))).body as CaseView;
    clock.advance(3 * STEP_MS);
    const search = await postJson(
      `${sandbox.urls.eCertificates}/api/v1/certificates/search`,
      { holderIds: [ZHANG_SAN], typeCodes: ['CT-YYZZ'] },
      personalDataHeaders(sandbox.tokens.eCertificates),
    );
    expect((search.body as { items: unknown[] }).items).toHaveLength(2);
    expect((await read(caseId)).result?.certificateNumber).toBe('YYZZ4405142025000001');
  });

  it('rejects a case whose premises are under 10 square metres, with the reason in Chinese', async () => {
    await start();
    const form = { 'business.areaSqm': '8' };
    const { caseId } = (await submit(submission(FOOD_LICENCE.code, { form }))).body as CaseView;
    clock.advance(3 * STEP_MS);
    expect(await read(caseId)).toMatchObject({
      status: 'REJECTED',
      statusReason: '经营场所面积8平方米，不足10平方米，不符合许可条件，不予许可',
      decidedAt: at(3),
      result: null,
    });
  });

  it('asks for the deferred materials in review, and decides one step after they are all handed in', async () => {
    await start();
    const materials = [
      { code: 'MAT-YYZZ', provision: 'E_CERTIFICATE', certificateId: 'EC-0001' },
      { code: 'MAT-PMT', provision: 'DEFERRED' },
      { code: 'MAT-JKZ', provision: 'DEFERRED' },
    ];
    const { caseId } = (await submit(submission(FOOD_LICENCE.code, { materials }))).body as CaseView;
    clock.advance(2 * STEP_MS);
    expect((await read(caseId)).status).toBe('IN_REVIEW');
    clock.advance(STEP_MS);
    expect(await read(caseId)).toMatchObject({
      status: 'SUPPLEMENT_REQUIRED',
      statusReason: '容缺受理，请补交：经营场所平面图、从业人员健康证明',
      requestedMaterials: ['MAT-PMT', 'MAT-JKZ'],
      decidedAt: null,
    });

    clock.advance(5 * STEP_MS);
    const partial = await supplement(caseId, ['MAT-PMT'], 'supplement-1');
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ status: 'SUPPLEMENT_REQUIRED', requestedMaterials: ['MAT-JKZ'], updatedAt: at(8) });
    expect((await supplement(caseId, ['MAT-PMT'], 'supplement-1')).body).toEqual(partial.body);

    const complete = await supplement(caseId, ['MAT-JKZ'], 'supplement-2');
    expect(complete.body).toMatchObject({ status: 'IN_REVIEW', requestedMaterials: [], statusReason: null, updatedAt: at(8) });
    clock.advance(STEP_MS);
    expect(await read(caseId)).toMatchObject({ status: 'APPROVED', decidedAt: at(9) });
    expect((await supplement(caseId, ['MAT-JKZ'], 'supplement-3')).status).toBe(409);
  });

  it('takes deferred materials handed in early, and refuses supplements nobody asked for with 409', async () => {
    await start();
    const deferred = [{ code: 'MAT-PMT', provision: 'DEFERRED' }];
    const { caseId } = (await submit(submission(FOOD_LICENCE.code, { materials: deferred }))).body as CaseView;
    clock.advance(STEP_MS);
    expect((await supplement(caseId, ['MAT-PMT'], 'early')).body).toMatchObject({ status: 'ACCEPTED' });
    clock.advance(2 * STEP_MS);
    expect((await read(caseId)).status).toBe('APPROVED');

    const plain = (await submit(submission(BUSINESS_LICENCE.code), 'plain')).body as CaseView;
    expect(await supplement(plain.caseId, ['MAT-ZLHT'], 'nobody-asked')).toEqual({
      status: 409,
      body: { code: 'NOT_WAITING_FOR_MATERIALS', message: `Case ${plain.caseId} is not waiting for materials` },
    });
    expect((await supplement('SCJGJ-440514-NOPE', ['MAT-ZLHT'], 'unknown')).status).toBe(404);
  });

  it('withdraws an undecided case, repeats the answer on retry, and refuses to withdraw a decided one', async () => {
    await start();
    const withdraw = (caseId: string) => postJson(`${samr.baseUrl}/api/v1/cases/${caseId}/withdrawal`, undefined, auth());
    const { caseId } = (await submit(submission(BUSINESS_LICENCE.code))).body as CaseView;
    clock.advance(STEP_MS);
    const withdrawn = await withdraw(caseId);
    expect(withdrawn.body).toMatchObject({ status: 'WITHDRAWN', statusReason: '申请人撤回申请', updatedAt: at(1), decidedAt: null });
    clock.advance(5 * STEP_MS);
    expect(await withdraw(caseId)).toEqual({ status: 200, body: withdrawn.body });

    const decided = (await submit(submission(BUSINESS_LICENCE.code), 'decided')).body as CaseView;
    clock.advance(3 * STEP_MS);
    expect(await withdraw(decided.caseId)).toEqual({
      status: 409,
      body: { code: 'ALREADY_DECIDED', message: `Case ${decided.caseId} is already decided (APPROVED)` },
    });
    expect((await withdraw('SCJGJ-440514-NOPE')).status).toBe(404);
  });

  it('reads cases in a batch, leaving out unknown ids, and refuses none or more than 100', async () => {
    await start();
    const first = (await submit(submission(BUSINESS_LICENCE.code), 'a')).body as CaseView;
    const second = (await submit(submission(FOOD_LICENCE.code), 'b')).body as CaseView;
    const batch = await getJson(`${samr.baseUrl}/api/v1/cases?ids=${second.caseId},UNKNOWN,${first.caseId}`, { headers: auth() });
    expect(batch).toEqual({ status: 200, body: { items: [second, first] } });
    expect((await getJson(`${samr.baseUrl}/api/v1/cases?ids=`, { headers: auth() })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, index) => `C${index}`).join(',');
    expect((await getJson(`${samr.baseUrl}/api/v1/cases?ids=${tooMany}`, { headers: auth() })).status).toBe(400);
    expect((await getJson(`${samr.baseUrl}/api/v1/cases?ids=${first.caseId}`)).status).toBe(401);
  });

  it('posts every change of a case to the webhook target, signed with the department secret', async () => {
    await start({ caseStepMs: 30, realClock: true });
    const received: Array<{ path: string; signature: string | undefined; body: string }> = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', signature: request.headers['x-signature'] as string | undefined, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    try {
      sandbox.setWebhookTarget((departmentCode) => `http://127.0.0.1:${port}/webhooks/${departmentCode}`);
      const { caseId } = (await submit(submission(BUSINESS_LICENCE.code))).body as CaseView;
      await expect.poll(() => received.length, { timeout: 2000, interval: 20 }).toBe(3);

      const changes = received.map(({ body }) => JSON.parse(body) as CaseView);
      expect(changes.map((change) => [change.caseId, change.status])).toEqual([
        [caseId, 'ACCEPTED'],
        [caseId, 'IN_REVIEW'],
        [caseId, 'APPROVED'],
      ]);
      expect(changes[2]?.result?.certificateId).toEqual(expect.any(String));
      for (const { path, signature, body } of received) {
        expect(path).toBe(`/webhooks/${SAMR}`);
        expect(signature).toBe(createHmac('sha256', samr.webhookSecret).update(body).digest('hex'));
      }
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
