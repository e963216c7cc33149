/**
 * 差评整改: a rating of grade 1–2 opens a follow-up for the topic's lead
 * department, which takes the steps in order with notes; everyone else is
 * refused, and an overdue step raises one alert.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../domain/answers.ts';
import { NotLeadDepartmentError, summariseFollowUps } from '../../domain/follow-up.ts';
import type { Database } from '../../store/database.ts';
import { listAlerts } from '../../store/supervision.ts';
import { listFollowUps, openFollowUpForRating, takeFollowUpStep } from '../../usecases/follow-ups.ts';
import { alertOverdueFollowUps, SYSTEM } from '../../usecases/supervision.ts';
import { backends, openFresh } from '../store/backends.ts';
import { insertApplication } from './fixtures.ts';

const LEAD = 'SCJGJ-440514';
const RATED_AT = new Date('2026-06-01T02:00:00Z'); // Monday
const leadDepartmentOf = async (topic: string) => (topic === 'CN-YJS-KCG' ? LEAD : null);
const staff = (department: string) => ({ role: 'DEPARTMENT_STAFF' as const, department });

let serial = 0;
async function rated(db: Database, grade: number) {
  const applicationId = `OT-FU-${++serial}`;
  await insertApplication(db, { id: applicationId, topicCode: 'CN-YJS-KCG', region: '440514', submittedAt: '2026-05-20T09:00:00+08:00' });
  await db.query(
    `INSERT INTO evaluations (application_id, remote_id, topic_code, grade, comment, channel, evaluator, created_at)
     VALUES ($1, $1, 'CN-YJS-KCG', $2, '窗口让我跑了三次', 'MOBILE', 'someone', $3)`,
    [applicationId, grade, RATED_AT],
  );
  const followUp = await openFollowUpForRating({ db, leadDepartmentOf }, { kind: 'applicant' }, { applicationId, topicCode: 'CN-YJS-KCG', grade, createdAt: RATED_AT });
  return { applicationId, followUp };
}

const problemsOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`);
};

describe.each(backends.map((b) => [b.kind, b] as const))('follow-ups on the %s database', (_kind, backend) => {
  beforeAll(async () => {
    if (backend.kind === 'embedded') await backend.place();
  }, 120_000);

  it('opens a follow-up for the lead department with its deadlines for a 差评, none for a good rating', async () => {
    const db = await openFresh(backend);
    const { followUp } = await rated(db, 2);
    expect(followUp).toMatchObject({
      status: 'OPEN',
      leadDepartment: LEAD,
      grade: 2,
      comment: '窗口让我跑了三次',
      contactDueAt: new Date('2026-06-02T02:00:00Z'),
      closeDueAt: new Date('2026-06-23T02:00:00Z'), // 15 working days, 端午 (19 June) off
    });
    expect((await rated(db, 4)).followUp).toBeNull();
    expect((await listFollowUps({ db }, staff(LEAD), {})).map((f) => f.grade)).toEqual([2]);
    expect(await listFollowUps({ db }, staff('GAJ-440514'), {})).toEqual([]);
  });

  it('is closed by the lead department: CONTACTED with a note, then RECTIFIED with a note', async () => {
    const db = await openFresh(backend);
    const { applicationId } = await rated(db, 1);
    const now = () => new Date('2026-06-01T06:00:00Z');
    const contacted = await takeFollowUpStep({ db, now }, staff(LEAD), { applicationId, action: 'CONTACT', note: ' 已电话回访 ' });
    expect([contacted.status, contacted.contactNote]).toEqual(['CONTACTED', '已电话回访']);
    const closed = await takeFollowUpStep({ db, now }, staff(LEAD), { applicationId, action: 'RECTIFY', note: '窗口增设导办员' });
    expect([closed.status, closed.closingNote]).toEqual(['RECTIFIED', '窗口增设导办员']);
    expect(summariseFollowUps(await listFollowUps({ db }, { role: 'ADMIN' }, {}), now())).toEqual({
      count: 1,
      closed: 1,
      rectified: 1,
      onTimeRate: 1,
      rectificationRate: 1,
    });
  });

  it('refuses a step out of order, by another department, with an empty or too long note', async () => {
    const db = await openFresh(backend);
    const { applicationId } = await rated(db, 2);
    expect(await problemsOf(takeFollowUpStep({ db }, staff(LEAD), { applicationId, action: 'RECTIFY', note: '   ' }))).toEqual([
      'action STEP_OUT_OF_ORDER',
      'note NOTE_REQUIRED',
    ]);
    expect(await problemsOf(takeFollowUpStep({ db }, staff(LEAD), { applicationId, action: 'CONTACT', note: '访'.repeat(1001) }))).toEqual([
      'note NOTE_TOO_LONG',
    ]);
    await expect(takeFollowUpStep({ db }, staff('GAJ-440514'), { applicationId, action: 'CONTACT', note: '回访' })).rejects.toBeInstanceOf(
      NotLeadDepartmentError,
    );
    expect(await problemsOf(takeFollowUpStep({ db }, staff(LEAD), { applicationId: 'OT-NONE', action: 'CONTACT', note: '回访' }))).toEqual([
      'applicationId UNKNOWN_FOLLOW_UP',
    ]);
    const admin = await takeFollowUpStep({ db }, { role: 'ADMIN' }, { applicationId, action: 'CONTACT', note: '管理员代为登记回访' });
    expect(admin.status).toBe('CONTACTED');
  });

  it('raises one alert per follow-up and overdue step', async () => {
    const db = await openFresh(backend);
    const { applicationId } = await rated(db, 2);
    const dayAfter = { now: new Date('2026-06-03T02:00:00Z') };
    expect(await alertOverdueFollowUps({ db }, SYSTEM, dayAfter)).toBe(1);
    expect(await alertOverdueFollowUps({ db }, SYSTEM, dayAfter)).toBe(0);
    expect(await alertOverdueFollowUps({ db }, SYSTEM, { now: new Date('2026-07-01T02:00:00Z') })).toBe(1);
    expect((await listAlerts(db)).map((a) => [a.id, (a.payload as { leadDepartment: string }).leadDepartment])).toEqual([
      [`follow-up:${applicationId}:CONTACT_OVERDUE`, LEAD],
      [`follow-up:${applicationId}:CLOSE_OVERDUE`, LEAD],
    ]);
  });
});
