import { describe, expect, it } from 'vitest';
import { answerText, buildNotice, rawAnswersOf } from '../../domain/notice.ts';
import { buildPlan } from '../../domain/plan.ts';
import { material, matter, options, question, registry, topic, topicMatter } from './fixtures.ts';

const newborn = topic({
  code: 'T-NB',
  windowAddress: null,
  questions: [
    question('place', 'SINGLE', { text: '在哪里出生？', options: [{ value: 'IN', label: '区内医院' }, { value: 'HOME', label: '家中' }] }),
    question('services', 'MULTI', { text: '还办哪些服务？', required: false, options: [{ value: 'VAX', label: '预防接种证' }] }),
    question('employed', 'BOOLEAN', { text: '母亲在职吗？', showIf: { in: ['VAX', { var: 'services' }] } }),
  ],
  matters: [
    topicMatter('BIRTH'),
    topicMatter('VAX', { appliesIf: { in: ['VAX', { var: 'services' }] }, dependsOn: ['BIRTH'] }),
    topicMatter('HUKOU', { dependsOn: ['BIRTH'], materialRules: [{ materialCode: 'M-HOME', requiredIf: { '==': [{ var: 'place' }, 'HOME'] } }] }),
  ],
});
const matters = registry(
  matter('BIRTH', { name: '出生医学证明', department: 'WJJ', committedDays: 3, legalDays: 20, onlineDepth: 3, resultCertificateType: 'CT-BIRTH', materials: [material('M-ID', { name: '身份证' })] }),
  matter('VAX', { name: '预防接种证', department: 'WJJ', committedDays: 1, legalDays: 5, materials: [material('M-VAXREC', { name: '接种记录', tolerant: true })] }),
  matter('HUKOU', {
    name: '出生登记',
    department: 'GAJ',
    committedDays: 1,
    legalDays: 20,
    materials: [
      material('M-ID', { name: '身份证' }),
      material('M-BIRTHCERT', { name: '出生医学证明', certificateType: 'CT-BIRTH' }),
      material('M-HK', { name: '户口簿', sourceChannel: 'GOVERNMENT_ISSUED' }),
      material('M-PHOTO', { name: '照片', required: false }),
      material('M-HOME', { name: '非医院出生证明' }),
    ],
  }),
);
const departmentNames = new Map([['WJJ', '区卫健局'], ['GAJ', '公安分局']]);

describe('the one-time notice', () => {
  it('tells the situation, the matters, what to bring, what not and why, where and how long', () => {
    const plan = buildPlan({
      topic: newborn,
      matters,
      answers: [
        { questionId: 'place', values: ['IN'] },
        { questionId: 'services', values: ['VAX'] },
        { questionId: 'employed', values: ['false'] },
      ],
    });

    expect(buildNotice({ topic: newborn, plan, personal: false, departmentNames, defaultWindowAddress: '区政务服务中心一楼' })).toEqual({
      topic: { code: 'T-NB', name: '新生儿出生一件事', version: 1, leadDepartment: 'WJJ-440514' },
      personal: false,
      complete: true,
      situation: [
        { question: '在哪里出生？', answer: '区内医院' },
        { question: '还办哪些服务？', answer: '预防接种证' },
        { question: '母亲在职吗？', answer: '否' },
      ],
      unanswered: [],
      matters: [
        { code: 'BIRTH', name: '出生医学证明', department: { code: 'WJJ', name: '区卫健局' }, legalDays: 20, committedDays: 3, onlineDepth: 3, after: [] },
        { code: 'VAX', name: '预防接种证', department: { code: 'WJJ', name: '区卫健局' }, legalDays: 5, committedDays: 1, onlineDepth: 4, after: ['出生医学证明'] },
        { code: 'HUKOU', name: '出生登记', department: { code: 'GAJ', name: '公安分局' }, legalDays: 20, committedDays: 1, onlineDepth: 4, after: ['出生医学证明'] },
      ],
      toProvide: [
        { code: 'M-ID', name: '身份证', required: true, tolerant: false, neededFor: ['出生医学证明', '出生登记'] },
        { code: 'M-VAXREC', name: '接种记录', required: true, tolerant: true, neededFor: ['预防接种证'] },
        { code: 'M-PHOTO', name: '照片', required: false, tolerant: false, neededFor: ['出生登记'] },
      ],
      notNeeded: [
        { code: 'M-BIRTHCERT', name: '出生医学证明', reason: 'INTERNAL_RESULT', producedBy: '出生医学证明' },
        { code: 'M-HK', name: '户口簿', reason: 'GOVERNMENT_ISSUED' },
      ],
      windowAddress: '区政务服务中心一楼',
      onlineUrl: 'https://example.gov.cn/apply',
      guideUrl: 'https://example.gov.cn/guide',
      committedDays: 4,
      legalDaysTotal: 45,
      visits: 1,
      materialsBefore: 5,
      materialsToSubmit: 2,
      problems: [],
    });
  });

  it('names the questions still open and prefers the topic\'s own window', () => {
    const withWindow = { ...newborn, windowAddress: '区政务服务中心“一件事”窗口' };
    const plan = buildPlan({ topic: withWindow, matters, answers: [] });
    const notice = buildNotice({ topic: withWindow, plan, personal: true, departmentNames, defaultWindowAddress: '别处' });
    expect([notice.complete, notice.unanswered, notice.situation, notice.windowAddress, notice.personal]).toEqual([
      false,
      ['在哪里出生？'],
      [],
      '区政务服务中心“一件事”窗口',
      true,
    ]);
  });

  it('writes the answers back the way the front-end sends them, hidden ones left out', () => {
    const plan = buildPlan({
      topic: newborn,
      matters,
      answers: [
        { questionId: 'employed', values: ['true'] }, // hidden: services does not include VAX
        { questionId: 'place', values: ['HOME'] },
        { questionId: 'services', values: [] },
      ],
    });
    expect(rawAnswersOf(plan)).toEqual([
      { questionId: 'place', values: ['HOME'] },
      { questionId: 'services', values: [] },
    ]);
  });

  it('reads answers as the applicant chose them', () => {
    const multi = question('s', 'MULTI', { options: options('A', 'B') });
    expect([
      answerText(question('n', 'NUMBER'), 12),
      answerText(question('b', 'BOOLEAN'), true),
      answerText(multi, []),
      answerText(multi, ['A', 'B']),
    ]).toEqual(['12', '是', '均不需要', 'A、B']);
  });
});
