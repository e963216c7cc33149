import { extensionsOf } from '../../server/errors.ts';
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { SecretBox } from '../../lib/secrets.ts';
import {
  ConnectorValidationError,
  findLive,
  listLive,
  liveEndpoints,
  register,
  remove,
  type RegisterConnectorInput,
} from '../../store/connectors.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const TOKEN = 'approval-token-0123456789';
const WEBHOOK_SECRET = 'webhook-secret-abcdef';

function input(overrides: Partial<RegisterConnectorInput> = {}): RegisterConnectorInput {
  return {
    departmentCode: 'SCJGJ-440514',
    baseUrl: 'http://127.0.0.1:4110/',
    token: TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    matterCodes: ['M-BUSINESS-LICENCE', 'M-FOOD-LICENCE'],
    createdBy: 'admin-001',
    ...overrides,
  };
}

/** The problems a registration is refused with. */
async function problemsOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => {
      throw new Error('expected the registration to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorValidationError);
  const refused = error as ConnectorValidationError;
  expect(extensionsOf(refused).code).toBe('BAD_USER_INPUT');
  expect(extensionsOf(refused).problems).toEqual(refused.problems);
  return refused.problems.map(({ field, code }) => ({ field, code }));
}

const ids = (...list: string[]) => {
  const queue = [...list];
  return () => queue.shift() ?? 'unexpected-extra-id';
};

describe.each(backends.map((b) => [b.kind, b] as const))('connector registrations on the %s database', (_kind, backend) => {
  const box = new SecretBox(randomBytes(32));

  it('registers a connector, listing it normalised and without any form of its secrets', async () => {
    const db = await openFresh(backend);
    const { connector, replacedId } = await register(db, box, input(), ids('c-1'));

    expect(replacedId).toBeNull();
    expect(connector).toEqual({
      id: 'c-1',
      departmentCode: 'SCJGJ-440514',
      baseUrl: 'http://127.0.0.1:4110',
      matterCodes: ['M-BUSINESS-LICENCE', 'M-FOOD-LICENCE'],
      timeoutMs: 5000,
      webhooksEnabled: true,
      createdBy: 'admin-001',
      createdAt: expect.any(Date),
    });
    expect(await listLive(db)).toEqual([connector]);
    expect(await findLive(db, 'c-1')).toEqual(connector);
    const shown = JSON.stringify([connector, await listLive(db), await findLive(db, 'c-1')]);
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(WEBHOOK_SECRET);
    expect(shown).not.toMatch(/v1\./);
    expect(shown).not.toMatch(/token|secret|sealed/i);
  });

  it('stores the token and webhook secret sealed, and unseals them only for the directory', async () => {
    const db = await openFresh(backend);
    await register(db, box, input({ timeoutMs: 1500 }), ids('c-1'));
    const { rows } = await db.query<{ token_sealed: string; webhook_secret_sealed: string }>(
      'SELECT token_sealed, webhook_secret_sealed FROM connectors',
    );

    expect(rows[0]!.token_sealed).toMatch(/^v1\./);
    expect(rows[0]!.token_sealed).not.toContain(TOKEN);
    expect(rows[0]!.webhook_secret_sealed).not.toContain(WEBHOOK_SECRET);
    expect(await liveEndpoints(db, box)).toEqual({
      endpoints: [
        {
          id: 'c-1',
          departmentCode: 'SCJGJ-440514',
          baseUrl: 'http://127.0.0.1:4110',
          token: TOKEN,
          webhookSecret: WEBHOOK_SECRET,
          matterCodes: ['M-BUSINESS-LICENCE', 'M-FOOD-LICENCE'],
          timeoutMs: 1500,
        },
      ],
      failures: [],
    });
  });

  it('keeps a connector registered without a webhook secret as refusing webhooks', async () => {
    const db = await openFresh(backend);
    const { connector } = await register(db, box, input({ webhookSecret: null }), ids('c-1'));

    expect(connector.webhooksEnabled).toBe(false);
    expect((await liveEndpoints(db, box)).endpoints[0]!.webhookSecret).toBeNull();
  });

  it('replaces the live connector of a department registered again, keeping one live connector per department', async () => {
    const db = await openFresh(backend);
    await register(db, box, input(), ids('c-1'));
    await register(db, box, input({ departmentCode: 'WSJKJ-440514', matterCodes: ['M-BIRTH'] }), ids('c-2'));
    const again = await register(db, box, input({ baseUrl: 'https://approval.example.gov.cn/api-root', token: 'new-token' }), ids('c-3'));

    expect(again.replacedId).toBe('c-1');
    expect((await listLive(db)).map((c) => [c.id, c.departmentCode, c.baseUrl])).toEqual([
      ['c-3', 'SCJGJ-440514', 'https://approval.example.gov.cn/api-root'],
      ['c-2', 'WSJKJ-440514', 'http://127.0.0.1:4110'],
    ]);
    expect(await findLive(db, 'c-1')).toBeNull();
    const { rows } = await db.query<{ id: string; removed: boolean }>(
      'SELECT id, removed_at IS NOT NULL AS removed FROM connectors ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'c-1', removed: true },
      { id: 'c-2', removed: false },
      { id: 'c-3', removed: false },
    ]);
    expect((await liveEndpoints(db, box)).endpoints.find((e) => e.id === 'c-3')!.token).toBe('new-token');
  });

  it('ends with exactly one live connector when one department registers several times at the same moment', async () => {
    const db = await openFresh(backend);
    await register(db, box, input(), ids('c-0'));
    const newIds = ['c-a', 'c-b', 'c-c', 'c-d', 'c-e'];
    const results = await Promise.all(newIds.map((id) => register(db, box, input(), ids(id))));

    const live = await listLive(db);
    expect(live).toHaveLength(1);
    // Each registration replaced the one before it: c-0 and every new one but the last, once each.
    const replaced = results.map((r) => r.replacedId).sort();
    expect(replaced).toEqual(['c-0', ...newIds.filter((id) => id !== live[0]!.id)].sort());
  });

  it('removes a live connector once, answering not found afterwards and for unknown ids', async () => {
    const db = await openFresh(backend);
    const { connector } = await register(db, box, input(), ids('c-1'));

    expect(await remove(db, 'c-1')).toEqual(connector);
    expect(await remove(db, 'c-1')).toBeNull();
    expect(await remove(db, 'no-such-connector')).toBeNull();
    expect(await listLive(db)).toEqual([]);
    expect((await liveEndpoints(db, box)).endpoints).toEqual([]);
  });

  it('refuses an invalid registration listing every problem, and stores nothing', async () => {
    const db = await openFresh(backend);
    const problems = await problemsOf(
      register(db, box, {
        departmentCode: ' ',
        baseUrl: 'ftp://user:pw@host/x?y=1#z',
        token: 'has space',
        matterCodes: ['M-1', '', 'M-1'],
        timeoutMs: 99,
        createdBy: 'admin-001',
      }),
    );

    expect(problems).toEqual([
      { field: 'departmentCode', code: 'REQUIRED' },
      { field: 'baseUrl', code: 'NOT_HTTP' },
      { field: 'baseUrl', code: 'HAS_CREDENTIALS' },
      { field: 'baseUrl', code: 'HAS_QUERY' },
      { field: 'baseUrl', code: 'HAS_FRAGMENT' },
      { field: 'token', code: 'INVALID_TOKEN' },
      { field: 'matterCodes[1]', code: 'REQUIRED' },
      { field: 'matterCodes[2]', code: 'DUPLICATE' },
      { field: 'timeoutMs', code: 'OUT_OF_RANGE' },
    ]);
    expect(await listLive(db)).toEqual([]);
  });

  it('refuses a missing URL, token and matter list, a non-URL, an empty query mark and out-of-range or fractional timeouts', async () => {
    const db = await openFresh(backend);

    expect(await problemsOf(register(db, box, input({ baseUrl: '', token: '', matterCodes: [] })))).toEqual([
      { field: 'baseUrl', code: 'REQUIRED' },
      { field: 'token', code: 'REQUIRED' },
      { field: 'matterCodes', code: 'REQUIRED' },
    ]);
    expect(await problemsOf(register(db, box, input({ baseUrl: 'not a url', timeoutMs: 60_001 })))).toEqual([
      { field: 'baseUrl', code: 'INVALID_URL' },
      { field: 'timeoutMs', code: 'OUT_OF_RANGE' },
    ]);
    expect(await problemsOf(register(db, box, input({ baseUrl: 'http://host/?', timeoutMs: 250.5 })))).toEqual([
      { field: 'baseUrl', code: 'HAS_QUERY' },
      { field: 'timeoutMs', code: 'NOT_AN_INTEGER' },
    ]);
    expect((await register(db, box, input({ timeoutMs: 100 }))).connector.timeoutMs).toBe(100);
    expect((await register(db, box, input({ timeoutMs: 60_000 }))).connector.timeoutMs).toBe(60_000);
  });

  it('leaves out, and reports, a connector whose secrets cannot be unsealed with the current key', async () => {
    const db = await openFresh(backend);
    await register(db, box, input(), ids('c-1'));
    await register(db, new SecretBox(randomBytes(32)), input({ departmentCode: 'WSJKJ-440514' }), ids('c-2'));
    // A sealed token copied from another row does not unseal in this one.
    await db.query(`UPDATE connectors SET token_sealed = (SELECT token_sealed FROM connectors WHERE id = 'c-1') WHERE id = 'c-2'`);

    const { endpoints, failures } = await liveEndpoints(db, box);
    expect(endpoints.map((e) => e.id)).toEqual(['c-1']);
    expect(failures.map((f) => [f.id, f.departmentCode, (f.error as { code?: string }).code])).toEqual([
      ['c-2', 'WSJKJ-440514', 'TAMPERED'],
    ]);
  });
});
