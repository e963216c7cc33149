/**
 * 效能监督: warning levels evaluated and stored with the cases, one alert per
 * case and level in the outbox, and the outbox sent to a loopback receiver
 * that is down for a while — on a real database (embedded always, PostgreSQL
 * when TEST_DATABASE_URL is set) and a controllable clock.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertWebhookClient } from '../../connectors/alert-webhook/client.ts';
import { verifyWebhookSignature } from '../../delivery/webhooks.ts';
import { addWorkingDays } from '../../domain/working-days.ts';
import { casesOfDepartment } from '../../store/applications.ts';
import type { Database } from '../../store/database.ts';
import { listAlerts, periodWarningCounts } from '../../store/supervision.ts';
import { evaluateWarnings, sendDueAlerts, SYSTEM } from '../../usecases/supervision.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';
import { insertApplication, insertCase } from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const RECEIVED = new Date('2026-06-01T01:00:00Z'); // a Monday, 09:00 in China
const DUE = addWorkingDays(RECEIVED, 10);
const at = (workingDays: number) => addWorkingDays(RECEIVED, workingDays);
const leads: Record<string, string> = { 'CN-YJS-KCG': 'SCJGJ-440514' };
const leadDepartmentOf = async (topic: string) => leads[topic] ?? null;

let serial = 0;
async function undecidedCase(db: Database, department = 'WJJ-440514', status: 'IN_REVIEW' | 'APPROVED' = 'IN_REVIEW', decidedAt?: Date) {
  const applicationId = `OT-WARN-${++serial}`;
  await insertApplication(db, { id: applicationId, topicCode: 'CN-YJS-KCG', region: '440514', submittedAt: '2026-06-01T08:30:00+08:00' });
  const caseId = await insertCase(db, {
    applicationId,
    matterCode: 'M-1',
    departmentCode: department,
    status,
    receivedAt: RECEIVED.toISOString(),
    dueAt: DUE.toISOString(),
    decidedAt: decidedAt?.toISOString() ?? null,
  });
  return { applicationId, caseId };
}

const levelOf = async (db: Database, caseId: string) =>
  (await db.query<{ warning_level: string }>('SELECT warning_level FROM cases WHERE id = $1', [caseId])).rows[0]?.warning_level;

describe.each(backends.map((b) => [b.kind, b] as const))('warnings on the %s database', (_kind, backend) => {
  let db: Database;
  let receiver: TestServer | undefined;
  // The first database of a process compiles the embedded engine: slow on a loaded machine.
  beforeAll(async () => {
    if (backend.kind === 'embedded') await backend.place();
  }, 120_000);
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  const evaluate = (now: Date, yellowAt = 0.8) => evaluateWarnings({ db, leadDepartmentOf, yellowAt }, SYSTEM, { now });

  it('turns a case YELLOW at 80 % of its working time and RED past its due time, with one alert per level however often it is evaluated', async () => {
    db = await openFresh(backend);
    const { applicationId, caseId } = await undecidedCase(db);

    expect(await evaluate(at(5))).toEqual({ evaluated: 1, changed: 0, alerts: 0 });
    expect(await levelOf(db, caseId)).toBe('NONE');

    expect(await evaluate(at(8))).toEqual({ evaluated: 1, changed: 1, alerts: 1 });
    expect(await evaluate(at(9))).toEqual({ evaluated: 1, changed: 0, alerts: 0 });
    expect(await levelOf(db, caseId)).toBe('YELLOW');

    const late = new Date(DUE.getTime() + 60_000);
    expect(await evaluate(late)).toEqual({ evaluated: 1, changed: 1, alerts: 1 });
    expect(await evaluate(late)).toEqual({ evaluated: 1, changed: 0, alerts: 0 });

    const alerts = await listAlerts(db);
    expect(alerts.map((a) => [a.id, a.level, a.sentAt])).toEqual([
      [`case:${caseId}:YELLOW`, 'YELLOW', null],
      [`case:${caseId}:RED`, 'RED', null],
    ]);
    expect(alerts[0]!.payload).toEqual({
      id: `case:${caseId}:YELLOW`,
      kind: 'CASE_WARNING',
      level: 'YELLOW',
      caseId,
      applicationId,
      topicCode: 'CN-YJS-KCG',
      matterCode: 'M-1',
      department: 'WJJ-440514',
      leadDepartment: 'SCJGJ-440514',
      receivedAt: RECEIVED.toISOString(),
      dueAt: DUE.toISOString(),
      raisedAt: at(8).toISOString(),
    });
  });

  it('takes the threshold from the configuration: at 0.5, half the time turns a case YELLOW', async () => {
    db = await openFresh(backend);
    const { caseId } = await undecidedCase(db);
    await evaluate(at(5), 0.5);
    expect(await levelOf(db, caseId)).toBe('YELLOW');
  });

  it('keeps a decided case at the level it was decided at, and raises no alert for it', async () => {
    db = await openFresh(backend);
    const { caseId } = await undecidedCase(db, 'WJJ-440514', 'APPROVED', at(9));

    await evaluate(new Date(DUE.getTime() + 86_400_000));
    await evaluate(new Date(DUE.getTime() + 30 * 86_400_000));

    expect(await levelOf(db, caseId)).toBe('YELLOW');
    expect(await listAlerts(db)).toEqual([]);
    expect((await evaluate(new Date(DUE.getTime() + 31 * 86_400_000))).evaluated).toBe(0);
  });

  it('lets department staff list only their RED cases, and counts cases by department, topic and level for a period', async () => {
    db = await openFresh(backend);
    const red = await undecidedCase(db, 'WJJ-440514');
    await evaluate(new Date(DUE.getTime() + 60_000));
    await undecidedCase(db, 'WJJ-440514');
    await undecidedCase(db, 'GAJ-440514');

    const page = await casesOfDepartment(db, 'WJJ-440514', { first: 20, warning: 'RED' });
    expect(page.items.map((i) => i.node.id)).toEqual([red.caseId]);
    expect(await periodWarningCounts(db, { region: '440514', from: new Date('2026-06-01T00:00:00+08:00'), to: new Date('2026-07-01T00:00:00+08:00') })).toEqual([
      { departmentCode: 'GAJ-440514', topicCode: 'CN-YJS-KCG', level: 'NONE', count: 1 },
      { departmentCode: 'WJJ-440514', topicCode: 'CN-YJS-KCG', level: 'NONE', count: 1 },
      { departmentCode: 'WJJ-440514', topicCode: 'CN-YJS-KCG', level: 'RED', count: 1 },
    ]);
  });

  it('retries an alert while the receiver is down and delivers it once, signed, with the alert id as Idempotency-Key', async () => {
    db = await openFresh(backend);
    const { caseId } = await undecidedCase(db);
    await evaluate(at(9));
    let up = false;
    receiver = await startTestServer((_req, res) => {
      res.writeHead(up ? 204 : 503);
      res.end();
    });
    const secret = 'alert-secret-0123456789';
    const client = new AlertWebhookClient({ url: `${receiver.url}/hooks/alerts`, secret, policy: { timeoutMs: 2000 } });
    const send = (now: Date) =>
      sendDueAlerts({ db, receiver: client }, SYSTEM, { workerId: 'w1', now, limit: 10, leaseMs: 30_000, backoff: { baseMs: 1000, maxMs: 1000 } });
    try {
      const start = new Date('2026-06-15T02:00:00Z');
      expect(await send(start)).toEqual({ sent: 0, failed: 1 });
      const [pending] = await listAlerts(db);
      expect({ attempts: pending!.attempts, sentAt: pending!.sentAt, error: pending!.lastError }).toEqual({
        attempts: 1,
        sentAt: null,
        error: expect.stringContaining('UPSTREAM_UNAVAILABLE'),
      });

      up = true;
      expect(await send(new Date(start.getTime() + 1000))).toEqual({ sent: 1, failed: 0 });
      expect(await send(new Date(start.getTime() + 60_000))).toEqual({ sent: 0, failed: 0 });

      expect(receiver.requests.map((r) => [r.method, r.url, r.headers['idempotency-key']])).toEqual([
        ['POST', '/hooks/alerts', `case:${caseId}:YELLOW`],
        ['POST', '/hooks/alerts', `case:${caseId}:YELLOW`],
      ]);
      const delivered = receiver.requests[1]!;
      expect(verifyWebhookSignature(secret, Buffer.from(delivered.body), delivered.headers['x-signature'])).toBe(true);
      expect(JSON.parse(delivered.body)).toMatchObject({ kind: 'CASE_WARNING', level: 'YELLOW', caseId, department: 'WJJ-440514', leadDepartment: 'SCJGJ-440514' });
      expect((await listAlerts(db)).map((a) => [a.attempts, a.sentAt !== null])).toEqual([[2, true]]);
    } finally {
      await client.close();
    }
  });
});
