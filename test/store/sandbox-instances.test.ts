/**
 * Whose simulated approval system serves a department when several
 * sandbox-mode gateways share one database: a running instance's
 * registration stays, a stopped one's is taken over, a person's is never
 * replaced, and registering again changes nothing.
 */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { SecretBox } from '../../lib/secrets.ts';
import { listLive, register, registerUnlessKept, type RegisterConnectorInput } from '../../store/connectors.ts';
import type { Database } from '../../store/database.ts';
import { keepForSandbox, releaseLease, renewLease, sandboxCreator } from '../../store/sandbox-instances.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const LEASE_MS = 30_000;
const WJJ = 'WJJ-440514';
const MZJ = 'MZJ-440514';

/** What sandbox instance `instance` registers for a department: its own simulator on `port`. */
function simulatorOf(instance: string, departmentCode: string, port: number): RegisterConnectorInput {
  return {
    departmentCode,
    baseUrl: `http://127.0.0.1:${port}`,
    token: `token-of-${instance}-${departmentCode}`,
    webhookSecret: `secret-of-${instance}`,
    matterCodes: [`${departmentCode}-MATTER`],
    createdBy: sandboxCreator(instance),
  };
}

/** Sandbox instance `instance` claims a department (after renewing its lease, as it does every round). */
async function claim(db: Database, box: SecretBox, instance: string, departmentCode: string, port: number) {
  await renewLease(db, instance);
  return registerUnlessKept(db, box, simulatorOf(instance, departmentCode, port), keepForSandbox(instance, LEASE_MS));
}

const liveConnectors = async (db: Database) =>
  (await listLive(db)).map(({ departmentCode, baseUrl, createdBy }) => ({ departmentCode, baseUrl, createdBy }));

describe.each(backends.map((b) => [b.kind, b] as const))('sandbox instances on the %s database', (_kind, backend) => {
  const box = new SecretBox(randomBytes(32));

  it("keeps a running instance's simulator when a second instance starts", async () => {
    const db = await openFresh(backend);
    await claim(db, box, 'first', WJJ, 4110);

    const second = await claim(db, box, 'second', WJJ, 5110);

    expect(second.kept).toBe(true);
    expect(await liveConnectors(db)).toEqual([{ departmentCode: WJJ, baseUrl: 'http://127.0.0.1:4110', createdBy: 'sandbox:first' }]);
  });

  it('registers nothing new when an instance claims a department it already serves', async () => {
    const db = await openFresh(backend);
    const first = await claim(db, box, 'first', WJJ, 4110);

    const again = await claim(db, box, 'first', WJJ, 4110);

    expect(again).toEqual({ connector: first.connector, replacedId: null, kept: true });
    const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM connectors');
    expect(rows[0]!.count).toBe(1);
  });

  it("takes over the departments of an instance that stopped, and only those", async () => {
    const db = await openFresh(backend);
    await claim(db, box, 'first', WJJ, 4110);
    await claim(db, box, 'second', MZJ, 5111);
    await claim(db, box, 'second', WJJ, 5110);

    expect(await releaseLease(db, 'first')).toEqual([WJJ]);
    const takeover = await claim(db, box, 'second', WJJ, 5110);

    expect(takeover.kept).toBe(false);
    expect(await liveConnectors(db)).toEqual([
      { departmentCode: MZJ, baseUrl: 'http://127.0.0.1:5111', createdBy: 'sandbox:second' },
      { departmentCode: WJJ, baseUrl: 'http://127.0.0.1:5110', createdBy: 'sandbox:second' },
    ]);
  });

  it('takes over the departments of an instance that crashed once its lease has expired', async () => {
    const db = await openFresh(backend);
    await claim(db, box, 'crashed', WJJ, 4110);
    await db.query(`UPDATE sandbox_instances SET renewed_at = now() - interval '1 minute' WHERE id = 'crashed'`);

    const takeover = await claim(db, box, 'second', WJJ, 5110);

    expect(takeover.replacedId).not.toBeNull();
    expect(await liveConnectors(db)).toEqual([{ departmentCode: WJJ, baseUrl: 'http://127.0.0.1:5110', createdBy: 'sandbox:second' }]);
  });

  it('replaces a registration the sandbox made before instances had leases', async () => {
    const db = await openFresh(backend);
    await register(db, box, { ...simulatorOf('old', WJJ, 4110), createdBy: 'sandbox' });

    await claim(db, box, 'second', WJJ, 5110);

    expect(await liveConnectors(db)).toEqual([{ departmentCode: WJJ, baseUrl: 'http://127.0.0.1:5110', createdBy: 'sandbox:second' }]);
  });

  it('never replaces the system a person registered for the department', async () => {
    const db = await openFresh(backend);
    await register(db, box, { ...simulatorOf('x', WJJ, 4999), createdBy: 'staff-wj' });

    const claimed = await claim(db, box, 'second', WJJ, 5110);

    expect(claimed.kept).toBe(true);
    expect(await liveConnectors(db)).toEqual([{ departmentCode: WJJ, baseUrl: 'http://127.0.0.1:4999', createdBy: 'staff-wj' }]);
  });

  it('lets only one of two instances claiming a vacant department at once win, and keeps it', async () => {
    const db = await openFresh(backend);
    await Promise.all([renewLease(db, 'first'), renewLease(db, 'second')]);

    const results = await Promise.all([claim(db, box, 'first', WJJ, 4110), claim(db, box, 'second', WJJ, 5110)]);

    expect(results.map((r) => r.kept).sort()).toEqual([false, true]);
    const [live] = await listLive(db);
    expect(results.every((r) => r.connector.id === live!.id)).toBe(true);
  });
});
