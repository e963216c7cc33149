/**
 * 好差评 through the gateway: rateApplication against the sandbox's rating
 * simulator and a real database (embedded always, PostgreSQL when
 * TEST_DATABASE_URL is set), applications and cases written as SQL fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationClient } from '../../connectors/evaluation/client.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import type { CaseStatus } from '../../domain/application-status.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { rateApplication, type RateApplicationInput } from '../../usecases/rate-application.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';
import { insertApplication, insertCase } from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const ZHANG_SAN = '440514199001011234';
const LI_SI = '440514199203054321';
const TOPIC = 'CN-YJS-KCG';

let sandbox: Sandbox;
let evaluation: EvaluationClient;
beforeAll(async () => {
  sandbox = await startSandbox({ now: () => Date.parse('2026-06-01T02:00:00.000Z') });
  evaluation = new EvaluationClient({ baseUrl: sandbox.urls.evaluation, token: sandbox.tokens.evaluation });
});
afterAll(async () => {
  await evaluation?.close();
  await sandbox?.close();
});

/** Application ids unique across tests and backends: the rating system is shared by the whole file. */
let serial = 0;

/** An application of ZHANG_SAN (unless told) with one case per status. */
async function application(db: Queryable, statuses: CaseStatus[], applicant = ZHANG_SAN): Promise<string> {
  const id = `OT-RATE-${++serial}`;
  await insertApplication(db, { id, applicant, topicCode: TOPIC, region: '440514', submittedAt: '2026-05-01T09:00:00+08:00' });
  for (const [i, status] of statuses.entries()) {
    const decided = ['APPROVED', 'REJECTED', 'WITHDRAWN'].includes(status);
    await insertCase(db, {
      applicationId: id,
      matterCode: `M-${i}`,
      departmentCode: 'SCJGJ-440514',
      status,
      dueAt: '2026-05-10T00:00:00Z',
      decidedAt: decided ? '2026-05-08T00:00:00Z' : null,
    });
  }
  return id;
}

const problemsOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`);
};

const remoteRatingsOf = async (applicationId: string) =>
  (await evaluation.listAll({ topicCode: TOPIC })).filter((e) => e.applicationId === applicationId);

const localCopies = async (db: Queryable, applicationId: string) =>
  (await db.query('SELECT remote_id, topic_code, grade, comment, channel, evaluator FROM evaluations WHERE application_id = $1', [applicationId])).rows;

const posts = () => sandbox.calls.count('evaluation', /^POST /);

describe.each(backends.map((b) => [b.kind, b] as const))('rateApplication on the %s database', (_kind, backend) => {
  let db: Database;
  const rate = (applicant: string, input: RateApplicationInput, on: Queryable = db) =>
    rateApplication({ db: on, evaluation }, applicant, input);

  it('forwards the rating of a completed application to the rating system and keeps a local copy', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED', 'APPROVED']);

    const rated = await rate(ZHANG_SAN, { applicationId: id, grade: 5, comment: '  一次办好  ', channel: 'MOBILE' });

    expect(rated).toEqual({
      applicationId: id,
      remoteId: expect.any(String),
      topicCode: TOPIC,
      grade: 5,
      comment: '一次办好',
      channel: 'MOBILE',
      evaluator: ZHANG_SAN,
      createdAt: new Date('2026-06-01T02:00:00.000Z'),
    });
    expect(await remoteRatingsOf(id)).toEqual([
      { id: rated.remoteId, applicationId: id, topicCode: TOPIC, channel: 'MOBILE', grade: 5, comment: '一次办好', createdAt: '2026-06-01T02:00:00.000Z' },
    ]);
    expect(await localCopies(db, id)).toHaveLength(1);
  });

  it('passes the channel the application was made on when the rating names none', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);
    await db.query(`UPDATE applications SET channel = 'KIOSK' WHERE id = $1`, [id]);

    const rated = await rate(ZHANG_SAN, { applicationId: id, grade: 4 });

    expect(rated.channel).toBe('KIOSK');
    expect((await remoteRatingsOf(id)).map((r) => r.channel)).toEqual(['KIOSK']);
  });

  it('accepts a rejected or partially rejected application: decided is decided', async () => {
    db = await openFresh(backend);
    const rejected = await application(db, ['REJECTED']);
    const partly = await application(db, ['APPROVED', 'REJECTED']);

    await expect(rate(ZHANG_SAN, { applicationId: rejected, grade: 1, comment: '材料要求不清楚', channel: 'PC' })).resolves.toMatchObject({ grade: 1 });
    await expect(rate(ZHANG_SAN, { applicationId: partly, grade: 3, channel: 'WINDOW' })).resolves.toMatchObject({ grade: 3, comment: null });
  });

  it('refuses an application that is not decided yet (NOT_DECIDED), sending nothing', async () => {
    db = await openFresh(backend);
    const inProgress = await application(db, ['APPROVED', 'IN_REVIEW']);
    const submitted = await application(db, ['QUEUED']);
    const withdrawn = await application(db, ['WITHDRAWN']);
    const before = posts();

    for (const id of [inProgress, submitted, withdrawn]) {
      expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 4, channel: 'PC' }))).toEqual(['applicationId NOT_DECIDED']);
    }
    expect(posts()).toBe(before);
  });

  it('refuses a 差评 (grade 1 or 2) without a comment saying why, sending nothing', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);
    const before = posts();

    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 2, channel: 'PC' }))).toEqual(['comment COMMENT_REQUIRED']);
    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 1, comment: '   ', channel: 'PC' }))).toEqual(['comment COMMENT_REQUIRED']);
    expect(posts()).toBe(before);
    expect(await localCopies(db, id)).toEqual([]);
  });

  it('lists every problem of bad input at once: grade, comment length, channel', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);

    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 4.5, comment: '好'.repeat(501), channel: 'FAX' }))).toEqual([
      'grade INVALID_GRADE',
      'comment COMMENT_TOO_LONG',
      'channel INVALID_CHANNEL',
    ]);
    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 0, channel: 'PC' }))).toEqual(['grade INVALID_GRADE']);
    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 6, channel: 'PC' }))).toEqual(['grade INVALID_GRADE']);
    // Exactly 500 characters is allowed.
    await expect(rate(ZHANG_SAN, { applicationId: id, grade: 4, comment: '好'.repeat(500), channel: 'PC' })).resolves.toMatchObject({ grade: 4 });
  });

  it('refuses a second rating of the same application (ALREADY_RATED) without asking the rating system again', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);
    await rate(ZHANG_SAN, { applicationId: id, grade: 5, channel: 'PC' });
    const before = posts();

    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 1, comment: '改主意了', channel: 'PC' }))).toEqual([
      'applicationId ALREADY_RATED',
    ]);
    expect(posts()).toBe(before);
    expect(await remoteRatingsOf(id)).toMatchObject([{ grade: 5 }]);
  });

  it('treats someone else’s application like one that does not exist (UNKNOWN_APPLICATION)', async () => {
    db = await openFresh(backend);
    const lisis = await application(db, ['APPROVED'], LI_SI);
    const before = posts();

    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: lisis, grade: 5, channel: 'PC' }))).toEqual(['applicationId UNKNOWN_APPLICATION']);
    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: 'OT-NO-SUCH', grade: 5, channel: 'PC' }))).toEqual([
      'applicationId UNKNOWN_APPLICATION',
    ]);
    expect(posts()).toBe(before);
  });

  it('answers ALREADY_RATED when the rating system already holds a rating made elsewhere, and copies that rating locally', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);
    // Rated at the window's kiosk, straight in the rating system: the gateway has no copy.
    const atWindow = await evaluation.rate({ applicationId: id, topicCode: TOPIC, channel: 'KIOSK', grade: 2, comment: '排队太久', evaluatorId: ZHANG_SAN });

    expect(await problemsOf(rate(ZHANG_SAN, { applicationId: id, grade: 5, channel: 'PC' }))).toEqual(['applicationId ALREADY_RATED']);
    expect(await localCopies(db, id)).toEqual([
      { remote_id: atWindow.id, topic_code: TOPIC, grade: 2, comment: '排队太久', channel: 'KIOSK', evaluator: ZHANG_SAN },
    ]);
  });

  it('repairs the local copy when it failed to be written after the rating system took the rating: the retry succeeds', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);
    let failures = 1;
    const flaky: Queryable = {
      query: (sql, params) => {
        if (sql.includes('INSERT INTO evaluations') && failures-- > 0) return Promise.reject(new Error('connection lost'));
        return db.query(sql, params);
      },
    };
    const input: RateApplicationInput = { applicationId: id, grade: 2, comment: '补正通知不清楚', channel: 'PC' };

    await expect(rate(ZHANG_SAN, input, flaky)).rejects.toThrow('connection lost');
    expect(await localCopies(db, id)).toEqual([]);

    const retried = await rate(ZHANG_SAN, input, flaky);

    const remote = await remoteRatingsOf(id);
    expect(remote).toHaveLength(1);
    expect(retried).toMatchObject({ remoteId: remote[0]!.id, grade: 2, comment: '补正通知不清楚', channel: 'PC' });
    expect(await localCopies(db, id)).toEqual([
      { remote_id: remote[0]!.id, topic_code: TOPIC, grade: 2, comment: '补正通知不清楚', channel: 'PC', evaluator: ZHANG_SAN },
    ]);
    // A different rating after the failure is a second rating, refused.
    expect(await problemsOf(rate(ZHANG_SAN, { ...input, grade: 5 }))).toEqual(['applicationId ALREADY_RATED']);
  });

  it('lets exactly one of two ratings sent at once through, and keeps its copy', async () => {
    db = await openFresh(backend);
    const id = await application(db, ['APPROVED']);

    const outcomes = await Promise.allSettled([
      rate(ZHANG_SAN, { applicationId: id, grade: 5, channel: 'PC' }),
      rate(ZHANG_SAN, { applicationId: id, grade: 3, channel: 'MOBILE' }),
    ]);

    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as InvalidInputError).problems.map((p) => p.code)).toEqual(['ALREADY_RATED']);
    const remote = await remoteRatingsOf(id);
    expect(remote).toHaveLength(1);
    expect(await localCopies(db, id)).toMatchObject([{ remote_id: remote[0]!.id, grade: remote[0]!.grade }]);
  });
});
