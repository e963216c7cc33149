/**
 * Working days with the official calendar: the State Council's holidays and
 * make-up working days (调休) of 2025 and 2026, in China time.
 */
import { describe, expect, it } from 'vitest';
import {
  LAST_COVERED_YEAR,
  addWorkingDays,
  chinaDate,
  isWorkingDay,
  isYearCovered,
  workingDaysBetween,
} from '../../domain/working-days.ts';

const at = (chinaTime: string) => new Date(`${chinaTime}+08:00`);
const day = (date: string) => at(`${date}T12:00:00`);

describe('isWorkingDay', () => {
  it('knows the public holidays of 2025 and 2026, weekday or not', () => {
    for (const date of ['2025-01-01', '2025-01-29', '2025-05-05', '2025-10-01', '2025-10-08', '2026-02-16', '2026-02-23', '2026-10-07']) {
      expect(isWorkingDay(day(date)), date).toBe(false);
    }
  });

  it('counts the weekend days worked in their place (调休上班) as working days', () => {
    // 2025: Sunday 01-26 and Saturday 02-08 for the Spring Festival, Sunday 09-28 and Saturday 10-11 for National Day.
    // 2026: Saturdays 02-14 and 02-28 for the Spring Festival, Sunday 09-20 and Saturday 10-10 for National Day.
    for (const date of ['2025-01-26', '2025-02-08', '2025-09-28', '2025-10-11', '2026-02-14', '2026-02-28', '2026-09-20', '2026-10-10']) {
      expect(isWorkingDay(day(date)), date).toBe(true);
    }
  });

  it('counts an ordinary Saturday and Sunday as rest days and an ordinary weekday as a working day', () => {
    expect([isWorkingDay(day('2026-12-05')), isWorkingDay(day('2026-12-06')), isWorkingDay(day('2026-12-02'))]).toEqual([false, false, true]);
  });

  it('takes the date in China time, not UTC', () => {
    // 2025-10-08T17:00Z is already Thursday 2025-10-09 01:00 in China, the first working day after National Day.
    const instant = new Date('2025-10-08T17:00:00Z');
    expect(chinaDate(instant)).toBe('2025-10-09');
    expect(isWorkingDay(instant)).toBe(true);
  });
});

describe('addWorkingDays', () => {
  it('skips the National Day holiday of 2025 and counts its make-up Saturday', () => {
    const start = at('2025-09-30T10:00:00');

    expect([1, 2, 3, 4].map((n) => addWorkingDays(start, n).toISOString())).toEqual([
      at('2025-10-09T10:00:00').toISOString(),
      at('2025-10-10T10:00:00').toISOString(),
      at('2025-10-11T10:00:00').toISOString(), // Saturday, worked in lieu
      at('2025-10-13T10:00:00').toISOString(),
    ]);
  });

  it('crosses the Spring Festival of 2026 with its two make-up Saturdays', () => {
    const start = at('2026-02-13T09:30:00');

    expect(addWorkingDays(start, 1)).toEqual(at('2026-02-14T09:30:00'));
    expect(addWorkingDays(start, 2)).toEqual(at('2026-02-24T09:30:00'));
    expect(addWorkingDays(start, 5)).toEqual(at('2026-02-27T09:30:00'));
    expect(addWorkingDays(start, 6)).toEqual(at('2026-02-28T09:30:00'));
  });

  it('starts counting the day after the receipt and keeps its China time of day', () => {
    expect(addWorkingDays(at('2026-12-02T10:00:00'), 3)).toEqual(at('2026-12-07T10:00:00'));
    // Late in the evening, China time: the UTC date is the day before.
    expect(addWorkingDays(at('2026-09-30T23:30:00'), 1)).toEqual(at('2026-10-08T23:30:00'));
    // Received on a Saturday: Monday is the first working day.
    expect(addWorkingDays(at('2026-12-05T10:00:00'), 1)).toEqual(at('2026-12-07T10:00:00'));
  });

  it('returns the start itself for zero days and refuses a negative, fractional or invalid count', () => {
    const start = at('2026-12-02T10:00:00');
    expect(addWorkingDays(start, 0)).toEqual(start);
    expect(() => addWorkingDays(start, -1)).toThrow(RangeError);
    expect(() => addWorkingDays(start, 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays(new Date('not a date'), 1)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts only the hours of working days', () => {
    expect(workingDaysBetween(at('2026-12-02T09:00:00'), at('2026-12-03T09:00:00'))).toBe(1);
    // Friday noon to Monday noon: half of Friday and half of Monday.
    expect(workingDaysBetween(at('2026-12-04T12:00:00'), at('2026-12-07T12:00:00'))).toBe(1);
    // Of 2025-09-30 .. 2025-10-09 only September 30 is a working day.
    expect(workingDaysBetween(at('2025-09-30T00:00:00'), at('2025-10-09T00:00:00'))).toBe(1);
    // From Sunday 2026-09-20 (worked in lieu) to Monday: a whole working day.
    expect(workingDaysBetween(at('2026-09-20T00:00:00'), at('2026-09-21T00:00:00'))).toBe(1);
  });

  it('is the inverse of addWorkingDays from any start on a working day', () => {
    for (const start of [at('2025-09-30T10:00:00'), at('2026-02-13T09:30:00'), at('2026-09-30T23:30:00'), at('2026-12-02T08:15:00')]) {
      for (const n of [1, 3, 10, 20]) expect(workingDaysBetween(start, addWorkingDays(start, n)), `${start.toISOString()} + ${n}`).toBeCloseTo(n, 9);
    }
  });

  it('lets time run from a holiday start only once the next working day begins', () => {
    expect(workingDaysBetween(at('2026-12-05T10:00:00'), at('2026-12-07T10:00:00'))).toBeCloseTo(10 / 24, 9);
    expect(workingDaysBetween(at('2025-10-01T08:00:00'), at('2025-10-08T20:00:00'))).toBe(0);
  });

  it('is negative when the end comes first', () => {
    expect(workingDaysBetween(at('2026-12-03T09:00:00'), at('2026-12-02T09:00:00'))).toBe(-1);
  });
});

describe('the calendar', () => {
  it('covers 2025 and 2026 and says which year it ends with', () => {
    expect(LAST_COVERED_YEAR).toBeGreaterThanOrEqual(2026);
    expect([isYearCovered(2025), isYearCovered(2026), isYearCovered(LAST_COVERED_YEAR + 1)]).toEqual([true, true, false]);
  });

  it('counts a year it does not cover Monday to Friday', () => {
    const year = LAST_COVERED_YEAR + 1;
    const firstOfJanuary = new Date(Date.UTC(year, 0, 1, 4));
    const weekday = firstOfJanuary.getUTCDay();
    expect(isWorkingDay(firstOfJanuary)).toBe(weekday !== 0 && weekday !== 6);
  });
});
