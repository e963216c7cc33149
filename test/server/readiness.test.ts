/**
 * The readiness check of the working-day calendar: a year the calendar does
 * not cover is a warning, never a reason to take the gateway out of traffic.
 */
import { describe, expect, it } from 'vitest';
import { LAST_COVERED_YEAR } from '../../domain/working-days.ts';
import { ReadinessProbe } from '../../server/readiness.ts';
import type { GatewayServices } from '../../server/services.ts';
import { loadMigrations } from '../../store/migrate.ts';

async function probeAt(now: Date): Promise<ReadinessProbe> {
  const versions = (await loadMigrations()).map((m) => ({ version: m.version }));
  const services = {
    db: { query: async (sql: string) => (sql.includes('schema_migrations') ? { rows: versions } : { rows: [{ one: 1 }] }) },
    health: { healthOf: () => ({ status: 'UP' as const, latencyMs: 1, checkedAt: null, lastError: null }) },
    connectors: { all: async () => [] },
  } as unknown as GatewayServices;
  return new ReadinessProbe(services, { now: () => now });
}

describe('the calendar check of /readyz', () => {
  it('passes while the calendar holds the official holidays of the current year', async () => {
    const report = await (await probeAt(new Date(`${LAST_COVERED_YEAR}-06-01T12:00:00+08:00`))).check();

    expect(report.status).toBe('ready');
    expect(report.checks.find((c) => c.name === 'calendar')).toEqual({
      name: 'calendar',
      status: 'pass',
      critical: false,
      year: LAST_COVERED_YEAR,
      lastCoveredYear: LAST_COVERED_YEAR,
    });
  });

  it('warns, and stays ready, from the first China day of a year the calendar does not cover', async () => {
    const next = LAST_COVERED_YEAR + 1;
    // 16:30 UTC on December 31 is already January 1 in China.
    const report = await (await probeAt(new Date(`${LAST_COVERED_YEAR}-12-31T16:30:00Z`))).check();

    expect(report.status).toBe('ready');
    expect(report.checks.find((c) => c.name === 'calendar')).toEqual({
      name: 'calendar',
      status: 'warn',
      critical: false,
      year: next,
      lastCoveredYear: LAST_COVERED_YEAR,
      message: `the working-day calendar has no official holidays for ${next}: working days are counted Monday to Friday until chinese-days is updated`,
    });
  });
});
