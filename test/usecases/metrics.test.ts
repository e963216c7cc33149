/**
 * assessmentMetrics end to end: the sandbox's registry and rating system
 * (the demo data plus a small fictional region 440599 whose figures are
 * worked out by hand below), and a real database with SQL fixtures.
 *
 * Region 440599, period [2026-04-01T00:00+08:00, 2026-05-01T00:00+08:00):
 *
 * Topics
 * - TA 我要开甲店, PUBLISHED, clean. Widest situation: M-A1 needs X1, X2
 *   (X2 GOVERNMENT_ISSUED), M-A2 needs X1, X3 → materialsBefore 2 + 2 = 4,
 *   to submit X1, X3 = 2 → reduction 1 − 2/4 = 0.5; legal 20 + 10 = 30,
 *   committed max(5, 3) = 5 (no dependsOn) → compression 1 − 5/30 = 5/6.
 * - TB 乙事项办理, PUBLISHED: name not standard, no guide URL, M-B1 at depth
 *   2, no online URL. No material → reduction null; 1 − 10/10 = 0.
 * - TC 丙一件事, DRAFT: not counted, not listed; its ratings still count.
 *
 * Applications (P4 at `to` exactly, P5 before `from`, P6 in 440514: out)
 * - P1 TA: 1 − 2/4 = 0.5, 1 − 5/30 = 5/6
 * - P2 TA: 1 − 1/2 = 0.5, 1 − 5/20 = 0.75
 * - P3 TB: materialsBefore 0 (skipped), 1 − 10/10 = 0
 *   → averages 0.5 and (5/6 + 0.75 + 0) / 3 = 19/36.
 *
 * Cases, now = 2026-05-10T00:00Z
 * - P1 D-A APPROVED due 04-10, decided 04-08: on time
 * - P1 D-B APPROVED due 04-10, decided 04-12: late (overdue)
 * - P2 D-A IN_REVIEW due 05-05: undecided, overdue now
 * - P2 D-B QUEUED, no dueAt: neither
 * - P3 D-B REJECTED due and decided 04-20T00:00Z: on time
 *   → period 2/3; TA 1/2; TB 1/1.
 *   → D-A: 2 cases, 1 overdue, on time 1/1; D-B: 3 cases, 1 overdue, 1/2.
 *
 * Ratings in the period: TA 5, 2, 3; TB 1; TC 4 (TA 5 at `to`, TA 1
 * before `from` and 440514's demo ratings are out) → 3 good of 5 = 0.6;
 * TA 2/3, TB 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationClient } from '../../connectors/evaluation/client.ts';
import { CachedMatterRegistry } from '../../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../../connectors/matter-registry/client.ts';
import type { Matter, Topic } from '../../connectors/matter-registry/models.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import { loadSandboxData, startSandbox, type Sandbox, type StoredEvaluation } from '../../sandbox/index.ts';
import { openDatabase, type Database } from '../../store/database.ts';
import { saveRun } from '../../store/guide-checks.ts';
import { assessmentMetrics, type MetricsDeps } from '../../usecases/metrics.ts';
import { insertApplication, insertCase } from './fixtures.ts';

const REGION = '440599';
const FROM = new Date('2026-04-01T00:00:00+08:00');
const TO = new Date('2026-05-01T00:00:00+08:00');
const NOW = new Date('2026-05-10T00:00:00Z');
const APPLICANT = '440599198805051234';

const matter = (code: string, extra: Partial<Matter>): Matter => ({
  code,
  name: `事项${code}`,
  type: 'PUBLIC_SERVICE',
  department: 'SCJGJ-440514',
  legalDays: 10,
  committedDays: 5,
  onlineDepth: 4,
  visitsRequired: 0,
  materials: [],
  form: [],
  ...extra,
});
const applicantMaterial = (code: string) => ({ code, name: `材料${code}`, sourceChannel: 'APPLICANT' as const, required: true, tolerant: false });

const topic = (code: string, name: string, extra: Partial<Topic>): Topic => ({
  code,
  name,
  region: REGION,
  leadDepartment: 'SCJGJ-440514',
  status: 'PUBLISHED',
  updatedAt: '2026-01-01T00:00:00+08:00',
  version: 1,
  description: '',
  committedDays: null,
  guideUrl: `/portal/guides/${code}`,
  onlineUrl: `/portal/online/${code}`,
  questions: [{ id: 'q', text: '是否？', type: 'BOOLEAN', required: true }],
  matters: [],
  ...extra,
});

const rating = (id: string, topicCode: string, grade: number, createdAt: string): StoredEvaluation => ({
  id,
  applicationId: `APP-${id}`,
  topicCode,
  channel: 'PC',
  grade,
  comment: grade <= 2 ? '不满意' : null,
  createdAt,
  evaluatorId: APPLICANT,
});

let sandbox: Sandbox;
let db: Database;
let registryClient: MatterRegistryClient;
let evaluation: EvaluationClient;
let deps: MetricsDeps;

beforeAll(async () => {
  const data = await loadSandboxData();
  data.matters.push(
    matter('M-A1', { legalDays: 20, committedDays: 5, materials: [applicantMaterial('X1'), { ...applicantMaterial('X2'), sourceChannel: 'GOVERNMENT_ISSUED' }] }),
    matter('M-A2', { legalDays: 10, committedDays: 3, onlineDepth: 3, materials: [applicantMaterial('X1'), applicantMaterial('X3')] }),
    matter('M-B1', { legalDays: 10, committedDays: 10, onlineDepth: 2 }),
  );
  data.topics.push(
    topic('TA', '我要开甲店', { matters: [{ matterCode: 'M-A1' }, { matterCode: 'M-A2' }] }),
    topic('TB', '乙事项办理', { guideUrl: null, onlineUrl: null, matters: [{ matterCode: 'M-B1' }] }),
    topic('TC', '丙一件事', { status: 'DRAFT', matters: [{ matterCode: 'M-B1' }] }),
  );
  data.evaluations.push(
    rating('R1', 'TA', 5, '2026-04-03T10:00:00+08:00'),
    rating('R2', 'TA', 2, '2026-04-15T10:00:00+08:00'),
    rating('R3', 'TA', 3, '2026-04-30T23:59:59+08:00'),
    rating('R4', 'TB', 1, '2026-04-20T10:00:00+08:00'),
    rating('R5', 'TC', 4, '2026-04-21T10:00:00+08:00'),
    rating('R6', 'TA', 5, '2026-05-01T00:00:00+08:00'), // at `to`: out
    rating('R7', 'TA', 1, '2026-03-31T23:00:00+08:00'), // before `from`: out
  );
  [sandbox, db] = await Promise.all([startSandbox({ data }), openDatabase({ dataDir: 'memory://' })]);
  registryClient = new MatterRegistryClient({ baseUrl: sandbox.urls.matterRegistry });
  evaluation = new EvaluationClient({ baseUrl: sandbox.urls.evaluation, token: sandbox.tokens.evaluation });
  deps = { registry: new CachedMatterRegistry(registryClient), db, evaluation, now: () => NOW };

  const app = (id: string, topicCode: string, submittedAt: string, plan: [number, number, number, number], region = REGION) =>
    insertApplication(db, {
      id,
      applicant: APPLICANT,
      applicantName: '王五',
      topicCode,
      region,
      materialsBefore: plan[0],
      materialsToSubmit: plan[1],
      legalDaysTotal: plan[2],
      committedDays: plan[3],
      submittedAt,
    });
  await app('P1', 'TA', '2026-04-02T09:00:00+08:00', [4, 2, 30, 5]);
  await app('P2', 'TA', '2026-04-30T23:59:00+08:00', [2, 1, 20, 5]);
  await app('P3', 'TB', '2026-04-10T09:00:00+08:00', [0, 0, 10, 10]);
  await app('P4', 'TA', '2026-05-01T00:00:00+08:00', [4, 0, 30, 1]);
  await app('P5', 'TA', '2026-03-31T23:59:00+08:00', [4, 0, 30, 1]);
  await app('P6', 'CN-YJS-XSECS', '2026-04-05T09:00:00+08:00', [4, 0, 30, 1], '440514');
  await insertCase(db, { applicationId: 'P1', matterCode: 'M-A1', departmentCode: 'D-A', status: 'APPROVED', dueAt: '2026-04-10T00:00:00Z', decidedAt: '2026-04-08T00:00:00Z' });
  await insertCase(db, { applicationId: 'P1', matterCode: 'M-A2', departmentCode: 'D-B', status: 'APPROVED', dueAt: '2026-04-10T00:00:00Z', decidedAt: '2026-04-12T00:00:00Z' });
  await insertCase(db, { applicationId: 'P2', matterCode: 'M-A1', departmentCode: 'D-A', status: 'IN_REVIEW', dueAt: '2026-05-05T00:00:00Z' });
  await insertCase(db, { applicationId: 'P2', matterCode: 'M-A2', departmentCode: 'D-B', status: 'QUEUED' });
  await insertCase(db, { applicationId: 'P3', matterCode: 'M-B1', departmentCode: 'D-B', status: 'REJECTED', dueAt: '2026-04-20T00:00:00Z', decidedAt: '2026-04-20T00:00:00Z' });
  await insertCase(db, { applicationId: 'P4', matterCode: 'M-A1', departmentCode: 'D-A', status: 'APPROVED', dueAt: '2026-05-02T00:00:00Z', decidedAt: '2026-05-09T00:00:00Z' });
  await insertCase(db, { applicationId: 'P6', matterCode: '440514-WJ-GG-0001', departmentCode: 'WJJ-440514', status: 'IN_REVIEW', dueAt: '2026-04-06T00:00:00Z' });
});
afterAll(async () => {
  await registryClient?.close();
  await evaluation?.close();
  await db?.close();
  await sandbox?.close();
});

describe('assessmentMetrics', () => {
  it('computes the period’s figures of a region from its applications, cases and the rating system', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: FROM, to: TO });

    expect(m.topicCount).toBe(2);
    expect(m.guidableRate).toBe(0.5);
    expect(m.onlineProcessableRate).toBe(0.5);
    expect(m.applications).toBe(3);
    expect(m.onTimeRate).toBeCloseTo(2 / 3, 12);
    expect(m.goodRatingRate).toBeCloseTo(0.6, 12);
    expect(m.averageMaterialReduction).toBeCloseTo(0.5, 12);
    expect(m.averageTimeCompression).toBeCloseTo(19 / 36, 12);
  });

  it('assesses each published topic of the region: readiness, widest situation, applications, on-time rate and ratings', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: FROM, to: TO });

    expect(m.topics).toEqual([
      {
        topicCode: 'TA',
        topicName: '我要开甲店',
        guidable: true,
        onlineProcessable: true,
        problems: [],
        materialReduction: 0.5,
        timeCompression: expect.closeTo(5 / 6, 12),
        applications: 2,
        onTimeRate: 0.5,
        ratings: [
          { grade: 1, count: 0 },
          { grade: 2, count: 1 },
          { grade: 3, count: 1 },
          { grade: 4, count: 0 },
          { grade: 5, count: 1 },
        ],
        goodRatingRate: expect.closeTo(2 / 3, 12),
      },
      {
        topicCode: 'TB',
        topicName: '乙事项办理',
        guidable: false,
        onlineProcessable: false,
        problems: ['NAME_NOT_STANDARD', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE', 'NO_ONLINE_URL'],
        materialReduction: null,
        timeCompression: 0,
        applications: 1,
        onTimeRate: 1,
        ratings: [
          { grade: 1, count: 1 },
          { grade: 2, count: 0 },
          { grade: 3, count: 0 },
          { grade: 4, count: 0 },
          { grade: 5, count: 0 },
        ],
        goodRatingRate: 0,
      },
    ]);
  });

  it('counts each department’s cases of the period, those overdue now, and its on-time rate', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: FROM, to: TO });

    expect(m.departments).toEqual([
      { departmentCode: 'D-A', cases: 2, overdueCases: 1, onTimeRate: 1 },
      { departmentCode: 'D-B', cases: 3, overdueCases: 1, onTimeRate: 0.5 },
    ]);
  });

  it('never puts personal data in the result', async () => {
    const text = JSON.stringify(await assessmentMetrics(deps, { region: null, from: FROM, to: TO }));

    expect(text).not.toContain(APPLICANT);
    expect(text).not.toContain('王五');
    expect(text).not.toMatch(/"P[1-6]"|APP-R/);
  });

  it('takes the reachability of online addresses from the latest guide check of the address the topic has now', async () => {
    const isolated = await openDatabase({ dataDir: 'memory://' });
    try {
      const finding = (topicCode: string, onlineUrl: string, reachable: boolean) => ({
        topicCode,
        topicName: topicCode,
        leadDepartment: 'SCJGJ-440514',
        region: REGION,
        status: 'PUBLISHED',
        guidable: true,
        onlineProcessable: reachable,
        problems: reachable ? [] : ['ONLINE_URL_UNREACHABLE'],
        details: {},
        onlineUrl,
        onlineUrlReachable: reachable,
        onlineUrlStatus: reachable ? 200 : null,
        onlineUrlLatencyMs: 5,
        checkedAt: new Date('2026-05-09T00:00:00Z'),
      });
      await saveRun(isolated, {
        startedAt: new Date('2026-05-09T00:00:00Z'),
        finishedAt: new Date('2026-05-09T00:00:01Z'),
        region: REGION,
        findings: [finding('TA', `${sandbox.urls.matterRegistry}/portal/online/TA`, false)],
      });

      const m = await assessmentMetrics({ ...deps, db: isolated }, { region: REGION, from: FROM, to: TO });

      expect(m.topics[0]).toMatchObject({ topicCode: 'TA', guidable: true, onlineProcessable: false, problems: ['ONLINE_URL_UNREACHABLE'] });
      expect(m.onlineProcessableRate).toBe(0);
      expect(m.guidableRate).toBe(0.5);

      // The address changed since that check: the old finding no longer counts.
      await saveRun(isolated, {
        startedAt: new Date('2026-05-09T01:00:00Z'),
        finishedAt: new Date('2026-05-09T01:00:01Z'),
        region: REGION,
        findings: [{ ...finding('TA', 'https://old.example/TA', false), checkedAt: new Date('2026-05-09T01:00:00Z') }],
      });
      const again = await assessmentMetrics({ ...deps, db: isolated }, { region: REGION, from: FROM, to: TO });
      expect(again.topics[0]).toMatchObject({ onlineProcessable: true, problems: [] });
    } finally {
      await isolated.close();
    }
  });

  it('gives zero counts and null rates for a period without applications or ratings', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: new Date('2025-01-01T00:00:00+08:00'), to: new Date('2025-02-01T00:00:00+08:00') });

    expect(m).toMatchObject({
      topicCount: 2,
      applications: 0,
      onTimeRate: null,
      goodRatingRate: null,
      averageMaterialReduction: null,
      averageTimeCompression: null,
      departments: [],
    });
    for (const t of m.topics) {
      expect(t).toMatchObject({ applications: 0, onTimeRate: null, goodRatingRate: null });
      expect(t.ratings.map((r) => r.count)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('puts each application and its cases in its China-time month: 00:00 on May 1st in China is May, though still April 30th in UTC', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: FROM, to: new Date('2026-06-01T00:00:00+08:00') });

    // April: P1, P2 (23:59 on the 30th) and P3, on time 2 of 3 decided; May: P4, decided late.
    expect(m.monthly!.map((month) => [month.month, month.applications, month.onTimeRate])).toEqual([
      ['2026-04', 3, 2 / 3],
      ['2026-05', 1, 0],
    ]);
  });

  it('counts a period of more than ten years as a whole, with no monthly series', async () => {
    const m = await assessmentMetrics(deps, { region: REGION, from: new Date('2016-01-01T00:00:00+08:00'), to: new Date('2027-01-01T00:00:00+08:00') });

    // P1 to P5, the one before and the one at the end of April included; P4 decided late, P1's D-B late.
    expect(m.monthly).toBeNull();
    expect(m.applications).toBe(5);
    expect(m.departments).toEqual([
      { departmentCode: 'D-A', cases: 3, overdueCases: 2, onTimeRate: 0.5 },
      { departmentCode: 'D-B', cases: 3, overdueCases: 1, onTimeRate: 0.5 },
    ]);
  });

  it('covers every region when none is given', async () => {
    const m = await assessmentMetrics(deps, { region: '  ', from: FROM, to: TO });

    // The demo data's 11 published topics plus TA and TB; P1, P2, P3 and P6 (440514).
    expect(m.topicCount).toBe(13);
    expect(m.applications).toBe(4);
    expect(m.departments.map((d) => d.departmentCode)).toEqual(['D-A', 'D-B', 'WJJ-440514']);
  });

  it('refuses a period whose end is not after its start', async () => {
    const error = await assessmentMetrics(deps, { region: REGION, from: TO, to: FROM }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([expect.objectContaining({ field: 'to', code: 'EMPTY_PERIOD' })]);
  });
});
