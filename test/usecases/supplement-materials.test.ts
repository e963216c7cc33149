/**
 * 容缺 materials handed in later, on their ports: a real database (embedded
 * always, PostgreSQL when TEST_DATABASE_URL is set) holding an application
 * submitted with a deferred material, and an in-memory store of uploads.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import type { Database } from '../../store/database.ts';
import { submitApplication } from '../../usecases/submit-application.ts';
import { supplementMaterials, type SupplementDeps } from '../../usecases/supplement-materials.ts';
import { material, matter, registry, topic, topicMatter } from '../domain/fixtures.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const zhangSan: Actor = { kind: 'user', subject: '440514199001011234', name: '张三', role: 'APPLICANT' };
const liSi: Actor = { kind: 'user', subject: '440514199203054321', name: '李四', role: 'APPLICANT' };
const PHOTO_FILE = `sha256:${'a'.repeat(64)}`;
const LICENSE_FILE = `sha256:${'b'.repeat(64)}`;
const NOW = new Date('2026-06-01T02:00:00.000Z');

/** Ports over `db` where everyone uploaded every file; every application delivery is woken for is recorded. */
function ports(db: Database) {
  const woken: string[] = [];
  const deps: SupplementDeps = {
    db,
    ownedFileRefs: async (_owner, refs) => new Set(refs),
    onSubmitted: (id) => woken.push(id),
    now: () => NOW,
  };
  return { deps, woken };
}

/** An application of ZHANG_SAN to matter M1 with PHOTO handed in and LICENSE deferred (容缺). */
async function applicationWithDeferredLicense(deps: SupplementDeps): Promise<string> {
  const m1 = matter('M1', { materials: [material('PHOTO'), material('LICENSE', { tolerant: true })] });
  const { application } = await submitApplication(
    { ...deps, onSubmitted: undefined, personal: null },
    zhangSan,
    {
      topic: topic({ code: 'T-SHOP', matters: [topicMatter('M1')] }),
      matters: registry(m1),
      answers: [],
      form: [],
      uploads: [{ materialCode: 'PHOTO', fileRef: PHOTO_FILE }],
      deferredMaterials: ['LICENSE'],
      deliveryMethod: 'ONLINE',
      idempotencyKey: 'key-0001-shop',
    },
  );
  return application.id;
}

const storedSupplements = async (db: Database) =>
  (await db.query('SELECT case_id, idempotency_key, materials, status FROM supplements')).rows;

describe.each(backends.map((b) => [b.kind, b] as const))('supplementMaterials on the %s database', (_kind, backend) => {
  it('stores a deferred material handed in later for delivery and wakes delivery for the application', async () => {
    const db = await openFresh(backend);
    const { deps, woken } = ports(db);
    const id = await applicationWithDeferredLicense(deps);

    const answer = await supplementMaterials(deps, zhangSan, {
      applicationId: id,
      matterCode: 'M1',
      uploads: [{ materialCode: 'LICENSE', fileRef: LICENSE_FILE }],
      idempotencyKey: 'key-0002-license',
    });

    expect(answer.id).toBe(id);
    expect(await storedSupplements(db)).toEqual([
      { case_id: `${id}-01`, idempotency_key: 'key-0002-license', materials: [{ code: 'LICENSE', provision: 'UPLOADED', fileRef: LICENSE_FILE }], status: 'PENDING' },
    ]);
    expect(woken).toEqual([id]);
  });

  it('treats someone else’s application like one that does not exist (UNKNOWN_APPLICATION), storing nothing', async () => {
    const db = await openFresh(backend);
    const { deps, woken } = ports(db);
    const id = await applicationWithDeferredLicense(deps);

    const refused = await supplementMaterials(deps, liSi, {
      applicationId: id,
      matterCode: 'M1',
      uploads: [{ materialCode: 'LICENSE', fileRef: LICENSE_FILE }],
      idempotencyKey: 'key-0002-license',
    }).then(() => null, (e: unknown) => e);

    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`)).toEqual(['applicationId UNKNOWN_APPLICATION']);
    expect([await storedSupplements(db), woken]).toEqual([[], []]);
  });
});
