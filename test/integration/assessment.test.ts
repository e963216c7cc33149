/**
 * Ratings and the assessors' metrics over HTTP against the sandbox, after a
 * scripted run of two applications and their ratings. Every expected figure
 * is worked out by hand from DESIGN.md and the sandbox data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MOTHER, NEWBORN, PDF, newbornAnswers, newbornForm } from '../support/newborn.ts';

const period = { region: '440514', from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' };

let gateway: TestGateway;
let father: string;
const applications: string[] = [];

async function submitNewborn(key: string): Promise<string> {
  const upload = await fetch(`${gateway.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${father}` },
    body: PDF,
  });
  const { fileRef } = (await upload.json()) as { fileRef: string };
  const { body } = await gateway.graphql(
    contractOperation('SubmitApplication'),
    {
      input: {
        topicCode: NEWBORN,
        // Married parents, born in a Chaonan hospital, nothing else: the birth certificate and the registration.
        answers: newbornAnswers([], 1),
        form: newbornForm(),
        uploads: [
          { materialCode: 'M-SFZ', fileRef },
          { materialCode: 'M-FMJL', fileRef },
        ],
        deliveryMethod: 'ONLINE',
        idempotencyKey: key,
      },
    },
    father,
  );
  expect(body.errors).toBeUndefined();
  return body.data.submitApplication.application.id;
}

async function completed(id: string) {
  for (let i = 0; i < 200; i++) {
    const { body } = await gateway.graphql(contractOperation('ApplicationStatus'), { id }, father);
    if (body.data.application.status === 'COMPLETED') return body.data.application;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`application ${id} did not complete`);
}

const rate = (applicationId: string, grade: number, comment: string | null, token = father) =>
  gateway.graphql(contractOperation('RateApplication'), { input: { applicationId, grade, comment, channel: 'MOBILE' } }, token);

beforeAll(async () => {
  gateway = await startTestGateway(
    {},
    {
      sandbox: { caseStepMs: 100 },
      services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 }, poller: { intervalMs: 100 } },
    },
  );
  father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  applications.push(await submitNewborn('assess-1'), await submitNewborn('assess-2'));
});
afterAll(async () => {
  await gateway?.close();
});

describe('RateApplication', () => {
  it('refuses to rate an application that is not decided yet', async () => {
    const pending = await submitNewborn('assess-pending');

    const { body } = await rate(pending, 5, null);

    expect(body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['NOT_DECIDED']);
  });

  it('forwards a rating of a completed application and shows it with the application', async () => {
    await completed(applications[0]!);

    const { body } = await rate(applications[0]!, 5, '办事很方便，一次都没跑');
    const status = await completed(applications[0]!);

    expect(body.data.rateApplication.evaluation).toEqual({ grade: 5, comment: '办事很方便，一次都没跑', createdAt: expect.any(String) });
    expect(status.evaluation).toEqual({ grade: 5, createdAt: body.data.rateApplication.evaluation.createdAt });
  });

  it('wants a comment with a bad rating, and takes one rating per application', async () => {
    await completed(applications[1]!);

    const silent = await rate(applications[1]!, 2, null);
    const rated = await rate(applications[1]!, 2, '等候时间太长');
    const twice = await rate(applications[1]!, 4, null);

    expect(silent.body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['COMMENT_REQUIRED']);
    expect(rated.body.data.rateApplication.evaluation.grade).toBe(2);
    expect(twice.body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['ALREADY_RATED']);
  });

  it('does not let anyone rate someone else\'s application', async () => {
    const mother = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });

    const { body } = await rate(applications[0]!, 1, '冒名差评', mother);

    expect(body.errors![0]!.extensions!.problems.map((p: any) => p.code)).toEqual(['UNKNOWN_APPLICATION']);
  });
});

describe('AssessmentMetrics', () => {
  it('gives the figures of the period, worked out from the rules', async () => {
    const { body } = await gateway.graphql(contractOperation('AssessmentMetrics'), period, gateway.tokenOf('EVALUATOR'));

    expect(body.errors).toBeUndefined();
    const metrics = body.data.metrics;
    // Six published Chaonan topics; 残疾人证… breaks the naming standard, has an unknown matter, no guide and a matter at depth 2.
    expect(metrics.topicCount).toBe(6);
    expect(metrics.guidableRate).toBeCloseTo(5 / 6, 10);
    expect(metrics.onlineProcessableRate).toBeCloseTo(5 / 6, 10);
    // Three applications (two completed, one pending); before 3 + 5 = 8 materials, 2 to hand in (ID card, delivery record).
    expect(metrics.applications).toBe(3);
    expect(metrics.averageMaterialReduction).toBeCloseTo(1 - 2 / 8, 10);
    // Legal 20 + 20 days, committed 3 + 1 along the chain.
    expect(metrics.averageTimeCompression).toBeCloseTo(1 - 4 / 40, 10);
    expect(metrics.onTimeRate).toBe(1);
    // Nine historic ratings of Chaonan topics (5 4 5 2 5 3 4 1 5) and ours (5, 2): 8 of 11 are 3–5.
    expect(metrics.goodRatingRate).toBeCloseTo(8 / 11, 10);

    const newborn = metrics.topics.find((t: any) => t.topic.code === 'CN-YJS-XSECS');
    expect(newborn).toEqual({
      topic: { code: 'CN-YJS-XSECS', name: '新生儿出生一件事' },
      guidable: true,
      onlineProcessable: true,
      problems: [],
      // Widest situation: 23 required materials matter by matter, 9 of the 13 merged ones still to hand in.
      materialReduction: expect.closeTo(1 - 9 / 23, 10),
      // Legal 95 days in all; the longest committed chain 3 + 1 + 1 + 5.
      timeCompression: expect.closeTo(1 - 10 / 95, 10),
      applications: 3,
      onTimeRate: 1,
      ratings: [
        { grade: 1, count: 0 },
        { grade: 2, count: 1 },
        { grade: 3, count: 0 },
        { grade: 4, count: 1 },
        { grade: 5, count: 2 },
      ],
      goodRatingRate: 0.75,
    });
    const failing = metrics.topics.find((t: any) => t.topic.code === 'CN-YJS-CJR');
    expect(failing.guidable).toBe(false);
    expect(failing.problems).toEqual(expect.arrayContaining(['NAME_NOT_STANDARD', 'UNKNOWN_MATTER', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE']));
    const departments = Object.fromEntries(metrics.departments.map((d: any) => [d.department.code, [d.cases, d.overdueCases, d.onTimeRate]]));
    expect(departments).toEqual({ 'WJJ-440514': [3, 0, 1], 'GAFJ-440514': [3, 0, 1] });
  });

  it('gives null rates, not a division by zero, for a period without applications or ratings', async () => {
    const { body } = await gateway.graphql(
      contractOperation('AssessmentMetrics'),
      { region: '440514', from: '2020-01-01T00:00:00+08:00', to: '2020-02-01T00:00:00+08:00' },
      gateway.tokenOf('ADMIN'),
    );

    const { topics, ...summary } = body.data.metrics;
    expect(summary).toEqual({
      topicCount: 6,
      guidableRate: expect.closeTo(5 / 6, 10),
      onlineProcessableRate: expect.closeTo(5 / 6, 10),
      applications: 0,
      onTimeRate: null,
      goodRatingRate: null,
      averageMaterialReduction: null,
      averageTimeCompression: null,
      departments: [],
    });
    expect(topics.every((t: any) => t.applications === 0 && t.onTimeRate === null && t.goodRatingRate === null)).toBe(true);
  });

  it('is for evaluators and administrators only', async () => {
    const anonymous = await gateway.graphql(contractOperation('AssessmentMetrics'), period);
    const applicant = await gateway.graphql(contractOperation('AssessmentMetrics'), period, father);

    expect(anonymous.body.errors!.map((e) => e.extensions!.code)).toEqual(['UNAUTHENTICATED']);
    expect(applicant.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
  });

  it('exports the same figures as a CSV spreadsheet programs open correctly', async () => {
    const query = new URLSearchParams(period).toString();
    const response = await fetch(`${gateway.gateway.url}/exports/metrics.csv?${query}`, {
      headers: { authorization: `Bearer ${gateway.tokenOf('EVALUATOR')}` },
    });
    const bytes = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toContain('新生儿出生一件事');
    expect(text).toContain('残疾人证办理及两项补贴申领');
  });
});
