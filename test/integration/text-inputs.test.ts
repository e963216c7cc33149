/**
 * Text inputs, one rule at the edge, over HTTP (issue 10, item 5): control
 * characters in any argument are refused before any upstream call or SQL;
 * what an upstream stored comes back clean; an idempotency key answers only
 * the request it was first used for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, NEWBORN, PDF, newbornAnswers, newbornForm, newbornSubmission } from '../support/newborn.ts';

let gateway: TestGateway;
let father: string;
let pdf: string;
/** Two decided newborn applications (birth certificate and registration), not rated yet. */
const completed: string[] = [];

/** The newborn's smallest application: married parents, nothing else asked for. */
const smallSubmission = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({
  topicCode: NEWBORN,
  answers: newbornAnswers([], 1),
  form: newbornForm(),
  uploads: [
    { materialCode: 'M-SFZ', fileRef: pdf },
    { materialCode: 'M-FMJL', fileRef: pdf },
  ],
  deliveryMethod: 'ONLINE',
  idempotencyKey,
  ...extra,
});

const submit = (input: Record<string, unknown>) => gateway.graphql(contractOperation('SubmitApplication'), { input }, father);

const rate = (applicationId: string, grade: number, comment: string | null) =>
  gateway.graphql(contractOperation('RateApplication'), { input: { applicationId, grade, comment, channel: 'MOBILE' } }, father);

const problemsOf = (body: any) => body.errors?.[0]?.extensions?.problems?.map((p: any) => [p.field, p.code]);

const applicationCount = async () =>
  Number((await gateway.services.db.query<{ n: string }>('SELECT count(*)::text AS n FROM applications')).rows[0]!.n);

async function untilCompleted(id: string) {
  for (let i = 0; i < 300; i++) {
    const { body } = await gateway.graphql(contractOperation('ApplicationStatus'), { id }, father);
    if (body.data.application.status === 'COMPLETED') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`application ${id} did not complete`);
}

beforeAll(async () => {
  gateway = await startTestGateway(
    { MUTATION_RATE_LIMIT: 'off' },
    { sandbox: { caseStepMs: 100 }, services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 }, poller: { intervalMs: 100 } } },
  );
  father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  pdf = await gateway.upload(father, PDF);
  for (const key of ['text-rate-1', 'text-rate-2']) {
    const { body } = await submit(smallSubmission(key));
    completed.push(body.data.submitApplication.application.id);
  }
  await Promise.all(completed.map(untilCompleted));
});
afterAll(async () => {
  await gateway?.close();
});

describe('control characters in what clients send', () => {
  it('refuses a NUL in a rating comment before the rating system hears of it, and the application can still be rated', async () => {
    const evaluationCalls = () => gateway.upstreamCalls.filter((c) => c.upstream === 'evaluation').length;
    const before = evaluationCalls();

    const refused = await rate(completed[0]!, 5, '办事很方便\u0000');

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      errors: [
        {
          message: 'The request holds control characters in input.comment; only tab and newline are allowed in text',
          extensions: {
            code: 'BAD_USER_INPUT',
            problems: [
              {
                field: 'input.comment',
                code: 'INVALID_CHARACTER',
                message: 'input.comment contains the control character U+0000; text may hold tab and newline, no other control characters',
              },
            ],
          },
        },
      ],
    });
    expect(evaluationCalls()).toBe(before);

    const rated = await rate(completed[0]!, 5, '办事很方便');
    expect(rated.body.errors).toBeUndefined();
    expect(rated.body.data.rateApplication.evaluation).toEqual({ grade: 5, comment: '办事很方便', createdAt: expect.any(String) });
  });

  it('refuses an application id written with an escaped NUL in the document itself', async () => {
    const upstreamCalls = gateway.upstreamCalls.length;

    const { status, body } = await gateway.graphql('{ application(id: "OT\\u0000X") { id status } }', {}, father);

    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors!.map((e) => [e.extensions!.code, problemsOf({ errors: [e] })])).toEqual([
      ['BAD_USER_INPUT', [['id', 'INVALID_CHARACTER']]],
    ]);
    expect(gateway.upstreamCalls.length).toBe(upstreamCalls);
  });

  it('names every string of a submission holding one, through nested inputs and lists, and stores nothing', async () => {
    const stored = await applicationCount();
    const input = smallSubmission('text-controls', {
      answers: [...newbornAnswers([], 1).slice(0, 4), { questionId: 'services', values: ['VACCINATION', 'SS\u001bCARD'] }],
      form: [...newbornForm().slice(0, 2), { key: 'child.name', value: '陈\u0007小宝' }],
      uploads: [{ materialCode: 'M-SFZ', fileRef: `${pdf}\u0000` }],
      deferredMaterials: ['M-SZJZJL\r'],
    });

    const { status, body } = await submit(input);

    expect(status).toBe(400);
    expect(problemsOf(body)).toEqual([
      ['input.answers[4].values[1]', 'INVALID_CHARACTER'],
      ['input.form[2].value', 'INVALID_CHARACTER'],
      ['input.uploads[0].fileRef', 'INVALID_CHARACTER'],
      ['input.deferredMaterials[0]', 'INVALID_CHARACTER'],
    ]);
    expect(await applicationCount()).toBe(stored);
  });

  it('takes tabs and newlines in text as they are', async () => {
    const form = newbornForm().map((f) => (f.key === 'child.birthPlace' ? { ...f, value: '潮南区人民医院\n产科\t三楼' } : f));

    const { body } = await submit(smallSubmission('text-newlines', { form }));

    expect(body.errors).toBeUndefined();
    const { rows } = await gateway.services.db.query<{ form: Record<string, unknown> }>('SELECT form FROM applications WHERE id = $1', [
      body.data.submitApplication.application.id,
    ]);
    expect(rows[0]!.form['child.birthPlace']).toBe('潮南区人民医院\n产科\t三楼');
  });
});

describe('text an upstream stored', () => {
  it('comes back without its control characters: a rating the rating system holds with a NUL is recovered and shown clean', async () => {
    // The rating reached the rating system (from an older client, say), but not the gateway's copy.
    const direct = await fetch(`${gateway.sandbox!.urls.evaluation}/api/v1/evaluations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.sandbox!.tokens.evaluation}` },
      body: JSON.stringify({ applicationId: completed[1], topicCode: NEWBORN, channel: 'MOBILE', grade: 4, comment: '窗口\u0000服务\u0007好', evaluatorId: FATHER }),
    });
    expect(direct.status).toBe(201);

    const { body } = await rate(completed[1]!, 4, '窗口服务好');

    expect(body.errors).toBeUndefined();
    expect(body.data.rateApplication.evaluation).toEqual({ grade: 4, comment: '窗口服务好', createdAt: expect.any(String) });
    const { rows } = await gateway.services.db.query<{ comment: string }>('SELECT comment FROM evaluations WHERE application_id = $1', [completed[1]]);
    expect(rows).toEqual([{ comment: '窗口服务好' }]);
  });
});

describe('an idempotency key', () => {
  let first: string;
  const key = 'text-idempotency';
  const full = () => newbornSubmission(key, pdf);

  beforeAll(async () => {
    const { body } = await submit(full());
    first = body.data.submitApplication.application.id;
  });

  it('answers the same request again with the same application, whatever order its lists come in', async () => {
    const again = await submit(full());
    const reordered = await submit({ ...full(), form: [...full().form].reverse(), uploads: [...full().uploads].reverse() });

    expect(again.body.data.submitApplication.application.id).toBe(first);
    expect(reordered.body.data.submitApplication.application.id).toBe(first);
  });

  it('refuses a different request under the same key as IDEMPOTENCY_KEY_REUSED, and stores nothing', async () => {
    const stored = await applicationCount();
    const variants = {
      topic: { ...full(), topicCode: 'CN-YJS-KCG' },
      answers: { ...full(), answers: newbornAnswers(['VACCINATION']) },
      form: { ...full(), form: full().form.map((f) => (f.key === 'child.name' ? { ...f, value: '陈小贝' } : f)) },
      uploads: { ...full(), uploads: full().uploads.slice(1) },
      deferred: { ...full(), deferredMaterials: [] },
    };

    const answers = await Promise.all(Object.values(variants).map(submit));

    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors!.map((e) => [e.extensions!.code, problemsOf({ errors: [e] })])).toEqual([
        ['BAD_USER_INPUT', [['idempotencyKey', 'IDEMPOTENCY_KEY_REUSED']]],
      ]);
      expect(body.errors![0]!.extensions!.problems[0].message).toContain(first);
    }
    expect(await applicationCount()).toBe(stored);
  });
});
