/**
 * The sandbox's departments as connectors of the gateway running it: its
 * simulated approval systems are registered like a department would
 * register its own, sending their webhooks here. Several sandbox-mode
 * instances may share one database; store/sandbox-instances.ts says whose
 * system then serves a department. This instance claims the departments
 * without a running instance's system at start and at every renewal of its
 * lease, and gives its own back when it stops.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';

import type { ConnectorDirectory } from '../connectors/approval/directory.ts';
import type { Logger } from '../lib/logger.ts';
import type { DepartmentSystem } from '../sandbox/index.ts';
import type { Database } from '../store/database.ts';
import { keepForSandbox, releaseLease, renewLease, sandboxCreator, sandboxInstanceOf } from '../store/sandbox-instances.ts';

export interface SandboxConnectorOptions {
  /** Pause between two renewals of this instance's lease (each followed by a claim), in milliseconds. Default 10000. */
  renewEveryMs?: number;
  /** How long a lease lasts without renewal, in milliseconds; an instance silent longer has stopped. Default 30000. */
  leaseMs?: number;
}

export const DEFAULT_SANDBOX_RENEW_EVERY_MS = 10_000;
export const DEFAULT_SANDBOX_LEASE_MS = 30_000;

/** Whose approval system serves a sandbox department, after a claim. */
export type DepartmentServer =
  /** This instance's simulator. */
  | 'this-instance'
  /** The simulator of another sandbox instance that is still running. */
  | 'other-instance'
  /** A system a person registered for the department. */
  | 'registered';

export interface SandboxConnectorDeps {
  db: Database;
  connectors: ConnectorDirectory;
  logger: Logger;
}

/** See the module comment. */
export class SandboxConnectors {
  /** This instance's id in `sandbox_instances`. */
  readonly instanceId = randomUUID();
  readonly #deps: SandboxConnectorDeps;
  readonly #departments: readonly DepartmentSystem[];
  readonly #renewEveryMs: number;
  readonly #leaseMs: number;
  readonly #servedBy = new Map<string, DepartmentServer>();
  #timer: NodeJS.Timeout | null = null;
  #claiming: Promise<void> | null = null;
  #stopped = false;

  constructor(deps: SandboxConnectorDeps, departments: readonly DepartmentSystem[], options: SandboxConnectorOptions = {}) {
    const renewEveryMs = options.renewEveryMs ?? DEFAULT_SANDBOX_RENEW_EVERY_MS;
    const leaseMs = options.leaseMs ?? DEFAULT_SANDBOX_LEASE_MS;
    if (!(Number.isFinite(renewEveryMs) && renewEveryMs > 0)) throw new RangeError(`renewEveryMs must be > 0, got ${renewEveryMs}`);
    // A lease shorter than the pause between renewals would lapse while its instance runs.
    if (!(Number.isFinite(leaseMs) && leaseMs > renewEveryMs)) {
      throw new RangeError(`leaseMs must be longer than renewEveryMs (${renewEveryMs}), got ${leaseMs}`);
    }
    this.#deps = deps;
    this.#departments = departments;
    this.#renewEveryMs = renewEveryMs;
    this.#leaseMs = leaseMs;
  }

  /** Whose system serves each sandbox department, by department code, as of the latest claim. */
  get servedBy(): ReadonlyMap<string, DepartmentServer> {
    return this.#servedBy;
  }

  /**
   * Renews the lease and registers this instance's system for every
   * department without a running instance's (or a person's) system. One
   * claim at a time: a call during one waits for it.
   */
  claimNow(): Promise<void> {
    this.#claiming ??= this.#claim().finally(() => (this.#claiming = null));
    return this.#claiming;
  }

  /** Claims again every `renewEveryMs` (unref'd timer: it never keeps the process alive). */
  start(): void {
    if (this.#stopped || this.#timer) return;
    const next = () => {
      this.#timer = setTimeout(() => {
        this.claimNow()
          .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'sandbox connectors: renewal failed'))
          .finally(() => {
            if (!this.#stopped) next();
          });
      }, this.#renewEveryMs);
      this.#timer.unref();
    };
    next();
  }

  /** Stops renewing, removes this instance's connectors and ends its lease. Before the database closes. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#claiming?.catch(() => undefined);
    const released = await releaseLease(this.#deps.db, this.instanceId);
    if (released.length > 0) this.#deps.logger.info({ departments: released }, 'sandbox connectors released');
  }

  async #claim(): Promise<void> {
    if (this.#stopped) return;
    await renewLease(this.#deps.db, this.instanceId);
    const keep = keepForSandbox(this.instanceId, this.#leaseMs);
    const claimed: string[] = [];
    for (const department of this.#departments) {
      const { connector, kept } = await this.#deps.connectors.registerUnlessKept(
        {
          departmentCode: department.departmentCode,
          baseUrl: department.baseUrl,
          token: department.token,
          webhookSecret: department.webhookSecret,
          matterCodes: department.matterCodes,
          createdBy: sandboxCreator(this.instanceId),
        },
        keep,
      );
      if (!kept) claimed.push(department.departmentCode);
      const owner = sandboxInstanceOf(connector.createdBy);
      this.#servedBy.set(
        department.departmentCode,
        owner === this.instanceId ? 'this-instance' : owner === null ? 'registered' : 'other-instance',
      );
    }
    if (claimed.length > 0) this.#deps.logger.info({ departments: claimed }, 'sandbox connectors registered');
  }
}
