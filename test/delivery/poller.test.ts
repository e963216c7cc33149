import { describe, expect, it } from 'vitest';

import type { Case } from '../../connectors/approval/models.ts';
import { DeliveryWorker } from '../../delivery/outbox.ts';
import { StatusPoller } from '../../delivery/poller.ts';
import { applyCaseUpdate } from '../../usecases/apply-case-update.ts';
import { createLogger } from '../../lib/logger.ts';
import { backends, postgresSkipped } from '../store/backends.ts';
import {
  START,
  STEP_MS,
  applicationUpdatedAt,
  caseRow,
  insertApplication,
  matters,
  startDeliveryEnv,
  type DeliveryEnv,
} from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const INTERVAL_MS = 2000;

const deliverAll = (env: DeliveryEnv) =>
  new DeliveryWorker({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now, random: () => 0.5 }).runOnce();

const poller = (env: DeliveryEnv) =>
  new StatusPoller({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now, intervalMs: INTERVAL_MS });

const casesReads = (env: DeliveryEnv, department: string) =>
  env.sandbox.calls.count(department, /^GET \/api\/v1\/cases\?/);

describe.each(backends.map((b) => [b.kind, b] as const))('the status poller on the %s database', (_kind, backend) => {
  it('applies status progress step by step, then the decision and the result certificate, and stops polling the decided case', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    await deliverAll(env);
    const p = poller(env);

    // Not due before the first poll time (delivery + 2 s).
    env.clock.advance(STEP_MS);
    expect((await p.runOnce()).polled).toBe(0);

    env.clock.advance(STEP_MS); // START + 2 steps: IN_REVIEW
    expect(await p.runOnce()).toMatchObject({ polled: 1, updated: 1, missing: 0, failedDepartments: [] });
    expect(await caseRow(env.db, caseId!)).toMatchObject({
      status: 'IN_REVIEW',
      decidedAt: null,
      resultCertificateId: null,
      nextPollAt: new Date(START + 2 * STEP_MS + INTERVAL_MS),
    });
    expect(await applicationUpdatedAt(env.db, 'APP-1')).toEqual(new Date(START + 2 * STEP_MS));

    env.clock.advance(INTERVAL_MS); // START + 4 steps: APPROVED at START + 3 steps
    expect(await p.runOnce()).toMatchObject({ polled: 1, updated: 1 });
    const approved = await caseRow(env.db, caseId!);
    expect(approved).toMatchObject({
      status: 'APPROVED',
      decidedAt: new Date(START + 3 * STEP_MS),
      resultCertificateId: expect.stringMatching(/^EC-/),
      resultCertificateNumber: expect.stringMatching(/^YYZZ4405142025\d{6}$/),
      nextPollAt: null,
    });
    expect(await applicationUpdatedAt(env.db, 'APP-1')).toEqual(new Date(START + 4 * STEP_MS));

    env.clock.advance(60_000);
    expect((await p.runOnce()).polled).toBe(0);
    expect(casesReads(env, matters.business.department)).toBe(2);
  });

  it('leaves an unchanged case as it is and polls it again one interval later', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    await deliverAll(env);
    const p = new StatusPoller({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now, intervalMs: 500 });
    env.clock.advance(2 * STEP_MS);
    expect(await p.runOnce()).toMatchObject({ polled: 1, updated: 1 });
    const inReview = await caseRow(env.db, caseId!);
    const updatedAt = await applicationUpdatedAt(env.db, 'APP-1');

    env.clock.advance(500); // still IN_REVIEW: the decision comes at +3 steps
    expect(await p.runOnce()).toMatchObject({ polled: 1, updated: 0 });

    expect(await caseRow(env.db, caseId!)).toEqual({ ...inReview, nextPollAt: new Date(START + 2 * STEP_MS + 1000) });
    expect(await applicationUpdatedAt(env.db, 'APP-1')).toEqual(updatedAt);
  });

  it('asks each department once per batch, for all of its due cases', async () => {
    const env = await startDeliveryEnv(backend);
    for (let i = 1; i <= 5; i++) await insertApplication(env.db, `APP-${i}`, [{ matter: matters.business }, { matter: matters.birth }]);
    await deliverAll(env);
    env.clock.advance(INTERVAL_MS);

    expect(await poller(env).runOnce()).toMatchObject({ polled: 10, updated: 10 });

    expect(casesReads(env, matters.business.department)).toBe(1);
    expect(casesReads(env, matters.birth.department)).toBe(1);
    const read = env.calls.find((c) => c.method === 'GET' && c.department === matters.business.department)!;
    expect(read.path).toBe('/api/v1/cases');
  });

  it('polls again later the cases of a department that is down, and those of other departments meanwhile', async () => {
    const env = await startDeliveryEnv(backend);
    const [licenceId, birthId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }, { matter: matters.birth }]);
    await deliverAll(env);
    env.clock.advance(INTERVAL_MS);
    env.sandbox.faults.set(matters.business.department, { kind: 'down' });

    expect(await poller(env).runOnce()).toMatchObject({ polled: 2, updated: 1, failedDepartments: [matters.business.department] });

    expect(await caseRow(env.db, licenceId!)).toMatchObject({ status: 'RECEIVED', nextPollAt: new Date(START + 2 * INTERVAL_MS) });
    expect(await caseRow(env.db, birthId!)).toMatchObject({ status: 'IN_REVIEW' });
  });

  it('ignores an update of an unknown case, a replayed or older one, and any after the decision', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    await deliverAll(env);
    const delivered = await caseRow(env.db, caseId!);
    const view = (status: Case['status'], updatedAtMs: number, extra: Partial<Case> = {}): Case => ({
      caseId: delivered.remoteCaseId!,
      matterCode: matters.business.code,
      applicationId: 'APP-1',
      status,
      statusReason: null,
      receivedAt: new Date(START).toISOString(),
      updatedAt: new Date(START + updatedAtMs).toISOString(),
      dueAt: delivered.dueAt!.toISOString(),
      decidedAt: null,
      requestedMaterials: [],
      result: null,
      ...extra,
    });
    const now = new Date(START + 5000);
    const apply = (v: Case, department: string = matters.business.department) => applyCaseUpdate({ db: env.db, now: () => now }, { departmentCode: department }, { remoteCase: v });

    expect(await apply({ ...view('ACCEPTED', 1000), caseId: 'NOPE' })).toMatchObject({ outcome: 'unknown', case: null });
    // Another department cannot touch this department's case.
    expect((await apply(view('ACCEPTED', 1000), matters.birth.department)).outcome).toBe('unknown');
    // The view delivery recorded, again.
    expect(await apply(view('RECEIVED', 0))).toMatchObject({ outcome: 'ignored', ignoredBecause: 'stale' });

    expect((await apply(view('IN_REVIEW', 2000))).outcome).toBe('updated');
    expect(await apply(view('IN_REVIEW', 2000))).toMatchObject({ outcome: 'ignored', ignoredBecause: 'stale' });
    expect(await apply(view('ACCEPTED', 1000))).toMatchObject({ outcome: 'ignored', ignoredBecause: 'stale' });
    expect(await apply(view('SUPPLEMENT_REQUIRED', 2000, { requestedMaterials: ['MAT-ZLHT'] }))).toMatchObject({ outcome: 'ignored' });
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'IN_REVIEW', requestedMaterials: [], remoteUpdatedAt: new Date(START + 2000) });

    // Newer but saying nothing new: only its time is kept, so the older view in between stays out.
    expect((await apply(view('IN_REVIEW', 4000))).outcome).toBe('unchanged');
    expect((await apply(view('ACCEPTED', 3000))).outcome).toBe('ignored');
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'IN_REVIEW', remoteUpdatedAt: new Date(START + 4000) });

    const rejected = view('REJECTED', 4500, { statusReason: '不予许可', decidedAt: now.toISOString() });
    expect((await apply(rejected)).outcome).toBe('updated');
    expect(await apply(view('IN_REVIEW', 9000))).toMatchObject({ outcome: 'ignored', ignoredBecause: 'decided' });
    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'REJECTED', statusReason: '不予许可', decidedAt: now, nextPollAt: null });
  });

  it('ignores a poll answer older than a webhook already applied, and logs it at debug with the case id', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    await deliverAll(env);
    const delivered = await caseRow(env.db, caseId!);
    // The department's webhook ran ahead of its own list (a replica lagging behind, say).
    const ahead: Case = {
      caseId: delivered.remoteCaseId!,
      matterCode: matters.business.code,
      applicationId: 'APP-1',
      status: 'SUPPLEMENT_REQUIRED',
      statusReason: '请补交租赁合同',
      receivedAt: new Date(START).toISOString(),
      updatedAt: new Date(START + 10 * STEP_MS).toISOString(),
      dueAt: delivered.dueAt!.toISOString(),
      decidedAt: null,
      requestedMaterials: ['MAT-ZLHT'],
      result: null,
    };
    expect((await applyCaseUpdate({ db: env.db }, { departmentCode: matters.business.department }, { remoteCase: ahead })).outcome).toBe('updated');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line) => lines.push(line) } });
    env.clock.advance(INTERVAL_MS); // the simulator says IN_REVIEW, updated at START + 2 steps
    const p = new StatusPoller({ db: env.db, directory: env.directory, clients: env.clients, logger }, { now: env.clock.now, intervalMs: INTERVAL_MS });

    expect(await p.runOnce()).toMatchObject({ polled: 1, updated: 0 });

    expect(await caseRow(env.db, caseId!)).toMatchObject({ status: 'SUPPLEMENT_REQUIRED', requestedMaterials: ['MAT-ZLHT'] });
    expect(lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'case update ignored')).toEqual([
      expect.objectContaining({
        level: 20,
        caseId,
        remoteCaseId: delivered.remoteCaseId,
        status: 'IN_REVIEW',
        reason: 'stale',
        remoteUpdatedAt: new Date(START + 2 * STEP_MS).toISOString(),
        appliedUpdatedAt: new Date(START + 10 * STEP_MS).toISOString(),
      }),
    ]);
  });

  it('runs in the background once started, and stops', async () => {
    const env = await startDeliveryEnv(backend);
    const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
    await deliverAll(env);
    env.clock.advance(INTERVAL_MS);
    const p = new StatusPoller({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now, intervalMs: 10 });

    p.start();
    try {
      for (let i = 0; i < 200 && (await caseRow(env.db, caseId!)).status === 'RECEIVED'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await p.stop();
    }
    expect((await caseRow(env.db, caseId!)).status).toBe('IN_REVIEW');
  });
});
