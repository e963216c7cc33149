/**
 * An application with its departments' live statuses, on its ports: a real
 * database (embedded always, PostgreSQL when TEST_DATABASE_URL is set) and
 * an in-memory department that answers what it is told to.
 */
import { describe, expect, it } from 'vitest';
import type { Case } from '../../connectors/approval/models.ts';
import type { RemoteCaseRef } from '../../connectors/approval/loaders.ts';
import type { Actor } from '../../domain/actor.ts';
import { createLogger } from '../../lib/logger.ts';
import { casesOfApplications, findApplication } from '../../store/applications.ts';
import type { Database } from '../../store/database.ts';
import { ownApplicationWithLiveStatus, type CaseStatusDeps } from '../../usecases/case-status.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';
import { insertApplication, insertCase } from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const ZHANG_SAN = '440514199001011234';
const zhangSan: Actor = { kind: 'user', subject: ZHANG_SAN, name: '张三', role: 'APPLICANT' };
const liSi: Actor = { kind: 'user', subject: '440514199203054321', name: '李四', role: 'APPLICANT' };
const DEPARTMENT = 'SCJGJ-440514';

/** One application of ZHANG_SAN with one case in review at the department, known there as R-1. */
async function applicationInReview(db: Database): Promise<string> {
  const id = 'OT-LIVE-1';
  await insertApplication(db, { id, applicant: ZHANG_SAN, topicCode: 'T', region: '440514', submittedAt: '2026-05-01T09:00:00+08:00' });
  await insertCase(db, { applicationId: id, matterCode: 'M-1', departmentCode: DEPARTMENT, status: 'IN_REVIEW', dueAt: '2026-05-10T00:00:00Z' });
  await db.query(`UPDATE cases SET remote_case_id = 'R-1', remote_updated_at = $2 WHERE application_id = $1`, [id, new Date('2026-05-02T00:00:00Z')]);
  return id;
}

const approved: Case = {
  caseId: 'R-1',
  matterCode: 'M-1',
  applicationId: 'OT-LIVE-1',
  status: 'APPROVED',
  receivedAt: '2026-05-01T10:00:00Z',
  updatedAt: '2026-05-05T00:00:00Z',
  dueAt: '2026-05-10T00:00:00Z',
  decidedAt: '2026-05-05T00:00:00Z',
  requestedMaterials: [],
  result: null,
};

/** Ports over `db` and a department that answers `answer` for every case; every read and notification is recorded. */
function ports(db: Database, answer: Case | Error | null) {
  const asked: RemoteCaseRef[][] = [];
  const changed: string[] = [];
  const deps: CaseStatusDeps = {
    db,
    records: {
      application: (id) => findApplication(db, id),
      cases: async (applicationId) => (await casesOfApplications(db, [applicationId])).get(applicationId) ?? [],
    },
    remoteCases: { loadMany: async (refs) => (asked.push([...refs]), refs.map(() => answer)) },
    onCasesChanged: (applicationId, cases) => changed.push(`${applicationId}: ${cases.map((c) => c.status).join(', ')}`),
    wakeDelivery: () => {},
    logger: createLogger({ level: 'silent' }),
  };
  return { deps, asked, changed };
}

describe.each(backends.map((b) => [b.kind, b] as const))('ownApplicationWithLiveStatus on the %s database', (_kind, backend) => {
  it('records what the department reports now and answers with it', async () => {
    const db = await openFresh(backend);
    const id = await applicationInReview(db);
    const { deps, asked, changed } = ports(db, approved);

    const answer = await ownApplicationWithLiveStatus(deps, zhangSan, { applicationId: id });

    expect(answer?.cases.map((c) => [c.matterCode, c.status, c.decidedAt?.toISOString() ?? null])).toEqual([
      ['M-1', 'APPROVED', '2026-05-05T00:00:00.000Z'],
    ]);
    expect(asked).toEqual([[{ departmentCode: DEPARTMENT, remoteCaseId: 'R-1' }]]);
    expect(changed).toEqual([`${id}: APPROVED`]);
    await db.close();
  });

  it('shows the recorded status when the department cannot be reached', async () => {
    const db = await openFresh(backend);
    const id = await applicationInReview(db);
    const { deps, changed } = ports(db, new Error('department down'));

    const answer = await ownApplicationWithLiveStatus(deps, zhangSan, { applicationId: id });

    expect(answer?.cases.map((c) => [c.matterCode, c.status])).toEqual([['M-1', 'IN_REVIEW']]);
    expect(changed).toEqual([]);
    await db.close();
  });

  it('answers null for someone else’s application, and asks no department', async () => {
    const db = await openFresh(backend);
    const id = await applicationInReview(db);
    const { deps, asked } = ports(db, approved);

    expect(await ownApplicationWithLiveStatus(deps, liSi, { applicationId: id })).toBeNull();
    expect(await ownApplicationWithLiveStatus(deps, { kind: 'anonymous' }, { applicationId: id })).toBeNull();
    expect(asked).toEqual([]);
    await db.close();
  });
});
