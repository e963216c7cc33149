import { describe, expect, it } from 'vitest';
import { buildFlowchart, describeCondition } from '../../domain/flowchart.ts';
import { matter, question, registry, topic, topicMatter } from './fixtures.ts';

const questions = [
  question('place', 'SINGLE', { text: '在哪里出生？', options: [{ value: 'IN', label: '区内医院' }, { value: 'HOME', label: '家中' }] }),
  question('services', 'MULTI', { text: '还办哪些服务？', required: false, options: [{ value: 'VAX', label: '预防接种证' }] }),
  question('employed', 'BOOLEAN', { text: '母亲在职吗？', showIf: { in: ['VAX', { var: 'services' }] } }),
  question('months', 'NUMBER', { text: '月龄？', min: 0, max: 36 }),
];
const departmentNames = new Map([['WJJ', '区卫健局'], ['GAJ', '公安分局']]);
const matters = registry(
  matter('BIRTH', { name: '出生医学证明', department: 'WJJ', committedDays: 3, legalDays: 20 }),
  matter('VAX', { name: '预防接种证', department: 'WJJ', committedDays: 1, legalDays: 5 }),
  matter('HUKOU', { name: '出生登记', department: 'GAJ', committedDays: 1, legalDays: 20 }),
);

describe('the guidance flowchart', () => {
  it('asks the questions in order, branches around a hidden one, and shows which answers bring which matters in which order', () => {
    const chart = buildFlowchart(
      topic({
        code: 'T-NB',
        questions,
        matters: [
          topicMatter('BIRTH'),
          topicMatter('VAX', { appliesIf: { in: ['VAX', { var: 'services' }] }, dependsOn: ['BIRTH'] }),
          topicMatter('HUKOU', { appliesIf: { '>': [{ var: 'months' }, 0] }, dependsOn: ['BIRTH', 'BIRTH'] }),
        ],
      }),
      matters,
      departmentNames,
    );

    expect(chart).toEqual({
      topic: { code: 'T-NB', name: '新生儿出生一件事' },
      nodes: [
        { id: 'start', kind: 'start', lines: ['开始', '新生儿出生一件事'] },
        { id: 'q1', kind: 'question', lines: ['问题 1：在哪里出生？', '单选：区内医院 / 家中'] },
        { id: 'q2', kind: 'question', lines: ['问题 2：还办哪些服务？', '多选（可不选）：预防接种证（选答）'] },
        { id: 'q3_if', kind: 'condition', lines: ['若 问题 2 含 预防接种证'] },
        { id: 'q3', kind: 'question', lines: ['问题 3：母亲在职吗？', '是 / 否'] },
        { id: 'q4', kind: 'question', lines: ['问题 4：月龄？', '数值：0 – 36'] },
        { id: 'outcome', kind: 'outcome', lines: ['按回答确定适用的事项', '共 3 个事项，并联审批'] },
        { id: 'm1', kind: 'matter', lines: ['出生医学证明', '区卫健局', '承诺 3 个工作日（法定 20）'] },
        { id: 'm2', kind: 'matter', lines: ['预防接种证', '区卫健局', '承诺 1 个工作日（法定 5）'] },
        { id: 'm3', kind: 'matter', lines: ['出生登记', '公安分局', '承诺 1 个工作日（法定 20）'] },
      ],
      edges: [
        { from: 'start', to: 'q1', kind: 'next' },
        { from: 'q1', to: 'q2', kind: 'next' },
        { from: 'q2', to: 'q3_if', kind: 'next' },
        { from: 'q3_if', to: 'q3', kind: 'shown', label: '是' },
        { from: 'q3_if', to: 'q4', kind: 'skipped', label: '否，跳过' },
        { from: 'q3', to: 'q4', kind: 'next' },
        { from: 'q4', to: 'outcome', kind: 'next' },
        { from: 'outcome', to: 'm1', kind: 'applies', label: '都要办' },
        { from: 'outcome', to: 'm2', kind: 'applies', label: '若 问题 2 含 预防接种证' },
        { from: 'outcome', to: 'm3', kind: 'applies', label: '若 问题 4 > 0' },
        { from: 'm1', to: 'm2', kind: 'dependsOn', label: '办结后' },
        { from: 'm1', to: 'm3', kind: 'dependsOn', label: '办结后' },
      ],
      problems: [],
    });
  });

  it('draws a topic with wrong conditions and an unknown matter, saying what is wrong instead of failing', () => {
    const chart = buildFlowchart(
      topic({
        code: 'T-BAD',
        questions: [questions[0]!, question('odd', 'BOOLEAN', { text: '奇怪的问题？', showIf: { frobnicate: [1] } })],
        matters: [
          topicMatter('BIRTH', { appliesIf: { '==': [{ var: 'nosuch' }, true] }, materialRules: [{ materialCode: 'M-X', requiredIf: { a: 1, b: 2 } }] }),
          topicMatter('GONE', { dependsOn: ['BIRTH', 'ALSO-GONE'] }),
        ],
      }),
      matters,
      departmentNames,
    );

    expect(chart.problems).toEqual([
      'INVALID_CONDITION:question.odd.showIf',
      'INVALID_CONDITION:matter.BIRTH.appliesIf',
      'INVALID_CONDITION:matter.BIRTH.materialRules.M-X',
      'UNKNOWN_MATTER:GONE',
      'UNKNOWN_DEPENDENCY:GONE>ALSO-GONE',
    ]);
    expect(chart.nodes[0]).toEqual({
      id: 'warning',
      kind: 'warning',
      lines: ['注意：本主题的登记数据有误，流程图按现有数据生成', ...chart.problems],
    });
    expect(chart.nodes.find((n) => n.id === 'q2_if')).toEqual({
      id: 'q2_if',
      kind: 'condition',
      lines: ['若 {"frobnicate":[1]}'],
      error: '条件有误（按成立处理）：Unrecognized operation frobnicate',
    });
    expect(chart.nodes.find((n) => n.id === 'm2')).toEqual({ id: 'm2', kind: 'unknown-matter', lines: ['事项 GONE'], error: '省事项系统中没有这个事项' });
    expect(chart.edges.filter((e) => e.error)).toEqual([
      {
        from: 'outcome',
        to: 'm1',
        kind: 'applies',
        label: '若 「nosuch」 为 是',
        error: '条件有误（按成立处理）：asks about nosuch, not a question of this topic',
      },
    ]);
    expect(chart.edges).toContainEqual({ from: 'm1', to: 'm2', kind: 'dependsOn', label: '办结后' });
  });
});

describe('conditions in words', () => {
  const words = (rule: unknown) => describeCondition(rule, questions);

  it.each([
    [{ '==': [{ var: 'place' }, 'HOME'] }, '「在哪里出生」 为 家中'],
    [{ '!=': [{ var: 'place' }, 'HOME'] }, '「在哪里出生」 不为 家中'],
    [{ in: [{ var: 'place' }, ['IN', 'HOME']] }, '「在哪里出生」 为 区内医院 或 家中'],
    [{ in: ['VAX', { var: 'services' }] }, '「还办哪些服务」 含 预防接种证'],
    [{ var: 'employed' }, '「母亲在职吗」 为 是'],
    [{ '!': { var: 'employed' } }, '并非（「母亲在职吗」 为 是）'],
    [{ '<=': [1, { var: 'months' }, 12] }, '1 ≤ 「月龄」 ≤ 12'],
    [{ and: [{ '>': [{ var: 'months' }, 12] }, { '==': [{ var: 'employed' }, false] }] }, '（「月龄」 > 12） 且 （「母亲在职吗」 为 否）'],
    [{ or: [{ '==': [{ var: 'place' }, 'IN'] }, { var: 'services' }] }, '（「在哪里出生」 为 区内医院） 或 （「还办哪些服务」 已选择）'],
    [{ some: [{ var: 'services' }, { '==': [{ var: '' }, 'VAX'] }] }, '{"some":[{"var":"services"},{"==":[{"var":""},"VAX"]}]}'],
  ])('%j reads "%s"', (rule, text) => {
    expect(words(rule)).toBe(text);
  });
});
