/**
 * 帮办代办 over HTTP: a citizen grants a code on the phone, window staff redeem
 * it and run the contract's own operations for the citizen with the session
 * header, and the citizen sees afterwards who read their data and who
 * submitted the application. Then every way of getting assistance wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, NEWBORN, PDF, newbornAnswers, newbornForm, newbornSubmission, SERVICE_FIELDS } from '../support/newborn.ts';

let gateway: TestGateway;
let citizen: string;
let staff: string;
let otherStaff: string;

const GRANT = `mutation Grant($topicCode: ID!) { grantAssistance(topicCode: $topicCode) { code qrPayload qrSvg topicCode expiresAt } }`;
const START_WITH_CODE = `mutation Start($code: String) {
  startAssistance(code: $code) { id topicCode staffId hall consent applicantId applicantName active }
}`;
const START_IN_PERSON = `mutation Start($inPerson: InPersonConsentInput) {
  startAssistance(inPerson: $inPerson) { id topicCode staffId hall consent applicantId applicantName active }
}`;
const END = `mutation End($sessionId: ID!) { endAssistance(sessionId: $sessionId) { id active endedAt } }`;
const MY_ASSISTANCE = `{ me { assistance { staffId hall consent topicCode applicantName active } } }`;
const ACCESS_LOG = `{ me { dataAccessLog(first: 50) { edges { node { actor actorRole purpose system assistedBy { staffId hall consent } } } } } }`;
const ASSISTED_APPLICATION = `query App($id: ID!) { application(id: $id) { id channel assistedBy { staffId hall consent } } }`;

/** A GraphQL request with the staff member's token and, when given, the assistance session header. */
async function asStaff(query: string, variables: Record<string, unknown>, session?: string, token = staff) {
  const response = await fetch(`${gateway.gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(session ? { 'x-assistance-session': session } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
}

async function uploadInSession(session: string, bytes: Buffer) {
  const response = await fetch(`${gateway.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff}`, 'x-assistance-session': session, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function codeSession(): Promise<string> {
  const granted = await gateway.graphql(GRANT, { topicCode: NEWBORN }, citizen);
  const started = await asStaff(START_WITH_CODE, { code: granted.body.data.grantAssistance.code });
  return started.body.data.startAssistance.id;
}

beforeAll(async () => {
  gateway = await startTestGateway({ MUTATION_RATE_LIMIT: 'off' });
  citizen = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  staff = await gateway.mint({ sub: 'W0012', name: '李窗口', role: 'WINDOW_STAFF', hall: 'CN-HALL-01' });
  otherStaff = await gateway.mint({ sub: 'W0077', name: '张窗口', role: 'WINDOW_STAFF', hall: 'CN-HALL-02' });
});
afterAll(async () => {
  await gateway?.close();
});

describe('a window staff member helps a citizen from consent to submission', () => {
  it('redeems the citizen\'s code, plans, uploads and submits for them, and the citizen sees it all', async () => {
    const granted = await gateway.graphql(GRANT, { topicCode: NEWBORN }, citizen);
    const grant = granted.body.data.grantAssistance;
    expect(grant.code).toMatch(/^\d{6}$/);
    expect(grant.qrPayload).toBe(`onething-assist:1:${grant.code}`);
    expect(grant.qrSvg).toContain('<svg');
    expect(grant.topicCode).toBe(NEWBORN);

    // The window scans the QR code rather than typing the digits.
    const started = await asStaff(START_WITH_CODE, { code: grant.qrPayload });
    expect(started.body.errors).toBeUndefined();
    const session = started.body.data.startAssistance;
    expect(session).toEqual({
      id: expect.any(String),
      topicCode: NEWBORN,
      staffId: 'W0012',
      hall: 'CN-HALL-01',
      consent: 'CODE',
      applicantId: '440514***********6',
      applicantName: '陈晓明',
      active: true,
    });

    const plan = await asStaff(
      contractOperation('SituationPlan'),
      { code: NEWBORN, answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']), form: newbornForm(SERVICE_FIELDS) },
      session.id,
    );
    expect(plan.body.errors).toBeUndefined();
    // The citizen's own e-certificates exempt materials: the plan is the citizen's, not an anonymous one.
    const exempt = plan.body.data.topic.plan.materials.filter((m: any) => m.exemption).map((m: any) => m.exemption.reason);
    expect(exempt.length).toBeGreaterThan(0);

    const upload = await uploadInSession(session.id, PDF);
    expect(upload.status).toBe(201);

    const submitted = await asStaff(contractOperation('SubmitApplication'), { input: newbornSubmission('window-1', upload.body.fileRef) }, session.id);
    expect(submitted.body.errors).toBeUndefined();
    const applicationId = submitted.body.data.submitApplication.application.id;

    const seenByCitizen = await gateway.graphql(ASSISTED_APPLICATION, { id: applicationId }, citizen);
    expect(seenByCitizen.body.data.application).toEqual({
      id: applicationId,
      channel: 'WINDOW',
      assistedBy: { staffId: 'W0012', hall: 'CN-HALL-01', consent: 'CODE' },
    });

    const log = (await gateway.graphql(ACCESS_LOG, {}, citizen)).body.data.me.dataAccessLog.edges.map((e: any) => e.node);
    const staffReads = log.filter((entry: any) => entry.actorRole === 'WINDOW_STAFF');
    expect(staffReads.length).toBeGreaterThan(0);
    for (const entry of staffReads) {
      expect(entry).toMatchObject({ actor: 'W0012', assistedBy: { staffId: 'W0012', hall: 'CN-HALL-01', consent: 'CODE' } });
    }

    const mine = await gateway.graphql(MY_ASSISTANCE, {}, citizen);
    expect(mine.body.data.me.assistance[0]).toEqual({
      staffId: 'W0012',
      hall: 'CN-HALL-01',
      consent: 'CODE',
      topicCode: NEWBORN,
      applicantName: '陈晓明',
      active: true,
    });

    const ended = await asStaff(END, { sessionId: session.id });
    expect(ended.body.data.endAssistance).toMatchObject({ id: session.id, active: false, endedAt: expect.any(String) });
  });

  it('records an in-person ID check as such, visible to the citizen afterwards', async () => {
    const started = await asStaff(START_IN_PERSON, {
      inPerson: { idNumber: FATHER, name: '陈晓明', idCardVerified: true, topicCode: NEWBORN },
    });
    expect(started.body.data.startAssistance).toMatchObject({ consent: 'IN_PERSON', applicantId: '440514***********6', active: true });
    const mine = await gateway.graphql(MY_ASSISTANCE, {}, citizen);
    expect(mine.body.data.me.assistance[0]).toMatchObject({ consent: 'IN_PERSON', staffId: 'W0012', hall: 'CN-HALL-01' });
  });
});

describe('assistance refused', () => {
  const problemOf = (body: { errors?: any[] }) => body.errors?.[0]?.extensions;

  it('refuses an unknown code', async () => {
    const result = await asStaff(START_WITH_CODE, { code: '999999' }, undefined, otherStaff);
    expect(problemOf(result.body)).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'code', code: 'ASSISTANCE_CODE_UNKNOWN', message: expect.any(String) }] });
  });

  it('refuses a code used once already', async () => {
    const granted = await gateway.graphql(GRANT, { topicCode: NEWBORN }, citizen);
    const code = granted.body.data.grantAssistance.code;
    expect((await asStaff(START_WITH_CODE, { code })).body.errors).toBeUndefined();
    const again = await asStaff(START_WITH_CODE, { code }, undefined, otherStaff);
    expect(problemOf(again.body)).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ field: 'code', code: 'ASSISTANCE_CODE_USED' }] });
  });

  it('refuses a citizen who tries to start a session', async () => {
    const result = await gateway.graphql(START_IN_PERSON, { inPerson: { idNumber: FATHER, name: '陈晓明', idCardVerified: true, topicCode: NEWBORN } }, citizen);
    expect(problemOf(result.body)).toMatchObject({ code: 'FORBIDDEN' });
    expect(result.body.data).toBeNull();
  });

  it('refuses an in-person consent whose ID card was not checked, with every problem listed', async () => {
    const result = await asStaff(START_IN_PERSON, { inPerson: { idNumber: '440514199403120357', name: ' ', idCardVerified: false, topicCode: NEWBORN } });
    expect(problemOf(result.body)).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [
        { field: 'inPerson.idNumber', code: 'INVALID_ID_NUMBER' },
        { field: 'inPerson.name', code: 'REQUIRED' },
        { field: 'inPerson.idCardVerified', code: 'ID_CARD_NOT_VERIFIED' },
      ],
    });
  });

  it('shows staff outside a session no personal data: no plan exemptions, no uploads, no submissions', async () => {
    const plan = await asStaff(contractOperation('SituationPlan'), { code: NEWBORN, answers: newbornAnswers(['VACCINATION']), form: [] });
    expect(plan.body.data.topic.plan.materials.every((m: any) => m.exemption === null || m.exemption.certificate === null)).toBe(true);
    const submitted = await asStaff(contractOperation('SubmitApplication'), { input: newbornSubmission('outside', 'sha256:' + '0'.repeat(64)) });
    expect(problemOf(submitted.body)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a session used for another topic', async () => {
    const session = await codeSession();
    const plan = await asStaff(contractOperation('SituationPlan'), { code: 'CN-YJS-KCG', answers: [], form: [] }, session);
    expect(plan.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'ASSISTANCE_OUTSIDE_TOPIC' } });
  });

  it('refuses a session used by another staff member', async () => {
    const session = await codeSession();
    const result = await asStaff(MY_ASSISTANCE, {}, session, otherStaff);
    expect(result.status).toBe(403);
    expect(problemOf(result.body)).toMatchObject({ code: 'FORBIDDEN', reason: 'ASSISTANCE_SESSION_NOT_YOURS' });
  });

  it('refuses a session after it ended', async () => {
    const session = await codeSession();
    await asStaff(END, { sessionId: session });
    const result = await asStaff(contractOperation('SituationPlan'), { code: NEWBORN, answers: [], form: [] }, session);
    expect(result.status).toBe(403);
    expect(problemOf(result.body)).toMatchObject({ code: 'FORBIDDEN', reason: 'ASSISTANCE_SESSION_ENDED' });
  });

  it('does not let staff in a session read the citizen\'s access log or grant consent for them', async () => {
    const session = await codeSession();
    expect(problemOf((await asStaff(ACCESS_LOG, {}, session)).body)).toMatchObject({ code: 'FORBIDDEN', reason: 'ASSISTANCE_NOT_ALLOWED' });
    expect(problemOf((await asStaff(GRANT, { topicCode: NEWBORN }, session)).body)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('locks a staff member out after repeated wrong codes', async () => {
    const guesser = await gateway.mint({ sub: 'W0999', name: '试码', role: 'WINDOW_STAFF', hall: 'CN-HALL-03' });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await asStaff(START_WITH_CODE, { code: String(100000 + i) }, undefined, guesser)).body.errors?.[0]?.extensions?.code);
    expect(codes).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'RATE_LIMITED']);
  });

  it('treats a window staff token without a hall as no valid token', async () => {
    const hallless = await gateway.mint({ sub: 'W0001', name: '无厅', role: 'WINDOW_STAFF' });
    const result = await asStaff(MY_ASSISTANCE, {}, undefined, hallless);
    expect(result.status).toBe(401);
    expect(problemOf(result.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
