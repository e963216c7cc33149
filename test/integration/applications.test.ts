/**
 * One application, many departments, over HTTP end to end: upload, submit,
 * delivery to the sandbox's approval systems, prerequisite results passed
 * on, status in one query, supplements, and the faults of the issue.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { submissionOf } from '../support/submission.ts';
import { FATHER, MATTERS, MOTHER, PDF, SERVICE_FIELDS, newbornAnswers, newbornForm, newbornSubmission } from '../support/newborn.ts';

const { birthCertificate: WJ1, vaccination: WJ2, registration: GA1, insurance: YB1, socialSecurityCard: RS1 } = MATTERS;
const form = newbornForm(SERVICE_FIELDS);

let gateway: TestGateway;
let token: string;
let pdf: string;

beforeAll(async () => {
  gateway = await startTestGateway(
    // One applicant submits many applications here; the mutation rate limit has its own tests.
    { MUTATION_RATE_LIMIT: 'off' },
    {
      sandbox: { caseStepMs: 150 },
      services: {
        delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
        poller: { intervalMs: 100 },
        approvalPolicy: { breakerHalfOpenAfterMs: 200 },
      },
    },
  );
  token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  pdf = await gateway.upload(token, PDF);
});
afterAll(async () => {
  await gateway?.close();
});
beforeEach(() => gateway.sandbox!.faults.clear());


const submit = (idempotencyKey: string, extra: Record<string, unknown> = {}, bearer = token) =>
  gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission(idempotencyKey, pdf, extra) }, bearer);

const status = async (id: string, bearer = token) =>
  (await gateway.graphql(contractOperation('ApplicationStatus'), { id }, bearer)).body;

/** Waits for a condition on the application's status, failing after `timeoutMs`. */
async function eventually(id: string, check: (application: any) => boolean, timeoutMs = 15_000) {
  const started = Date.now();
  for (;;) {
    const body = await status(id);
    if (check(body.data.application)) return body.data.application;
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting: ${JSON.stringify(body.data.application.cases.map((c: any) => [c.matter?.code, c.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const caseOf = (application: any, matter: string) => application.cases.find((c: any) => c.matter.code === matter);

describe('submitting an application', () => {
  it('stores the application with one case per matter, prerequisite cases held back', async () => {
    const { body } = await submit('newborn-1');

    expect(body.errors).toBeUndefined();
    const application = body.data.submitApplication.application;
    expect(application).toEqual({
      id: expect.stringMatching(/^OT\d{8}[A-Z0-9]{10}$/),
      status: 'SUBMITTED',
      submittedAt: expect.any(String),
      topic: { code: 'CN-YJS-XSECS' },
      cases: [
        { matter: { code: WJ1 }, department: { code: 'WJJ-440514' }, status: 'QUEUED' },
        { matter: { code: WJ2 }, department: { code: 'WJJ-440514' }, status: 'WAITING_FOR_PREREQUISITE' },
        { matter: { code: GA1 }, department: { code: 'GAFJ-440514' }, status: 'WAITING_FOR_PREREQUISITE' },
        { matter: { code: YB1 }, department: { code: 'YBJ-440514' }, status: 'WAITING_FOR_PREREQUISITE' },
        { matter: { code: RS1 }, department: { code: 'RSJ-440514' }, status: 'WAITING_FOR_PREREQUISITE' },
      ],
    });
  });

  it('delivers every case, passes results on to the matters that need them, and shows it all in one query', async () => {
    const { body } = await submit('newborn-2');
    const id = body.data.submitApplication.application.id;

    const done = await eventually(id, (a) => caseOf(a, RS1).status === 'APPROVED' && caseOf(a, WJ2).status === 'SUPPLEMENT_REQUIRED');

    expect(done.topic).toEqual({ code: 'CN-YJS-XSECS', name: '新生儿出生一件事' });
    expect(done.deliveryMethod).toBe('POST');
    expect(done.status).toBe('NEEDS_SUPPLEMENT');
    expect(done.cases.map((c: any) => [c.matter.code, c.department.code, c.status, c.overdue])).toEqual([
      [WJ1, 'WJJ-440514', 'APPROVED', false],
      [WJ2, 'WJJ-440514', 'SUPPLEMENT_REQUIRED', false],
      [GA1, 'GAFJ-440514', 'APPROVED', false],
      [YB1, 'YBJ-440514', 'APPROVED', false],
      [RS1, 'RSJ-440514', 'APPROVED', false],
    ]);
    expect(caseOf(done, WJ2).requestedMaterials).toEqual(['M-SZJZJL']);

    // Each department sees a status of its own cases: the police learn nothing of the health commission's supplement request.
    const statusFor = async (dept: string) => {
      const staff = await gateway.mint({ sub: `staff-${dept}`, name: '窗口', role: 'DEPARTMENT_STAFF', dept });
      const { body: cases } = await gateway.graphql('{ departmentCases(first: 100) { edges { node { application { id status } } } } }', {}, staff);
      return cases.data.departmentCases.edges.map((e: any) => e.node.application).find((a: any) => a.id === id)?.status;
    };
    expect([await statusFor('GAFJ-440514'), await statusFor('WJJ-440514')]).toEqual(['COMPLETED', 'NEEDS_SUPPLEMENT']);
    expect(caseOf(done, WJ1).result.certificate).toEqual({ id: expect.any(String), number: expect.any(String), typeName: '出生医学证明' });
    expect(done.materials.map((m: any) => [m.code, m.provision, m.exemption?.reason ?? null])).toEqual([
      ['M-SFZ', 'UPLOADED', null],
      ['M-POSFZ', 'E_CERTIFICATE', 'E_CERTIFICATE'],
      ['M-FMJL', 'UPLOADED', null],
      ['M-JHZ', 'DATA_SHARING', 'DATA_SHARING'],
      ['M-CSYXZM', 'INTERNAL_RESULT', 'INTERNAL_RESULT'],
      ['M-SZJZJL', 'DEFERRED', null],
      ['M-HKB', 'E_CERTIFICATE', 'E_CERTIFICATE'],
      ['M-XSEHKB', 'INTERNAL_RESULT', 'INTERNAL_RESULT'],
      ['M-YBCBPZ', 'INTERNAL_RESULT', 'INTERNAL_RESULT'],
      ['M-ZP', 'UPLOADED', null],
    ]);

    // The birth registration went to the police with the birth certificate the health commission issued.
    const sent = await submissionOf(gateway.services.db, id, GA1);
    expect(sent.materials).toContainEqual({ code: 'M-CSYXZM', provision: 'INTERNAL_RESULT', certificateId: null });
    expect(caseOf(done, WJ1).result.certificate.id).toMatch(/.+/);

    // 容缺: the deferred vaccination record is handed in, and the case goes on to approval.
    const supplied = await gateway.graphql(
      contractOperation('SupplementMaterials'),
      { input: { applicationId: id, matterCode: WJ2, uploads: [{ materialCode: 'M-SZJZJL', fileRef: pdf }], idempotencyKey: 'vaccination-1' } },
      token,
    );
    expect(supplied.body.errors).toBeUndefined();
    const completed = await eventually(id, (a) => a.status === 'COMPLETED');
    expect(completed.cases.every((c: any) => c.status === 'APPROVED')).toBe(true);
  });

  it('accepts exactly what the signed-in plan without a form lists: prefilled values, and the materials it asks for', async () => {
    const answers = newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']);
    const { body: planned } = await gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers }, token);
    const plan = planned.data.topic.plan;
    const typed = new Map(form.map((f) => [f.key, f.value]));
    const filledIn = plan.form
      .map((f: any) => ({ key: f.key, value: f.prefill?.value ?? typed.get(f.key) }))
      .filter((f: any) => f.value !== undefined);
    const toHandIn = plan.materials.filter((m: any) => m.required && m.exemption === null).map((m: any) => m.code);

    // The spouse is linked by the data center: her ID card is exempt without the form naming her.
    expect(plan.materials.find((m: any) => m.code === 'M-POSFZ').exemption.reason).toBe('E_CERTIFICATE');
    expect(toHandIn).toEqual(['M-SFZ', 'M-FMJL', 'M-SZJZJL', 'M-ZP']);

    const { body } = await submit('newborn-as-planned', {
      form: filledIn,
      uploads: toHandIn.map((materialCode: string) => ({ materialCode, fileRef: pdf })),
      deferredMaterials: [],
    });

    expect(body.errors).toBeUndefined();
    const id = body.data.submitApplication.application.id;
    const { rows } = await gateway.services.db.query<{ code: string; provision: string }>(
      'SELECT code, provision FROM application_materials WHERE application_id = $1 ORDER BY position',
      [id],
    );
    expect(rows.map((r) => [r.code, r.provision])).toEqual(
      plan.materials.map((m: any) => [m.code, m.exemption?.reason ?? 'UPLOADED']),
    );
  });

  it('accepts an exempt material handed in anyway, and shows it as uploaded', async () => {
    const { body } = await submit('newborn-hands-in-hukou', {
      uploads: [...newbornSubmission('x', pdf).uploads, { materialCode: 'M-HKB', fileRef: pdf }],
    });

    expect(body.errors).toBeUndefined();
    const application = (await status(body.data.submitApplication.application.id)).data.application;
    expect(application.materials.find((m: any) => m.code === 'M-HKB')).toEqual({
      code: 'M-HKB',
      name: expect.any(String),
      provision: 'UPLOADED',
      exemption: { reason: 'E_CERTIFICATE', certificate: expect.objectContaining({ id: 'EC-0002' }), producedBy: null },
    });
  });

  it('holds back the food licence of 我要开餐馆, listed first, until the registration it depends on is approved', async () => {
    const restaurateur = await gateway.mint({ sub: '440514198807210468', name: '吴少芬', role: 'APPLICANT' });
    const file = await gateway.upload(restaurateur, PDF);
    const answers = [
      { questionId: 'entityType', values: ['INDIVIDUAL'] },
      { questionId: 'placeType', values: ['LEASED'] },
      { questionId: 'areaSqm', values: ['120'] },
      { questionId: 'foodTypes', values: ['HOT'] },
      { questionId: 'hasSignboard', values: ['false'] },
    ];
    const { body: planned } = await gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-KCG', answers }, restaurateur);
    const plan = planned.data.topic.plan;
    const sample = (f: any) => ({ STRING: '样例', NUMBER: '120', DATE: '2026-12-01', BOOLEAN: 'false', ENUM: f.options?.[0] })[f.type as string];

    const { body } = await gateway.graphql(
      contractOperation('SubmitApplication'),
      {
        input: {
          topicCode: 'CN-YJS-KCG',
          answers,
          form: plan.form.filter((f: any) => f.required || f.prefill).map((f: any) => ({ key: f.key, value: f.prefill?.value ?? sample(f) })),
          uploads: plan.materials.filter((m: any) => m.required && !m.exemption).map((m: any) => ({ materialCode: m.code, fileRef: file })),
          deliveryMethod: 'WINDOW',
          idempotencyKey: 'restaurant-1',
        },
      },
      restaurateur,
    );

    expect(body.errors).toBeUndefined();
    expect(body.data.submitApplication.application.cases.map((c: any) => [c.matter.code, c.status])).toEqual([
      ['440514-SCJG-XK-0002', 'WAITING_FOR_PREREQUISITE'],
      ['440514-SCJG-XK-0001', 'QUEUED'],
      ['440514-ZJ-XK-0001', 'WAITING_FOR_PREREQUISITE'],
      ['440514-SW-GG-0001', 'WAITING_FOR_PREREQUISITE'],
    ]);
  });

  it('returns the same application for the same idempotency key, and no second case anywhere', async () => {
    const first = await submit('newborn-3');
    const id = first.body.data.submitApplication.application.id;
    await eventually(id, (a) => caseOf(a, WJ1).status !== 'QUEUED');

    const again = await submit('newborn-3');
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(again.body.data.submitApplication.application.id).toBe(id);
    const { rows } = await gateway.services.db.query<{ applications: string; cases: string; attempts: number }>(
      `SELECT (SELECT count(*) FROM applications WHERE idempotency_key = 'newborn-3')::text AS applications,
              (SELECT count(*) FROM cases WHERE application_id = $1)::text AS cases,
              (SELECT delivery_attempts FROM cases WHERE application_id = $1 AND matter_code = $2) AS attempts`,
      [id, WJ1],
    );
    expect(rows).toEqual([{ applications: '1', cases: '5', attempts: 1 }]);
  });

  it('accepts the application while a department is down, shows QUEUED, and delivers once it is back', async () => {
    gateway.sandbox!.faults.set('WJJ-440514', { kind: 'down' });
    const { body } = await submit('newborn-4');
    const id = body.data.submitApplication.application.id;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(caseOf(await status(id).then((b) => b.data.application), WJ1).status).toBe('QUEUED');

    gateway.sandbox!.faults.set('WJJ-440514', null);

    const delivered = await eventually(id, (a) => caseOf(a, WJ1).status !== 'QUEUED');
    expect(['RECEIVED', 'ACCEPTED', 'IN_REVIEW', 'APPROVED']).toContain(caseOf(delivered, WJ1).status);
  });

  it('shows the department reason for a refused case and does not send it again', async () => {
    gateway.sandbox!.faults.set('WJJ-440514', { kind: 'status', status: 422 });
    const { body } = await submit('newborn-5');
    const id = body.data.submitApplication.application.id;

    const refused = await eventually(id, (a) => caseOf(a, WJ1).statusReason !== null);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const { rows } = await gateway.services.db.query<{ delivery_attempts: number; next_attempt_at: Date | null }>(
      'SELECT delivery_attempts, next_attempt_at FROM cases WHERE application_id = $1 AND matter_code = $2',
      [id, WJ1],
    );

    expect(caseOf(refused, WJ1).status).toBe('QUEUED');
    expect(caseOf(refused, WJ1).statusReason).toMatch(/.+/);
    expect(rows).toEqual([{ delivery_attempts: 1, next_attempt_at: null }]);
  });

  it('lists every problem of a bad submission at once and stores nothing', async () => {
    const before = (await gateway.graphql(contractOperation('MyApplications'), { first: 100 }, token)).body.data.me.applications.edges.length;

    const { body } = await submit('newborn-bad', {
      form: form.map((f) => (f.key === 'child.birthDate' ? { ...f, value: '2026-02-30' } : f)).filter((f) => f.key !== 'child.name'),
      uploads: [{ materialCode: 'M-SFZ', fileRef: `sha256:${'0'.repeat(64)}` }],
      deferredMaterials: ['M-FMJL'],
    });

    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors![0]!.extensions!.problems.map((p: any) => [p.field, p.code])).toEqual([
      ['form.child.birthDate', 'NOT_A_DATE'],
      ['form.child.name', 'REQUIRED'],
      ['materials.M-SFZ', 'FILE_NOT_FOUND'],
      ['materials.M-FMJL', 'NOT_TOLERANT'],
      ['materials.M-SZJZJL', 'MISSING_MATERIAL'],
      ['materials.M-ZP', 'MISSING_MATERIAL'],
    ]);
    const after = (await gateway.graphql(contractOperation('MyApplications'), { first: 100 }, token)).body.data.me.applications.edges.length;
    expect(after).toBe(before);
  });

  it('lists a bad answer together with the form and material problems, each checked against the answers that could be read', async () => {
    const { body } = await submit('newborn-bad-answer', {
      answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']).map((a) => (a.questionId === 'ageMonths' ? { ...a, values: ['two'] } : a)),
      form: form.filter((f) => f.key !== 'child.name'),
      uploads: [{ materialCode: 'M-SFZ', fileRef: 'not-a-file-ref' }, { materialCode: 'M-FMJL', fileRef: pdf }],
    });

    const problems = body.errors![0]!.extensions!.problems;
    expect(problems.map((p: any) => [p.field, p.code])).toEqual([
      ['answers.ageMonths', 'NOT_A_NUMBER'],
      ['form.child.name', 'REQUIRED'],
      ['materials.M-SFZ', 'BAD_FILE_REF'],
      ['materials.M-ZP', 'MISSING_MATERIAL'],
    ]);
    expect(problems[1].message).toMatch(/checked without the answers that could not be read: answers\.ageMonths/);
    expect(problems[2].message).toMatch(/whether you uploaded it could not be checked/);
  });

  it('refuses a file another applicant uploaded, as if it did not exist', async () => {
    const other = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });
    const theirs = await gateway.upload(other, Buffer.from('%PDF-1.4\n% 林美玲的材料\n%%EOF\n'));

    const { body } = await submit('newborn-6', {
      uploads: [
        { materialCode: 'M-SFZ', fileRef: theirs },
        { materialCode: 'M-FMJL', fileRef: pdf },
        { materialCode: 'M-ZP', fileRef: pdf },
      ],
    });

    expect(body.errors![0]!.extensions!.problems.map((p: any) => [p.field, p.code])).toEqual([['materials.M-SFZ', 'FILE_NOT_FOUND']]);
  });
});

describe('reading applications', () => {
  it('answers null for someone else\'s application id', async () => {
    const { body } = await submit('newborn-7');
    const other = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });

    expect(await status(body.data.submitApplication.application.id, other)).toEqual({ data: { application: null } });
  });

  it('lists my applications newest first with cursor paging', async () => {
    const { body: page1 } = await gateway.graphql(contractOperation('MyApplications'), { first: 2 }, token);
    const { body: page2 } = await gateway.graphql(
      contractOperation('MyApplications'),
      { first: 2, after: page1.data.me.applications.pageInfo.endCursor },
      token,
    );

    expect(page1.data.me.subjectId).toBe(FATHER);
    expect(page1.data.me.applications.edges).toHaveLength(2);
    expect(page1.data.me.applications.pageInfo.hasNextPage).toBe(true);
    const ids = [...page1.data.me.applications.edges, ...page2.data.me.applications.edges].map((e: any) => e.node.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists a department its own cases only', async () => {
    const staff = await gateway.mint({ sub: 'staff-ga', name: '户政窗口', role: 'DEPARTMENT_STAFF', dept: 'GAFJ-440514' });

    const { body } = await gateway.graphql(contractOperation('DepartmentCases'), { first: 50 }, staff);

    expect(body.errors).toBeUndefined();
    const nodes = body.data.departmentCases.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    expect(new Set(nodes.map((n: any) => n.matter.code))).toEqual(new Set([GA1]));
  });
});

describe('the case status webhook', () => {
  it('refuses a body whose signature does not match, and changes nothing', async () => {
    const body = JSON.stringify({ caseId: 'X', matterCode: WJ1, applicationId: 'A', status: 'APPROVED', receivedAt: '2026-11-26T00:00:00+08:00', updatedAt: '2026-11-26T00:00:00+08:00', dueAt: '2026-11-30T00:00:00+08:00' });
    const signature = createHmac('sha256', 'not-the-secret').update(body).digest('hex');

    const response = await fetch(`${gateway.gateway.url}/webhooks/case-status/WJJ-440514`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });

    expect(response.status).toBe(401);
  });
});
