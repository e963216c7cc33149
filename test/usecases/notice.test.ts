/**
 * The one-time notice (一次告知单) of a situation, on its ports: an in-memory
 * registry and the real planning, anonymous or with in-memory look-ups of
 * an e-certificate library, so each test sees whose records were asked for.
 */
import { describe, expect, it } from 'vitest';
import type { CertificateQuery } from '../../connectors/e-certificates/loaders.ts';
import type { Topic } from '../../connectors/matter-registry/models.ts';
import type { Actor } from '../../domain/actor.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import { situationNotice, type NoticeDeps } from '../../usecases/notice.ts';
import { planForViewer, type PersonalLookups } from '../../usecases/personal-plan.ts';
import { certificate, material, matter, question, registry, topic, topicMatter } from '../domain/fixtures.ts';

const ZHANG_SAN = '440514199001011234';
const zhangSan: Actor = { kind: 'user', subject: ZHANG_SAN, name: '张三', role: 'APPLICANT' };
const anonymous: Actor = { kind: 'anonymous' };
const HALL = '潮南区政务服务中心一楼';

const newborn = topic({
  code: 'T-NB',
  windowAddress: null,
  questions: [question('place', 'SINGLE', { text: '在哪里出生？', options: [{ value: 'IN', label: '区内医院' }, { value: 'HOME', label: '家中' }] })],
  matters: [
    topicMatter('BIRTH'),
    topicMatter('HUKOU', { dependsOn: ['BIRTH'], materialRules: [{ materialCode: 'M-HOME', requiredIf: { '==': [{ var: 'place' }, 'HOME'] } }] }),
  ],
});
const matters = registry(
  matter('BIRTH', { name: '出生医学证明', department: 'WJJ', committedDays: 3, legalDays: 20, onlineDepth: 3, resultCertificateType: 'CT-BIRTH', materials: [material('M-ID', { name: '身份证', certificateType: 'CT-SFZ' })] }),
  matter('HUKOU', {
    name: '出生登记',
    department: 'GAJ',
    committedDays: 1,
    legalDays: 20,
    materials: [
      material('M-ID', { name: '身份证', certificateType: 'CT-SFZ' }),
      material('M-BIRTHCERT', { name: '出生医学证明', certificateType: 'CT-BIRTH' }),
      material('M-HK', { name: '户口簿', sourceChannel: 'GOVERNMENT_ISSUED' }),
      material('M-HOME', { name: '非医院出生证明' }),
    ],
  }),
);
const idCard = certificate({ id: 'C-ID', typeCode: 'CT-SFZ', typeName: '居民身份证', holderId: ZHANG_SAN });

/** A library holding `held`; every query it is asked is recorded. */
function library(held = [idCard]) {
  const asked: CertificateQuery[] = [];
  const personal: PersonalLookups = {
    certificates: {
      byHolder: {
        load: async (query) => {
          asked.push(query);
          return held.filter((c) => c.holderId === query.holderId && query.typeCodes.includes(c.typeCode));
        },
      },
    },
    dataCenter: { person: { load: async () => null }, enterprise: { load: async () => null }, available: { load: async () => false } },
  };
  return { personal, asked };
}

/** Ports over a registry holding `topics`, planning as `actor` sees it; every plan asked for is counted. */
function ports(actor: Actor, options: { topics?: Topic[]; personal?: PersonalLookups | null } = {}) {
  const topics = new Map((options.topics ?? [newborn]).map((t) => [t.code, t]));
  const counts = { plans: 0 };
  const deps: NoticeDeps = {
    topic: async (code) => topics.get(code) ?? null,
    matters: async (t) => new Map(t.matters.flatMap((m) => (matters.has(m.matterCode) ? [[m.matterCode, matters.get(m.matterCode)!] as const] : []))),
    departmentNames: async () => new Map([['WJJ', '区卫健局'], ['GAJ', '公安分局'], ['WJJ-440514', '潮南区卫生健康局']]),
    plan: async (t, byCode, answers) => {
      counts.plans++;
      return (await planForViewer({ personal: options.personal ?? null, today: () => '2026-06-01' }, actor, { topic: t, matters: byCode, answers, form: null })).plan;
    },
    defaultWindowAddress: HALL,
  };
  return { deps, counts };
}

const bornInHospital = { topicCode: 'T-NB', answers: [{ questionId: 'place', values: ['IN'] }] };

describe('situationNotice', () => {
  it('tells an anonymous visitor the whole situation: the matters, what to bring, what not and why, where and how long', async () => {
    const { deps } = ports(anonymous);

    expect(await situationNotice(deps, { personal: false }, bornInHospital)).toEqual({
      topic: { code: 'T-NB', name: '新生儿出生一件事', version: 1, leadDepartment: '潮南区卫生健康局' },
      personal: false,
      complete: true,
      situation: [{ question: '在哪里出生？', answer: '区内医院' }],
      unanswered: [],
      matters: [
        { code: 'BIRTH', name: '出生医学证明', department: { code: 'WJJ', name: '区卫健局' }, legalDays: 20, committedDays: 3, onlineDepth: 3, after: [] },
        { code: 'HUKOU', name: '出生登记', department: { code: 'GAJ', name: '公安分局' }, legalDays: 20, committedDays: 1, onlineDepth: 4, after: ['出生医学证明'] },
      ],
      toProvide: [{ code: 'M-ID', name: '身份证', required: true, tolerant: false, neededFor: ['出生医学证明', '出生登记'] }],
      notNeeded: [
        { code: 'M-BIRTHCERT', name: '出生医学证明', reason: 'INTERNAL_RESULT', producedBy: '出生医学证明' },
        { code: 'M-HK', name: '户口簿', reason: 'GOVERNMENT_ISSUED' },
      ],
      windowAddress: HALL,
      onlineUrl: 'https://example.gov.cn/apply',
      guideUrl: 'https://example.gov.cn/guide',
      committedDays: 4,
      legalDaysTotal: 40,
      visits: 1,
      materialsBefore: 4,
      materialsToSubmit: 1,
      problems: [],
    });
  });

  it('gives a signed-in applicant their own notice: the material their e-certificate stands for is not needed', async () => {
    const { personal, asked } = library();
    const { deps } = ports(zhangSan, { personal });

    const notice = await situationNotice(deps, { personal: true }, bornInHospital);

    expect(notice).toMatchObject({ personal: true, toProvide: [], materialsToSubmit: 0 });
    expect(notice!.notNeeded).toEqual([
      { code: 'M-ID', name: '身份证', reason: 'E_CERTIFICATE', certificate: '居民身份证' },
      { code: 'M-BIRTHCERT', name: '出生医学证明', reason: 'INTERNAL_RESULT', producedBy: '出生医学证明' },
      { code: 'M-HK', name: '户口簿', reason: 'GOVERNMENT_ISSUED' },
    ]);
    expect(asked).toEqual([{ holderId: ZHANG_SAN, typeCodes: ['CT-SFZ'], purpose: 'T-NB' }]);
  });

  it('names the questions still open, and prints the topic’s own window rather than the default one', async () => {
    const withWindow = { ...newborn, windowAddress: '潮南区政务服务中心“一件事”窗口' };
    const { deps } = ports(anonymous, { topics: [withWindow] });

    const notice = await situationNotice(deps, { personal: false }, { topicCode: 'T-NB', answers: [] });

    expect([notice!.complete, notice!.unanswered, notice!.situation, notice!.windowAddress]).toEqual([
      false,
      ['在哪里出生？'],
      [],
      '潮南区政务服务中心“一件事”窗口',
    ]);
  });

  it('answers null for a topic the caller has none of, planning nothing and reading nobody’s records', async () => {
    const { personal, asked } = library();
    const { deps, counts } = ports(zhangSan, { personal });

    expect(await situationNotice(deps, { personal: true }, { ...bornInHospital, topicCode: 'T-NONE' })).toBeNull();
    expect([counts.plans, asked]).toEqual([0, []]);
  });

  it('refuses bad answers with every problem at once, before anyone’s records are read', async () => {
    const { personal, asked } = library();
    const { deps } = ports(zhangSan, { personal });
    const answers = [
      { questionId: 'place', values: ['MARS'] },
      { questionId: 'colour', values: ['red'] },
    ];

    const error = await situationNotice(deps, { personal: true }, { topicCode: 'T-NB', answers }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`)).toEqual([
      'answers.place NOT_AN_OPTION',
      'answers.colour UNKNOWN_QUESTION',
    ]);
    expect(asked).toEqual([]);
  });
});
