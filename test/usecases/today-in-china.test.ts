import { describe, expect, it } from 'vitest';
import { todayInChina } from '../../usecases/personal-plan.ts';

describe("the gateway's China date", () => {
  it('turns at midnight China Standard Time (16:00 UTC), also when asked within the same minute again', () => {
    expect(todayInChina(new Date('2026-03-01T15:59:00.000Z'))).toBe('2026-03-01');
    expect(todayInChina(new Date('2026-03-01T15:59:59.999Z'))).toBe('2026-03-01');
    expect(todayInChina(new Date('2026-03-01T16:00:00.000Z'))).toBe('2026-03-02');
    expect(todayInChina(new Date('2026-03-01T16:00:30.000Z'))).toBe('2026-03-02');
    expect(todayInChina(new Date('2026-03-01T15:59:30.000Z'))).toBe('2026-03-01');
  });
});
