/**
 * One submission becomes one application with one case per applied matter,
 * on its ports: a real database (embedded always, PostgreSQL when
 * TEST_DATABASE_URL is set), an in-memory store of the applicant's uploads
 * and in-memory look-ups that hold no records.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/actor.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import type { Database } from '../../store/database.ts';
import { submitApplication, type SubmitApplicationDeps, type SubmitApplicationRequest } from '../../usecases/submit-application.ts';
import type { PersonalLookups } from '../../usecases/personal-plan.ts';
import { field, material, matter, registry, topic, topicMatter } from '../domain/fixtures.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const ZHANG_SAN = '440514199001011234';
const zhangSan: Actor = { kind: 'user', subject: ZHANG_SAN, name: '张三', role: 'APPLICANT' };
const PHOTO_FILE = `sha256:${'a'.repeat(64)}`;
const NOW = new Date('2026-06-01T02:00:00.000Z');

const birth = matter('M1', { materials: [material('PHOTO')], form: [field('child.name', { required: true })] });
const insurance = matter('M2', { materials: [material('PHOTO'), material('LICENSE', { tolerant: true })], committedDays: 3 });

const request: SubmitApplicationRequest = {
  topic: topic({ code: 'T-BIRTH', matters: [topicMatter('M1'), topicMatter('M2')] }),
  matters: registry(birth, insurance),
  answers: [],
  form: [{ key: 'child.name', value: '张小明' }],
  uploads: [{ materialCode: 'PHOTO', fileRef: PHOTO_FILE }],
  deferredMaterials: ['LICENSE'],
  deliveryMethod: 'ONLINE',
  idempotencyKey: 'key-0001-birth',
};

/** Look-ups of a library and a data center that hold nothing for anyone. */
const nothingHeld: PersonalLookups = {
  certificates: { byHolder: { load: async () => [] } },
  dataCenter: { person: { load: async () => null }, enterprise: { load: async () => null }, available: { load: async () => false } },
};

/** Ports over `db` where the applicant uploaded `uploaded`; every application delivery is woken for is recorded. */
function ports(db: Database, uploaded: string[] = [PHOTO_FILE]) {
  const woken: string[] = [];
  const deps: SubmitApplicationDeps = {
    db,
    ownedFileRefs: async (_owner, refs) => new Set(refs.filter((r) => uploaded.includes(r))),
    onSubmitted: (id) => woken.push(id),
    now: () => NOW,
    personal: nothingHeld,
    today: () => '2026-06-01',
  };
  return { deps, woken };
}

const problemsOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`);
};

const countOf = async (db: Database, table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

/** The case as submission stores it: queued for delivery now, nothing heard from the department yet. */
const queued = (applicationId: string, n: number, matterCode: string, formFields: string[]) => ({
  id: `${applicationId}-0${n}`,
  applicationId,
  position: n - 1,
  matterCode,
  matterName: `matter ${matterCode}`,
  departmentCode: `DEPT-${matterCode}`,
  dependsOn: [],
  resultCertificateType: null,
  formFields,
  status: 'QUEUED',
  statusReason: null,
  remoteCaseId: null,
  receivedAt: null,
  dueAt: null,
  decidedAt: null,
  requestedMaterials: [],
  resultCertificateId: null,
  resultCertificateNumber: null,
  deliveryAttempts: 0,
  nextAttemptAt: NOW,
  lastError: null,
  claimedBy: null,
  claimedUntil: null,
  deliveredAt: null,
  nextPollAt: null,
  remoteUpdatedAt: null,
  updatedAt: NOW,
  warningLevel: 'NONE',
});

describe.each(backends.map((b) => [b.kind, b] as const))('submitApplication on the %s database', (_kind, backend) => {
  it('accepts an application with one case per applied matter and wakes delivery for it', async () => {
    const db = await openFresh(backend);
    const { deps, woken } = ports(db);

    const result = await submitApplication(deps, zhangSan, request);

    const id = result.application.id;
    expect(id).toMatch(/^OT20260601[0-9A-Z]{10}$/);
    expect(result).toEqual({
      application: {
        id,
        applicant: ZHANG_SAN,
        applicantKind: 'PERSON',
        applicantName: '张三',
        topicCode: 'T-BIRTH',
        topicName: '新生儿出生一件事',
        topicVersion: 1,
        region: '440514',
        answers: {},
        form: { 'child.name': '张小明' },
        deliveryMethod: 'ONLINE',
        channel: 'PC',
        idempotencyKey: 'key-0001-birth',
        requestFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        materialsBefore: 3,
        materialsToSubmit: 2,
        legalDaysTotal: 40,
        committedDays: 5,
        submittedAt: NOW,
        updatedAt: NOW,
      },
      created: true,
      cases: [queued(id, 1, 'M1', ['child.name']), queued(id, 2, 'M2', [])],
    });
    expect(woken).toEqual([id]);
  });

  it('reports every problem of a bad submission at once (a missing field, a file not uploaded, a material that cannot be deferred, one not handed in) and stores nothing', async () => {
    const db = await openFresh(backend);
    const { deps, woken } = ports(db, []);

    const problems = await problemsOf(
      submitApplication(deps, zhangSan, { ...request, form: [], deferredMaterials: ['PHOTO'] }),
    );

    expect(problems).toEqual([
      'form.child.name REQUIRED',
      'materials.PHOTO FILE_NOT_FOUND',
      'materials.PHOTO NOT_TOLERANT',
      'materials.PHOTO UPLOADED_AND_DEFERRED',
      'materials.LICENSE MISSING_MATERIAL',
    ]);
    expect([await countOf(db, 'applications'), await countOf(db, 'cases'), woken]).toEqual([0, 0, []]);
  });

  it('answers the same idempotency key and payload with the same application, creating nothing new', async () => {
    const db = await openFresh(backend);
    const { deps, woken } = ports(db);
    const first = await submitApplication(deps, zhangSan, request);

    const again = await submitApplication(deps, zhangSan, request);

    expect(again).toEqual({ application: first.application, created: false });
    expect([await countOf(db, 'applications'), await countOf(db, 'cases'), woken]).toEqual([1, 2, [first.application.id]]);
  });

  it('refuses the same idempotency key with another payload (IDEMPOTENCY_KEY_REUSED), creating nothing new', async () => {
    const db = await openFresh(backend);
    const { deps } = ports(db);
    await submitApplication(deps, zhangSan, request);

    const refused = await submitApplication(deps, zhangSan, { ...request, deliveryMethod: 'POST' }).then(() => null, (e: unknown) => e);

    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).code).toBe('BAD_USER_INPUT');
    expect((refused as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`)).toEqual(['idempotencyKey IDEMPOTENCY_KEY_REUSED']);
    expect(await countOf(db, 'applications')).toBe(1);
  });

  it('makes an application made with window staff (assistedBy) a WINDOW application, whatever channel the client names', async () => {
    const db = await openFresh(backend);
    await db.query(
      `INSERT INTO assistance_sessions (id, staff_id, hall, subject, subject_name, topic_code, consent, started_at, expires_at)
       VALUES ('S-1', 'W0012', 'CN-HALL-01', $1, '张三', 'T-BIRTH', 'IN_PERSON', $2, $3)`,
      [ZHANG_SAN, NOW, new Date(NOW.getTime() + 3_600_000)],
    );
    const assisted: Actor = {
      ...zhangSan,
      assistedBy: { sessionId: 'S-1', staffId: 'W0012', hall: 'CN-HALL-01', consent: 'IN_PERSON', topicCode: 'T-BIRTH' },
    };
    const { deps } = ports(db);

    const result = await submitApplication(deps, assisted, { ...request, channel: 'MOBILE' });

    expect(result.application.channel).toBe('WINDOW');
    expect((await db.query('SELECT action, ref FROM assisted_actions')).rows).toEqual([{ action: 'SUBMISSION', ref: result.application.id }]);
  });
});
