/**
 * 红黄牌: a case's warning level from the working time it has used.
 */
import { describe, expect, it } from 'vitest';
import { warningLevel, yellowThresholdProblem, type WarningCase } from '../../domain/warning-level.ts';

const at = (chinaTime: string) => new Date(`${chinaTime}+08:00`);
const iso = (chinaTime: string) => at(chinaTime).toISOString();

/** Received Monday 2026-11-30 09:00, due five working days later, Monday 2026-12-07 09:00. */
const undecided: WarningCase = {
  status: 'IN_REVIEW',
  receivedAt: iso('2026-11-30T09:00:00'),
  dueAt: iso('2026-12-07T09:00:00'),
  decidedAt: null,
};

describe('warningLevel of an undecided case', () => {
  it('is NONE before 80 % of its working time is used, YELLOW from then to dueAt, RED past it', () => {
    expect(
      [
        '2026-12-03T09:00:00', // 3 of 5 working days
        '2026-12-04T08:59:00',
        '2026-12-04T09:00:00', // 4 of 5: 80 %
        '2026-12-06T12:00:00', // Sunday: no working time passes
        '2026-12-07T09:00:00', // exactly due: still in time
        '2026-12-07T09:01:00',
      ].map((t) => warningLevel(undecided, at(t))),
    ).toEqual(['NONE', 'NONE', 'YELLOW', 'YELLOW', 'YELLOW', 'RED']);
  });

  it('does not count the National Day holiday of 2025 as time used', () => {
    // Received Monday 2025-09-29 09:00, due Tuesday 2025-10-14 09:00: fifteen calendar days, six working days
    // (Oct 1–8 off, Saturday Oct 11 worked in lieu).
    const c: WarningCase = { ...undecided, receivedAt: iso('2025-09-29T09:00:00'), dueAt: iso('2025-10-14T09:00:00') };

    expect(
      ['2025-10-08T20:00:00', '2025-10-11T09:00:00', '2025-10-13T04:00:00', '2025-10-13T05:00:00'].map((t) => warningLevel(c, at(t))),
    ).toEqual(['NONE', 'NONE', 'NONE', 'YELLOW']);
  });

  it('turns YELLOW at the configured share instead', () => {
    expect(warningLevel(undecided, at('2026-12-02T21:00:00'), { yellowAt: 0.5 })).toBe('YELLOW');
    expect(warningLevel(undecided, at('2026-12-02T21:00:00'))).toBe('NONE');
  });

  it('is YELLOW when the span to dueAt holds no working time at all', () => {
    const weekendOnly = { ...undecided, receivedAt: iso('2026-12-05T09:00:00'), dueAt: iso('2026-12-06T18:00:00') };
    expect(warningLevel(weekendOnly, at('2026-12-05T10:00:00'))).toBe('YELLOW');
  });

  it('is NONE without the evidence a level needs', () => {
    const now = at('2026-12-10T09:00:00');
    expect(warningLevel({ ...undecided, dueAt: null }, now)).toBe('NONE');
    expect(warningLevel({ ...undecided, dueAt: 'soon' }, now)).toBe('NONE');
    expect(warningLevel({ ...undecided, receivedAt: null }, at('2026-12-06T09:00:00'))).toBe('NONE');
    // Past dueAt it is RED even without receivedAt: being late needs no share.
    expect(warningLevel({ ...undecided, receivedAt: null }, now)).toBe('RED');
  });
});

describe('warningLevel of a decided case', () => {
  const muchLater = at('2027-06-01T09:00:00');

  it('keeps the level it was decided at', () => {
    expect(warningLevel({ ...undecided, status: 'APPROVED', decidedAt: iso('2026-12-01T16:00:00') }, muchLater)).toBe('NONE');
    expect(warningLevel({ ...undecided, status: 'REJECTED', decidedAt: iso('2026-12-04T10:00:00') }, muchLater)).toBe('YELLOW');
    expect(warningLevel({ ...undecided, status: 'APPROVED', decidedAt: iso('2026-12-08T10:00:00') }, muchLater)).toBe('RED');
  });

  it('is NONE when it was decided without a decidedAt', () => {
    expect(warningLevel({ ...undecided, status: 'WITHDRAWN', decidedAt: null }, muchLater)).toBe('NONE');
  });
});

describe('the YELLOW threshold', () => {
  it('must lie strictly between 0 and 1', () => {
    for (const bad of [0, 1, 1.2, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(yellowThresholdProblem(bad), String(bad)).toMatch(/strictly between 0 and 1/);
      expect(() => warningLevel(undecided, at('2026-12-03T09:00:00'), { yellowAt: bad }), String(bad)).toThrow(RangeError);
    }
    expect([0.01, 0.8, 0.99].map(yellowThresholdProblem)).toEqual([null, null, null]);
  });
});
