import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { ConnectorDirectory } from '../../../connectors/approval/directory.ts';
import { SecretBox } from '../../../lib/secrets.ts';
import type { RegisterConnectorInput } from '../../../store/connectors.ts';
import type { Database } from '../../../store/database.ts';
import { backends, openTracked, postgresSkipped } from '../../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const SAMR = 'SCJGJ-440514';
const HEALTH = 'WSJKJ-440514';

const input = (overrides: Partial<RegisterConnectorInput> = {}): RegisterConnectorInput => ({
  departmentCode: SAMR,
  baseUrl: 'http://127.0.0.1:4110',
  token: 'samr-token',
  webhookSecret: 'samr-webhook-secret',
  matterCodes: ['M-BUSINESS-LICENCE'],
  createdBy: 'admin-001',
  ...overrides,
});

/** A clock the test moves by hand. */
const manualClock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

/** The database, counting the statements sent through it. */
function counting(db: Database): { db: Database; count: () => number } {
  let count = 0;
  return {
    db: {
      kind: db.kind,
      query: (sql, params) => {
        count++;
        return db.query(sql, params);
      },
      transaction: (fn) => db.transaction(fn),
      listen: (channel, onNotify) => db.listen(channel, onNotify),
      close: () => db.close(),
    },
    count: () => count,
  };
}

describe.each(backends.map((b) => [b.kind, b] as const))('the connector directory on the %s database', (_kind, backend) => {
  const box = new SecretBox(randomBytes(32));

  it('uses a registration at once on the instance that made it, unsealed, and lists it without secrets', async () => {
    const db = await openTracked(await backend.place());
    const directory = new ConnectorDirectory(db, box, { refreshMs: 60_000, idFactory: () => 'c-1' });

    expect(await directory.forDepartment(SAMR)).toBeNull();
    const { connector } = await directory.register(input());

    expect(await directory.forDepartment(SAMR)).toEqual({
      id: 'c-1',
      departmentCode: SAMR,
      baseUrl: 'http://127.0.0.1:4110',
      token: 'samr-token',
      webhookSecret: 'samr-webhook-secret',
      matterCodes: ['M-BUSINESS-LICENCE'],
      timeoutMs: 5000,
    });
    expect(await directory.all()).toHaveLength(1);
    expect(await directory.list()).toEqual([connector]);
    expect(await directory.find('c-1')).toEqual(connector);
    expect(JSON.stringify(await directory.list())).not.toMatch(/samr-token|samr-webhook-secret/);

    expect(await directory.remove('c-1')).toEqual(connector);
    expect(await directory.forDepartment(SAMR)).toBeNull();
    expect(await directory.remove('c-1')).toBeNull();
    await directory.close();
  });

  it('sees a registration and a removal made through another gateway instance once refreshMs has passed', async () => {
    const place = await backend.place();
    const [dbA, dbB] = [await openTracked(place), await openTracked(place)];
    const clock = manualClock();
    const a = new ConnectorDirectory(dbA, box, { refreshMs: 2000, idFactory: () => 'c-1' });
    const b = new ConnectorDirectory(dbB, box, { refreshMs: 2000, now: clock.now });

    expect(await b.forDepartment(SAMR)).toBeNull();
    await a.register(input());
    clock.advance(1999);
    expect(await b.forDepartment(SAMR)).toBeNull(); // still within its cache's life
    clock.advance(1);
    expect((await b.forDepartment(SAMR))?.token).toBe('samr-token');

    await a.remove('c-1');
    expect((await b.forDepartment(SAMR))?.id).toBe('c-1');
    clock.advance(2000);
    expect(await b.forDepartment(SAMR)).toBeNull();
  });

  it('sees another instance\'s registration within refreshMs of real time', async () => {
    const place = await backend.place();
    const [dbA, dbB] = [await openTracked(place), await openTracked(place)];
    const a = new ConnectorDirectory(dbA, box);
    const b = new ConnectorDirectory(dbB, box, { refreshMs: 100 });
    expect(await b.all()).toEqual([]);

    await a.register(input({ departmentCode: HEALTH }));
    const registeredAt = Date.now();
    let seen = await b.forDepartment(HEALTH);
    while (!seen && Date.now() - registeredAt < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await b.forDepartment(HEALTH);
    }
    expect(seen?.departmentCode).toBe(HEALTH);
    // refreshMs plus generous slack for a loaded test machine; the exact bound is checked with a manual clock above.
    expect(Date.now() - registeredAt).toBeLessThan(100 + 500);
  });

  it('answers many lookups at once with one database read, and none while the cache is fresh', async () => {
    const { db, count } = counting(await openTracked(await backend.place()));
    const directory = new ConnectorDirectory(db, box, { refreshMs: 60_000 });
    await directory.register(input());
    await directory.register(input({ departmentCode: HEALTH, token: 'health-token' }));
    const before = count();

    const found = await Promise.all([SAMR, HEALTH, SAMR, 'NO-SUCH', HEALTH].map((code) => directory.forDepartment(code)));
    expect(found.map((e) => e?.token ?? null)).toEqual(['samr-token', 'health-token', 'samr-token', null, 'health-token']);
    await directory.all();
    expect(count() - before).toBe(1);
  });

  it('keeps serving the last endpoints when the database fails, reporting the failure', async () => {
    const db = await openTracked(await backend.place());
    const clock = manualClock();
    const errors: string[] = [];
    const directory = new ConnectorDirectory(db, box, {
      refreshMs: 10,
      now: clock.now,
      onError: (error) => errors.push(error.message),
    });
    await directory.register(input());
    expect((await directory.forDepartment(SAMR))?.token).toBe('samr-token');

    await db.close();
    clock.advance(10);
    expect((await directory.forDepartment(SAMR))?.token).toBe('samr-token');
    expect(errors).toEqual(['the database is closed']);
  });

  it('leaves out a connector sealed with another key, reporting it once, and still serves the others', async () => {
    const db = await openTracked(await backend.place());
    const otherBox = new SecretBox(randomBytes(32));
    await new ConnectorDirectory(db, otherBox, { idFactory: () => 'c-old' }).register(input({ departmentCode: HEALTH }));
    const reported: Array<[string | undefined, string]> = [];
    // refreshMs 0: every lookup reloads, yet the bad connector is reported once.
    const directory = new ConnectorDirectory(db, box, { refreshMs: 0, onError: (error, id) => reported.push([id, error.message]) });
    await directory.register(input());

    expect((await directory.all()).map((e) => e.departmentCode)).toEqual([SAMR]);
    expect(await directory.forDepartment(HEALTH)).toBeNull();
    expect(await directory.forDepartment(SAMR)).not.toBeNull();
    expect(reported).toEqual([['c-old', expect.stringMatching(/c-old of department WSJKJ-440514 .*another key/)]]);
    expect((await directory.list()).map((c) => c.departmentCode)).toEqual([SAMR, HEALTH]);
  });
});
