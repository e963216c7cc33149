/**
 * 差评整改: the follow-up of a bad rating, step by step, with deadlines in working days.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../domain/answers.ts';
import {
  DEFAULT_FOLLOW_UP_DEADLINES,
  MAX_NOTE_LENGTH,
  NotLeadDepartmentError,
  advanceFollowUp,
  followUpDeadlineProblems,
  followedUpOnTime,
  nextActions,
  openFollowUp,
  opensFollowUp,
  overdueStep,
  type FollowUp,
  type FollowUpStep,
} from '../../domain/follow-up.ts';

const at = (chinaTime: string) => new Date(`${chinaTime}+08:00`);
const LEAD = 'SCJGJ-440514';
const step = (action: FollowUpStep['action'], note = '已电话回访申请人，说明情况'): FollowUpStep => ({ action, note, department: LEAD });

/** A 差评 given on Wednesday 2026-09-30, the eve of the National Day holiday (Oct 1–7, Saturday Oct 10 worked in lieu). */
const opened = openFollowUp({ leadDepartment: LEAD, ratedAt: at('2026-09-30T16:00:00') });

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.field} ${p.code}`);
    throw error;
  }
  throw new Error('expected InvalidInputError');
};

describe('opening a follow-up', () => {
  it('is for grades 1 and 2 only', () => {
    expect([1, 2, 3, 4, 5].map(opensFollowUp)).toEqual([true, true, false, false, false]);
  });

  it('sets the deadlines in working days from the rating: 1 to contact, 15 to rectify or explain', () => {
    expect(opened).toEqual({
      status: 'OPEN',
      leadDepartment: LEAD,
      openedAt: at('2026-09-30T16:00:00'),
      // The first working day after the holiday.
      contactDueAt: at('2026-10-08T16:00:00'),
      // Oct 8, 9, 10 (in lieu), 12–16, 19–23, 26, 27: the fifteenth working day.
      closeDueAt: at('2026-10-27T16:00:00'),
      contactedAt: null,
      contactNote: null,
      closedAt: null,
      closingNote: null,
    });
  });

  it('takes configured deadlines, and refuses unusable ones', () => {
    const quick = openFollowUp({ leadDepartment: LEAD, ratedAt: at('2026-12-02T10:00:00') }, { contactDays: 2, closeDays: 5 });
    expect([quick.contactDueAt, quick.closeDueAt]).toEqual([at('2026-12-04T10:00:00'), at('2026-12-09T10:00:00')]);

    expect(followUpDeadlineProblems(DEFAULT_FOLLOW_UP_DEADLINES)).toEqual([]);
    expect(followUpDeadlineProblems({ contactDays: 0, closeDays: 2.5 })).toEqual([
      'contactDays must be a whole number of working days from 1 to 365, got 0',
      'closeDays must be a whole number of working days from 1 to 365, got 2.5',
    ]);
    expect(followUpDeadlineProblems({ contactDays: 5, closeDays: 3 })).toEqual(['closeDays (3) must not be shorter than contactDays (5)']);
    expect(() => openFollowUp({ leadDepartment: LEAD, ratedAt: new Date() }, { contactDays: -1, closeDays: 15 })).toThrow(RangeError);
  });
});

describe('the steps', () => {
  it('go OPEN → CONTACTED → RECTIFIED, keeping each note and when it was taken', () => {
    const contacted = advanceFollowUp(opened, step('CONTACT', '  10月8日电话回访，申请人反映窗口等候时间过长  '), at('2026-10-08T09:30:00'));
    const rectified = advanceFollowUp(contacted, step('RECTIFY', '增开一个综合窗口，高峰时段增派人员'), at('2026-10-20T15:00:00'));

    expect(rectified).toEqual({
      ...opened,
      status: 'RECTIFIED',
      contactedAt: at('2026-10-08T09:30:00'),
      contactNote: '10月8日电话回访，申请人反映窗口等候时间过长',
      closedAt: at('2026-10-20T15:00:00'),
      closingNote: '增开一个综合窗口，高峰时段增派人员',
    });
    expect([nextActions(opened), nextActions(contacted), nextActions(rectified)]).toEqual([['CONTACT'], ['RECTIFY', 'EXPLAIN'], []]);
  });

  it('may end EXPLAINED instead, when there was nothing to rectify', () => {
    const contacted = advanceFollowUp(opened, step('CONTACT'), at('2026-10-08T09:30:00'));
    expect(advanceFollowUp(contacted, step('EXPLAIN', '材料要求系法定要求，已向申请人解释'), at('2026-10-09T09:00:00')).status).toBe('EXPLAINED');
  });

  it('refuses a step out of order', () => {
    const contacted = advanceFollowUp(opened, step('CONTACT'), at('2026-10-08T09:30:00'));
    const closed = advanceFollowUp(contacted, step('EXPLAIN'), at('2026-10-09T09:00:00'));

    expect(problemsOf(() => advanceFollowUp(opened, step('RECTIFY'), at('2026-10-08T10:00:00')))).toEqual(['action STEP_OUT_OF_ORDER']);
    expect(problemsOf(() => advanceFollowUp(contacted, step('CONTACT'), at('2026-10-08T10:00:00')))).toEqual(['action STEP_OUT_OF_ORDER']);
    expect(problemsOf(() => advanceFollowUp(closed, step('RECTIFY'), at('2026-10-12T10:00:00')))).toEqual(['action STEP_OUT_OF_ORDER']);
  });

  it('refuses an empty, blank or too long note, listing every problem at once', () => {
    expect(problemsOf(() => advanceFollowUp(opened, step('CONTACT', ''), at('2026-10-08T10:00:00')))).toEqual(['note NOTE_REQUIRED']);
    expect(problemsOf(() => advanceFollowUp(opened, step('CONTACT', ' \n\t '), at('2026-10-08T10:00:00')))).toEqual(['note NOTE_REQUIRED']);
    expect(problemsOf(() => advanceFollowUp(opened, step('RECTIFY', '好'.repeat(MAX_NOTE_LENGTH + 1)), at('2026-10-08T10:00:00')))).toEqual([
      'action STEP_OUT_OF_ORDER',
      'note NOTE_TOO_LONG',
    ]);
    expect(advanceFollowUp(opened, step('CONTACT', '好'.repeat(MAX_NOTE_LENGTH)), at('2026-10-08T10:00:00')).status).toBe('CONTACTED');
  });

  it('is for the lead department only', () => {
    const error = (() => {
      try {
        advanceFollowUp(opened, { ...step('CONTACT'), department: 'WJJ-440514' }, at('2026-10-08T10:00:00'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NotLeadDepartmentError);
    expect((error as NotLeadDepartmentError).code).toBe('FORBIDDEN');
  });
});

describe('deadlines', () => {
  const contactedLate: FollowUp = advanceFollowUp(opened, step('CONTACT'), at('2026-10-09T11:00:00'));

  it('says which step is overdue', () => {
    expect(overdueStep(opened, at('2026-10-08T16:00:00'))).toBeNull();
    expect(overdueStep(opened, at('2026-10-08T16:01:00'))).toBe('CONTACT');
    expect(overdueStep(contactedLate, at('2026-10-20T09:00:00'))).toBeNull();
    expect(overdueStep(contactedLate, at('2026-10-28T09:00:00'))).toBe('CLOSE');
    expect(overdueStep(advanceFollowUp(contactedLate, step('RECTIFY'), at('2026-10-29T09:00:00')), at('2026-11-30T09:00:00'))).toBeNull();
  });

  it('counts a follow-up on time only when every step met its deadline', () => {
    const onTime = advanceFollowUp(advanceFollowUp(opened, step('CONTACT'), at('2026-10-08T09:00:00')), step('RECTIFY'), at('2026-10-27T16:00:00'));
    expect(followedUpOnTime(onTime, at('2027-01-01T00:00:00'))).toBe(true);
    expect(followedUpOnTime(contactedLate, at('2026-10-12T09:00:00'))).toBe(false);
    expect(followedUpOnTime(opened, at('2026-10-08T12:00:00'))).toBe(true);
    expect(followedUpOnTime(opened, at('2026-10-09T12:00:00'))).toBe(false);
  });
});
