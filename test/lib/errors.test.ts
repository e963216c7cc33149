import { describe, expect, it } from 'vitest';
import { BadUserInputError, MAX_LISTED_PROBLEMS } from '../../lib/errors.ts';

describe('BadUserInputError', () => {
  it('lists every problem of an ordinary request', () => {
    const error = new BadUserInputError('two problems', [
      { field: 'answers.a', code: 'UNKNOWN_QUESTION', message: 'no question a' },
      { field: 'form.b', code: 'REQUIRED', message: 'b is required' },
    ]);

    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      problems: [
        { field: 'answers.a', code: 'UNKNOWN_QUESTION', message: 'no question a' },
        { field: 'form.b', code: 'REQUIRED', message: 'b is required' },
      ],
    });
  });

  it('lists the first hundred problems of a flood and counts the rest', () => {
    const problems = Array.from({ length: 10_000 }, (_, i) => ({ field: `answers.q${i}`, code: 'UNKNOWN_QUESTION', message: `no question q${i}` }));

    const error = new BadUserInputError('x'.repeat(100_000), problems);

    expect((error.extensions.problems as unknown[]).length).toBe(MAX_LISTED_PROBLEMS);
    expect(error.extensions.problemsOmitted).toBe(10_000 - MAX_LISTED_PROBLEMS);
    expect(error.message.length).toBeLessThan(2100);
  });
});
