/**
 * TopicCatalog, TopicGuide and SituationPlan, sent exactly as the front-end
 * contract writes them, over HTTP to the gateway running on the sandbox.
 * Expected figures are worked out by hand from DESIGN.md and the sandbox data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { newbornAnswers as newbornSituation } from '../support/newborn.ts';

const NEWBORN = 'CN-YJS-XSECS';
const WJ1 = '440514-WJ-GG-0001'; // 出生医学证明首次签发 → CT-CSYXZM
const WJ2 = '440514-WJ-GG-0002'; // 预防接种证办理
const GA1 = '440514-GA-QR-0001'; // 出生登记 → CT-HKB
const YB1 = '440514-YB-GG-0001'; // 医保参保登记 → CT-YBCBPZ
const RS1 = '440514-RS-GG-0001'; // 社会保障卡申领

const newbornAnswers = newbornSituation(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']);

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const situationPlan = (code: string, answers: unknown[]) =>
  gateway.graphql(contractOperation('SituationPlan'), { code, answers });

describe('TopicCatalog', () => {
  it('lists the published topics of Chaonan with their readiness', async () => {
    const { body } = await gateway.graphql(contractOperation('TopicCatalog'), { region: '440514' });

    expect(body.errors).toBeUndefined();
    expect(
      body.data.topics.map((t: any) => [t.code, t.name, t.leadDepartment.code, t.matterCount, t.readiness]),
    ).toEqual([
      [NEWBORN, '新生儿出生一件事', 'WJJ-440514', 6, { guidable: true, onlineProcessable: true, problems: [] }],
      ['CN-YJS-KCG', '我要开餐馆', 'SCJGJ-440514', 6, { guidable: true, onlineProcessable: true, problems: [] }],
      ['CN-YJS-SHS', '身后一件事', 'MZJ-440514', 7, { guidable: true, onlineProcessable: true, problems: [] }],
      ['CN-YJS-TX', '退休一件事', 'RSJ-440514', 4, { guidable: true, onlineProcessable: true, problems: [] }],
      ['CN-YJS-KYD', '我要开药店', 'SCJGJ-440514', 6, { guidable: true, onlineProcessable: true, problems: [] }],
      [
        'CN-YJS-CJR',
        '残疾人证办理及两项补贴申领',
        'CLH-440514',
        4,
        {
          guidable: false,
          onlineProcessable: false,
          problems: ['NAME_NOT_STANDARD', 'UNKNOWN_MATTER', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE'],
        },
      ],
    ]);
  });

  it('lists every region when no region is given, drafts and retired topics left out', async () => {
    const { body } = await gateway.graphql(contractOperation('TopicCatalog'), {});

    expect(body.data.topics.map((t: any) => t.code)).toEqual([
      NEWBORN,
      'CN-YJS-KCG',
      'CN-YJS-SHS',
      'CN-YJS-TX',
      'CN-YJS-KYD',
      'CN-YJS-CJR',
      'ST-YJS-SBK',
      'ST-YJS-TX',
      'CY-YJS-TX',
      'ST-YJS-KCG',
      'CY-YJS-KCG',
    ]);
  });

  it('shows drafts and retired topics to an administrator only', async () => {
    const query = 'query($code: ID!) { topic(code: $code) { code status } }';

    const anonymous = await gateway.graphql(query, { code: 'CN-YJS-QYBG' });
    const admin = await gateway.graphql(query, { code: 'CN-YJS-QYBG' }, gateway.tokenOf('ADMIN'));
    const applicant = await gateway.graphql(query, { code: 'CN-YJS-KBCY' }, gateway.tokenOf('APPLICANT'));

    expect(anonymous.body).toEqual({ data: { topic: null } });
    expect(admin.body).toEqual({ data: { topic: { code: 'CN-YJS-QYBG', status: 'DRAFT' } } });
    expect(applicant.body).toEqual({ data: { topic: null } });
  });
});

describe('TopicGuide', () => {
  it('returns the guide of a topic with every matter and its department', async () => {
    const { body } = await gateway.graphql(contractOperation('TopicGuide'), { code: NEWBORN });

    expect(body.errors).toBeUndefined();
    const topic = body.data.topic;
    expect(topic.leadDepartment).toEqual({ code: 'WJJ-440514', name: '汕头市潮南区卫生健康局' });
    expect(topic.guideUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portal\//);
    expect(topic.matters.map((m: any) => [m.code, m.department.code, m.legalDays, m.committedDays, m.onlineDepth])).toEqual([
      [WJ1, 'WJJ-440514', 20, 3, 3],
      [WJ2, 'WJJ-440514', 5, 1, 3],
      [GA1, 'GAFJ-440514', 20, 1, 4],
      [YB1, 'YBJ-440514', 10, 1, 4],
      [RS1, 'RSJ-440514', 20, 5, 3],
      ['440514-YB-GG-0002', 'YBJ-440514', 20, 5, 4],
    ]);
  });

  it('answers null without an error for an unknown topic', async () => {
    const { body } = await gateway.graphql(contractOperation('TopicGuide'), { code: 'NO-SUCH-TOPIC' });

    expect(body).toEqual({ data: { topic: null } });
  });
});

describe('SituationPlan', () => {
  it('plans a newborn whose parents are married, with vaccination, medical insurance and a social security card', async () => {
    const { body } = await situationPlan(NEWBORN, newbornAnswers);

    expect(body.errors).toBeUndefined();
    const plan = body.data.topic.plan;
    expect(plan.complete).toBe(true);
    expect(plan.questions.map((q: any) => [q.id, q.answered])).toEqual([
      ['birthPlace', true],
      ['parentsMarried', true],
      ['hukouWith', true],
      ['ageMonths', true],
      ['services', true],
    ]);
    expect(plan.matters.map((m: any) => [m.code, m.dependsOn.map((d: any) => d.code)])).toEqual([
      [WJ1, []],
      [WJ2, [WJ1]],
      [GA1, [WJ1]],
      [YB1, [GA1]],
      [RS1, [GA1, YB1]],
    ]);
    expect(
      plan.materials.map((m: any) => ({
        code: m.code,
        required: m.required,
        tolerant: m.tolerant,
        requiredBy: m.requiredBy.map((r: any) => r.code),
        exemption: m.exemption && { reason: m.exemption.reason, producedBy: m.exemption.producedBy?.code ?? null },
      })),
    ).toEqual([
      { code: 'M-SFZ', required: true, tolerant: false, requiredBy: [WJ1, WJ2, GA1, YB1, RS1], exemption: null },
      { code: 'M-POSFZ', required: true, tolerant: false, requiredBy: [WJ1, GA1], exemption: null },
      { code: 'M-FMJL', required: true, tolerant: false, requiredBy: [WJ1], exemption: null },
      { code: 'M-JHZ', required: true, tolerant: false, requiredBy: [WJ1, GA1], exemption: null },
      { code: 'M-CSYXZM', required: true, tolerant: false, requiredBy: [WJ2, GA1], exemption: { reason: 'INTERNAL_RESULT', producedBy: WJ1 } },
      { code: 'M-SZJZJL', required: true, tolerant: true, requiredBy: [WJ2], exemption: null },
      { code: 'M-HKB', required: true, tolerant: false, requiredBy: [GA1], exemption: null },
      { code: 'M-XSEHKB', required: true, tolerant: false, requiredBy: [YB1, RS1], exemption: { reason: 'INTERNAL_RESULT', producedBy: GA1 } },
      { code: 'M-YBCBPZ', required: true, tolerant: false, requiredBy: [RS1], exemption: { reason: 'INTERNAL_RESULT', producedBy: YB1 } },
      { code: 'M-ZP', required: true, tolerant: true, requiredBy: [RS1], exemption: null },
    ]);
    expect(plan.summary).toEqual({
      matterCount: 5,
      materialsBefore: 17,
      materialsToSubmit: 7,
      legalDaysTotal: 75,
      committedDays: 10,
      visits: 1,
    });
  });

  it('passes the business licence on to the food licence of 我要开餐馆, listed before the registration it depends on', async () => {
    const REGISTRATION = '440514-SCJG-XK-0001';
    const FOOD = '440514-SCJG-XK-0002';
    const { body } = await situationPlan('CN-YJS-KCG', [
      { questionId: 'entityType', values: ['INDIVIDUAL'] },
      { questionId: 'placeType', values: ['LEASED'] },
      { questionId: 'areaSqm', values: ['120'] },
      { questionId: 'foodTypes', values: ['HOT'] },
      { questionId: 'hasSignboard', values: ['false'] },
    ]);

    expect(body.errors).toBeUndefined();
    const plan = body.data.topic.plan;
    expect(plan.matters.map((m: any) => [m.code, m.dependsOn.map((d: any) => d.code)])).toEqual([
      [FOOD, [REGISTRATION]],
      [REGISTRATION, []],
      ['440514-ZJ-XK-0001', [REGISTRATION]],
      ['440514-SW-GG-0001', [REGISTRATION]],
    ]);
    const licence = plan.materials.find((m: any) => m.code === 'M-YYZZ');
    expect([licence.requiredBy.map((r: any) => r.code), licence.exemption]).toEqual([
      [FOOD, '440514-ZJ-XK-0001', '440514-SW-GG-0001'],
      { reason: 'INTERNAL_RESULT', certificate: null, producedBy: { code: REGISTRATION } },
    ]);
  });

  it('merges the forms of the matters into one', async () => {
    const { body } = await situationPlan(NEWBORN, newbornAnswers);

    const form = body.data.topic.plan.form;
    expect(form.map((f: any) => f.key)).toEqual([
      'applicant.idNumber',
      'applicant.name',
      'applicant.phone',
      'spouse.idNumber',
      'spouse.name',
      'child.name',
      'child.gender',
      'child.birthDate',
      'child.birthPlace',
      'child.birthWeightG',
      'applicant.residentialAddress',
      'child.ethnicity',
      'applicant.householdAddress',
      'card.bankName',
      'card.mailAddress',
    ]);
    const byKey = Object.fromEntries(form.map((f: any) => [f.key, f]));
    expect(byKey['child.name']).toEqual({ key: 'child.name', label: expect.any(String), type: 'STRING', required: true, maxLength: 20, options: null, prefill: null });
    expect(byKey['child.gender'].options).toEqual(['男', '女']);
    expect(byKey['spouse.idNumber'].required).toBe(true);
    expect(byKey['card.mailAddress'].required).toBe(false);
  });

  it('asks the follow-up question only when its condition holds, and the plan is incomplete until it is answered', async () => {
    const withMaternity = newbornAnswers.map((a) =>
      a.questionId === 'services' ? { questionId: 'services', values: ['MATERNITY'] } : a,
    );

    const { body } = await situationPlan(NEWBORN, withMaternity);

    const plan = body.data.topic.plan;
    expect(plan.questions.map((q: any) => q.id)).toContain('motherEmployed');
    expect(plan.complete).toBe(false);
  });

  it('returns a plan for every sandbox topic answered with its first options', async () => {
    const { body: catalogue } = await gateway.graphql(contractOperation('TopicCatalog'), {});
    for (const { code } of catalogue.data.topics) {
      const { body: guide } = await gateway.graphql(
        'query($code: ID!) { topic(code: $code) { questions { id type options { value } min max } } }',
        { code },
      );
      const answers = guide.data.topic.questions.map((q: any) => ({
        questionId: q.id,
        values: q.type === 'NUMBER' ? [String(q.min ?? 0)] : q.type === 'BOOLEAN' ? ['true'] : [q.options[0].value],
      }));

      const { body } = await situationPlan(code, answers);

      expect(body.errors, code).toBeUndefined();
      expect(body.data.topic.plan.complete, code).toBe(true);
      expect(body.data.topic.plan.matters.length, code).toBeGreaterThan(0);
    }
  });
});

describe('SituationPlan with bad input', () => {
  const problemOf = async (answers: unknown[]) => {
    const { body } = await situationPlan(NEWBORN, answers);
    expect(body.data).toEqual({ topic: { code: NEWBORN, plan: null } });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    return body.errors![0]!.extensions!.problems.map((p: any) => [p.field, p.code]);
  };

  it('names an unknown question', async () => {
    expect(await problemOf([{ questionId: 'petName', values: ['旺财'] }])).toEqual([['answers.petName', 'UNKNOWN_QUESTION']]);
  });

  it('names the question of a value outside its options', async () => {
    expect(await problemOf([{ questionId: 'birthPlace', values: ['MARS'] }])).toEqual([['answers.birthPlace', 'NOT_AN_OPTION']]);
  });

  it('names a NUMBER question answered with text or outside its range', async () => {
    expect(await problemOf([{ questionId: 'ageMonths', values: ['two'] }])).toEqual([['answers.ageMonths', 'NOT_A_NUMBER']]);
    expect(await problemOf([{ questionId: 'ageMonths', values: ['37'] }])).toEqual([['answers.ageMonths', 'OUT_OF_RANGE']]);
  });

  it('names a question answered twice', async () => {
    expect(
      await problemOf([
        { questionId: 'hukouWith', values: ['FATHER'] },
        { questionId: 'hukouWith', values: ['MOTHER'] },
      ]),
    ).toEqual([['answers.hukouWith', 'DUPLICATE_ANSWER']]);
  });

  it('lists every problem of one request at once', async () => {
    expect(
      await problemOf([
        { questionId: 'birthPlace', values: ['MARS'] },
        { questionId: 'parentsMarried', values: ['maybe'] },
      ]),
    ).toEqual([
      ['answers.birthPlace', 'NOT_AN_OPTION'],
      ['answers.parentsMarried', 'NOT_A_BOOLEAN'],
    ]);
  });
});

describe('registry calls', () => {
  it('asks the registry for the topic, its matters in one batch and the departments once, then serves them from the cache', async () => {
    const fresh = await startTestGateway();
    try {
      await fresh.graphql(contractOperation('SituationPlan'), { code: NEWBORN, answers: newbornAnswers });
      const cold = fresh.upstreamCalls.map((c) => `${c.method} ${c.path}`);
      fresh.upstreamCalls.length = 0;
      await fresh.graphql(contractOperation('SituationPlan'), { code: NEWBORN, answers: newbornAnswers });

      expect(cold.sort()).toEqual(['GET /api/v1/departments', 'GET /api/v1/matters', `GET /api/v1/topics/${NEWBORN}`]);
      expect(fresh.upstreamCalls).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
