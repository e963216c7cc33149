import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../domain/conditions.ts';

describe('evaluateCondition', () => {
  it('holds for a null or absent condition', () => {
    expect(evaluateCondition(null, {})).toEqual({ holds: true });
    expect(evaluateCondition(undefined, {})).toEqual({ holds: true });
  });

  it('evaluates JSON Logic over the typed answers', () => {
    const answers = { hasPlace: true, area: 120, services: ['food', 'music'], place: 'city' };
    expect(evaluateCondition({ '==': [{ var: 'hasPlace' }, true] }, answers)).toEqual({ holds: true });
    expect(evaluateCondition({ '>': [{ var: 'area' }, 150] }, answers)).toEqual({ holds: false });
    expect(evaluateCondition({ in: ['music', { var: 'services' }] }, answers)).toEqual({ holds: true });
    expect(evaluateCondition({ in: ['drink', { var: 'services' }] }, answers)).toEqual({ holds: false });
    expect(
      evaluateCondition({ and: [{ '==': [{ var: 'place' }, 'city'] }, { '<=': [100, { var: 'area' }, 200] }] }, answers),
    ).toEqual({ holds: true });
  });

  it('reads an unanswered question as null', () => {
    expect(evaluateCondition({ '===': [{ var: 'missing' }, null] }, {})).toEqual({ holds: true });
    expect(evaluateCondition({ '!': { var: 'missing' } }, {})).toEqual({ holds: true });
    expect(evaluateCondition({ var: 'missing' }, { other: true })).toEqual({ holds: false });
  });

  it('reports an unanswered question through "missing"', () => {
    expect(evaluateCondition({ missing: ['a', 'b'] }, { a: 'x' })).toEqual({ holds: true });
    expect(evaluateCondition({ missing: ['a'] }, { a: 'x' })).toEqual({ holds: false });
  });

  it('never lets a rule read inherited object properties', () => {
    expect(evaluateCondition({ '===': [{ var: 'constructor' }, null] }, {})).toEqual({ holds: true });
    expect(evaluateCondition({ var: 'toString' }, {})).toEqual({ holds: false });
  });

  it('uses JSON Logic truthiness, where an empty list is false', () => {
    expect(evaluateCondition({ var: 'services' }, { services: [] })).toEqual({ holds: false });
    expect(evaluateCondition({ var: 'services' }, { services: ['food'] })).toEqual({ holds: true });
    expect(evaluateCondition({ var: 'count' }, { count: 0 })).toEqual({ holds: false });
    expect(evaluateCondition(false, {})).toEqual({ holds: false });
  });

  it('holds and reports the error for an unknown operator', () => {
    expect(evaluateCondition({ between: [1, 2, 3] }, {})).toEqual({
      holds: true,
      error: 'Unrecognized operation between',
    });
  });

  it('holds and reports the error for an unknown nested operator', () => {
    const result = evaluateCondition({ and: [true, { 'Math.max': [1] }] }, {});
    expect(result.holds).toBe(true);
    expect(result.error).toMatch(/^Unrecognized operation Math\.max/);
  });

  it('holds and reports the error for an operation with several operator keys', () => {
    expect(evaluateCondition({ '==': [1, 2], '!=': [1, 2] }, {})).toEqual({
      holds: true,
      error: 'not a JSON Logic rule at $: an operation has exactly one operator key, found 2',
    });
    expect(evaluateCondition({ or: [false, {}] }, {})).toEqual({
      holds: true,
      error: 'not a JSON Logic rule at $.or[1]: an operation has exactly one operator key, found 0',
    });
  });

  it('holds and reports the error when evaluation throws', () => {
    const result = evaluateCondition({ missing_some: [1, { var: 'x' }] }, {});
    expect(result.holds).toBe(true);
    expect(typeof result.error).toBe('string');
  });
});
