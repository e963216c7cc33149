import { describe, expect, it } from 'vitest';
import {
  DECIDED,
  applicationStatus,
  blockedByRejection,
  initialCaseStatus,
  isDelivered,
  isOverdue,
  overdueAmong,
  prerequisiteResults,
  readyToSend,
  type ApplicationStatus,
  type CaseNode,
  type CaseStatus,
} from '../../domain/application-status.ts';

const ALL: CaseStatus[] = [
  'WAITING_FOR_PREREQUISITE',
  'QUEUED',
  'RECEIVED',
  'ACCEPTED',
  'IN_REVIEW',
  'SUPPLEMENT_REQUIRED',
  'APPROVED',
  'REJECTED',
  'WITHDRAWN',
];

const statusOf = (...statuses: CaseStatus[]): ApplicationStatus => applicationStatus(statuses.map((status) => ({ status })));

describe('DECIDED and isDelivered', () => {
  it('counts exactly APPROVED, REJECTED and WITHDRAWN as decided', () => {
    expect(ALL.filter((s) => DECIDED.has(s))).toEqual(['APPROVED', 'REJECTED', 'WITHDRAWN']);
  });

  it('counts every status but waiting and queued as delivered', () => {
    expect(ALL.filter((s) => !isDelivered(s))).toEqual(['WAITING_FOR_PREREQUISITE', 'QUEUED']);
  });
});

describe('applicationStatus — each rule', () => {
  it('is SUBMITTED for an application without cases', () => {
    expect(statusOf()).toBe('SUBMITTED');
  });

  it('needs a supplement when any case requires one', () => {
    expect(statusOf('IN_REVIEW', 'SUPPLEMENT_REQUIRED', 'QUEUED')).toBe('NEEDS_SUPPLEMENT');
  });

  it('is COMPLETED when every case is approved', () => {
    expect(statusOf('APPROVED', 'APPROVED', 'APPROVED')).toBe('COMPLETED');
  });

  it('is REJECTED when every case is rejected', () => {
    expect(statusOf('REJECTED', 'REJECTED')).toBe('REJECTED');
  });

  it('is PARTIALLY_REJECTED when some cases are rejected and the others approved or withdrawn', () => {
    expect(statusOf('REJECTED', 'APPROVED')).toBe('PARTIALLY_REJECTED');
    expect(statusOf('WITHDRAWN', 'REJECTED')).toBe('PARTIALLY_REJECTED');
    expect(statusOf('APPROVED', 'REJECTED', 'WITHDRAWN')).toBe('PARTIALLY_REJECTED');
  });

  it('is WITHDRAWN when every case is withdrawn', () => {
    expect(statusOf('WITHDRAWN', 'WITHDRAWN')).toBe('WITHDRAWN');
  });

  it('is SUBMITTED while no case has reached a department', () => {
    expect(statusOf('QUEUED', 'WAITING_FOR_PREREQUISITE', 'WAITING_FOR_PREREQUISITE')).toBe('SUBMITTED');
    expect(statusOf('QUEUED')).toBe('SUBMITTED');
  });

  it('is IN_PROGRESS once one case is delivered and the rest undecided', () => {
    expect(statusOf('RECEIVED', 'QUEUED')).toBe('IN_PROGRESS');
    expect(statusOf('ACCEPTED')).toBe('IN_PROGRESS');
    expect(statusOf('APPROVED', 'WAITING_FOR_PREREQUISITE')).toBe('IN_PROGRESS');
  });
});

describe('applicationStatus — order of precedence', () => {
  it('puts a needed supplement before a rejection that would make it partially rejected', () => {
    expect(statusOf('REJECTED', 'SUPPLEMENT_REQUIRED')).toBe('NEEDS_SUPPLEMENT');
  });

  it('is not partially rejected while another case is still undecided', () => {
    expect(statusOf('REJECTED', 'IN_REVIEW')).toBe('IN_PROGRESS');
    expect(statusOf('REJECTED', 'WAITING_FOR_PREREQUISITE')).toBe('IN_PROGRESS');
  });

  it('reads a rejection with withdrawn cases as partially rejected, not withdrawn', () => {
    expect(statusOf('WITHDRAWN', 'WITHDRAWN', 'REJECTED')).toBe('PARTIALLY_REJECTED');
  });

  it('falls through to IN_PROGRESS for cases all decided as approved or withdrawn, as no earlier rule names that mix', () => {
    expect(statusOf('APPROVED', 'WITHDRAWN')).toBe('IN_PROGRESS');
  });

  it('gives the same status whatever the order of the cases', () => {
    expect(statusOf('APPROVED', 'REJECTED', 'QUEUED')).toBe(statusOf('QUEUED', 'REJECTED', 'APPROVED'));
  });
});

describe('overdueAmong', () => {
  it('counts decided cases by when they were decided and the others by now, as isOverdue judges one case', () => {
    const counts = { withDue: 10, decidedLate: 3, pastDue: 7 };
    expect(['APPROVED', 'REJECTED', 'WITHDRAWN', 'IN_REVIEW', 'SUPPLEMENT_REQUIRED'].map((status) => overdueAmong({ status: status as CaseStatus, ...counts }))).toEqual([
      3, 3, 3, 7, 7,
    ]);
  });
});

describe('isOverdue', () => {
  const dueAt = '2025-06-20T17:00:00+08:00';
  const undecided = (status: CaseStatus) => ({ status, dueAt, decidedAt: null });

  it('is not overdue for an undecided case exactly at dueAt', () => {
    expect(isOverdue(undecided('IN_REVIEW'), new Date('2025-06-20T09:00:00Z'))).toBe(false);
  });

  it('is overdue for an undecided case one millisecond after dueAt', () => {
    expect(isOverdue(undecided('IN_REVIEW'), new Date('2025-06-20T09:00:00.001Z'))).toBe(true);
  });

  it('is overdue for a case waiting for a supplement after dueAt', () => {
    expect(isOverdue(undecided('SUPPLEMENT_REQUIRED'), new Date('2025-07-01T00:00:00Z'))).toBe(true);
  });

  it('is not overdue before dueAt', () => {
    expect(isOverdue(undecided('RECEIVED'), new Date('2025-06-20T08:59:59.999Z'))).toBe(false);
  });

  it('counts a decided-late case as overdue', () => {
    const late = { status: 'APPROVED' as const, dueAt, decidedAt: '2025-06-20T17:00:01+08:00' };
    expect(isOverdue(late, new Date('2025-06-01T00:00:00Z'))).toBe(true);
  });

  it('counts a case decided exactly at dueAt, written with another offset, as on time', () => {
    const onTime = { status: 'REJECTED' as const, dueAt, decidedAt: '2025-06-20T09:00:00Z' };
    expect(isOverdue(onTime, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('does not count a case decided in time as overdue, however late it is now', () => {
    const early = { status: 'APPROVED' as const, dueAt, decidedAt: '2025-06-18T10:00:00+08:00' };
    expect(isOverdue(early, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('counts a case withdrawn after dueAt as overdue', () => {
    expect(isOverdue({ status: 'WITHDRAWN', dueAt, decidedAt: '2025-06-21T00:00:00+08:00' }, new Date('2025-06-01T00:00:00Z'))).toBe(true);
  });

  it('is never overdue without dueAt (not delivered yet)', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(isOverdue({ status: 'QUEUED', dueAt: null, decidedAt: null }, now)).toBe(false);
    expect(isOverdue({ status: 'WAITING_FOR_PREREQUISITE', dueAt: null, decidedAt: null }, now)).toBe(false);
    expect(isOverdue({ status: 'APPROVED', dueAt: null, decidedAt: '2029-01-01T00:00:00Z' }, now)).toBe(false);
  });

  it('does not claim a decided case without decidedAt, or an unreadable timestamp, is overdue', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(isOverdue({ status: 'APPROVED', dueAt, decidedAt: null }, now)).toBe(false);
    expect(isOverdue({ status: 'IN_REVIEW', dueAt: 'soon', decidedAt: null }, now)).toBe(false);
    expect(isOverdue({ status: 'APPROVED', dueAt, decidedAt: 'later' }, now)).toBe(false);
  });
});

const node = (matterCode: string, status: CaseStatus, dependsOn: string[] = [], resultCertificateId: string | null = null): CaseNode => ({
  matterCode,
  status,
  dependsOn,
  resultCertificateId,
});

describe('initialCaseStatus', () => {
  it('makes a case with prerequisites wait and queues one without', () => {
    expect([initialCaseStatus(['M1']), initialCaseStatus(['M1', 'M2']), initialCaseStatus([])]).toEqual([
      'WAITING_FOR_PREREQUISITE',
      'WAITING_FOR_PREREQUISITE',
      'QUEUED',
    ]);
  });
});

describe('readyToSend', () => {
  it('releases a waiting case once its only prerequisite is approved', () => {
    expect(readyToSend([node('M1', 'APPROVED'), node('M2', 'WAITING_FOR_PREREQUISITE', ['M1'])])).toEqual(['M2']);
  });

  it('keeps a case waiting until every prerequisite is approved', () => {
    const cases = [
      node('M1', 'APPROVED'),
      node('M2', 'IN_REVIEW'),
      node('M3', 'WAITING_FOR_PREREQUISITE', ['M1', 'M2']),
    ];
    expect(readyToSend(cases)).toEqual([]);
    expect(readyToSend(cases.map((c) => (c.matterCode === 'M2' ? { ...c, status: 'APPROVED' as const } : c)))).toEqual(['M3']);
  });

  it('walks a chain one link at a time', () => {
    const chain = [
      node('M1', 'APPROVED'),
      node('M2', 'WAITING_FOR_PREREQUISITE', ['M1']),
      node('M3', 'WAITING_FOR_PREREQUISITE', ['M2']),
    ];
    expect(readyToSend(chain)).toEqual(['M2']);
    const next = [chain[0]!, { ...chain[1]!, status: 'APPROVED' as const }, chain[2]!];
    expect(readyToSend(next)).toEqual(['M3']);
  });

  it('releases several waiting cases at once, in case order, and never a case that is not waiting', () => {
    const cases = [
      node('M4', 'WAITING_FOR_PREREQUISITE', ['M1']),
      node('M1', 'APPROVED'),
      node('M2', 'QUEUED', ['M1']),
      node('M3', 'WAITING_FOR_PREREQUISITE', ['M1']),
    ];
    expect(readyToSend(cases)).toEqual(['M4', 'M3']);
  });

  it('does not wait for a prerequisite that is not part of the application', () => {
    expect(readyToSend([node('M1', 'APPROVED'), node('M2', 'WAITING_FOR_PREREQUISITE', ['M1', 'ELSEWHERE'])])).toEqual(['M2']);
  });

  it('does not release a case whose prerequisite was rejected or withdrawn', () => {
    expect(
      readyToSend([
        node('M1', 'REJECTED'),
        node('M2', 'WITHDRAWN'),
        node('M3', 'WAITING_FOR_PREREQUISITE', ['M1']),
        node('M4', 'WAITING_FOR_PREREQUISITE', ['M2']),
      ]),
    ).toEqual([]);
  });
});

describe('blockedByRejection', () => {
  it('finds waiting cases whose prerequisite was rejected or withdrawn', () => {
    expect(
      blockedByRejection([
        node('M1', 'REJECTED'),
        node('M2', 'WITHDRAWN'),
        node('M3', 'APPROVED'),
        node('M4', 'WAITING_FOR_PREREQUISITE', ['M3', 'M1']),
        node('M5', 'WAITING_FOR_PREREQUISITE', ['M2']),
        node('M6', 'WAITING_FOR_PREREQUISITE', ['M3']),
      ]),
    ).toEqual([
      { matterCode: 'M4', rejectedPrerequisite: 'M1' },
      { matterCode: 'M5', rejectedPrerequisite: 'M2' },
    ]);
  });

  it('follows a chain of waiting cases back to the rejected one', () => {
    expect(
      blockedByRejection([
        node('M3', 'WAITING_FOR_PREREQUISITE', ['M2']),
        node('M2', 'WAITING_FOR_PREREQUISITE', ['M1']),
        node('M1', 'REJECTED'),
        node('M4', 'WAITING_FOR_PREREQUISITE', ['M3']),
      ]),
    ).toEqual([
      { matterCode: 'M3', rejectedPrerequisite: 'M1' },
      { matterCode: 'M2', rejectedPrerequisite: 'M1' },
      { matterCode: 'M4', rejectedPrerequisite: 'M1' },
    ]);
  });

  it('names the first rejected prerequisite in dependsOn order', () => {
    expect(
      blockedByRejection([
        node('M1', 'WITHDRAWN'),
        node('M2', 'REJECTED'),
        node('M3', 'WAITING_FOR_PREREQUISITE', ['M2', 'M1']),
      ]),
    ).toEqual([{ matterCode: 'M3', rejectedPrerequisite: 'M2' }]);
  });

  it('does not block a case whose prerequisites are still under way or waiting on healthy ones', () => {
    expect(
      blockedByRejection([
        node('M1', 'IN_REVIEW'),
        node('M2', 'WAITING_FOR_PREREQUISITE', ['M1']),
        node('M3', 'WAITING_FOR_PREREQUISITE', ['M2', 'ELSEWHERE']),
        node('M4', 'SUPPLEMENT_REQUIRED'),
      ]),
    ).toEqual([]);
  });

  it('ignores cases that are not waiting, even when a prerequisite was rejected', () => {
    expect(blockedByRejection([node('M1', 'REJECTED'), node('M2', 'IN_REVIEW', ['M1'])])).toEqual([]);
  });

  it('terminates on a dependency cycle and still finds a rejection behind it', () => {
    expect(
      blockedByRejection([
        node('A', 'WAITING_FOR_PREREQUISITE', ['B']),
        node('B', 'WAITING_FOR_PREREQUISITE', ['A']),
        node('C', 'WAITING_FOR_PREREQUISITE', ['D', 'C']),
        node('D', 'WAITING_FOR_PREREQUISITE', ['C', 'E']),
        node('E', 'REJECTED'),
      ]),
    ).toEqual([
      { matterCode: 'C', rejectedPrerequisite: 'E' },
      { matterCode: 'D', rejectedPrerequisite: 'E' },
    ]);
  });
});

describe('prerequisiteResults', () => {
  it('passes on the result certificates of the approved prerequisites, in dependsOn order', () => {
    const cases = [
      node('M1', 'APPROVED', [], 'CERT-1'),
      node('M2', 'APPROVED', [], 'CERT-2'),
      node('M3', 'WAITING_FOR_PREREQUISITE', ['M2', 'M1']),
    ];
    expect(prerequisiteResults(cases, 'M3')).toEqual([
      { matterCode: 'M2', certificateId: 'CERT-2' },
      { matterCode: 'M1', certificateId: 'CERT-1' },
    ]);
  });

  it('leaves out prerequisites approved without a certificate, not approved, or not in the application', () => {
    const cases = [
      node('M1', 'APPROVED', [], null),
      node('M2', 'IN_REVIEW', [], 'CERT-2'),
      node('M3', 'APPROVED', [], 'CERT-3'),
      node('M4', 'WAITING_FOR_PREREQUISITE', ['M1', 'M2', 'ELSEWHERE', 'M3', 'M3']),
    ];
    expect(prerequisiteResults(cases, 'M4')).toEqual([{ matterCode: 'M3', certificateId: 'CERT-3' }]);
  });

  it('gives nothing to a matter without prerequisites, nor to a matter not in the application', () => {
    const cases = [node('M1', 'APPROVED', [], 'CERT-1'), node('M2', 'QUEUED')];
    expect(prerequisiteResults(cases, 'M2')).toEqual([]);
    expect(prerequisiteResults(cases, 'M9')).toEqual([]);
  });

  it('passes only the direct prerequisites of a chain', () => {
    const cases = [
      node('M1', 'APPROVED', [], 'CERT-1'),
      node('M2', 'APPROVED', ['M1'], 'CERT-2'),
      node('M3', 'WAITING_FOR_PREREQUISITE', ['M2']),
    ];
    expect(readyToSend(cases)).toEqual(['M3']);
    expect(prerequisiteResults(cases, 'M3')).toEqual([{ matterCode: 'M2', certificateId: 'CERT-2' }]);
  });
});
