/**
 * 差评整改: the follow-up of a rating of grade 1–2 by the topic's lead
 * department, as a state machine —
 *
 *   OPEN ──CONTACT (回访, note)──▶ CONTACTED ──RECTIFY (整改, note)──▶ RECTIFIED
 *                                           └─EXPLAIN (解释说明, note)─▶ EXPLAINED
 *
 * Each step has a deadline in working days (`addWorkingDays`), both counted
 * from the rating, so that a late 回访 does not push the 整改 deadline back.
 *
 * Default deadlines, after the 好差评 rules (国办发〔2019〕51号 and the
 * provincial rules that implement it): a 差评 is followed up (回访核实) within
 * 1 working day, and rectified or explained within 15 working days.
 *
 * @module
 */
import { InvalidInputError, type InputProblem } from './answers.ts';
import { addWorkingDays } from './working-days.ts';

export type FollowUpStatus = 'OPEN' | 'CONTACTED' | 'RECTIFIED' | 'EXPLAINED';

/** What the lead department does next: contact the citizen, then rectify or explain. */
export type FollowUpAction = 'CONTACT' | 'RECTIFY' | 'EXPLAIN';

export interface FollowUpDeadlines {
  /** Working days from the rating to the 回访 (CONTACTED). Default 1. */
  contactDays: number;
  /** Working days from the rating to RECTIFIED or EXPLAINED. Default 15. */
  closeDays: number;
}

export const DEFAULT_FOLLOW_UP_DEADLINES: Readonly<FollowUpDeadlines> = Object.freeze({ contactDays: 1, closeDays: 15 });

/** The longest note, in characters. */
export const MAX_NOTE_LENGTH = 1000;

/** Grades that open a follow-up: 2 不满意 and 1 非常不满意. */
export const opensFollowUp = (grade: number): boolean => grade === 1 || grade === 2;

export interface FollowUp {
  status: FollowUpStatus;
  /** The topic's lead department, the only one that may take the steps. */
  leadDepartment: string;
  /** When the rating was given. */
  openedAt: Date;
  /** When the 回访 is due. */
  contactDueAt: Date;
  /** When it must be RECTIFIED or EXPLAINED. */
  closeDueAt: Date;
  contactedAt: Date | null;
  contactNote: string | null;
  closedAt: Date | null;
  closingNote: string | null;
}

/** A step asked for by a department. */
export interface FollowUpStep {
  action: FollowUpAction;
  note: string;
  /** The department of the staff member taking it. */
  department: string;
}

/** A step by a department other than the lead department (maps to FORBIDDEN). */
export class NotLeadDepartmentError extends Error {
  readonly code = 'FORBIDDEN';
  constructor(readonly department: string, readonly leadDepartment: string) {
    super(`Only the lead department ${leadDepartment} may follow this rating up, not ${department}`);
    this.name = 'NotLeadDepartmentError';
  }
}

/** Why the deadlines are not usable, one sentence each; empty when they are. */
export function followUpDeadlineProblems(deadlines: FollowUpDeadlines): string[] {
  const problems: string[] = [];
  const whole = (n: number) => Number.isInteger(n) && n >= 1 && n <= 365;
  if (!whole(deadlines.contactDays)) problems.push(`contactDays must be a whole number of working days from 1 to 365, got ${deadlines.contactDays}`);
  if (!whole(deadlines.closeDays)) problems.push(`closeDays must be a whole number of working days from 1 to 365, got ${deadlines.closeDays}`);
  if (problems.length === 0 && deadlines.closeDays < deadlines.contactDays) {
    problems.push(`closeDays (${deadlines.closeDays}) must not be shorter than contactDays (${deadlines.contactDays})`);
  }
  return problems;
}

function checkDeadlines(deadlines: FollowUpDeadlines): void {
  const problems = followUpDeadlineProblems(deadlines);
  if (problems.length) throw new RangeError(problems.join('; '));
}

/**
 * The follow-up a 差评 opens for the topic's lead department, with its deadlines.
 * @throws RangeError for unusable deadlines
 */
export function openFollowUp(
  rating: { leadDepartment: string; ratedAt: Date },
  deadlines: FollowUpDeadlines = DEFAULT_FOLLOW_UP_DEADLINES,
): FollowUp {
  checkDeadlines(deadlines);
  return {
    status: 'OPEN',
    leadDepartment: rating.leadDepartment,
    openedAt: rating.ratedAt,
    contactDueAt: addWorkingDays(rating.ratedAt, deadlines.contactDays),
    closeDueAt: addWorkingDays(rating.ratedAt, deadlines.closeDays),
    contactedAt: null,
    contactNote: null,
    closedAt: null,
    closingNote: null,
  };
}

const NEXT: Readonly<Record<FollowUpStatus, Partial<Record<FollowUpAction, FollowUpStatus>>>> = {
  OPEN: { CONTACT: 'CONTACTED' },
  CONTACTED: { RECTIFY: 'RECTIFIED', EXPLAIN: 'EXPLAINED' },
  RECTIFIED: {},
  EXPLAINED: {},
};

const EXPECTED: Readonly<Record<FollowUpStatus, string>> = {
  OPEN: 'an OPEN follow-up must first be CONTACTED (回访)',
  CONTACTED: 'a CONTACTED follow-up is closed by RECTIFY or EXPLAIN',
  RECTIFIED: 'the follow-up is already closed (RECTIFIED)',
  EXPLAINED: 'the follow-up is already closed (EXPLAINED)',
};

/** The actions the follow-up accepts next, in order; none once closed. */
export function nextActions(followUp: Pick<FollowUp, 'status'>): FollowUpAction[] {
  return Object.keys(NEXT[followUp.status]) as FollowUpAction[];
}

/**
 * The follow-up after `step`, taken at `at`. The note is trimmed.
 *
 * @throws NotLeadDepartmentError when the step's department is not the lead department
 * @throws InvalidInputError (BAD_USER_INPUT) listing every problem: `action`
 *   STEP_OUT_OF_ORDER, `note` NOTE_REQUIRED (empty or blank) or NOTE_TOO_LONG
 *   (more than {@link MAX_NOTE_LENGTH} characters)
 */
export function advanceFollowUp(followUp: FollowUp, step: FollowUpStep, at: Date): FollowUp {
  if (step.department !== followUp.leadDepartment) throw new NotLeadDepartmentError(step.department, followUp.leadDepartment);
  const problems: InputProblem[] = [];
  const next = NEXT[followUp.status][step.action];
  if (!next) {
    problems.push({ field: 'action', code: 'STEP_OUT_OF_ORDER', message: `${step.action} is not possible now: ${EXPECTED[followUp.status]}` });
  }
  const note = typeof step.note === 'string' ? step.note.trim() : '';
  if (note === '') problems.push({ field: 'note', code: 'NOTE_REQUIRED', message: 'a note saying what was done is required' });
  else if ([...note].length > MAX_NOTE_LENGTH) {
    problems.push({ field: 'note', code: 'NOTE_TOO_LONG', message: `the note has more than ${MAX_NOTE_LENGTH} characters` });
  }
  if (problems.length || !next) throw new InvalidInputError(problems);

  return step.action === 'CONTACT'
    ? { ...followUp, status: next, contactedAt: at, contactNote: note }
    : { ...followUp, status: next, closedAt: at, closingNote: note };
}

/** Whether the follow-up is closed (RECTIFIED or EXPLAINED). */
export const isClosed = (followUp: Pick<FollowUp, 'status'>): boolean =>
  followUp.status === 'RECTIFIED' || followUp.status === 'EXPLAINED';

/**
 * The step that is overdue at `now`: CONTACT while still OPEN past
 * `contactDueAt`, CLOSE while not closed past `closeDueAt` (CLOSE wins when
 * both are); null when nothing is overdue or it is closed.
 */
export function overdueStep(followUp: FollowUp, now: Date): 'CONTACT' | 'CLOSE' | null {
  if (isClosed(followUp)) return null;
  if (now.getTime() > followUp.closeDueAt.getTime()) return 'CLOSE';
  if (followUp.status === 'OPEN' && now.getTime() > followUp.contactDueAt.getTime()) return 'CONTACT';
  return null;
}

/**
 * Whether every step was taken by its deadline: contacted by `contactDueAt`
 * and closed by `closeDueAt` (exactly at the deadline is in time). A step not
 * taken yet is in time until its deadline has passed at `now`.
 */
export function followedUpOnTime(followUp: FollowUp, now: Date): boolean {
  const inTime = (done: Date | null, due: Date) => (done ?? now).getTime() <= due.getTime();
  return inTime(followUp.contactedAt, followUp.contactDueAt) && inTime(followUp.closedAt, followUp.closeDueAt);
}

/** 差评整改 figures of a set of follow-ups, for evaluators. */
export interface FollowUpSummary {
  /** Follow-ups opened (差评 received). */
  count: number;
  /** Of those, closed (RECTIFIED or EXPLAINED). */
  closed: number;
  /** Of those, RECTIFIED. */
  rectified: number;
  /** On-time follow-up rate: follow-ups whose every step was taken by its deadline ({@link followedUpOnTime}) / all; null when none. */
  onTimeRate: number | null;
  /** 整改率: RECTIFIED / closed; null when none is closed. */
  rectificationRate: number | null;
}

/** The summary of `followUps` at `now` (a step not taken yet counts as late only once its deadline has passed). */
export function summariseFollowUps(followUps: readonly FollowUp[], now: Date): FollowUpSummary {
  const closed = followUps.filter(isClosed).length;
  const rectified = followUps.filter((f) => f.status === 'RECTIFIED').length;
  const onTime = followUps.filter((f) => followedUpOnTime(f, now)).length;
  return {
    count: followUps.length,
    closed,
    rectified,
    onTimeRate: followUps.length ? onTime / followUps.length : null,
    rectificationRate: closed ? rectified / closed : null,
  };
}
