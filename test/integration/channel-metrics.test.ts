/**
 * The channel of an application and the assessors' newer figures (免提交率,
 * applications by channel, the plan → application funnel, the monthly series)
 * over HTTP against the sandbox. The expected figures are worked out by hand
 * in the comments from DESIGN.md and the sandbox data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, NEWBORN, PDF, newbornAnswers, newbornForm } from '../support/newborn.ts';

const APPLICATION = `query Application($id: ID!) {
  application(id: $id) { channel materials { code provision exemption { reason } } receipt { content } }
}`;
const METRICS = `query Metrics($region: String, $from: DateTime!, $to: DateTime!) {
  metrics(region: $region, from: $from, to: $to) {
    applications exemptionRate onTimeRate
    channels { channel applications }
    funnel { topic { code } plans applications conversionRate }
    monthly { month from to applications plans ratings materialReduction timeCompression onTimeRate goodRatingRate exemptionRate }
  }
}`;

let gateway: TestGateway;
let father: string;
let fileRef: string;

function newbornInput(idempotencyKey: string, channel?: string) {
  return {
    topicCode: NEWBORN,
    // Married parents, born in a Chaonan hospital, nothing else: the birth certificate and the registration.
    answers: newbornAnswers([], 1),
    form: newbornForm(),
    uploads: [
      { materialCode: 'M-SFZ', fileRef },
      { materialCode: 'M-FMJL', fileRef },
    ],
    deliveryMethod: 'ONLINE',
    idempotencyKey,
    ...(channel ? { channel } : {}),
  };
}

const submit = (key: string, channel?: string) =>
  gateway.graphql(contractOperation('SubmitApplication'), { input: newbornInput(key, channel) }, father);

const plan = (answers: unknown[], token?: string) =>
  gateway.graphql(contractOperation('SituationPlan'), { code: NEWBORN, answers, form: [] }, token);

beforeAll(async () => {
  gateway = await startTestGateway({}, { sandbox: { caseStepMs: 100 }, services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 } } });
  father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const upload = await fetch(`${gateway.gateway.url}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${father}` }, body: PDF });
  fileRef = ((await upload.json()) as { fileRef: string }).fileRef;
});
afterAll(async () => {
  await gateway?.close();
});

describe('the channel of an application', () => {
  it('is PC when the contract operation names none, and shows on the application and its receipt', async () => {
    const { body } = await submit('channel-default');
    const id = body.data.submitApplication.application.id;

    const shown = await gateway.graphql(APPLICATION, { id }, father);

    expect(shown.body.data.application.channel).toBe('PC');
    expect(JSON.parse(shown.body.data.application.receipt.content).channel).toBe('PC');
  });

  it('is the phone or the kiosk when the front-end says so', async () => {
    const mobile = await submit('channel-mobile', 'MOBILE');
    const kiosk = await submit('channel-kiosk', 'KIOSK');

    const shown = await Promise.all(
      [mobile, kiosk].map(({ body }) => gateway.graphql(APPLICATION, { id: body.data.submitApplication.application.id }, father)),
    );
    expect(shown.map(({ body }) => [body.data.application.channel, JSON.parse(body.data.application.receipt.content).channel])).toEqual([
      ['MOBILE', 'MOBILE'],
      ['KIOSK', 'KIOSK'],
    ]);
  });

  it('is never the window when a client says so: that is bad input naming the field, and nothing is stored', async () => {
    const { body } = await submit('channel-window', 'WINDOW');
    const mine = await gateway.graphql(contractOperation('MyApplications'), { first: 100 }, father);

    expect(body.errors!.map((e) => [e.extensions!.code, e.extensions!.problems])).toEqual([
      ['BAD_USER_INPUT', [{ field: 'channel', code: 'CHANNEL_NOT_SELF_SERVICE', message: expect.stringContaining('window staff') }]],
    ]);
    expect(mine.body.data.me.applications.edges).toHaveLength(3);
  });
});

describe('the assessors’ figures of channel, exemption, funnel and month', () => {
  it('are worked out from the applications and the plans of the period', async () => {
    // Two complete plans for the signed-in father, one incomplete one (a question unanswered), one anonymous one: 2 count.
    for (const token of [father, father, undefined]) expect((await plan(newbornAnswers([], 1), token)).body.errors).toBeUndefined();
    expect((await plan(newbornAnswers([], 1).slice(0, 2), father)).body.data.topic.plan.complete).toBe(false);
    const now = new Date();
    const monthStart = new Date(`${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now).slice(0, 7)}-01T00:00:00+08:00`);
    const period = { region: '440514', from: monthStart.toISOString(), to: new Date(now.getTime() + 60_000).toISOString() };

    const { body } = await gateway.graphql(METRICS, period, gateway.tokenOf('EVALUATOR'));

    expect(body.errors).toBeUndefined();
    const metrics = body.data.metrics;
    // The three applications of the describe above (PC, MOBILE, KIOSK); the refused WINDOW one was never stored.
    expect(metrics.applications).toBe(3);
    expect(metrics.channels).toEqual([
      { channel: 'PC', applications: 1 },
      { channel: 'MOBILE', applications: 1 },
      { channel: 'WINDOW', applications: 0 },
      { channel: 'KIOSK', applications: 1 },
    ]);
    // Each: the birth certificate's and the registration's merged list of 6 materials (married, one month old: no
    // paternity report, no late-registration note) — the father's ID card and the delivery record uploaded; the
    // mother's ID card, the marriage certificate and the household register from the e-certificate library, the birth
    // certificate (出生医学证明) the first matter's result — so 4 of 6 exempt, and (3 × 4) / (3 × 6) over the period.
    expect(metrics.exemptionRate).toBeCloseTo(2 / 3, 10);
    expect(metrics.funnel.find((f: any) => f.topic.code === NEWBORN)).toEqual({ topic: { code: NEWBORN }, plans: 2, applications: 3, conversionRate: 1.5 });
    expect(metrics.funnel.filter((f: any) => f.topic.code !== NEWBORN).every((f: any) => f.plans === 0 && f.applications === 0)).toBe(true);
    // One month, from its first day to the end of the period; 8 materials before, 2 to hand in; 40 legal days, 4 committed.
    expect(metrics.monthly).toEqual([
      {
        month: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now).slice(0, 7),
        from: period.from,
        to: period.to,
        applications: 3,
        plans: 2,
        ratings: 0,
        materialReduction: expect.closeTo(1 - 2 / 8, 10),
        timeCompression: expect.closeTo(1 - 4 / 40, 10),
        // One month is the whole period: its on-time rate is the period's, whatever delivery has decided by now.
        onTimeRate: metrics.onTimeRate,
        goodRatingRate: null,
        exemptionRate: expect.closeTo(2 / 3, 10),
      },
    ]);
  });

  it('refuse a monthly series of more than ten years, saying which argument to change', async () => {
    const { body } = await gateway.graphql(
      METRICS,
      { region: '440514', from: '2000-01-01T00:00:00+08:00', to: '2026-01-01T00:00:00+08:00' },
      gateway.tokenOf('ADMIN'),
    );

    expect(body.errors!.map((e) => [e.path, e.extensions!.code, e.extensions!.problems])).toEqual([
      [['metrics', 'monthly'], 'BAD_USER_INPUT', [{ field: 'to', code: 'PERIOD_TOO_LONG_FOR_SERIES', message: expect.any(String) }]],
    ]);
  });
});
