/**
 * The store's loaders: requests read through process-wide batchers that
 * share statements but keep nothing, and each request caches for itself.
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../store/database.ts';
import { createStoreBatches, createStoreLoaders } from '../../store/loaders.ts';
import { insertApplication, insertCase } from '../usecases/fixtures.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

describe.each(backends.map((b) => [b.kind, b] as const))('store loaders on the %s database', (_kind, backend) => {
  async function twoApplications() {
    const db = await openFresh(backend);
    await insertApplication(db, { id: 'OT-A', applicant: '440514199001011234', topicCode: 'T', region: '440514', submittedAt: '2026-05-01T09:00:00+08:00' });
    await insertApplication(db, { id: 'OT-B', applicant: '440514199203054321', topicCode: 'T', region: '440514', submittedAt: '2026-05-01T10:00:00+08:00' });
    await insertCase(db, { applicationId: 'OT-A', matterCode: 'M-1', departmentCode: 'SCJGJ-440514', status: 'IN_REVIEW' });
    await insertCase(db, { applicationId: 'OT-B', matterCode: 'M-1', departmentCode: 'SCJGJ-440514', status: 'QUEUED' });
    const statements: string[] = [];
    const counted: Queryable = {
      query: (sql: string, params?: unknown[]) => (statements.push(sql.trim().split(/\s+/).slice(0, 4).join(' ')), db.query(sql, params)),
    } as Queryable;
    return { db, statements, batches: createStoreBatches(counted) };
  }

  it('read what concurrent requests ask for in one statement per kind, each request getting its own records', async () => {
    const { statements, batches } = await twoApplications();
    const first = createStoreLoaders(batches);
    const second = createStoreLoaders(batches);

    const [a, b, casesA, casesB] = await Promise.all([
      first.application.load('OT-A'),
      second.application.load('OT-B'),
      first.casesOf.load('OT-A'),
      second.casesOf.load('OT-B'),
    ]);

    expect([a?.id, a?.applicant, b?.id, b?.applicant]).toEqual(['OT-A', '440514199001011234', 'OT-B', '440514199203054321']);
    expect([casesA.map((c) => [c.applicationId, c.status]), casesB.map((c) => [c.applicationId, c.status])]).toEqual([
      [['OT-A', 'IN_REVIEW']],
      [['OT-B', 'QUEUED']],
    ]);
    expect(statements.sort()).toEqual(['SELECT * FROM cases', 'SELECT id, applicant, applicant_kind,']);
  });

  it('keep nothing between batches: a later request sees what was stored in between, an earlier one keeps its own copy', async () => {
    const { db, statements, batches } = await twoApplications();
    const earlier = createStoreLoaders(batches);
    expect((await earlier.casesOf.load('OT-B')).map((c) => c.status)).toEqual(['QUEUED']);

    await db.query(`UPDATE cases SET status = 'IN_REVIEW' WHERE application_id = 'OT-B'`);
    const later = createStoreLoaders(batches);

    expect({
      later: (await later.casesOf.load('OT-B')).map((c) => c.status),
      earlier: (await earlier.casesOf.load('OT-B')).map((c) => c.status),
      shared: (await batches.casesOf.load('OT-B')).map((c) => c.status),
    }).toEqual({ later: ['IN_REVIEW'], earlier: ['QUEUED'], shared: ['IN_REVIEW'] });
    expect(statements).toHaveLength(3);
  });

  it('give a missing application null and no cases, next to one that exists', async () => {
    const { batches } = await twoApplications();
    const loaders = createStoreLoaders(batches);

    expect(await Promise.all([loaders.application.load('OT-NONE'), loaders.casesOf.load('OT-NONE'), loaders.materialsOf.load('OT-A')])).toEqual([
      null,
      [],
      [],
    ]);
  });
});
