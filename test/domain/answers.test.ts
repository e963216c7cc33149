import { describe, expect, it } from 'vitest';
import { InvalidInputError, parseDecimal, readableAnswers, typeAnswers, type RawAnswer } from '../../domain/answers.ts';
import { options, question } from './fixtures.ts';

const questions = [
  question('place', 'SINGLE', { options: options('city', 'village') }),
  question('services', 'MULTI', { options: options('food', 'drink', 'music') }),
  question('hasPlace', 'BOOLEAN'),
  question('area', 'NUMBER', { min: 0, max: 500 }),
  question('count', 'NUMBER'),
];

/** Runs `typeAnswers` expecting an InvalidInputError and returns it. */
function rejection(raw: RawAnswer[]): InvalidInputError {
  try {
    typeAnswers(questions, raw);
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('typeAnswers accepted bad input');
}

describe('typeAnswers', () => {
  it('types every kind of answer by its question', () => {
    expect(
      typeAnswers(questions, [
        { questionId: 'place', values: ['city'] },
        { questionId: 'services', values: ['music', 'food'] },
        { questionId: 'hasPlace', values: ['false'] },
        { questionId: 'area', values: ['120.5'] },
        { questionId: 'count', values: ['-3'] },
      ]),
    ).toEqual({ place: 'city', services: ['music', 'food'], hasPlace: false, area: 120.5, count: -3 });
  });

  it('returns no key for an unanswered question', () => {
    expect(typeAnswers(questions, [{ questionId: 'hasPlace', values: ['true'] }])).toEqual({ hasPlace: true });
  });

  it('accepts an empty MULTI answer as "none of these"', () => {
    expect(typeAnswers(questions, [{ questionId: 'services', values: [] }])).toEqual({ services: [] });
  });

  it('accepts the bounds of a NUMBER range, which are inclusive', () => {
    expect(
      typeAnswers(questions, [{ questionId: 'area', values: ['0'] }]),
    ).toEqual({ area: 0 });
    expect(typeAnswers(questions, [{ questionId: 'area', values: ['500'] }])).toEqual({ area: 500 });
  });

  it('accepts any number when a NUMBER question has no bounds', () => {
    expect(typeAnswers(questions, [{ questionId: 'count', values: ['-99999.25'] }])).toEqual({ count: -99999.25 });
  });

  it('tolerates whitespace around a NUMBER answer', () => {
    expect(typeAnswers(questions, [{ questionId: 'count', values: [' 42 '] }])).toEqual({ count: 42 });
  });

  it('names the question when a NUMBER answer is out of range', () => {
    const error = rejection([{ questionId: 'area', values: ['500.01'] }]);
    expect(error.problems).toEqual([
      { field: 'answers.area', code: 'OUT_OF_RANGE', message: 'question "area" takes a number in [0, 500], got 500.01' },
    ]);
    expect(error.message).toContain('answers.area');
  });

  it('rejects a NUMBER answer below the minimum', () => {
    expect(rejection([{ questionId: 'area', values: ['-1'] }]).problems.map((p) => p.code)).toEqual(['OUT_OF_RANGE']);
  });

  it.each(['', ' ', 'abc', '1e3', '0x10', 'Infinity', '-Infinity', 'NaN', '+1', '.5', '1.', '1,5', '1 2', '9'.repeat(400)])(
    'names the question when a NUMBER answer is %j',
    (text) => {
      expect(rejection([{ questionId: 'count', values: [text] }]).problems).toEqual([
        {
          field: 'answers.count',
          code: 'NOT_A_NUMBER',
          message: `question "count" takes a decimal number, got ${JSON.stringify(text)}`,
        },
      ]);
    },
  );

  it('names the question when a SINGLE value is not an option', () => {
    expect(rejection([{ questionId: 'place', values: ['town'] }]).problems).toEqual([
      { field: 'answers.place', code: 'NOT_AN_OPTION', message: '"town" is not an option of question "place"' },
    ]);
  });

  it('names the question and the values when MULTI values are not options', () => {
    expect(rejection([{ questionId: 'services', values: ['food', 'gym', 'spa'] }]).problems).toEqual([
      { field: 'answers.services', code: 'NOT_AN_OPTION', message: '"gym", "spa" are not options of question "services"' },
    ]);
  });

  it('names the question when a MULTI answer repeats a value', () => {
    expect(rejection([{ questionId: 'services', values: ['food', 'drink', 'food'] }]).problems).toEqual([
      { field: 'answers.services', code: 'DUPLICATE_VALUE', message: 'question "services" has "food" more than once' },
    ]);
  });

  it.each(['yes', 'TRUE', '1', ''])('names the question when a BOOLEAN answer is %j', (text) => {
    expect(rejection([{ questionId: 'hasPlace', values: [text] }]).problems).toEqual([
      {
        field: 'answers.hasPlace',
        code: 'NOT_A_BOOLEAN',
        message: `question "hasPlace" takes "true" or "false", got ${JSON.stringify(text)}`,
      },
    ]);
  });

  it.each([
    ['place', []],
    ['place', ['city', 'village']],
    ['hasPlace', []],
    ['area', ['1', '2']],
  ] as const)('names the question when %s gets %j values instead of one', (questionId, values) => {
    expect(rejection([{ questionId, values }]).problems).toEqual([
      {
        field: `answers.${questionId}`,
        code: 'WRONG_VALUE_COUNT',
        message: `question "${questionId}" takes exactly one value, got ${values.length}`,
      },
    ]);
  });

  it('names an unknown question', () => {
    expect(rejection([{ questionId: 'pets', values: ['true'] }]).problems).toEqual([
      { field: 'answers.pets', code: 'UNKNOWN_QUESTION', message: 'question "pets" is not a question of this topic' },
    ]);
  });

  it('does not take an inherited object property for a question', () => {
    expect(rejection([{ questionId: 'constructor', values: ['x'] }]).problems.map((p) => p.code)).toEqual([
      'UNKNOWN_QUESTION',
    ]);
  });

  it('names a question answered twice, once, even when the answers agree', () => {
    expect(
      rejection([
        { questionId: 'hasPlace', values: ['true'] },
        { questionId: 'hasPlace', values: ['true'] },
        { questionId: 'hasPlace', values: ['false'] },
      ]).problems,
    ).toEqual([
      { field: 'answers.hasPlace', code: 'DUPLICATE_ANSWER', message: 'question "hasPlace" is answered more than once' },
    ]);
  });

  it('lists every problem of every answer in one error whose message names each question', () => {
    const error = rejection([
      { questionId: 'place', values: ['town'] },
      { questionId: 'services', values: ['food'] },
      { questionId: 'pets', values: ['1'] },
      { questionId: 'area', values: ['abc'] },
      { questionId: 'services', values: ['drink'] },
      { questionId: 'hasPlace', values: ['maybe'] },
    ]);
    expect(error.problems.map((p) => [p.field, p.code])).toEqual([
      ['answers.place', 'NOT_AN_OPTION'],
      ['answers.pets', 'UNKNOWN_QUESTION'],
      ['answers.area', 'NOT_A_NUMBER'],
      ['answers.services', 'DUPLICATE_ANSWER'],
      ['answers.hasPlace', 'NOT_A_BOOLEAN'],
    ]);
    for (const field of ['answers.place', 'answers.pets', 'answers.area', 'answers.services', 'answers.hasPlace']) {
      expect(error.message).toContain(field);
    }
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidInputError');
    expect(error.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a value of a SINGLE question that has no options at all', () => {
    const bare = [question('kind', 'SINGLE')];
    expect(() => typeAnswers(bare, [{ questionId: 'kind', values: ['a'] }])).toThrow(InvalidInputError);
  });
});

describe('parseDecimal', () => {
  it('reads plain decimals and normalises negative zero', () => {
    expect([parseDecimal('-1'), parseDecimal('2.5'), parseDecimal('007'), Object.is(parseDecimal('-0'), 0)]).toEqual([
      -1, 2.5, 7, true,
    ]);
  });
});

describe('readableAnswers', () => {
  const questions = [question('married', 'BOOLEAN'), question('age', 'NUMBER', { min: 0, max: 36 }), question('place', 'SINGLE', { options: options('IN', 'OUT') })];

  it('keeps the answers that can be typed and lists the problems of the others', () => {
    const { readable, problems } = readableAnswers(questions, [
      { questionId: 'married', values: ['maybe'] },
      { questionId: 'age', values: ['3'] },
      { questionId: 'place', values: ['IN'] },
      { questionId: 'place', values: ['OUT'] },
    ]);

    expect([readable, problems.map((p) => [p.field, p.code])]).toEqual([
      [{ questionId: 'age', values: ['3'] }],
      [
        ['answers.married', 'NOT_A_BOOLEAN'],
        ['answers.place', 'DUPLICATE_ANSWER'],
      ],
    ]);
  });

  it('keeps every answer when all can be typed', () => {
    const raw = [{ questionId: 'age', values: ['3'] }];
    expect(readableAnswers(questions, raw)).toEqual({ readable: raw, problems: [] });
  });
});
