import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { controlCharacterProblems } from '../../server/text-inputs.ts';
import { buildSchema } from '../../server/schema.ts';
import { findControlCharacter, parseUpstreamJson, stripControlCharacters } from '../../lib/text.ts';

const schema = buildSchema();

function problemsOf(text: string, variables?: Record<string, unknown>) {
  const document = parse(text);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return controlCharacterProblems(schema, document, operation, variables).map((p) => [p.field, p.code]);
}

const PLAN = `query ($code: ID!, $answers: [AnswerInput!]!, $form: [FieldValueInput!]) {
  topic(code: $code) { plan(answers: $answers, form: $form) { complete } }
}`;

describe('the control character rule (lib/text.ts)', () => {
  it('finds NUL and every other C0 control character but tab and newline', () => {
    expect(findControlCharacter('林\u0000美玲')).toBe('U+0000');
    expect(findControlCharacter('a\u001bb')).toBe('U+001B');
    expect(findControlCharacter('回车\r换行')).toBe('U+000D');
    expect(findControlCharacter('第一行\n\t第二行')).toBeNull();
    expect(findControlCharacter('DEL \u007f and é are not C0')).toBeNull();
  });

  it('strips them from what an upstream answers, in values and keys alike, keeping tab and newline', () => {
    expect(stripControlCharacters('很\u0000好\u0007\n\t')).toBe('很好\n\t');
    expect(parseUpstreamJson('{"comment":"很\\u0000好","items":["a\\u0001b"],"k\\u0000ey":{"n":1}}')).toEqual({
      comment: '很好',
      items: ['ab'],
      key: { n: 1 },
    });
    expect(() => parseUpstreamJson('{not json')).toThrow(SyntaxError);
  });

  it('cleans every way JSON can write a control character: \\b, \\f, \\r and \\u escapes in either case', () => {
    expect(parseUpstreamJson('["a\\bb","c\\fd","e\\rf","g\\u001Bh","i\\u001bj","k\\tl\\nm"]')).toEqual(['ab', 'cd', 'ef', 'gh', 'ij', 'k\tl\nm']);
  });

  it('leaves answers without control characters exactly as JSON.parse reads them, escaped backslashes included', () => {
    const text = '{"path":"C:\\\\base\\\\file","quote":"\\"","unicode":"\\u4e2d","nested":[{"n":1.5,"t":true,"z":null}]}';
    expect(parseUpstreamJson(text)).toEqual(JSON.parse(text));
    expect(parseUpstreamJson(text)).toEqual({ path: 'C:\\base\\file', quote: '"', unicode: '中', nested: [{ n: 1.5, t: true, z: null }] });
  });
});

describe('controlCharacterProblems', () => {
  it('refuses an inline literal on every request of the same parsed document, not only the first', () => {
    const document = parse('{ topic(code: "CN\\u0000") { code } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    const first = controlCharacterProblems(schema, document, operation, {});
    expect(first.map((p) => p.field)).toEqual(['code']);
    expect(controlCharacterProblems(schema, document, operation, {})).toEqual(first);
  });

  it('names every string with a control character in the variables, through nested input objects and lists', () => {
    const problems = problemsOf(PLAN, {
      code: 'CN\u0000',
      answers: [
        { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
        { questionId: 'services', values: ['VACCINATION', 'SS\u001bCARD'] },
      ],
      form: [
        { key: 'child.name', value: '陈\u0007小宝' },
        { key: 'address', value: '第一行\n\t第二行' },
        { key: 'spouse\u0000name', value: null },
      ],
    });

    expect(problems).toEqual([
      ['code', 'INVALID_CHARACTER'],
      ['answers[1].values[1]', 'INVALID_CHARACTER'],
      ['form[0].value', 'INVALID_CHARACTER'],
      ['form[2].key', 'INVALID_CHARACTER'],
    ]);
  });

  it('names inline literals by their argument, escape sequences included', () => {
    expect(problemsOf('{ application(id: "OT\\u0000X") { id } }')).toEqual([['id', 'INVALID_CHARACTER']]);
    expect(
      problemsOf('mutation { rateApplication(input: { applicationId: "OT1", grade: 5, comment: "好\\u0001", channel: MOBILE }) { evaluation { grade } } }'),
    ).toEqual([['input.comment', 'INVALID_CHARACTER']]);
    expect(problemsOf('{ topic(code: "X") { plan(answers: [{ questionId: "q", values: ["a", "b\\u001f"] }]) { complete } } }')).toEqual([
      ['answers[0].values[1]', 'INVALID_CHARACTER'],
    ]);
  });

  it('checks a variable default only when the variable is not sent', () => {
    const text = 'query ($id: ID! = "OT\\u0000") { application(id: $id) { id } }';

    expect(problemsOf(text)).toEqual([['id', 'INVALID_CHARACTER']]);
    expect(problemsOf(text, { id: 'OT1' })).toEqual([]);
  });

  it('lets clean text, tabs, newlines, numbers, enums and nulls through', () => {
    expect(problemsOf(PLAN, { code: 'CN-YJS-XSECS', answers: [{ questionId: 'ageMonths', values: ['2'] }], form: null })).toEqual([]);
    expect(problemsOf('{ application(id: 12) { id } }')).toEqual([]);
    expect(problemsOf('query ($c: String) { topics(region: $c) { code } }', { c: '潮南\t区\n' })).toEqual([]);
  });
});
