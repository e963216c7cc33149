/** Runs and findings of the routine guide check, on every database backend. */
import { describe, expect, it } from 'vitest';
import {
  latestFindings,
  latestOnlineUrlCheck,
  onlineUrlCheckOf,
  saveRun,
  type GuideFinding,
} from '../../store/guide-checks.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const finding = (topicCode: string, checkedAt: string, extra: Partial<GuideFinding> = {}): GuideFinding => ({
  topicCode,
  topicName: `${topicCode}一件事`,
  leadDepartment: 'WJJ-440514',
  region: '440514',
  status: 'PUBLISHED',
  guidable: true,
  onlineProcessable: true,
  problems: [],
  details: {},
  onlineUrl: `https://portal.example/${topicCode}`,
  onlineUrlReachable: true,
  onlineUrlStatus: 200,
  onlineUrlLatencyMs: 12,
  checkedAt: new Date(checkedAt),
  ...extra,
});

describe.each(backends.map((b) => [b.kind, b] as const))('guide checks on the %s database', (_kind, backend) => {
  it('stores a run with its findings and reads each topic’s finding back exactly', async () => {
    const db = await openFresh(backend);
    const unreachable = finding('T2', '2026-03-01T00:00:05Z', {
      guidable: false,
      onlineProcessable: false,
      problems: ['UNKNOWN_MATTER', 'ONLINE_URL_UNREACHABLE'],
      details: { unknownMatters: ['M-9'], onlineUrlError: 'no answer within 5000 ms' },
      onlineUrlReachable: false,
      onlineUrlStatus: null,
      onlineUrlLatencyMs: 5001.4,
    });

    const runId = await saveRun(db, {
      startedAt: new Date('2026-03-01T00:00:00Z'),
      finishedAt: new Date('2026-03-01T00:00:06Z'),
      region: '440514',
      findings: [finding('T1', '2026-03-01T00:00:01Z'), unreachable],
    });
    const latest = await latestFindings(db);

    expect([...latest.keys()].sort()).toEqual(['T1', 'T2']);
    expect(latest.get('T2')).toEqual({ ...unreachable, onlineUrlLatencyMs: 5001, runId });
    expect((await db.query('SELECT started_at, finished_at, region FROM guide_check_runs')).rows).toEqual([
      { started_at: new Date('2026-03-01T00:00:00Z'), finished_at: new Date('2026-03-01T00:00:06Z'), region: '440514' },
    ]);
  });

  it('takes each topic’s finding from the latest run that checked it', async () => {
    const db = await openFresh(backend);
    const first = await saveRun(db, {
      startedAt: new Date('2026-03-01T00:00:00Z'),
      finishedAt: new Date('2026-03-01T00:01:00Z'),
      region: null,
      findings: [finding('T1', '2026-03-01T00:00:10Z'), finding('T2', '2026-03-01T00:00:20Z')],
    });
    const second = await saveRun(db, {
      startedAt: new Date('2026-03-02T00:00:00Z'),
      finishedAt: new Date('2026-03-02T00:01:00Z'),
      region: '440514',
      findings: [finding('T1', '2026-03-02T00:00:10Z', { onlineUrlReachable: false, onlineUrlStatus: 500, problems: ['ONLINE_URL_UNREACHABLE'] })],
    });

    const all = await latestFindings(db);
    const some = await latestFindings(db, ['T1', 'T-never-checked']);

    expect(all.get('T1')).toMatchObject({ runId: second, onlineUrlStatus: 500 });
    expect(all.get('T2')).toMatchObject({ runId: first });
    expect([...some.keys()]).toEqual(['T1']);
    expect(await latestFindings(db, [])).toEqual(new Map());
  });

  it('gives readiness the latest probe of each topic’s online address, and no check for a changed address', async () => {
    const db = await openFresh(backend);
    await saveRun(db, {
      startedAt: new Date('2026-03-01T00:00:00Z'),
      finishedAt: new Date('2026-03-01T00:01:00Z'),
      region: null,
      findings: [finding('T1', '2026-03-01T00:00:10Z', { onlineUrlReachable: false, onlineUrlStatus: 404 }), finding('T2', '2026-03-01T00:00:20Z')],
    });
    await saveRun(db, {
      startedAt: new Date('2026-03-02T00:00:00Z'),
      finishedAt: new Date('2026-03-02T00:01:00Z'),
      region: null,
      // T2 has no online address any more: not probed, so its earlier probe stays the latest.
      findings: [
        finding('T1', '2026-03-02T00:00:10Z'),
        finding('T2', '2026-03-02T00:00:20Z', { onlineUrl: null, onlineUrlReachable: null, onlineUrlStatus: null, onlineUrlLatencyMs: null }),
      ],
    });

    const checks = await latestOnlineUrlCheck(db);

    expect(checks).toEqual(
      new Map([
        ['T1', { url: 'https://portal.example/T1', reachable: true, checkedAt: '2026-03-02T00:00:10.000Z' }],
        ['T2', { url: 'https://portal.example/T2', reachable: true, checkedAt: '2026-03-01T00:00:20.000Z' }],
      ]),
    );
    expect(onlineUrlCheckOf({ code: 'T1', onlineUrl: 'https://portal.example/T1' }, checks)).toEqual({
      reachable: true,
      checkedAt: '2026-03-02T00:00:10.000Z',
    });
    expect(onlineUrlCheckOf({ code: 'T1', onlineUrl: 'https://portal.example/moved' }, checks)).toBeNull();
    expect(onlineUrlCheckOf({ code: 'T2', onlineUrl: null }, checks)).toBeNull();
    expect(onlineUrlCheckOf({ code: 'T3', onlineUrl: 'https://portal.example/T3' }, checks)).toBeNull();
  });
});
