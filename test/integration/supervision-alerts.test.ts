/**
 * 效能监督 and 差评整改 over HTTP with the sandbox (issue 14, "Done when"): a
 * delivered case whose clock crosses 80 % of its working time turns YELLOW
 * and the operator's alert receiver (ALERT_WEBHOOK_URL, a loopback server
 * here) gets one signed alert for it, then RED past its dueAt with one more;
 * a 差评 opens a follow-up that the topic's lead department takes to
 * RECTIFIED; a receiver that is down at first still gets the alert once.
 *
 * The warning monitor and the alert sender share a clock that ticks with
 * real time and that the tests move forward (`ServiceOptions.warnings.now`,
 * `alerts.now`); the sandbox's departments keep real time.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workingDaysBetween } from '../../domain/working-days.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startTestServer, type Handler, type TestServer } from '../support/http-server.ts';
import { FATHER, MATTERS, NEWBORN, PDF, newbornAnswers, newbornForm, newbornSubmission } from '../support/newborn.ts';

const SECRET = 'alerts-http-test-secret-0123456789';
const WJJ = 'WJJ-440514';
const { vaccination: WJ2 } = MATTERS;

/** The newborn topic's lead department in the sandbox registry. */
const NEWBORN_LEAD = 'WJJ-440514';

/** A clock that ticks with real time and can be moved to any instant (it goes on ticking from there). */
function movableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    moveTo(at: Date) {
      offsetMs = at.getTime() - Date.now();
    },
  };
}

interface Supervised {
  gateway: TestGateway;
  receiver: TestServer;
  clock: ReturnType<typeof movableClock>;
  father: string;
}

async function startSupervisedGateway(receive: Handler): Promise<Supervised> {
  const receiver = await startTestServer(receive);
  const clock = movableClock();
  const gateway = await startTestGateway(
    { MUTATION_RATE_LIMIT: 'off', ALERT_WEBHOOK_URL: `${receiver.url}/alerts/inbox`, ALERT_WEBHOOK_SECRET: SECRET },
    {
      sandbox: { caseStepMs: 100 },
      services: {
        delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
        poller: { intervalMs: 100 },
        warnings: { now: clock.now },
        alerts: { now: clock.now, intervalMs: 100, backoff: { baseMs: 50, maxMs: 200 } },
      },
    },
  );
  const father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  return { gateway, receiver, clock, father };
}

async function stopSupervisedGateway(s: Supervised | undefined) {
  await s?.gateway.close();
  await s?.receiver.close();
}

/** Polls `read` until `done` holds of its value, failing after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const applicationStatus = async (s: Supervised, id: string) =>
  (await s.gateway.graphql(contractOperation('ApplicationStatus'), { id }, s.father)).body.data.application;

/**
 * Submits the newborn application with the vaccination record deferred
 * (容缺) and waits until every case is decided but the vaccination, which the
 * health commission holds as SUPPLEMENT_REQUIRED: a delivered, undecided case.
 * @returns the application id.
 */
async function submitAndWaitForUndecidedVaccination(s: Supervised, key: string): Promise<string> {
  const fileRef = await s.gateway.upload(s.father, PDF);
  const { body } = await s.gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission(key, fileRef) }, s.father);
  expect(body.errors).toBeUndefined();
  const id: string = body.data.submitApplication.application.id;
  await eventually(
    () => applicationStatus(s, id),
    (a) => a.cases.every((c: any) => (c.matter.code === WJ2 ? c.status === 'SUPPLEMENT_REQUIRED' : c.status === 'APPROVED')),
    'the vaccination to wait for its record and the other cases to be approved',
  );
  return id;
}

/** The gateway's case of a matter of an application, with the times the department gave it. */
async function caseTimes(s: Supervised, applicationId: string, matterCode: string) {
  const { rows } = await s.gateway.services.db.query<{ id: string; received_at: Date; due_at: Date }>(
    'SELECT id, received_at, due_at FROM cases WHERE application_id = $1 AND matter_code = $2',
    [applicationId, matterCode],
  );
  return { caseId: rows[0]!.id, receivedAt: new Date(rows[0]!.received_at), dueAt: new Date(rows[0]!.due_at) };
}

/** The first instant at which `share` of the working time from `receivedAt` to `dueAt` is used. */
function instantAtShare(receivedAt: Date, dueAt: Date, share: number): Date {
  const allowed = workingDaysBetween(receivedAt, dueAt);
  let low = receivedAt.getTime();
  let high = dueAt.getTime();
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (workingDaysBetween(receivedAt, new Date(middle)) / allowed >= share) high = middle;
    else low = middle;
  }
  return new Date(high);
}

/** One warning pass and then one batch of the alert outbox, as the background loops would do them. */
async function evaluateAndSend(s: Supervised) {
  await s.gateway.services.warnings.runOnce();
  await s.gateway.services.alerts!.runOnce();
}

const DEPARTMENT_CASES = `query Cases($warning: WarningLevel) {
  departmentCases(first: 50, warning: $warning) {
    edges { node { id application { id } matter { code } status warning } }
  }
}`;

const signatureOf = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');

describe('a delivered case crossing its time limit, over HTTP', () => {
  let s: Supervised;
  let applicationId: string;
  let times: Awaited<ReturnType<typeof caseTimes>>;
  let staff: string;

  const casesAt = async (warning: string | null) => {
    const { body } = await s.gateway.graphql(DEPARTMENT_CASES, { warning }, staff);
    expect(body.errors).toBeUndefined();
    return body.data.departmentCases.edges.map((e: any) => e.node);
  };

  beforeAll(async () => {
    s = await startSupervisedGateway((_req, res) => {
      res.writeHead(204).end();
    });
    staff = await s.gateway.mint({ sub: 'staff-wjj', name: '窗口', role: 'DEPARTMENT_STAFF', dept: WJJ });
    applicationId = await submitAndWaitForUndecidedVaccination(s, 'supervision-yellow');
    times = await caseTimes(s, applicationId, WJ2);
  });
  afterAll(() => stopSupervisedGateway(s));

  it('stays NONE and raises no alert just before 80 % of its working time is used', async () => {
    s.clock.moveTo(instantAtShare(times.receivedAt, times.dueAt, 0.79));
    await evaluateAndSend(s);

    expect(await casesAt('YELLOW')).toEqual([]);
    expect((await casesAt('NONE')).find((c: any) => c.id === times.caseId)).toEqual({
      id: times.caseId,
      application: { id: applicationId },
      matter: { code: WJ2 },
      status: 'SUPPLEMENT_REQUIRED',
      warning: 'NONE',
    });
    expect(s.receiver.requests).toEqual([]);
  });

  it('turns YELLOW past 80 %, for the department to see, and sends one signed alert naming the department and the lead department', async () => {
    s.clock.moveTo(instantAtShare(times.receivedAt, times.dueAt, 0.81));
    await s.gateway.services.warnings.runOnce();

    expect(await casesAt('YELLOW')).toEqual([
      { id: times.caseId, application: { id: applicationId }, matter: { code: WJ2 }, status: 'SUPPLEMENT_REQUIRED', warning: 'YELLOW' },
    ]);
    await eventually(async () => s.receiver.requests.length, (n) => n >= 1, 'the YELLOW alert');
    const [alert] = s.receiver.requests;
    expect(alert).toMatchObject({ method: 'POST', url: '/alerts/inbox' });
    expect(alert!.headers['content-type']).toBe('application/json');
    expect(alert!.headers['x-signature']).toBe(signatureOf(alert!.body));
    expect(alert!.headers['idempotency-key']).toBe(`case:${times.caseId}:YELLOW`);
    expect(JSON.parse(alert!.body)).toEqual({
      id: `case:${times.caseId}:YELLOW`,
      kind: 'CASE_WARNING',
      level: 'YELLOW',
      caseId: times.caseId,
      applicationId,
      topicCode: NEWBORN,
      matterCode: WJ2,
      department: WJJ,
      leadDepartment: NEWBORN_LEAD,
      receivedAt: times.receivedAt.toISOString(),
      dueAt: times.dueAt.toISOString(),
      raisedAt: expect.any(String),
    });
    // No personal data travels with an alert.
    expect(alert!.body).not.toContain(FATHER);
  });

  it('sends nothing more when the case is evaluated again at the same level', async () => {
    await evaluateAndSend(s);
    await evaluateAndSend(s);

    expect(s.receiver.requests).toHaveLength(1);
    expect((await casesAt('YELLOW')).map((c: any) => c.id)).toEqual([times.caseId]);
  });

  it('turns RED past its dueAt with exactly one more alert', async () => {
    s.clock.moveTo(new Date(times.dueAt.getTime() + 60_000));
    await s.gateway.services.warnings.runOnce();

    await eventually(async () => s.receiver.requests.length, (n) => n >= 2, 'the RED alert');
    await evaluateAndSend(s);

    expect(await casesAt('YELLOW')).toEqual([]);
    expect(await casesAt('RED')).toEqual([
      { id: times.caseId, application: { id: applicationId }, matter: { code: WJ2 }, status: 'SUPPLEMENT_REQUIRED', warning: 'RED' },
    ]);
    expect(s.receiver.requests.map((r) => [r.headers['idempotency-key'], JSON.parse(r.body).level, r.headers['x-signature'] === signatureOf(r.body)])).toEqual([
      [`case:${times.caseId}:YELLOW`, 'YELLOW', true],
      [`case:${times.caseId}:RED`, 'RED', true],
    ]);
    expect(JSON.parse(s.receiver.requests[1]!.body)).toMatchObject({ caseId: times.caseId, department: WJJ, leadDepartment: NEWBORN_LEAD });
  });
});

const FOLLOW_UPS = `query FollowUps($status: FollowUpStatus) {
  followUps(status: $status) {
    applicationId topic { code } leadDepartment { code } grade comment status nextActions contactNote closingNote
  }
}`;

const FOLLOW_UP_STEP = `mutation Step($input: FollowUpStepInput!) {
  followUpStep(input: $input) { followUp { applicationId status nextActions contactNote closingNote } }
}`;

const CITIZEN_EVALUATION = `query Evaluation($id: ID!) {
  application(id: $id) { id evaluation { grade followUp { status } } }
}`;

const FOLLOW_UP_METRICS = `query Metrics($region: String, $from: DateTime!, $to: DateTime!) {
  metrics(region: $region, from: $from, to: $to) { followUps { count closed rectified onTimeRate rectificationRate } }
}`;

describe('a 差评 followed up by the lead department, over HTTP', () => {
  let s: Supervised;
  let applicationId: string;
  let lead: string;
  let police: string;
  const comment = '窗口让我来回跑了两次，材料清单没有讲清楚';

  const step = (action: string, note: string, token = lead) =>
    s.gateway.graphql(FOLLOW_UP_STEP, { input: { applicationId, action, note } }, token);
  const citizenSees = async () => (await s.gateway.graphql(CITIZEN_EVALUATION, { id: applicationId }, s.father)).body;

  beforeAll(async () => {
    s = await startSupervisedGateway((_req, res) => {
      res.writeHead(204).end();
    });
    lead = await s.gateway.mint({ sub: 'staff-wjj-lead', name: '业务联络员', role: 'DEPARTMENT_STAFF', dept: NEWBORN_LEAD });
    police = await s.gateway.mint({ sub: 'staff-gafj', name: '窗口', role: 'DEPARTMENT_STAFF', dept: 'GAFJ-440514' });
    const fileRef = await s.gateway.upload(s.father, PDF);
    // Married parents, born in a Chaonan hospital, nothing else: the birth certificate and the registration, both approved.
    const { body } = await s.gateway.graphql(
      contractOperation('SubmitApplication'),
      {
        input: {
          topicCode: NEWBORN,
          answers: newbornAnswers([], 1),
          form: newbornForm(),
          uploads: [
            { materialCode: 'M-SFZ', fileRef },
            { materialCode: 'M-FMJL', fileRef },
          ],
          deliveryMethod: 'ONLINE',
          idempotencyKey: 'supervision-rated',
        },
      },
      s.father,
    );
    expect(body.errors).toBeUndefined();
    applicationId = body.data.submitApplication.application.id;
    await eventually(() => applicationStatus(s, applicationId), (a) => a.status === 'COMPLETED', 'the application to complete');
  });
  afterAll(() => stopSupervisedGateway(s));

  it('opens a follow-up for the lead department when the citizen gives a 差评 with the contract operation', async () => {
    const rated = await s.gateway.graphql(
      contractOperation('RateApplication'),
      { input: { applicationId, grade: 2, comment, channel: 'MOBILE' } },
      s.father,
    );

    expect(rated.body.errors).toBeUndefined();
    expect(rated.body.data.rateApplication.evaluation).toEqual({ grade: 2, comment, createdAt: expect.any(String) });
    const { body } = await s.gateway.graphql(FOLLOW_UPS, {}, lead);
    expect(body).toEqual({
      data: {
        followUps: [
          {
            applicationId,
            topic: { code: NEWBORN },
            leadDepartment: { code: NEWBORN_LEAD },
            grade: 2,
            comment,
            status: 'OPEN',
            nextActions: ['CONTACT'],
            contactNote: null,
            closingNote: null,
          },
        ],
      },
    });
    expect(await citizenSees()).toEqual({ data: { application: { id: applicationId, evaluation: { grade: 2, followUp: { status: 'OPEN' } } } } });
  });

  it('shows another department none of it and refuses its steps as FORBIDDEN', async () => {
    const listed = await s.gateway.graphql(FOLLOW_UPS, {}, police);
    const stepped = await step('CONTACT', '已电话回访', police);

    expect(listed.body).toEqual({ data: { followUps: [] } });
    expect(stepped.body.data).toBeNull();
    expect(stepped.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('refuses a step out of order, naming every problem', async () => {
    const { body } = await step('RECTIFY', '');

    expect(body.data).toBeNull();
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.problems])).toEqual([
      [
        'BAD_USER_INPUT',
        [
          { field: 'action', code: 'STEP_OUT_OF_ORDER', message: expect.stringContaining('RECTIFY is not possible now') },
          { field: 'note', code: 'NOTE_REQUIRED', message: 'a note saying what was done is required' },
        ],
      ],
    ]);
    expect(await citizenSees()).toEqual({ data: { application: { id: applicationId, evaluation: { grade: 2, followUp: { status: 'OPEN' } } } } });
  });

  it('is taken to CONTACTED and then RECTIFIED with notes, and the citizen sees it RECTIFIED', async () => {
    const contacted = await step('CONTACT', '已电话回访申请人，核实为材料清单告知不清');
    expect(await citizenSees()).toEqual({ data: { application: { id: applicationId, evaluation: { grade: 2, followUp: { status: 'CONTACTED' } } } } });
    const rectified = await step('RECTIFY', '已修订一次性告知单，窗口人员完成培训');

    expect([contacted.body, rectified.body]).toEqual([
      {
        data: {
          followUpStep: {
            followUp: { applicationId, status: 'CONTACTED', nextActions: ['RECTIFY', 'EXPLAIN'], contactNote: '已电话回访申请人，核实为材料清单告知不清', closingNote: null },
          },
        },
      },
      {
        data: {
          followUpStep: {
            followUp: {
              applicationId,
              status: 'RECTIFIED',
              nextActions: [],
              contactNote: '已电话回访申请人，核实为材料清单告知不清',
              closingNote: '已修订一次性告知单，窗口人员完成培训',
            },
          },
        },
      },
    ]);
    expect(await citizenSees()).toEqual({ data: { application: { id: applicationId, evaluation: { grade: 2, followUp: { status: 'RECTIFIED' } } } } });
    expect((await s.gateway.graphql(FOLLOW_UPS, { status: 'OPEN' }, lead)).body).toEqual({ data: { followUps: [] } });
  });

  it('gives evaluators the follow-up figures in AssessmentMetrics', async () => {
    const day = 24 * 60 * 60 * 1000;
    const period = { region: '440514', from: new Date(Date.now() - day).toISOString(), to: new Date(Date.now() + day).toISOString() };

    const { body } = await s.gateway.graphql(FOLLOW_UP_METRICS, period, s.gateway.tokenOf('EVALUATOR'));

    expect(body).toEqual({
      data: { metrics: { followUps: { count: 1, closed: 1, rectified: 1, onTimeRate: 1, rectificationRate: 1 } } },
    });
  });
});

describe('an alert receiver that is down at first, over HTTP', () => {
  let s: Supervised;
  const answers: number[] = [];

  beforeAll(async () => {
    s = await startSupervisedGateway((_req, res) => {
      const status = answers.length === 0 ? 503 : 204;
      answers.push(status);
      res.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end();
    });
  });
  afterAll(() => stopSupervisedGateway(s));

  it('gets the alert again with the same Idempotency-Key after a 503, and once it answered 204 no more', async () => {
    const applicationId = await submitAndWaitForUndecidedVaccination(s, 'supervision-flaky-receiver');
    const times = await caseTimes(s, applicationId, WJ2);
    s.clock.moveTo(instantAtShare(times.receivedAt, times.dueAt, 0.81));
    await s.gateway.services.warnings.runOnce();

    await eventually(async () => answers, (a) => a.includes(204), 'the alert to be taken');
    await evaluateAndSend(s);

    expect(answers).toEqual([503, 204]);
    expect(s.receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual([`case:${times.caseId}:YELLOW`, `case:${times.caseId}:YELLOW`]);
    expect(s.receiver.requests[1]!.body).toBe(s.receiver.requests[0]!.body);
    expect(s.receiver.requests.every((r) => r.headers['x-signature'] === signatureOf(r.body))).toBe(true);
    const { rows } = await s.gateway.services.db.query<{ id: string; attempts: number; sent: boolean }>(
      'SELECT id, attempts, sent_at IS NOT NULL AS sent FROM alerts',
    );
    expect(rows).toEqual([{ id: `case:${times.caseId}:YELLOW`, attempts: 2, sent: true }]);
  });
});
