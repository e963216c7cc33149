/**
 * Gateways running the sandbox that share one database (`sandbox_instances`,
 * store/migrations/006_sandbox_instances.sql), and the rule of whose
 * simulated approval system serves a department.
 *
 * Each such instance registers its own simulators as the departments'
 * connectors, created by `sandbox:<instanceId>`, except where a department's
 * live connector stays:
 * - it is the instance's own (registering again would only churn);
 * - a person registered it (a department trying its system against the
 *   sandbox): the sandbox never replaces that;
 * - another sandbox instance registered it and that instance's lease still
 *   runs: taking it away would leave that instance's cases with a system
 *   it no longer uses, and the department DOWN for it once this one stops.
 * A connector of an instance whose lease is gone or expired (it stopped or
 * crashed), or of a gateway from before leases (`sandbox`), is replaced.
 *
 * The lease is renewed by the instance while it runs (database clock, so
 * instances on different machines agree); an instance that stops removes its
 * connectors and its lease, and the others take its departments over at
 * their next renewal.
 *
 * @module
 */
import { removeCreatedBy, type KeepLiveConnector } from './connectors.ts';
import type { Database, Queryable } from './database.ts';

const CREATOR_PREFIX = 'sandbox:';
/** `created_by` of the sandbox registrations made before leases existed. */
const LEGACY_CREATOR = 'sandbox';
/** Leases of instances silent for this long are deleted at the next renewal of any instance. */
const FORGET_AFTER = '1 day';

/** The `createdBy` of the connectors a sandbox instance registers. */
export const sandboxCreator = (instanceId: string): string => `${CREATOR_PREFIX}${instanceId}`;

/**
 * The sandbox instance that registered a connector: its id, `''` for a
 * registration from before leases, null when a person registered it.
 */
export function sandboxInstanceOf(createdBy: string): string | null {
  if (createdBy === LEGACY_CREATOR) return '';
  return createdBy.startsWith(CREATOR_PREFIX) ? createdBy.slice(CREATOR_PREFIX.length) : null;
}

/** Starts or renews the lease of a sandbox instance. */
export async function renewLease(db: Queryable, instanceId: string): Promise<void> {
  await db.query('INSERT INTO sandbox_instances (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET renewed_at = now()', [instanceId]);
  await db.query(`DELETE FROM sandbox_instances WHERE renewed_at < now() - interval '${FORGET_AFTER}'`);
}

/**
 * The rule of the module comment, for `registerUnlessKept`: whether the
 * department's live connector stays when sandbox instance `instanceId`
 * registers its own system.
 * @param leaseMs how long a lease lasts without renewal, in milliseconds.
 */
export function keepForSandbox(instanceId: string, leaseMs: number): KeepLiveConnector {
  return async (live, tx) => {
    const owner = sandboxInstanceOf(live.createdBy);
    if (owner === null || owner === instanceId) return true;
    if (owner === '') return false;
    const { rows } = await tx.query<{ running: boolean }>(
      `SELECT renewed_at > now() - $2::float8 * interval '1 millisecond' AS running FROM sandbox_instances WHERE id = $1`,
      [owner, leaseMs],
    );
    return rows[0]?.running === true;
  };
}

/**
 * Ends a sandbox instance's lease and removes the connectors it registered,
 * so that the other instances take its departments over.
 * @returns the department codes whose connector was removed, sorted.
 */
export async function releaseLease(db: Database, instanceId: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    const removed = await removeCreatedBy(tx, sandboxCreator(instanceId));
    await tx.query('DELETE FROM sandbox_instances WHERE id = $1', [instanceId]);
    return removed;
  });
}
