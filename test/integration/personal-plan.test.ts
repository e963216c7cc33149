/**
 * SituationPlan and MyDataAccessLog for signed-in applicants, over HTTP
 * against the sandbox. Exemptions and prefill worked out by hand from the
 * sandbox data (sandbox/data/README.md) and DESIGN.md.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MOTHER, newbornAnswers } from '../support/newborn.ts';

// 陈晓明 (FATHER): ID card e-certificate expired 2024-09-30, 户口簿 e-certificate valid.
// 林美玲 (MOTHER): his confirmed spouse, ID card valid until 2039.
const STRANGER = '440514196505180137'; // 郑伟雄: no link to 陈晓明
const NOBODY = '440514200101010026'; // a valid ID number the data center does not know

const answers = newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']);

let gateway: TestGateway;
let fatherToken: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  fatherToken = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
});
afterAll(async () => {
  await gateway?.close();
});
beforeEach(() => {
  gateway.sandbox!.faults.clear();
  gateway.upstreamCalls.length = 0;
});

const plan = (token: string | undefined, form: Array<{ key: string; value: string }> = []) =>
  gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers, form }, token);

const exemptions = (body: any) =>
  Object.fromEntries(
    body.data.topic.plan.materials.map((m: any) => [
      m.code,
      m.exemption && { reason: m.exemption.reason, certificate: m.exemption.certificate?.id ?? null, producedBy: m.exemption.producedBy?.code ?? null },
    ]),
  );

describe('a personal plan', () => {
  it('exempts materials held as valid e-certificates or shared data, by the applicant or the confirmed spouse', async () => {
    const { body } = await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);

    expect(body.errors).toBeUndefined();
    expect(exemptions(body)).toEqual({
      'M-SFZ': null, // his ID card e-certificate expired
      'M-POSFZ': { reason: 'E_CERTIFICATE', certificate: 'EC-0004', producedBy: null },
      'M-FMJL': null,
      'M-JHZ': { reason: 'DATA_SHARING', certificate: null, producedBy: null },
      'M-CSYXZM': { reason: 'INTERNAL_RESULT', certificate: null, producedBy: '440514-WJ-GG-0001' },
      'M-SZJZJL': null,
      'M-HKB': { reason: 'E_CERTIFICATE', certificate: 'EC-0002', producedBy: null },
      'M-XSEHKB': { reason: 'INTERNAL_RESULT', certificate: null, producedBy: '440514-GA-QR-0001' },
      'M-YBCBPZ': { reason: 'INTERNAL_RESULT', certificate: null, producedBy: '440514-YB-GG-0001' },
      'M-ZP': null,
    });
    expect(body.data.topic.plan.summary.materialsToSubmit).toBe(4);
  });

  it('has stored every read of a plan, under its request id, by the time the plan answers', async () => {
    const { headers } = await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);

    const { rows } = await gateway.services.db.query<{ subject: string; system: string; items: string[] }>(
      'SELECT subject, system, items FROM access_log WHERE request_id = $1 ORDER BY id',
      [headers.get('x-request-id')],
    );
    expect(rows.map((r) => `${r.system} ${r.subject} ${r.items.join(',')}`).sort()).toEqual([
      `data-center ${FATHER} dataset:household-registration`,
      `data-center ${FATHER} dataset:marriage-registration`,
      `data-center ${FATHER} person.householdAddress,person.name,person.phone,person.residentialAddress,person.spouseIdNumber`,
      `e-certificates ${FATHER} CT-HKB,CT-JHZ,CT-SFZ`,
      `e-certificates ${MOTHER} CT-SFZ`,
    ]);
  });

  it('prefills the form from the data center and the identity token', async () => {
    const { body } = await plan(fatherToken);

    const prefill = Object.fromEntries(body.data.topic.plan.form.map((f: any) => [f.key, f.prefill]));
    expect(prefill).toEqual({
      'applicant.idNumber': { value: FATHER, source: 'IDENTITY' },
      'applicant.name': { value: '陈晓明', source: 'DATA_CENTER' },
      'applicant.phone': { value: '13923780451', source: 'DATA_CENTER' },
      'spouse.idNumber': { value: MOTHER, source: 'DATA_CENTER' },
      'spouse.name': null,
      'child.name': null,
      'child.gender': null,
      'child.birthDate': null,
      'child.birthPlace': null,
      'child.birthWeightG': null,
      'applicant.residentialAddress': { value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号', source: 'DATA_CENTER' },
      'child.ethnicity': null,
      'applicant.householdAddress': { value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号', source: 'DATA_CENTER' },
      'card.bankName': null,
      'card.mailAddress': { value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号', source: 'DATA_CENTER' },
    });
  });

  it('asks each system once per round: the applicant first, then the confirmed spouse', async () => {
    await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);

    const personal = gateway.upstreamCalls
      .filter((c) => c.upstream === 'e-certificates' || c.upstream === 'data-center')
      .map((c) => `${c.upstream} ${c.path}`)
      .sort();
    expect(personal).toEqual([
      'data-center /api/v1/datasets/household-registration/availability',
      'data-center /api/v1/datasets/marriage-registration/availability',
      'data-center /api/v1/persons/query',
      'e-certificates /api/v1/certificates/search',
      'e-certificates /api/v1/certificates/search',
    ]);
  });

  it('never reads the records of someone the data center does not link to the applicant', async () => {
    const { body } = await plan(fatherToken, [{ key: 'spouse.idNumber', value: STRANGER }]);
    const strangerToken = await gateway.mint({ sub: STRANGER, name: '郑伟雄', role: 'APPLICANT' });

    expect(exemptions(body)['M-POSFZ']).toBeNull();
    const { body: log } = await gateway.graphql(contractOperation('MyDataAccessLog'), { first: 50 }, strangerToken);
    expect(log.data.me.dataAccessLog.edges).toEqual([]);
  });

  it('gives an anonymous caller the plan without any personal look-up', async () => {
    const { body } = await plan(undefined, [{ key: 'spouse.idNumber', value: MOTHER }]);

    expect(exemptions(body)['M-POSFZ']).toBeNull();
    expect(body.data.topic.plan.form.every((f: any) => f.prefill === null)).toBe(true);
    expect(gateway.upstreamCalls.filter((c) => c.upstream === 'e-certificates' || c.upstream === 'data-center')).toEqual([]);
  });

  it('gives an evaluator no personal data, even with a holder in the form', async () => {
    const { body } = await plan(gateway.tokenOf('EVALUATOR'), [{ key: 'spouse.idNumber', value: MOTHER }]);

    expect(exemptions(body)['M-POSFZ']).toBeNull();
    expect(gateway.upstreamCalls.filter((c) => c.upstream === 'e-certificates' || c.upstream === 'data-center')).toEqual([]);
  });

  it('still plans for a person the data center does not know, with identity prefill only', async () => {
    const token = await gateway.mint({ sub: NOBODY, name: '李新来', role: 'APPLICANT' });

    const { body } = await plan(token);

    expect(body.errors).toBeUndefined();
    const filled = body.data.topic.plan.form.filter((f: any) => f.prefill).map((f: any) => [f.key, f.prefill.source]);
    expect(filled).toEqual([
      ['applicant.idNumber', 'IDENTITY'],
      ['applicant.name', 'IDENTITY'],
    ]);
    expect(body.data.topic.plan.summary.materialsToSubmit).toBe(7);
  });

  it('reports a dead e-certificate library on the affected materials only, and the plan still answers', async () => {
    gateway.sandbox!.faults.set('eCertificates', { kind: 'down' });

    const { body } = await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);

    expect(body.data.topic.plan.summary).toBeDefined();
    const failed = body.errors!.map((e) => [e.path!.join('.'), e.extensions!.code, e.extensions!.upstream]);
    const materials = body.data.topic.plan.materials.map((m: any) => m.code);
    expect(failed).toEqual([
      [`topic.plan.materials.${materials.indexOf('M-SFZ')}.exemption`, 'UPSTREAM_UNAVAILABLE', 'e-certificates'],
      [`topic.plan.materials.${materials.indexOf('M-POSFZ')}.exemption`, 'UPSTREAM_UNAVAILABLE', 'e-certificates'],
    ]);
    // Shared data still stands for the marriage and household registers.
    expect(exemptions(body)['M-JHZ']).toEqual({ reason: 'DATA_SHARING', certificate: null, producedBy: null });
  });

  it('withholds the whole answer, with no personal data in it, when its reads cannot be logged', async () => {
    const { db } = gateway.services;
    await db.query(`CREATE FUNCTION refuse_access_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await db.query('CREATE TRIGGER refuse_access_log BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION refuse_access_log()');
    try {
      const { status, body } = await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);

      expect(status).toBe(500);
      expect(body).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    } finally {
      await db.query('DROP TRIGGER refuse_access_log ON access_log');
      await db.query('DROP FUNCTION refuse_access_log()');
    }
  });

  it('refuses an expired or forged token instead of treating the caller as anonymous', async () => {
    const { status, body } = await plan(`${fatherToken.slice(0, -4)}AAAA`);

    expect(status).toBe(401);
    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('MyDataAccessLog', () => {
  it('shows a person every read of their data, newest first, including reads caused by their spouse', async () => {
    await plan(fatherToken, [{ key: 'spouse.idNumber', value: MOTHER }]);
    const motherToken = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });

    const { body } = await gateway.graphql(contractOperation('MyDataAccessLog'), { first: 1 }, motherToken);

    const [latest] = body.data.me.dataAccessLog.edges;
    expect(latest.node).toEqual({
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      actor: '440514***********6',
      actorRole: 'APPLICANT',
      purpose: 'CN-YJS-XSECS',
      system: 'e-certificates',
      items: ['CT-SFZ'],
    });
  });

  it('pages through the applicant own reads with cursors', async () => {
    const { body: first } = await gateway.graphql(contractOperation('MyDataAccessLog'), { first: 2 }, fatherToken);
    const { body: next } = await gateway.graphql(
      contractOperation('MyDataAccessLog'),
      { first: 2, after: first.data.me.dataAccessLog.pageInfo.endCursor },
      fatherToken,
    );

    expect(first.data.me.dataAccessLog.edges).toHaveLength(2);
    expect(first.data.me.dataAccessLog.pageInfo.hasNextPage).toBe(true);
    expect(next.data.me.dataAccessLog.edges.length).toBeGreaterThan(0);
    const times = [...first.data.me.dataAccessLog.edges, ...next.data.me.dataAccessLog.edges].map((e: any) => e.node.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('refuses a cursor it did not make', async () => {
    const { body } = await gateway.graphql(contractOperation('MyDataAccessLog'), { first: 2, after: 'not-a-cursor' }, fatherToken);

    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers null for an anonymous caller', async () => {
    const { body } = await gateway.graphql(contractOperation('MyDataAccessLog'), { first: 2 });

    expect(body).toEqual({ data: { me: null } });
  });
});
