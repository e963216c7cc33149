/**
 * INTERIM: working days that skip Saturdays and Sundays only — no public
 * holidays, no 调休 make-up working days. It stands in for the official
 * calendar (domain/working-days.ts, being written alongside) and is to be
 * replaced by it wherever it is wired in; nothing should keep using it.
 */

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000; // China Standard Time, no daylight saving
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `start` moved on by `days` working days, a working day being any day but
 * Saturday and Sunday in China time. The time of day is kept; 0 days is
 * `start` itself.
 */
export function addWeekdaysSkippingWeekendsOnly(start: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${days}`);
  let at = start.getTime();
  let left = days;
  while (left > 0) {
    at += DAY_MS;
    const weekday = new Date(at + CHINA_OFFSET_MS).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(at);
}
