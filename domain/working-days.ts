/**
 * Working days (工作日) in China: time limits of Chinese administration
 * (法定/承诺办结时限) are counted in them, with the official calendar — the
 * State Council's yearly public holidays and the weekend days worked in
 * their place (调休上班). The calendar is the one the `chinese-days` package
 * keeps (from the State Council's notices); a year it does not cover yet is
 * counted Monday to Friday, and readiness warns about it (server/readiness.ts).
 *
 * Dates are China dates (Asia/Shanghai). China has kept UTC+8 all year since
 * 1991, so a fixed offset gives the right date for every covered year without
 * a time-zone database.
 *
 * @module
 */
import { createRequire } from 'node:module';

interface OfficialCalendar {
  /** China date → name of the public holiday (weekend days inside a holiday period included). */
  holidays: Record<string, string>;
  /** China date → name of the holiday a weekend day is worked for (调休上班). */
  workdays: Record<string, string>;
}

const calendar = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as OfficialCalendar;

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The last year whose holidays and make-up working days the calendar holds. */
export const LAST_COVERED_YEAR: number = Math.max(
  ...[...Object.keys(calendar.holidays), ...Object.keys(calendar.workdays)].map((date) => Number(date.slice(0, 4))),
);

/** The first year the calendar holds. */
export const FIRST_COVERED_YEAR: number = Math.min(...Object.keys(calendar.holidays).map((date) => Number(date.slice(0, 4))));

/** The China date of an instant, `YYYY-MM-DD`. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The China year of an instant. */
export function chinaYear(at: Date): number {
  return new Date(at.getTime() + CHINA_OFFSET_MS).getUTCFullYear();
}

/** Whether the calendar holds the official holidays of `year` (otherwise its days are counted Monday to Friday). */
export function isYearCovered(year: number): boolean {
  return year >= FIRST_COVERED_YEAR && year <= LAST_COVERED_YEAR;
}

/** Index of a China day: days since 1970-01-01 (China), so that day arithmetic is integer arithmetic. */
const dayIndexOf = (at: Date): number => Math.floor((at.getTime() + CHINA_OFFSET_MS) / DAY_MS);
const dateOfIndex = (index: number): string => new Date(index * DAY_MS).toISOString().slice(0, 10);
/** The instant a China day starts. */
const startOfIndex = (index: number): number => index * DAY_MS - CHINA_OFFSET_MS;

function isWorkingDayIndex(index: number): boolean {
  const date = dateOfIndex(index);
  if (calendar.workdays[date] !== undefined) return true;
  if (calendar.holidays[date] !== undefined) return false;
  const weekday = new Date(index * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * Whether the China date of `at` is a working day: a make-up working day
 * (调休上班) is one, a public holiday is not, otherwise Monday to Friday are.
 */
export function isWorkingDay(at: Date): boolean {
  return isWorkingDayIndex(dayIndexOf(at));
}

function checkInstant(name: string, at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError(`${name} must be a valid date`);
}

/**
 * The instant `days` working days after `start`: the same China time of day
 * on the `days`-th working day after start's China date. Counting starts the
 * day after (受理次日起算), so the start day itself never counts, whether it is
 * a working day or not; `days` = 0 is `start` itself.
 *
 * Keeping the time of day makes a due time lie as far into its day as the
 * receipt lay into its own, and its China date is the due date a receipt
 * shows (Wednesday 2026-12-02 10:00 + 3 → Monday 2026-12-07 10:00).
 *
 * @param days a whole number ≥ 0, at most 36500
 * @throws RangeError for an invalid `start` or `days`
 */
export function addWorkingDays(start: Date, days: number): Date {
  checkInstant('start', start);
  if (!Number.isInteger(days) || days < 0 || days > 36_500) {
    throw new RangeError(`days must be a whole number from 0 to 36500, got ${days}`);
  }
  if (days === 0) return new Date(start.getTime());
  const startIndex = dayIndexOf(start);
  let index = startIndex;
  for (let counted = 0; counted < days; ) {
    index++;
    if (isWorkingDayIndex(index)) counted++;
  }
  return new Date(start.getTime() + (index - startIndex) * DAY_MS);
}

/**
 * The working time from `from` to `to`, in working days: every China day that
 * is a working day counts with the part of its 24 hours that lies between
 * them, other days count nothing. A fraction, negative when `to` is before
 * `from`.
 *
 * From a start on a working day it is the inverse of {@link addWorkingDays}:
 * `workingDaysBetween(s, addWorkingDays(s, n)) === n`. From a start on a
 * holiday or weekend, time only begins to run when the next working day
 * begins (Saturday 10:00 to Monday 10:00 is 10/24 of a working day).
 *
 * @throws RangeError for an invalid date
 */
export function workingDaysBetween(from: Date, to: Date): number {
  checkInstant('from', from);
  checkInstant('to', to);
  if (to.getTime() < from.getTime()) return -workingDaysBetween(to, from);
  const first = dayIndexOf(from);
  const last = dayIndexOf(to);
  let total = 0;
  for (let index = first; index <= last; index++) {
    if (!isWorkingDayIndex(index)) continue;
    const dayStart = startOfIndex(index);
    const overlap = Math.min(to.getTime(), dayStart + DAY_MS) - Math.max(from.getTime(), dayStart);
    if (overlap > 0) total += overlap / DAY_MS;
  }
  return total;
}
