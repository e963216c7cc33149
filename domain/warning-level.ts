/**
 * 效能监督 红黄牌: the warning level of a case, from the share of its
 * working time between `receivedAt` and `dueAt` (the department's own, which
 * stays authoritative) that is used up.
 *
 * @module
 */
import { DECIDED, isOverdue, type CaseStatus } from './application-status.ts';
import { workingDaysBetween } from './working-days.ts';

export type WarningLevel = 'NONE' | 'YELLOW' | 'RED';

/** Share of the working time used at which a case turns YELLOW, unless configured: 80 %. */
export const DEFAULT_YELLOW_AT = 0.8;

export interface WarningOptions {
  /**
   * Share of the working time between `receivedAt` and `dueAt`, a fraction
   * strictly between 0 and 1, from which on a case is YELLOW. Default
   * {@link DEFAULT_YELLOW_AT} (0.8).
   */
  yellowAt?: number;
}

/** What the level needs of a case. Instants as ISO 8601 text, as the departments send them. */
export interface WarningCase {
  status: CaseStatus;
  receivedAt: string | null;
  dueAt: string | null;
  decidedAt: string | null;
}

/** Why a YELLOW threshold is not usable, in words; null when it is. */
export function yellowThresholdProblem(value: number): string | null {
  return Number.isFinite(value) && value > 0 && value < 1 ? null : `must be a fraction strictly between 0 and 1, got ${value}`;
}

const parsed = (instant: string | null): Date | null => {
  if (instant === null) return null;
  const at = new Date(instant);
  return Number.isNaN(at.getTime()) ? null : at;
};

/**
 * The case's warning level at `now`, or, once it is decided, at its
 * `decidedAt` (a decided case keeps the level it was decided at):
 * - RED when it is overdue (`isOverdue`: past `dueAt`; exactly at `dueAt` is
 *   still in time);
 * - YELLOW when at least `yellowAt` of the working time (`workingDaysBetween`)
 *   from `receivedAt` to `dueAt` is used, or when that span holds no working
 *   time at all;
 * - NONE otherwise, and whenever there is no evidence: no `dueAt` (not
 *   delivered yet, no time limit runs), no `receivedAt`, a decided case
 *   without `decidedAt`, or a timestamp that does not parse.
 *
 * @throws RangeError when `yellowAt` is not strictly between 0 and 1
 */
export function warningLevel(c: WarningCase, now: Date, options: WarningOptions = {}): WarningLevel {
  const yellowAt = options.yellowAt ?? DEFAULT_YELLOW_AT;
  const problem = yellowThresholdProblem(yellowAt);
  if (problem) throw new RangeError(`yellowAt ${problem}`);

  const at = DECIDED.has(c.status) ? parsed(c.decidedAt) : now;
  const due = parsed(c.dueAt);
  if (!at || Number.isNaN(at.getTime()) || !due) return 'NONE';
  if (isOverdue(c, at)) return 'RED';
  const received = parsed(c.receivedAt);
  if (!received) return 'NONE';
  const allowed = workingDaysBetween(received, due);
  if (allowed <= 0) return 'YELLOW';
  return workingDaysBetween(received, at) / allowed >= yellowAt ? 'YELLOW' : 'NONE';
}
