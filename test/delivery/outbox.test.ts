import { describe, expect, it, vi } from 'vitest';

import { DeliveryWorker, deliveryKey, type DeliveryWorkerOptions } from '../../delivery/outbox.ts';
import { StatusPoller } from '../../delivery/poller.ts';
import { claimDueDeliveries } from '../../store/outbox.ts';
import type { Database } from '../../store/database.ts';
import { backends, openTracked, postgresSkipped } from '../store/backends.ts';
import {
  POLICE,
  START,
  STEP_MS,
  applicationUpdatedAt,
  caseRow,
  insertApplication,
  insertSupplement,
  matters,
  payloadOf,
  startDeliveryEnv,
  supplementRow,
  type DeliveryEnv,
} from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const worker = (env: DeliveryEnv, options: DeliveryWorkerOptions = {}, db: Database = env.db) =>
  new DeliveryWorker(
    { db, directory: env.directory, clients: env.clients },
    { now: env.clock.now, random: () => 0.5, ...options },
  );

const poller = (env: DeliveryEnv) => new StatusPoller({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now });

describe.each(backends.map((b) => [b.kind, b] as const))('the delivery worker on the %s database', (_kind, backend) => {
  it('sends a queued case once, with Idempotency-Key <applicationId>:<matterCode> and the stored payload', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);

    const summary = await worker(env).runOnce();

    expect(summary.cases).toEqual({ delivered: 1, failed: 0, refused: 0, skipped: 0 });
    const posts = env.casePosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['idempotency-key']).toBe(`APP-1:${matters.business.code}`);
    expect(posts[0]!.headers.authorization).toBe(`Bearer ${env.endpoint(matters.business.department).token}`);
    expect(posts[0]!.body).toEqual({ ...payloadOf('APP-1', { matter: matters.business }), prerequisiteResults: [] });
    expect(posts[0]!.status).toBe(201);

    const row = await caseRow(env.db, caseId!);
    expect(row).toMatchObject({
      status: 'RECEIVED',
      statusReason: null,
      remoteCaseId: expect.stringMatching(/^SCJGJ-440514-20250303-[0-9A-F]{8}$/),
      receivedAt: new Date(START),
      dueAt: new Date(START + 3 * 24 * 3600_000),
      deliveryAttempts: 1,
      nextAttemptAt: null,
      lastError: null,
      claimedBy: null,
      claimedUntil: null,
      deliveredAt: new Date(START),
      nextPollAt: new Date(START + 2000),
    });
    expect(await applicationUpdatedAt(env.db, 'APP-1')).toEqual(new Date(START));

    // Nothing is due any more: a second run sends nothing.
    env.clock.advance(60_000);
    expect((await worker(env).runOnce()).cases.delivered).toBe(0);
    expect(env.casePosts()).toHaveLength(1);
  });

  it('keeps a case queued while its department is down, retrying with backoff, and delivers it exactly once when it is back', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    const w = worker(env, { backoffBaseMs: 1000, backoffMaxMs: 60_000 });
    env.sandbox.faults.set(matters.business.department, { kind: 'down' });

    expect((await w.runOnce()).cases.failed).toBe(1);
    const failed = await caseRow(env.db, caseId!);
    expect(failed).toMatchObject({ status: 'QUEUED', deliveryAttempts: 1, claimedBy: null, remoteCaseId: null, statusReason: null });
    // Full jitter (0.5 here) of the first delay's cap, 1000 ms.
    expect(failed.nextAttemptAt).toEqual(new Date(START + 500));
    expect(failed.lastError).toBe(`UPSTREAM_UNAVAILABLE: approval:${matters.business.department} is unavailable (HTTP 503)`);
    // A POST is never retried inside the client: one call per attempt.
    expect(env.casePosts()).toHaveLength(1);

    // Not due yet: nothing is sent.
    expect((await w.runOnce()).cases.failed).toBe(0);
    expect(env.casePosts()).toHaveLength(1);

    env.clock.advance(500);
    expect((await w.runOnce()).cases.failed).toBe(1);
    expect((await caseRow(env.db, caseId!)).nextAttemptAt).toEqual(new Date(START + 500 + 1000)); // 0.5 × 2000

    env.sandbox.faults.set(matters.business.department, null);
    env.clock.advance(1000);
    expect((await w.runOnce()).cases.delivered).toBe(1);

    expect(env.casePosts().map((c) => c.status)).toEqual([503, 503, 201]);
    expect(new Set(env.casePosts().map((c) => c.headers['idempotency-key']))).toEqual(new Set([`APP-1:${matters.business.code}`]));
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'RECEIVED', deliveryAttempts: 3, lastError: null });
  });

  it("shows the department's reason for a 422 to the applicant and does not retry it", async () => {
    const env = await startDeliveryEnv(backend);
    // The health department does not handle the business licence.
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business, departmentCode: matters.birth.department }]);

    expect((await worker(env).runOnce()).cases.refused).toBe(1);

    const row = await caseRow(env.db, caseId!);
    expect(row).toMatchObject({ status: 'QUEUED', nextAttemptAt: null, claimedBy: null, deliveryAttempts: 1, remoteCaseId: null });
    expect(row.statusReason).toBe(
      `MATTER_NOT_HANDLED: ${matters.birth.department} does not handle matter ${matters.business.code}`,
    );
    expect(row.lastError).toBe(`UPSTREAM_REJECTED approval:${matters.birth.department} HTTP 422 MATTER_NOT_HANDLED`);
    expect(await applicationUpdatedAt(env.db, 'APP-1')).toEqual(new Date(START));

    env.clock.advance(3600_000);
    await worker(env).runOnce();
    expect(env.casePosts()).toHaveLength(1);
  });

  it('retries later a case whose department has no approval system registered', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business, departmentCode: POLICE }]);

    expect((await worker(env).runOnce()).cases.failed).toBe(1);

    expect(await caseRow(env.db, caseId!)).toMatchObject({
      status: 'QUEUED',
      statusReason: null,
      lastError: `no approval system registered for ${POLICE}`,
      nextAttemptAt: new Date(START + 500),
      deliveryAttempts: 1,
    });
    expect(env.calls).toHaveLength(0);
  });

  it("holds a dependent case back until its prerequisite is APPROVED, then sends it with the prerequisite's result certificate", async () => {
    const env = await startDeliveryEnv(backend);
    const [licenceId, foodId] = await insertApplication(env.db, 'APP-1', [
      { matter: matters.business },
      { matter: matters.food, dependsOn: [matters.business.code] },
    ]);
    const w = worker(env);

    await w.runOnce();
    expect(env.casePosts().map((c) => c.headers['idempotency-key'])).toEqual([`APP-1:${matters.business.code}`]);
    expect(await caseRow(env.db, foodId!)).toMatchObject({ status: 'WAITING_FOR_PREREQUISITE', nextAttemptAt: null });

    // The licence goes RECEIVED → ACCEPTED → IN_REVIEW → APPROVED, one step each.
    env.clock.advance(3 * STEP_MS);
    const polled = await poller(env).runOnce();
    expect(polled.released).toEqual({ 'APP-1': [matters.food.code] });
    const licence = await caseRow(env.db, licenceId!);
    expect(licence).toMatchObject({ status: 'APPROVED', resultCertificateId: expect.stringMatching(/^EC-/), nextPollAt: null });
    expect(await caseRow(env.db, foodId!)).toMatchObject({ status: 'QUEUED', nextAttemptAt: new Date(START + 3 * STEP_MS) });

    await w.runOnce();
    const foodPost = env.casePosts(`APP-1:${matters.food.code}`);
    expect(foodPost).toHaveLength(1);
    expect(foodPost[0]!.body).toEqual({
      ...payloadOf('APP-1', { matter: matters.food }),
      prerequisiteResults: [{ matterCode: matters.business.code, certificateId: licence.resultCertificateId }],
    });
    expect(await caseRow(env.db, foodId!)).toMatchObject({ status: 'RECEIVED', remoteCaseId: expect.any(String) });
  });

  it('withdraws a dependent case, naming the prerequisite, when the prerequisite is rejected', async () => {
    const env = await startDeliveryEnv(backend);
    const [licenceId, foodId] = await insertApplication(env.db, 'APP-1', [
      // The department refuses premises under 10 m².
      { matter: matters.business, form: { 'business.areaSqm': 5 } },
      { matter: matters.food, dependsOn: [matters.business.code] },
    ]);
    await worker(env).runOnce();

    env.clock.advance(3 * STEP_MS);
    await poller(env).runOnce();

    expect(await caseRow(env.db, licenceId!)).toMatchObject({ status: 'REJECTED', statusReason: expect.stringContaining('不予许可') });
    expect(await caseRow(env.db, foodId!)).toMatchObject({
      status: 'WITHDRAWN',
      statusReason: '前置事项“营业执照核发”未获批准，本事项无法继续办理，已自动撤回',
      decidedAt: new Date(START + 3 * STEP_MS),
      nextAttemptAt: null,
      nextPollAt: null,
    });
    env.clock.advance(60_000);
    await worker(env).runOnce();
    expect(env.casePosts(`APP-1:${matters.food.code}`)).toHaveLength(0);
  });

  it('lets the next worker re-send, with the same key, a case whose worker died mid-delivery: one case in the department', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId, foodId] = await insertApplication(env.db, 'APP-1', [
      { matter: matters.business },
      { matter: matters.food, dependsOn: [matters.business.code] },
    ]);
    const leaseMs = 30_000;

    // Worker A claims the case, posts it, and dies before recording the answer.
    const claimed = await claimDueDeliveries(env.db, 'worker-a', { limit: 10, leaseMs, now: new Date(START) });
    expect(claimed.map((c) => c.id)).toEqual([caseId]);
    const sent = await env.clients.for(env.endpoint(matters.business.department)).createCase(
      payloadOf('APP-1', { matter: matters.business }) as never,
      deliveryKey(claimed[0]!),
    );
    expect(sent.created).toBe(true);

    // While A's lease runs, B leaves the case alone.
    const b = worker(env, { workerId: 'worker-b', leaseMs });
    env.clock.advance(leaseMs - 1);
    expect((await b.runOnce()).cases.delivered).toBe(0);

    env.clock.advance(2);
    expect((await b.runOnce()).cases.delivered).toBe(1);

    expect(env.casePosts().map((c) => [c.headers['idempotency-key'], c.status])).toEqual([
      [`APP-1:${matters.business.code}`, 201],
      [`APP-1:${matters.business.code}`, 200],
    ]);
    // The department decided meanwhile: the late record of the delivery releases the dependent case too.
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'APPROVED', remoteCaseId: sent.case.caseId, claimedBy: null });
    expect(await caseRow(env.db, foodId!)).toMatchObject({ status: 'QUEUED', nextAttemptAt: new Date(START + leaseMs + 1) });
  });

  it('delivers every case exactly once when two workers race on one database', async () => {
    const options = await backend.place();
    const [dbA, dbB] = [await openTracked(options), await openTracked(options)];
    const env = await startDeliveryEnv(backend, { db: dbA });
    const keys: string[] = [];
    for (let i = 1; i <= 12; i++) {
      await insertApplication(dbA, `APP-${i}`, [{ matter: matters.business }, { matter: matters.birth }]);
      keys.push(`APP-${i}:${matters.business.code}`, `APP-${i}:${matters.birth.code}`);
    }
    const a = worker(env, { workerId: 'worker-a', batchSize: 3, concurrency: 3 }, dbA);
    const b = worker(env, { workerId: 'worker-b', batchSize: 3, concurrency: 3 }, dbB);

    const drain = async (w: DeliveryWorker) => {
      let delivered = 0;
      for (;;) {
        const { cases } = await w.runOnce();
        delivered += cases.delivered;
        if (cases.delivered + cases.failed + cases.refused + cases.skipped === 0) return delivered;
      }
    };
    const [byA, byB] = await Promise.all([drain(a), drain(b)]);

    expect(byA + byB).toBe(keys.length);
    if (backend.kind === 'postgres') expect(Math.min(byA, byB)).toBeGreaterThan(0);
    expect(env.casePosts().map((c) => c.headers['idempotency-key']).sort()).toEqual([...keys].sort());
    expect(env.casePosts().every((c) => c.status === 201)).toBe(true);
    const { rows } = await dbA.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cases WHERE status = 'RECEIVED' AND remote_case_id IS NOT NULL AND delivery_attempts = 1`,
    );
    expect(rows[0]!.n).toBe(keys.length);
  });

  it('delivers a supplement with its own Idempotency-Key, applies the answer, and records a 409 as REFUSED with the reason', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [
      {
        matter: matters.business,
        materials: [
          { code: 'MAT-SFZ', provision: 'GOVERNMENT_ISSUED' },
          { code: 'MAT-ZLHT', provision: 'DEFERRED' },
        ],
      },
    ]);
    const w = worker(env);
    await w.runOnce();
    env.clock.advance(3 * STEP_MS);
    await poller(env).runOnce();
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'SUPPLEMENT_REQUIRED', requestedMaterials: ['MAT-ZLHT'] });

    const lease = [{ code: 'MAT-ZLHT', provision: 'UPLOADED', fileRef: `sha256:${'ab'.repeat(32)}` }];
    await insertSupplement(env.db, 'SUP-1', caseId!, 'SUP-1-key', lease);
    // The department's answer must be later than the request it answers (updatedAt orders its views).
    env.clock.advance(1);
    expect((await w.runOnce()).supplements.delivered).toBe(1);

    const supplementPosts = env.calls.filter((c) => c.path.endsWith('/supplements'));
    expect(supplementPosts).toHaveLength(1);
    expect(supplementPosts[0]!.headers['idempotency-key']).toBe('SUP-1-key');
    expect(supplementPosts[0]!.body).toEqual({ materials: lease });
    expect(await supplementRow(env.db, 'SUP-1')).toMatchObject({ status: 'DELIVERED', attempts: 1, next_attempt_at: null });
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'IN_REVIEW', requestedMaterials: [] });

    // The case is no longer waiting for materials: the department answers 409.
    await insertSupplement(env.db, 'SUP-2', caseId!, 'SUP-2-key', lease);
    expect((await w.runOnce()).supplements.refused).toBe(1);
    expect(await supplementRow(env.db, 'SUP-2')).toMatchObject({
      status: 'REFUSED',
      next_attempt_at: null,
      last_error: expect.stringMatching(/^NOT_WAITING_FOR_MATERIALS: /),
    });
  });

  it('delivers in the background once started, at once when woken, and stop() waits for the batch in progress', async () => {
    const env = await startDeliveryEnv(backend);
    const ids = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }, { matter: matters.birth }]);
    // A long interval: only the first batch, and wake(), make it run.
    const w = worker(env, { pollIntervalMs: 60_000 });
    const delivered = (id: string) =>
      vi.waitFor(async () => expect((await caseRow(env.db, id)).status).toBe('RECEIVED'), { timeout: 3000, interval: 10 });

    w.start();
    for (const id of ids) await delivered(id);
    const [woken] = await insertApplication(env.db, 'APP-2', [{ matter: matters.business }]);
    w.wake();
    await delivered(woken!);
    await w.stop();

    // Stopped: a new due case stays queued, even when woken.
    const [late] = await insertApplication(env.db, 'APP-3', [{ matter: matters.business }]);
    w.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await caseRow(env.db, late!)).status).toBe('QUEUED');
    expect(env.casePosts()).toHaveLength(3);
  });
});
