/**
 * Two sandbox-mode gateways (`npm start` twice, with DATABASE_URL) on one
 * database: the second does not take the first one's departments away
 * while both run, and when the first stops the second serves every
 * department with its own simulators, all of them UP.
 */
import { randomBytes } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { mintToken } from '../../server/identity.ts';
import { backends, postgresSkipped } from '../store/backends.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const started: TestGateway[] = [];
afterEach(async () => {
  for (const gateway of started.splice(0).reverse()) await gateway.close();
});

/** Departments and the base URL of their approval system, as an administrator sees them on `gateway`. */
async function approvalSystems(gateway: TestGateway, adminToken: string): Promise<Record<string, string>> {
  const { body } = await gateway.graphql(contractOperation('Connectors'), {}, adminToken);
  expect(body.errors).toBeUndefined();
  const approval = (body.data.connectors as Array<{ kind: string; department: { code: string } | null; baseUrl: string }>).filter(
    (connector) => connector.kind === 'APPROVAL',
  );
  return byDepartment(approval.map((connector) => [connector.department!.code, connector.baseUrl]));
}

/** The base URL of each department's simulator in a gateway's own sandbox. */
const ownSimulators = (gateway: TestGateway) =>
  byDepartment(gateway.sandbox!.departments.map((department) => [department.departmentCode, department.baseUrl]));

/** Entries as an object in department-code order, so that equal maps also print equal. */
const byDepartment = (entries: Array<[string, string]>) =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(backends.map((b) => [b.kind, b] as const))('two sandbox-mode gateways on one %s database', (_kind, backend) => {
  it("keep the first one's simulators while both run; the second takes every department over when the first stops", async () => {
    const database = await backend.place();
    // What several instances need in common (README, "PostgreSQL and several instances").
    const env = { JWT_SECRET: randomBytes(32).toString('hex'), SECRETS_KEY: randomBytes(32).toString('hex') };
    const sandboxConnectors = { renewEveryMs: 100, leaseMs: 10_000 };
    const first = await startTestGateway(env, { database, sandboxConnectors });
    started.push(first);
    const second = await startTestGateway(env, { database, sandboxConnectors });
    started.push(second);
    const admin = await mintToken(env.JWT_SECRET, { sub: 'admin-001', name: '管理员', role: 'ADMIN' });

    expect(await approvalSystems(second, admin)).toEqual(ownSimulators(first));
    expect(await approvalSystems(first, admin)).toEqual(ownSimulators(first));
    expect(new Set(second.sandboxConnectors!.servedBy.values())).toEqual(new Set(['other-instance']));

    await started.shift()!.close();

    const afterwards = await eventually(
      () => approvalSystems(second, admin),
      (systems) => JSON.stringify(systems) === JSON.stringify(ownSimulators(second)),
    );
    expect(afterwards).toEqual(ownSimulators(second));
    await second.services.health.checkNow();
    const { body } = await second.graphql(contractOperation('Connectors'), {}, admin);
    expect(body.data.connectors.map((connector: { health: { status: string } }) => connector.health.status)).toEqual(
      body.data.connectors.map(() => 'UP'),
    );
  }, 90_000);
});
