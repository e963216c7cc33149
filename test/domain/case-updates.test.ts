import { describe, expect, it } from 'vitest';
import { decideCaseUpdate } from '../../domain/case-updates.ts';

const at = (iso: string) => new Date(iso);

describe('decideCaseUpdate', () => {
  it('applies a view newer than the one applied last', () => {
    expect(decideCaseUpdate({ status: 'ACCEPTED', remoteUpdatedAt: at('2025-03-03T09:00:00+08:00') }, at('2025-03-03T09:00:00.001+08:00'))).toBe('apply');
  });

  it('ignores a replayed view: the same updatedAt, whatever it says', () => {
    expect(decideCaseUpdate({ status: 'IN_REVIEW', remoteUpdatedAt: at('2025-03-03T09:00:00+08:00') }, at('2025-03-03T01:00:00Z'))).toBe('stale');
  });

  it('ignores a view older than the one applied last (a late webhook, or a poll answered before a webhook)', () => {
    expect(decideCaseUpdate({ status: 'IN_REVIEW', remoteUpdatedAt: at('2025-03-03T09:00:00+08:00') }, at('2025-03-03T08:59:59+08:00'))).toBe('stale');
  });

  it('applies any view of a case none was applied to yet (stored before the timestamps were kept)', () => {
    expect(decideCaseUpdate({ status: 'RECEIVED', remoteUpdatedAt: null }, at('2000-01-01T00:00:00Z'))).toBe('apply');
  });

  it('never reopens a decided case, even for a newer view', () => {
    for (const status of ['APPROVED', 'REJECTED', 'WITHDRAWN'] as const) {
      expect(decideCaseUpdate({ status, remoteUpdatedAt: at('2025-03-03T09:00:00+08:00') }, at('2025-03-04T09:00:00+08:00'))).toBe('decided');
    }
  });
});
