import { describe, expect, it } from 'vitest';
import { InvalidInputError, type RawAnswer } from '../../domain/answers.ts';
import { buildPlan, type Plan, type PlanInput } from '../../domain/plan.ts';
import type { Matter, Question, Topic } from '../../connectors/matter-registry/models.ts';
import {
  certificate,
  evidence,
  field,
  material,
  matter,
  options,
  question,
  registry,
  topic,
  topicMatter,
} from './fixtures.ts';

const yes = (questionId: string): RawAnswer => ({ questionId, values: ['true'] });
const no = (questionId: string): RawAnswer => ({ questionId, values: ['false'] });
const pick = (questionId: string, ...values: string[]): RawAnswer => ({ questionId, values });

/**
 * 新生儿出生一件事: birth medical certificate (M1) → household registration
 * (M2) → medical insurance (M3); a social security card (M4) on request; one
 * matter code the registry does not know.
 */
const newbornQuestions: Question[] = [
  question('bornInHospital', 'BOOLEAN'),
  question('married', 'BOOLEAN'),
  question('socialCard', 'BOOLEAN', { required: false }),
  question('bank', 'SINGLE', { options: options('icbc', 'ccb'), showIf: { '==': [{ var: 'socialCard' }, true] } }),
];

const m1 = matter('M1', {
  legalDays: 20,
  committedDays: 5,
  onlineDepth: 4,
  resultCertificateType: 'CT-CSZM',
  materials: [
    material('ID', { name: '父母身份证', certificateType: 'CT-SFZ', dataItem: 'identity', tolerant: true }),
    material('HOME-PROOF', { tolerant: true }),
    material('VACC', { sourceChannel: 'OTHER_ORGANISATION', required: false, tolerant: true }),
  ],
  form: [
    field('child.name', { label: '新生儿姓名', required: true, maxLength: 20 }),
    field('child.birthDate', { label: '出生日期', type: 'DATE', required: true }),
  ],
});
const m2 = matter('M2', {
  legalDays: 30,
  committedDays: 10,
  onlineDepth: 3,
  resultCertificateType: 'CT-HK',
  materials: [
    material('ID', { name: '身份证', certificateType: 'CT-SFZ', tolerant: false }),
    material('BIRTH', { certificateType: 'CT-CSZM' }),
    material('MARRIAGE', { certificateType: 'CT-JHZ', holder: 'spouse.idNumber', tolerant: true }),
  ],
  form: [
    field('child.name', { label: '姓名', maxLength: 10, dataItem: 'person.name' }),
    field('child.birthDate', { label: '生日', type: 'STRING', maxLength: 8 }),
    field('relation', { label: '与新生儿关系', type: 'ENUM', required: true, options: ['father', 'mother', 'guardian'] }),
  ],
});
const m3 = matter('M3', {
  legalDays: 15,
  committedDays: 3,
  onlineDepth: 4,
  materials: [
    material('HK', { certificateType: 'CT-HK' }),
    material('ID', { name: '身份证复印件', required: false, tolerant: true }),
    material('LICENSE', { sourceChannel: 'GOVERNMENT_ISSUED' }),
  ],
  form: [
    field('relation', { label: '关系', type: 'ENUM', options: ['mother', 'father'] }),
    field('phone', { label: '电话' }),
  ],
});
const m4 = matter('M4', {
  legalDays: 10,
  committedDays: 2,
  onlineDepth: 4,
  materials: [material('PHOTO')],
  form: [field('bank', { type: 'ENUM', options: ['icbc', 'ccb'] })],
});

const newborn = topic({
  code: 'NEWBORN',
  questions: newbornQuestions,
  matters: [
    topicMatter('M1', { materialRules: [{ materialCode: 'HOME-PROOF', requiredIf: { '!': { var: 'bornInHospital' } } }] }),
    topicMatter('M2', {
      dependsOn: ['M1'],
      materialRules: [{ materialCode: 'MARRIAGE', requiredIf: { var: 'married' } }],
    }),
    topicMatter('M3', { dependsOn: ['M2'] }),
    topicMatter('M4', { appliesIf: { var: 'socialCard' }, dependsOn: ['M2'] }),
    topicMatter('GONE'),
  ],
});
const newbornMatters = registry(m1, m2, m3, m4);
const newbornAnswers = [yes('bornInHospital'), yes('married'), no('socialCard'), pick('bank', 'icbc')];

describe('buildPlan — a whole situation', () => {
  it('builds the anonymous plan of a newborn born in hospital to married parents without a social card', () => {
    const plan = buildPlan({ topic: newborn, matters: newbornMatters, answers: newbornAnswers });
    const expected: Plan = {
      topicCode: 'NEWBORN',
      complete: true,
      answers: { bornInHospital: true, married: true, socialCard: false },
      questions: [
        { ...newbornQuestions[0]!, answered: true },
        { ...newbornQuestions[1]!, answered: true },
        { ...newbornQuestions[2]!, answered: true },
      ],
      matters: [
        { matter: m1, dependsOn: [] },
        { matter: m2, dependsOn: ['M1'] },
        { matter: m3, dependsOn: ['M2'] },
      ],
      materials: [
        {
          code: 'ID',
          name: '父母身份证',
          required: true,
          tolerant: false,
          sourceChannel: 'APPLICANT',
          certificateType: 'CT-SFZ',
          dataItem: 'identity',
          holder: null,
          requiredBy: ['M1', 'M2', 'M3'],
          exemption: null,
        },
        {
          code: 'VACC',
          name: 'material VACC',
          required: false,
          tolerant: true,
          sourceChannel: 'OTHER_ORGANISATION',
          certificateType: null,
          dataItem: null,
          holder: null,
          requiredBy: ['M1'],
          exemption: null,
        },
        {
          code: 'BIRTH',
          name: 'material BIRTH',
          required: true,
          tolerant: false,
          sourceChannel: 'APPLICANT',
          certificateType: 'CT-CSZM',
          dataItem: null,
          holder: null,
          requiredBy: ['M2'],
          exemption: { reason: 'INTERNAL_RESULT', producedBy: 'M1' },
        },
        {
          code: 'MARRIAGE',
          name: 'material MARRIAGE',
          required: true,
          tolerant: true,
          sourceChannel: 'APPLICANT',
          certificateType: 'CT-JHZ',
          dataItem: null,
          holder: 'spouse.idNumber',
          requiredBy: ['M2'],
          exemption: null,
        },
        {
          code: 'HK',
          name: 'material HK',
          required: true,
          tolerant: false,
          sourceChannel: 'APPLICANT',
          certificateType: 'CT-HK',
          dataItem: null,
          holder: null,
          requiredBy: ['M3'],
          exemption: { reason: 'INTERNAL_RESULT', producedBy: 'M2' },
        },
        {
          code: 'LICENSE',
          name: 'material LICENSE',
          required: true,
          tolerant: false,
          sourceChannel: 'GOVERNMENT_ISSUED',
          certificateType: null,
          dataItem: null,
          holder: null,
          requiredBy: ['M3'],
          exemption: { reason: 'GOVERNMENT_ISSUED' },
        },
      ],
      form: [
        {
          key: 'child.name',
          label: '新生儿姓名',
          type: 'STRING',
          required: true,
          maxLength: 10,
          options: null,
          dataItem: 'person.name',
          usedBy: ['M1', 'M2'],
        },
        {
          key: 'child.birthDate',
          label: '出生日期',
          type: 'DATE',
          required: true,
          maxLength: null,
          options: null,
          dataItem: null,
          usedBy: ['M1', 'M2'],
        },
        {
          key: 'relation',
          label: '与新生儿关系',
          type: 'ENUM',
          required: true,
          maxLength: null,
          options: ['father', 'mother'],
          dataItem: null,
          usedBy: ['M2', 'M3'],
        },
        {
          key: 'phone',
          label: '电话',
          type: 'STRING',
          required: false,
          maxLength: null,
          options: null,
          dataItem: null,
          usedBy: ['M3'],
        },
      ],
      summary: {
        matterCount: 3,
        materialsBefore: 6,
        materialsToSubmit: 2,
        legalDaysTotal: 65,
        committedDays: 18,
        visits: 1,
      },
      problems: ['UNKNOWN_MATTER:GONE', 'FORM_FIELD_TYPE_CONFLICT:child.birthDate'],
    };
    expect(plan).toEqual(expected);
  });

  it('adds the personal exemptions of an authenticated applicant', () => {
    const idCard = certificate({ id: 'C-ID', typeCode: 'CT-SFZ', holderId: 'P1', validUntil: '2030-01-01' });
    const marriage = certificate({ id: 'C-JH', typeCode: 'CT-JHZ', holderId: 'P2', status: 'REVOKED' });
    const plan = buildPlan({
      topic: newborn,
      matters: newbornMatters,
      answers: newbornAnswers,
      evidence: evidence({
        certificates: [idCard, marriage],
        holderOf: (m) => (m.holder === 'spouse.idNumber' ? 'P2' : 'P1'),
        availableDatasets: new Map([['identity', new Set(['P1'])]]),
      }),
    });
    expect(plan.materials.map((m) => [m.code, m.exemption])).toEqual([
      ['ID', { reason: 'E_CERTIFICATE', certificate: idCard, holderId: 'P1' }],
      ['VACC', null],
      ['BIRTH', { reason: 'INTERNAL_RESULT', producedBy: 'M1' }],
      ['MARRIAGE', null],
      ['HK', { reason: 'INTERNAL_RESULT', producedBy: 'M2' }],
      ['LICENSE', { reason: 'GOVERNMENT_ISSUED' }],
    ]);
    expect(plan.summary).toEqual({
      matterCount: 3,
      materialsBefore: 6,
      materialsToSubmit: 1,
      legalDaysTotal: 65,
      committedDays: 18,
      visits: 1,
    });
  });

  it('adds the social card matter and its chain when the applicant asks for a card', () => {
    const plan = buildPlan({
      topic: { ...newborn, matters: newborn.matters.filter((tm) => tm.matterCode !== 'GONE') },
      matters: newbornMatters,
      answers: [no('bornInHospital'), no('married'), yes('socialCard'), pick('bank', 'ccb')],
    });
    expect(plan.answers).toEqual({ bornInHospital: false, married: false, socialCard: true, bank: 'ccb' });
    expect(plan.matters.map((m) => [m.matter.code, m.dependsOn])).toEqual([
      ['M1', []],
      ['M2', ['M1']],
      ['M3', ['M2']],
      ['M4', ['M2']],
    ]);
    expect(plan.materials.map((m) => [m.code, m.requiredBy])).toEqual([
      ['ID', ['M1', 'M2', 'M3']],
      ['HOME-PROOF', ['M1']],
      ['VACC', ['M1']],
      ['BIRTH', ['M2']],
      ['HK', ['M3']],
      ['LICENSE', ['M3']],
      ['PHOTO', ['M4']],
    ]);
    expect(plan.summary).toEqual({
      matterCount: 4,
      materialsBefore: 2 + 2 + 2 + 1,
      materialsToSubmit: 3,
      legalDaysTotal: 75,
      committedDays: 18,
      visits: 1,
    });
    expect(plan.problems).toEqual(['FORM_FIELD_TYPE_CONFLICT:child.birthDate']);
  });
});

describe('buildPlan — questions', () => {
  const chain: Question[] = [
    question('hasPlace', 'BOOLEAN'),
    question('placeKind', 'SINGLE', {
      options: options('own', 'rented'),
      showIf: { '==': [{ var: 'hasPlace' }, true] },
    }),
    question('leaseYears', 'NUMBER', { min: 1, max: 20, showIf: { '==': [{ var: 'placeKind' }, 'rented'] } }),
    question('note', 'SINGLE', { required: false, options: options('a') }),
  ];
  const plan = (answers: RawAnswer[], questions = chain): Plan =>
    buildPlan({ topic: topic({ questions }), matters: registry(), answers });

  it('lists the visible questions in topic order and marks those answered', () => {
    const p = plan([yes('hasPlace'), pick('placeKind', 'rented')]);
    expect(p.questions).toEqual([
      { ...chain[0]!, answered: true },
      { ...chain[1]!, answered: true },
      { ...chain[2]!, answered: false },
      { ...chain[3]!, answered: false },
    ]);
    expect(p.complete).toBe(false);
  });

  it('hides a question whose condition reads the answer of a hidden question', () => {
    const p = plan([no('hasPlace'), pick('placeKind', 'rented'), pick('leaseYears', '3')]);
    expect(p.questions.map((q) => q.id)).toEqual(['hasPlace', 'note']);
    expect(p.answers).toEqual({ hasPlace: false });
    expect(p.complete).toBe(true);
  });

  it('is complete when every visible required question is answered, optional ones aside', () => {
    const p = plan([yes('hasPlace'), pick('placeKind', 'rented'), pick('leaseYears', '3')]);
    expect([p.complete, p.answers]).toEqual([true, { hasPlace: true, placeKind: 'rented', leaseYears: 3 }]);
  });

  it('is not complete when a visible required question is unanswered', () => {
    expect(plan([]).complete).toBe(false);
    expect(plan([yes('hasPlace')]).complete).toBe(false);
  });

  it('reads a later question as unanswered in an earlier question’s condition', () => {
    const questions = [
      question('first', 'BOOLEAN', { showIf: { '==': [{ var: 'second' }, null] } }),
      question('second', 'BOOLEAN'),
    ];
    expect(plan([yes('first'), yes('second')], questions).questions.map((q) => q.id)).toEqual(['first', 'second']);
  });

  it('still rejects a bad answer to a hidden question', () => {
    expect(() => plan([no('hasPlace'), pick('leaseYears', '99')])).toThrow(InvalidInputError);
  });

  it('throws an InvalidInputError naming the question for a bad answer', () => {
    expect(() => plan([pick('placeKind', 'borrowed')])).toThrow(/answers\.placeKind/);
  });

  it('shows a question whose condition is invalid and reports the condition', () => {
    const questions = [question('odd', 'BOOLEAN', { showIf: { frobnicate: [1] } })];
    const p = plan([], questions);
    expect([p.questions.map((q) => q.id), p.problems]).toEqual([['odd'], ['INVALID_CONDITION:question.odd.showIf']]);
  });
});

describe('buildPlan — matters and materials', () => {
  const questions = [question('hasPlace', 'BOOLEAN'), question('rented', 'BOOLEAN', { showIf: { var: 'hasPlace' } })];

  const build = (t: Partial<Topic>, matters: Matter[], answers: RawAnswer[] = []): Plan =>
    buildPlan({ topic: topic({ questions, ...t }), matters: registry(...matters), answers });

  it('ignores the answer to a hidden question in appliesIf and requiredIf', () => {
    const lease = matter('LEASE', { materials: [material('CONTRACT'), material('DEED')] });
    const p = build(
      {
        matters: [
          topicMatter('LEASE', {
            appliesIf: { '!': { var: 'rented' } },
            materialRules: [{ materialCode: 'CONTRACT', requiredIf: { var: 'rented' } }],
          }),
        ],
      },
      [lease],
      [no('hasPlace'), yes('rented')],
    );
    expect([p.matters.map((m) => m.matter.code), p.materials.map((m) => m.code)]).toEqual([['LEASE'], ['DEED']]);
  });

  it('applies a matter only when its appliesIf holds', () => {
    const a = matter('A');
    const b = matter('B');
    const t = { matters: [topicMatter('A', { appliesIf: { var: 'hasPlace' } }), topicMatter('B')] };
    expect(build(t, [a, b], [yes('hasPlace')]).matters.map((m) => m.matter.code)).toEqual(['A', 'B']);
    expect(build(t, [a, b], [no('hasPlace')]).matters.map((m) => m.matter.code)).toEqual(['B']);
  });

  it('skips a matter the registry does not know and reports it', () => {
    const p = build({ matters: [topicMatter('X'), topicMatter('A')] }, [matter('A')]);
    expect([p.matters.map((m) => m.matter.code), p.problems]).toEqual([['A'], ['UNKNOWN_MATTER:X']]);
  });

  it('takes a matter listed twice by the topic once and reports it', () => {
    const p = build({ matters: [topicMatter('A'), topicMatter('A', { dependsOn: ['A'] })] }, [matter('A', { legalDays: 7 })]);
    expect([p.matters.length, p.summary.legalDaysTotal, p.problems]).toEqual([1, 7, ['DUPLICATE_MATTER:A']]);
  });

  it('needs a material whose requiredIf holds and drops one whose requiredIf is falsy', () => {
    const a = matter('A', { materials: [material('KEEP'), material('DROP'), material('PLAIN')] });
    const p = build(
      {
        matters: [
          topicMatter('A', {
            materialRules: [
              { materialCode: 'KEEP', requiredIf: { var: 'hasPlace' } },
              { materialCode: 'DROP', requiredIf: { var: 'rented' } },
              { materialCode: 'ELSEWHERE', requiredIf: false },
            ],
          }),
        ],
      },
      [a],
      [yes('hasPlace')],
    );
    expect(p.materials.map((m) => m.code)).toEqual(['KEEP', 'PLAIN']);
  });

  it('drops a material for the matter whose rule is falsy but keeps it for another matter', () => {
    const a = matter('A', { materials: [material('SHARED')] });
    const b = matter('B', { materials: [material('SHARED')] });
    const p = build(
      { matters: [topicMatter('A', { materialRules: [{ materialCode: 'SHARED', requiredIf: false }] }), topicMatter('B')] },
      [a, b],
    );
    expect(p.materials.map((m) => [m.code, m.requiredBy])).toEqual([['SHARED', ['B']]]);
    expect(p.summary.materialsBefore).toBe(1);
  });

  it('needs a material whose requiredIf is invalid and reports the condition', () => {
    const a = matter('A', { materials: [material('M')] });
    const p = build({ matters: [topicMatter('A', { materialRules: [{ materialCode: 'M', requiredIf: { nope: [] } }] })] }, [a]);
    expect([p.materials.map((m) => m.code), p.problems]).toEqual([['M'], ['INVALID_CONDITION:matter.A.materialRules.M']]);
  });

  it('applies a matter whose appliesIf is invalid and reports the condition', () => {
    const p = build({ matters: [topicMatter('A', { appliesIf: { '==': [1], '!=': [2] } })] }, [matter('A')]);
    expect([p.matters.map((m) => m.matter.code), p.problems]).toEqual([['A'], ['INVALID_CONDITION:matter.A.appliesIf']]);
  });

  it('merges materials by code: required by any, tolerant only if all allow it, the rest from the first', () => {
    const a = matter('A', {
      materials: [material('X', { name: 'first', required: false, tolerant: true, holder: 'h1', dataItem: 'd1' })],
    });
    const b = matter('B', {
      materials: [
        material('X', {
          name: 'second',
          required: true,
          tolerant: true,
          sourceChannel: 'GOVERNMENT_ISSUED',
          certificateType: 'CT',
          holder: 'h2',
          dataItem: 'd2',
        }),
      ],
    });
    const c = matter('C', { materials: [material('X', { name: 'third', required: false, tolerant: false })] });
    const p = build({ matters: [topicMatter('A'), topicMatter('B'), topicMatter('C')] }, [a, b, c]);
    expect(p.materials).toEqual([
      {
        code: 'X',
        name: 'first',
        required: true,
        tolerant: false,
        sourceChannel: 'APPLICANT',
        certificateType: null,
        dataItem: 'd1',
        holder: 'h1',
        requiredBy: ['A', 'B', 'C'],
        exemption: null,
      },
    ]);
    expect(p.summary.materialsBefore).toBe(1);
  });

  it('counts a material listed twice by one matter once', () => {
    const a = matter('A', { materials: [material('X', { required: false }), material('X', { required: true })] });
    const p = build({ matters: [topicMatter('A')] }, [a]);
    expect([p.materials.map((m) => [m.code, m.required, m.requiredBy]), p.summary.materialsBefore]).toEqual([
      [['X', true, ['A']]],
      1,
    ]);
  });

  it('does not exempt a material produced by a matter that does not apply', () => {
    const producer = matter('P', { resultCertificateType: 'CT-X' });
    const consumer = matter('C', { materials: [material('X', { certificateType: 'CT-X' })] });
    const p = build(
      { matters: [topicMatter('P', { appliesIf: false }), topicMatter('C')] },
      [producer, consumer],
    );
    expect(p.materials.map((m) => m.exemption)).toEqual([null]);
  });

  it('does not exempt a material produced by a later matter of the topic', () => {
    const consumer = matter('C', { materials: [material('X', { certificateType: 'CT-X' })] });
    const producer = matter('P', { resultCertificateType: 'CT-X' });
    const p = build({ matters: [topicMatter('C'), topicMatter('P')] }, [consumer, producer]);
    expect(p.materials.map((m) => m.exemption)).toEqual([null]);
  });
});

describe('buildPlan — INTERNAL_RESULT follows the order of approval, not the order of display', () => {
  const fire = matter('FIRE', { resultCertificateType: 'CT-XFJC' });
  const permit = matter('PERMIT', { materials: [material('M-XFJC', { name: '消防安全检查合格证明', certificateType: 'CT-XFJC' })] });
  const planOf = (matters: Parameters<typeof topicMatter>[] , known = [fire, permit]) =>
    buildPlan({ topic: topic({ matters: matters.map((args) => topicMatter(...args)) }), matters: registry(...known), answers: [] });
  const exemptions = (p: Plan) => p.materials.map((m) => [m.code, m.exemption]);

  it('exempts a material whose producer is listed after the needing matter that depends on it', () => {
    const p = planOf([['PERMIT', { dependsOn: ['FIRE'] }], ['FIRE']]);

    expect([exemptions(p), p.matters.map((m) => [m.matter.code, m.dependsOn]), p.problems]).toEqual([
      [['M-XFJC', { reason: 'INTERNAL_RESULT', producedBy: 'FIRE' }]],
      [['PERMIT', ['FIRE']], ['FIRE', []]],
      [],
    ]);
  });

  it('exempts a material whose producer depends on it only through another matter', () => {
    const licence = matter('LICENCE');
    const p = planOf([['PERMIT', { dependsOn: ['LICENCE'] }], ['LICENCE', { dependsOn: ['FIRE'] }], ['FIRE']], [fire, permit, licence]);

    expect(exemptions(p)).toEqual([['M-XFJC', { reason: 'INTERNAL_RESULT', producedBy: 'FIRE' }]]);
  });

  it('exempts a material whose independent producer is listed first', () => {
    expect(exemptions(planOf([['FIRE'], ['PERMIT']]))).toEqual([['M-XFJC', { reason: 'INTERNAL_RESULT', producedBy: 'FIRE' }]]);
  });

  it('does not exempt a material whose independent producer is listed after the needing matter', () => {
    expect(exemptions(planOf([['PERMIT'], ['FIRE']]))).toEqual([['M-XFJC', null]]);
  });

  it('does not exempt a material whose producer, listed first, depends on the needing matter', () => {
    expect(exemptions(planOf([['FIRE', { dependsOn: ['PERMIT'] }], ['PERMIT']]))).toEqual([['M-XFJC', null]]);
  });

  it('reports a dependency cycle as a problem of the topic and still plans, without following the cycle', () => {
    const p = planOf([['PERMIT', { dependsOn: ['FIRE'] }], ['FIRE', { dependsOn: ['PERMIT'] }]]);

    expect([exemptions(p), p.matters.map((m) => [m.matter.code, m.dependsOn]), p.problems]).toEqual([
      [['M-XFJC', { reason: 'INTERNAL_RESULT', producedBy: 'FIRE' }]],
      [['PERMIT', ['FIRE']], ['FIRE', []]],
      ['DEPENDENCY_CYCLE:PERMIT>FIRE>PERMIT'],
    ]);
  });

  it('exempts no material whose producer would wait, through other results, for the needing matter', () => {
    // A is listed before B, B before C, and A depends on C: exempting all three would make them wait in a circle.
    const a = matter('A', { resultCertificateType: 'CT-A', materials: [material('M-C', { certificateType: 'CT-C' })] });
    const b = matter('B', { resultCertificateType: 'CT-B', materials: [material('M-A', { certificateType: 'CT-A' })] });
    const c = matter('C', { resultCertificateType: 'CT-C', materials: [material('M-B', { certificateType: 'CT-B' })] });
    const p = planOf([['A', { dependsOn: ['C'] }], ['B'], ['C']], [a, b, c]);

    expect(exemptions(p)).toEqual([
      ['M-C', { reason: 'INTERNAL_RESULT', producedBy: 'C' }],
      ['M-A', { reason: 'INTERNAL_RESULT', producedBy: 'A' }],
      ['M-B', null],
    ]);
  });
});

describe('buildPlan — form', () => {
  const build = (...matters: Matter[]): Plan =>
    buildPlan({
      topic: topic({ matters: matters.map((m) => topicMatter(m.code)) }),
      matters: registry(...matters),
      answers: [],
    });

  it('merges fields by key: first label and type, required by any, smallest maxLength, options intersection', () => {
    const p = build(
      matter('A', {
        form: [
          field('kind', { label: 'Kind', type: 'ENUM', options: ['c', 'b', 'a'], maxLength: 5 }),
          field('note', { label: 'Note' }),
        ],
      }),
      matter('B', { form: [field('kind', { label: 'Type', type: 'ENUM', required: true, options: ['a', 'c', 'd'] })] }),
      matter('C', { form: [field('kind', { type: 'ENUM', maxLength: 3, options: null, dataItem: 'x.kind' })] }),
    );
    expect(p.form).toEqual([
      {
        key: 'kind',
        label: 'Kind',
        type: 'ENUM',
        required: true,
        maxLength: 3,
        options: ['c', 'a'],
        dataItem: 'x.kind',
        usedBy: ['A', 'B', 'C'],
      },
      {
        key: 'note',
        label: 'Note',
        type: 'STRING',
        required: false,
        maxLength: null,
        options: null,
        dataItem: null,
        usedBy: ['A'],
      },
    ]);
    expect(p.problems).toEqual([]);
  });

  it('gives an ENUM field no options when no matter lists them, and takes them from the first that does', () => {
    const p = build(
      matter('A', { form: [field('kind', { type: 'ENUM' })] }),
      matter('B', { form: [field('kind', { type: 'ENUM', options: ['x', 'y'] })] }),
      matter('C', { form: [field('other', { type: 'ENUM' })] }),
    );
    expect(p.form.map((f) => [f.key, f.options])).toEqual([
      ['kind', ['x', 'y']],
      ['other', null],
    ]);
  });

  it('keeps the first field and reports a type conflict without throwing', () => {
    const p = build(
      matter('A', { form: [field('area', { type: 'NUMBER', maxLength: 6 })] }),
      matter('B', { form: [field('area', { type: 'STRING', required: true, maxLength: 2, dataItem: 'x' })] }),
      matter('C', { form: [field('area', { type: 'BOOLEAN' })] }),
    );
    expect(p.form).toEqual([
      {
        key: 'area',
        label: 'label area',
        type: 'NUMBER',
        required: true,
        maxLength: 6,
        options: null,
        dataItem: null,
        usedBy: ['A', 'B', 'C'],
      },
    ]);
    expect(p.problems).toEqual(['FORM_FIELD_TYPE_CONFLICT:area']);
  });

  it('takes no form from a matter that does not apply', () => {
    const a = matter('A', { form: [field('a')] });
    const b = matter('B', { form: [field('b', { type: 'DATE' }), field('a', { type: 'DATE' })] });
    const p = buildPlan({
      topic: topic({ matters: [topicMatter('A'), topicMatter('B', { appliesIf: false })] }),
      matters: registry(a, b),
      answers: [],
    });
    expect([p.form.map((f) => f.key), p.problems]).toEqual([['a'], []]);
  });
});

describe('buildPlan — summary', () => {
  const summaryOf = (input: Partial<PlanInput> & { topic: Topic; matters: ReadonlyMap<string, Matter> }): Plan =>
    buildPlan({ answers: [], ...input });

  it('overlaps independent matters and chains dependent ones', () => {
    const p = summaryOf({
      topic: topic({
        matters: [
          topicMatter('A'),
          topicMatter('B'),
          topicMatter('C', { dependsOn: ['A'] }),
          topicMatter('D', { dependsOn: ['B', 'C'] }),
        ],
      }),
      matters: registry(
        matter('A', { legalDays: 10, committedDays: 4 }),
        matter('B', { legalDays: 20, committedDays: 9 }),
        matter('C', { legalDays: 10, committedDays: 3 }),
        matter('D', { legalDays: 5, committedDays: 1 }),
      ),
    });
    expect(p.summary).toEqual({
      matterCount: 4,
      materialsBefore: 0,
      materialsToSubmit: 0,
      legalDaysTotal: 45,
      committedDays: 10,
      visits: 0,
    });
  });

  it('uses the topic’s committed days when set', () => {
    const p = summaryOf({
      topic: topic({ committedDays: 2, matters: [topicMatter('A'), topicMatter('B', { dependsOn: ['A'] })] }),
      matters: registry(matter('A', { committedDays: 4 }), matter('B', { committedDays: 5 })),
    });
    expect(p.summary.committedDays).toBe(2);
  });

  it('ignores a dependency on a matter that does not apply', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A', { appliesIf: false }), topicMatter('B', { dependsOn: ['A', 'Z'] })] }),
      matters: registry(matter('A', { committedDays: 4 }), matter('B', { committedDays: 5 })),
    });
    expect([p.summary.committedDays, p.matters.map((m) => m.dependsOn)]).toEqual([5, [[]]]);
  });

  it('reports a dependency cycle and still computes the days', () => {
    const p = summaryOf({
      topic: topic({
        matters: [
          topicMatter('A', { dependsOn: ['C'] }),
          topicMatter('B', { dependsOn: ['A'] }),
          topicMatter('C', { dependsOn: ['B'] }),
        ],
      }),
      matters: registry(
        matter('A', { committedDays: 1 }),
        matter('B', { committedDays: 2 }),
        matter('C', { committedDays: 4 }),
      ),
    });
    expect([p.summary.committedDays, p.problems]).toEqual([7, ['DEPENDENCY_CYCLE:A>C>B>A']]);
  });

  it('reports a matter that depends on itself', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A', { dependsOn: ['A'] })] }),
      matters: registry(matter('A', { committedDays: 3 })),
    });
    expect([p.summary.committedDays, p.matters[0]?.dependsOn, p.problems]).toEqual([3, [], ['DEPENDENCY_CYCLE:A>A']]);
  });

  it('counts one visit when any applied matter is not fully online', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A'), topicMatter('B'), topicMatter('C')] }),
      matters: registry(
        matter('A', { onlineDepth: 4 }),
        matter('B', { onlineDepth: 2, visitsRequired: 2 }),
        matter('C', { onlineDepth: 1, visitsRequired: 3 }),
      ),
    });
    expect(p.summary.visits).toBe(1);
  });

  it('counts no visit when only a matter that does not apply needs one', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A'), topicMatter('B', { appliesIf: false })] }),
      matters: registry(matter('A', { onlineDepth: 4 }), matter('B', { onlineDepth: 1 })),
    });
    expect(p.summary.visits).toBe(0);
  });

  it('gives an empty summary when no matter applies', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A', { appliesIf: false })] }),
      matters: registry(matter('A', { materials: [material('X')], onlineDepth: 1 })),
    });
    expect([p.summary, p.matters, p.materials, p.form]).toEqual([
      { matterCount: 0, materialsBefore: 0, materialsToSubmit: 0, legalDaysTotal: 0, committedDays: 0, visits: 0 },
      [],
      [],
      [],
    ]);
  });

  it('counts optional materials neither before nor to submit', () => {
    const p = summaryOf({
      topic: topic({ matters: [topicMatter('A')] }),
      matters: registry(matter('A', { materials: [material('OPT', { required: false }), material('REQ')] })),
    });
    expect([p.summary.materialsBefore, p.summary.materialsToSubmit]).toEqual([1, 1]);
  });
});
