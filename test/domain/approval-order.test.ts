import { describe, expect, it } from 'vitest';
import { ApprovalOrder } from '../../domain/approval-order.ts';

describe('ApprovalOrder', () => {
  it('approves a matter after the matters it depends on, directly or through others, whatever the list says', () => {
    const order = ApprovalOrder.of([
      { code: 'PERMIT', dependsOn: ['FIRE'] },
      { code: 'FIRE', dependsOn: ['LICENCE'] },
      { code: 'LICENCE' },
    ]);

    expect([
      order.comesAfter('PERMIT', 'FIRE'),
      order.comesAfter('PERMIT', 'LICENCE'),
      order.comesAfter('FIRE', 'PERMIT'),
      order.comesAfter('LICENCE', 'PERMIT'),
      order.dependsOn('PERMIT', 'LICENCE'),
    ]).toEqual([true, true, false, false, true]);
  });

  it('follows the list only between matters independent of each other', () => {
    const order = ApprovalOrder.of([{ code: 'A' }, { code: 'B' }, { code: 'C', dependsOn: ['A'] }]);

    expect([order.comesAfter('B', 'A'), order.comesAfter('A', 'B'), order.comesAfter('C', 'B'), order.comesAfter('B', 'C')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('ignores prerequisites outside the order and a matter listed twice', () => {
    const order = ApprovalOrder.of([{ code: 'A', dependsOn: ['GONE', 'B'] }, { code: 'B' }, { code: 'A', dependsOn: [] }]);

    expect([order.codes, order.prerequisitesOf('A'), order.comesAfter('A', 'GONE'), order.cycles]).toEqual([['A', 'B'], ['B'], false, []]);
  });

  it('reports a cycle, drops the dependency that closes it and still answers every question', () => {
    const order = ApprovalOrder.of([
      { code: 'A', dependsOn: ['C'] },
      { code: 'B', dependsOn: ['A'] },
      { code: 'C', dependsOn: ['B'] },
      { code: 'D', dependsOn: ['D'] },
    ]);

    expect(order.cycles).toEqual([['A', 'C', 'B', 'A'], ['D', 'D']]);
    expect(['A', 'B', 'C', 'D'].map((code) => order.prerequisitesOf(code))).toEqual([['C'], [], ['B'], []]);
    expect([order.comesAfter('A', 'B'), order.comesAfter('B', 'A')]).toEqual([true, false]);
    expect(order.longestChain(() => 1)).toBe(3);
  });

  it('chains committed days along dependencies and overlaps independent matters', () => {
    const days: Record<string, number> = { A: 4, B: 9, C: 3, D: 1 };
    const order = ApprovalOrder.of([
      { code: 'A' },
      { code: 'B' },
      { code: 'C', dependsOn: ['A'] },
      { code: 'D', dependsOn: ['B', 'C'] },
    ]);

    expect([order.longestChain((code) => days[code]!), ApprovalOrder.of([]).longestChain(() => 5)]).toEqual([10, 0]);
  });

  it('never lets result waits go round in a circle, though the list order pairwise would', () => {
    // A before B and B before C by the list; C before A because A depends on it.
    const order = ApprovalOrder.of([{ code: 'A', dependsOn: ['C'] }, { code: 'B' }, { code: 'C' }]);

    expect(order.mayAwaitResult('B', 'A')).toBe(true);
    order.recordResultWait('B', 'A');
    expect(order.mayAwaitResult('C', 'B')).toBe(false);
    expect(order.mayAwaitResult('B', 'C')).toBe(false);
  });
});
