import { describe, expect, it } from 'vitest';
import { caseEvents, mayFollowApplication, type CaseSnapshot } from '../../domain/application-events.ts';

const queued: CaseSnapshot = { matterName: '出生医学证明', status: 'QUEUED', statusReason: null, dueAt: null, resultCertificateNumber: null };

describe('the push messages of a case change', () => {
  it('tells the citizen that the department received the case', () => {
    expect(caseEvents(queued, { ...queued, status: 'RECEIVED' })).toEqual([
      { kind: 'RECEIVED', status: 'RECEIVED', text: '您申请的“出生医学证明”已送达办理部门。' },
    ]);
  });

  it('names the committed date of an accepted case, in China time', () => {
    const received = { ...queued, status: 'RECEIVED' as const };
    expect(caseEvents(received, { ...received, status: 'ACCEPTED', dueAt: new Date('2025-03-13T16:30:00Z') })).toEqual([
      { kind: 'ACCEPTED', status: 'ACCEPTED', text: '“出生医学证明”已受理，承诺2025年3月14日前办结。' },
    ]);
  });

  it('gives a decision and its certificate as two messages, the decision first', () => {
    const reviewing = { ...queued, status: 'IN_REVIEW' as const };
    expect(caseEvents(reviewing, { ...reviewing, status: 'APPROVED', resultCertificateNumber: 'No.1' }).map((d) => d.kind)).toEqual([
      'DECIDED',
      'RESULT_ISSUED',
    ]);
  });

  it('gives the reason of a rejection, and nothing for a change of reason alone', () => {
    const rejected = { ...queued, status: 'REJECTED' as const, statusReason: '材料不符' };
    expect(caseEvents({ ...queued, status: 'IN_REVIEW' }, rejected)).toEqual([
      { kind: 'DECIDED', status: 'REJECTED', text: '“出生医学证明”未获批准，原因：材料不符。' },
    ]);
    const supplement = { ...queued, status: 'SUPPLEMENT_REQUIRED' as const, statusReason: '照片不清晰' };
    expect(caseEvents(supplement, { ...supplement, statusReason: '照片不清晰，请重新拍摄' })).toEqual([]);
  });

  it('says nothing of the gateway’s own waiting and queueing', () => {
    expect(caseEvents({ ...queued, status: 'WAITING_FOR_PREREQUISITE' }, queued)).toEqual([]);
  });
});

describe('who may follow an application live', () => {
  it('is its applicant only', () => {
    const application = { applicant: '440514199403120356' };
    expect(mayFollowApplication({ subject: '440514199403120356', role: 'APPLICANT' }, application)).toBe(true);
    expect(mayFollowApplication({ subject: '440514199608250285', role: 'APPLICANT' }, application)).toBe(false);
    expect(mayFollowApplication({ subject: '440514199403120356', role: 'DEPARTMENT_STAFF' }, application)).toBe(false);
  });
});
