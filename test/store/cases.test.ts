import { describe, expect, it } from 'vitest';

import type { Case } from '../../connectors/approval/models.ts';
import { applyRemoteCase, findCase, loadApplicationCases, lockApplication, settleDependents } from '../../store/case-status.ts';
import {
  backoffDelayMs,
  claimDueDeliveries,
  claimDuePolls,
  claimDueSupplements,
  recordDelivered,
  recordDeliveryFailure,
  recordDeliveryRefused,
  recordSupplementFailure,
  requeueRefusedDeliveries,
  reschedulePolls,
} from '../../store/outbox.ts';
import type { Database, Queryable } from '../../store/database.ts';
import {
  START,
  SUBMITTED_AT,
  applicationUpdatedAt,
  caseRow,
  insertApplication,
  insertSupplement,
  matters,
  supplementRow,
} from '../delivery/fixtures.ts';
import { backends, openFresh, openTracked, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const at = (ms: number) => new Date(START + ms);
const claim = (ms: number, limit = 10, leaseMs = 30_000) => ({ limit, leaseMs, now: at(ms) });
const backoff = { baseMs: 1000, maxMs: 60_000 };

function remote(caseId: string, status: Case['status'], extra: Partial<Case> = {}): Case {
  return {
    caseId,
    matterCode: matters.business.code,
    applicationId: 'APP-1',
    status,
    statusReason: null,
    receivedAt: at(0).toISOString(),
    updatedAt: at(0).toISOString(),
    dueAt: at(3 * 86_400_000).toISOString(),
    decidedAt: null,
    requestedMaterials: [],
    result: null,
    ...extra,
  };
}

/** Delivers a case as the worker would. */
async function deliver(db: Queryable, caseId: string, remoteCaseId: string, ms = 0) {
  await claimDueDeliveries(db, 'w', claim(ms));
  return recordDelivered(db, caseId, remote(remoteCaseId, 'RECEIVED'), { now: at(ms), nextPollAt: at(ms + 2000) });
}

/** Applies a remote view the way applyCaseUpdate does: locked, then settled when decided. */
async function apply(db: Database, caseId: string, view: Case, ms: number) {
  return db.transaction(async (tx) => {
    const local = (await findCase(tx, caseId))!;
    await lockApplication(tx, local.applicationId);
    const updated = await applyRemoteCase(tx, local, view, { now: at(ms) });
    const settled = await settleDependents(tx, local.applicationId, { now: at(ms) });
    return { updated, settled };
  });
}

describe('backoffDelayMs', () => {
  it('draws the full jitter of an exponential delay that doubles per attempt and is capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, backoff, 0.5))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelayMs(7, backoff, 0.999)).toBe(59_940);
    expect(backoffDelayMs(10_000, backoff, 1)).toBe(60_000);
    expect(backoffDelayMs(1, backoff, 0)).toBe(0);
  });
});

describe.each(backends.map((b) => [b.kind, b] as const))('cases on the %s database', (_kind, backend) => {
  describe('delivery claims', () => {
    it('claims due QUEUED cases only, most overdue first, up to the limit, and leases them', async () => {
      const db = await openFresh(backend);
      await insertApplication(db, 'APP-1', [
        { matter: matters.business, nextAttemptAt: at(-5000) },
        { matter: matters.food, dependsOn: [matters.business.code] },
        { matter: matters.birth, nextAttemptAt: at(-10_000) },
      ]);
      await insertApplication(db, 'APP-2', [
        { matter: matters.business, nextAttemptAt: at(1000) }, // not yet due
        { matter: matters.birth, nextAttemptAt: null }, // refused earlier
      ]);

      const claimed = await claimDueDeliveries(db, 'worker-a', claim(0, 10, 30_000));

      expect(claimed.map((c) => c.id)).toEqual(['APP-1-3', 'APP-1-1']);
      expect(claimed[0]).toMatchObject({ claimedBy: 'worker-a', claimedUntil: at(30_000), status: 'QUEUED' });
      // Leased: nobody else gets them until the lease ends.
      expect(await claimDueDeliveries(db, 'worker-b', claim(29_999))).toEqual([expect.objectContaining({ id: 'APP-2-1' })]);
      expect((await claimDueDeliveries(db, 'worker-b', claim(30_001))).map((c) => c.id)).toEqual(['APP-1-3', 'APP-1-1']);
      expect(await caseRow(db, 'APP-1-1')).toMatchObject({ claimedBy: 'worker-b', claimedUntil: at(60_001) });
    });

    it('hands each due case to only one of two workers claiming at once', async () => {
      const options = await backend.place();
      const [a, b] = [await openTracked(options), await openTracked(options)];
      for (let i = 1; i <= 20; i++) await insertApplication(a, `APP-${i}`, [{ matter: matters.business }, { matter: matters.birth }]);

      const rounds = await Promise.all(
        Array.from({ length: 8 }, (_, i) => claimDueDeliveries(i % 2 ? a : b, `worker-${i}`, claim(0, 6))),
      );

      const ids = rounds.flat().map((c) => c.id);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    });

    it('records a delivery once, bumping the application; a second record of the same answer changes nothing', async () => {
      const db = await openFresh(backend);
      const [id] = await insertApplication(db, 'APP-1', [{ matter: matters.business }]);

      const recorded = await deliver(db, id!, 'R-1', 100);

      expect(recorded).toMatchObject({
        status: 'RECEIVED',
        remoteCaseId: 'R-1',
        receivedAt: at(0),
        dueAt: at(3 * 86_400_000),
        deliveredAt: at(100),
        deliveryAttempts: 1,
        nextAttemptAt: null,
        claimedBy: null,
        nextPollAt: at(2100),
        updatedAt: at(100),
      });
      expect(await applicationUpdatedAt(db, 'APP-1')).toEqual(at(100));
      expect(await recordDelivered(db, id!, remote('R-1', 'RECEIVED'), { now: at(200), nextPollAt: at(2200) })).toBeNull();
      expect(await caseRow(db, id!)).toEqual(recorded);
    });

    it('records a failure with backoff for the lease holder only, keeping the case QUEUED and the application untouched', async () => {
      const db = await openFresh(backend);
      const [id] = await insertApplication(db, 'APP-1', [{ matter: matters.business }]);
      await claimDueDeliveries(db, 'worker-a', claim(0));
      const failure = { workerId: 'worker-a', error: 'UPSTREAM_UNAVAILABLE', backoff, jitter: 1 };

      expect(await recordDeliveryFailure(db, id!, { ...failure, workerId: 'worker-b', now: at(0) })).toBeNull();
      expect(await recordDeliveryFailure(db, id!, { ...failure, now: at(0) })).toEqual(at(1000));
      await claimDueDeliveries(db, 'worker-a', claim(1000));
      expect(await recordDeliveryFailure(db, id!, { ...failure, now: at(1000), error: 'x'.repeat(5000) })).toEqual(at(3000));

      const row = await caseRow(db, id!);
      expect(row).toMatchObject({ status: 'QUEUED', deliveryAttempts: 2, nextAttemptAt: at(3000), claimedBy: null, claimedUntil: null });
      expect(row.lastError).toHaveLength(1000);
      expect(await applicationUpdatedAt(db, 'APP-1')).toEqual(SUBMITTED_AT);
    });

    it('records a refusal with the reason for the applicant, no next attempt, until requeued', async () => {
      const db = await openFresh(backend);
      const [id] = await insertApplication(db, 'APP-1', [{ matter: matters.business }]);
      await claimDueDeliveries(db, 'worker-a', claim(0));

      const refused = await recordDeliveryRefused(db, id!, { workerId: 'worker-a', now: at(10), reason: 'BAD: 不予受理', error: 'HTTP 400' });

      expect(refused).toMatchObject({ status: 'QUEUED', statusReason: 'BAD: 不予受理', lastError: 'HTTP 400', nextAttemptAt: null, claimedBy: null });
      expect(await applicationUpdatedAt(db, 'APP-1')).toEqual(at(10));
      expect(await claimDueDeliveries(db, 'worker-a', claim(3_600_000))).toEqual([]);

      expect(await requeueRefusedDeliveries(db, matters.business.department, at(20))).toBe(1);
      expect(await caseRow(db, id!)).toMatchObject({ statusReason: null, nextAttemptAt: at(20) });
    });
  });

  describe('remote status', () => {
    it('applies status, reason, requested materials and the result, stops polling once decided, and treats decided as final', async () => {
      const db = await openFresh(backend);
      const [id] = await insertApplication(db, 'APP-1', [{ matter: matters.business }]);
      await deliver(db, id!, 'R-1');

      const asked = await apply(db, id!, remote('R-1', 'SUPPLEMENT_REQUIRED', { statusReason: '请补交', requestedMaterials: ['MAT-ZLHT'], updatedAt: at(5000).toISOString() }), 5000);
      expect(asked.updated).toMatchObject({ status: 'SUPPLEMENT_REQUIRED', statusReason: '请补交', requestedMaterials: ['MAT-ZLHT'], nextPollAt: at(2000) });
      expect(await applicationUpdatedAt(db, 'APP-1')).toEqual(at(5000));

      const approved = remote('R-1', 'APPROVED', {
        decidedAt: at(6000).toISOString(),
        updatedAt: at(6000).toISOString(),
        result: { certificateId: 'EC-9', certificateNumber: 'YYZZ-9' },
      });
      expect((await apply(db, id!, approved, 6000)).updated).toMatchObject({
        status: 'APPROVED',
        statusReason: null,
        requestedMaterials: [],
        decidedAt: at(6000),
        resultCertificateId: 'EC-9',
        resultCertificateNumber: 'YYZZ-9',
        nextPollAt: null,
      });
      expect((await apply(db, id!, approved, 7000)).updated).toBeNull();
      expect((await apply(db, id!, remote('R-1', 'IN_REVIEW', { updatedAt: at(8000).toISOString() }), 8000)).updated).toBeNull();
      expect(await caseRow(db, id!)).toMatchObject({ status: 'APPROVED', updatedAt: at(6000) });
    });

    it('releases a waiting case only when all its prerequisites are APPROVED, once', async () => {
      const db = await openFresh(backend);
      const [a, b, c] = await insertApplication(db, 'APP-1', [
        { matter: matters.business },
        { matter: matters.birth },
        { matter: matters.food, dependsOn: [matters.business.code, matters.birth.code] },
      ]);
      await deliver(db, a!, 'R-A');
      await deliver(db, b!, 'R-B');
      const approve = (remoteId: string, ms: number) =>
        remote(remoteId, 'APPROVED', { decidedAt: at(ms).toISOString(), updatedAt: at(ms).toISOString(), result: { certificateId: `EC-${remoteId}`, certificateNumber: null } });

      expect((await apply(db, a!, approve('R-A', 1000), 1000)).settled).toEqual({ released: [], withdrawn: [] });
      expect(await caseRow(db, c!)).toMatchObject({ status: 'WAITING_FOR_PREREQUISITE', nextAttemptAt: null });

      expect((await apply(db, b!, approve('R-B', 2000), 2000)).settled).toEqual({ released: [matters.food.code], withdrawn: [] });
      expect(await caseRow(db, c!)).toMatchObject({ status: 'QUEUED', nextAttemptAt: at(2000), updatedAt: at(2000) });
      expect(await settleDependents(db, 'APP-1', { now: at(3000) })).toEqual({ released: [], withdrawn: [] });
      expect((await claimDueDeliveries(db, 'w', claim(2000))).map((x) => x.id)).toEqual([c]);
    });

    it('withdraws the cases waiting, directly or through another, for a REJECTED prerequisite, naming it', async () => {
      const db = await openFresh(backend);
      const [a, , c] = await insertApplication(db, 'APP-1', [
        { matter: matters.business },
        { matter: matters.food, dependsOn: [matters.business.code] },
        { matter: matters.birth, dependsOn: [matters.food.code] },
      ]);
      await deliver(db, a!, 'R-A');

      const { settled } = await apply(db, a!, remote('R-A', 'REJECTED', { statusReason: '不予许可', decidedAt: at(1000).toISOString(), updatedAt: at(1000).toISOString() }), 1000);

      expect(settled.withdrawn).toEqual([
        { matterCode: matters.food.code, rejectedPrerequisite: matters.business.code },
        { matterCode: matters.birth.code, rejectedPrerequisite: matters.business.code },
      ]);
      const cases = await loadApplicationCases(db, 'APP-1');
      expect(cases.map((x) => [x.matterCode, x.status, x.statusReason])).toEqual([
        [matters.business.code, 'REJECTED', '不予许可'],
        [matters.food.code, 'WITHDRAWN', '前置事项“营业执照核发”未获批准，本事项无法继续办理，已自动撤回'],
        [matters.birth.code, 'WITHDRAWN', '前置事项“营业执照核发”未获批准，本事项无法继续办理，已自动撤回'],
      ]);
      expect(await caseRow(db, c!)).toMatchObject({ decidedAt: at(1000), nextAttemptAt: null, nextPollAt: null });
    });
  });

  describe('poll claims', () => {
    it('leases due polls by moving next_poll_at, and reschedules only undecided cases', async () => {
      const db = await openFresh(backend);
      const [a, b] = await insertApplication(db, 'APP-1', [{ matter: matters.business }, { matter: matters.birth }]);
      await deliver(db, a!, 'R-A');
      await deliver(db, b!, 'R-B');

      expect(await claimDuePolls(db, claim(1999))).toEqual([]);
      const claimed = await claimDuePolls(db, claim(2000, 10, 30_000));
      expect(claimed.map((x) => [x.id, x.nextPollAt])).toEqual([
        [a, at(32_000)],
        [b, at(32_000)],
      ]);
      // A crashed poller's cases come due again when the lease ends.
      expect(await claimDuePolls(db, claim(31_999))).toEqual([]);
      expect(await claimDuePolls(db, claim(32_000, 1))).toHaveLength(1);

      await apply(db, b!, remote('R-B', 'WITHDRAWN', { decidedAt: at(33_000).toISOString(), updatedAt: at(33_000).toISOString() }), 33_000);
      expect(await reschedulePolls(db, [a!, b!], at(40_000))).toBe(1);
      expect((await caseRow(db, a!)).nextPollAt).toEqual(at(40_000));
      expect((await caseRow(db, b!)).nextPollAt).toBeNull();
    });
  });

  describe('supplements', () => {
    it('claims due supplements of delivered cases only, and backs off after a failure', async () => {
      const db = await openFresh(backend);
      const [a, b] = await insertApplication(db, 'APP-1', [{ matter: matters.business }, { matter: matters.birth, nextAttemptAt: null }]);
      await deliver(db, a!, 'R-A');
      const materials = [{ code: 'MAT-ZLHT', provision: 'UPLOADED' }];
      await insertSupplement(db, 'S-1', a!, 'k1', materials);
      await insertSupplement(db, 'S-2', b!, 'k2', materials);

      const claimed = await claimDueSupplements(db, 'w', claim(0));
      expect(claimed).toEqual([
        expect.objectContaining({ id: 'S-1', caseId: a, remoteCaseId: 'R-A', departmentCode: matters.business.department, materials, claimedBy: 'w' }),
      ]);
      expect(await claimDueSupplements(db, 'w2', claim(1))).toEqual([]);

      expect(await recordSupplementFailure(db, 'S-1', { workerId: 'w', now: at(0), error: 'down', backoff, jitter: 0.5 })).toEqual(at(500));
      expect(await supplementRow(db, 'S-1')).toMatchObject({ status: 'PENDING', attempts: 1, last_error: 'down', next_attempt_at: at(500) });
    });
  });
});
