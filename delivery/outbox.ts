/**
 * The delivery worker (DESIGN.md, "Applications", rule 3): sends each
 * QUEUED case of the durable outbox (the `cases` table) to its department's
 * approval system, and each pending supplement after it.
 *
 * A case is posted with `Idempotency-Key = <applicationId>:<matterCode>` and
 * the CaseSubmission built from its stored application, materials and the
 * result certificates of its approved prerequisites
 * (`connectors/approval/payload.ts`). The answer is recorded:
 * - 201/200 → delivered (the department's case id, status, due date);
 * - 4xx → refused: the department's reason is shown to the applicant and the
 *   case is not retried blindly;
 * - 5xx, timeouts, no connector → retried later with exponential backoff and
 *   full jitter, with the same key, so a lost answer or a crashed worker
 *   never creates a second case.
 *
 * Any number of workers, in any number of processes, may share one
 * database: each case is leased to one worker at a time.
 */
import { randomUUID } from 'node:crypto';
import { caseSubmissionSchema, type Case, type CaseSubmission } from '../connectors/approval/models.ts';
import type { ApprovalEndpoint } from '../connectors/approval/endpoint.ts';
import { caseSubmission } from '../connectors/approval/payload.ts';
import { groupBy } from '../lib/collections.ts';
import { DECIDED, INCOMPLETE_PAYLOAD_REASON, prerequisiteResults } from '../domain/case-lifecycle.ts';
import { UpstreamRejectedError } from '../lib/errors.ts';
import { loadApplicationCases, lockApplication, settleDependents, toCaseNode, type CaseRecord } from '../store/case-status.ts';
import {
  claimDueDeliveries,
  claimDueSupplements,
  recordDelivered,
  recordDeliveryFailure,
  recordDeliveryRefused,
  recordSupplementDelivered,
  recordSupplementFailure,
  recordSupplementRefused,
  type BackoffOptions,
  type SupplementRecord,
} from '../store/outbox.ts';
import { recordCaseEvents } from '../store/application-events.ts';
import { findApplication, materialsOf } from '../store/applications.ts';
import type { Queryable } from '../store/queryable.ts';
import { applyCaseUpdate } from '../usecases/apply-case-update.ts';
import { BackgroundLoop } from '../lib/background-loop.ts';
import {
  describeError,
  mapLimit,
  positive,
  positiveInteger,
  refusalReason,
  silentLogger,
  type DeliveryDeps,
} from './support.ts';

/** Settings of a {@link DeliveryWorker}. */
export interface DeliveryWorkerOptions {
  /** Names this worker's leases (`cases.claimed_by`). Default `worker-<random UUID>`; must differ between workers. */
  workerId?: string;
  /** Milliseconds between two batches when the previous one did not fill up. Default 500. */
  pollIntervalMs?: number;
  /** Most cases (and, separately, supplements) claimed per batch. Default 64. */
  batchSize?: number;
  /**
   * Most deliveries in flight at once within a batch. Default 32: with
   * departments answering in 50 ms, two instances drain about 370 cases/s
   * (8 in flight: about 130); the per-department bulkhead (64) still bounds
   * what one system receives from one instance.
   */
  concurrency?: number;
  /**
   * Milliseconds a claimed case stays reserved for this worker; after that,
   * another worker may send it again (with the same Idempotency-Key). Must
   * exceed the longest delivery (the connector's timeout). Default 30000.
   */
  leaseMs?: number;
  /** Milliseconds: the cap of the first retry's delay; it doubles with each failed attempt. Default 1000. */
  backoffBaseMs?: number;
  /** Milliseconds: no retry waits longer. Default 60000. */
  backoffMaxMs?: number;
  /** Milliseconds after delivery when the status poller first reads the case back. Default 2000. */
  firstPollAfterMs?: number;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Draws the jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** How one delivery ended. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'refused' | 'skipped';

/** What one batch did. */
export interface DeliverySummary {
  cases: Record<DeliveryOutcome, number>;
  supplements: Record<DeliveryOutcome, number>;
}

const emptyCounts = (): Record<DeliveryOutcome, number> => ({ delivered: 0, failed: 0, refused: 0, skipped: 0 });

/** The Idempotency-Key of a case's creation in its department's system. */
export function deliveryKey(c: Pick<CaseRecord, 'applicationId' | 'matterCode'>): string {
  return `${c.applicationId}:${c.matterCode}`;
}

/**
 * The CaseSubmission a case is sent with, built from what is stored now: its
 * application, the application's materials and the results of the case's
 * approved prerequisites. @returns null when the stored facts do not make
 * one the approval contract accepts.
 */
export async function caseSubmissionOf(db: Queryable, c: CaseRecord): Promise<CaseSubmission | null> {
  const [application, materials, cases] = await Promise.all([
    findApplication(db, c.applicationId),
    materialsOf(db, c.applicationId),
    loadApplicationCases(db, c.applicationId),
  ]);
  if (!application) return null;
  const submission = caseSubmission({
    application,
    materials,
    case: c,
    prerequisiteResults: prerequisiteResults(cases.map(toCaseNode), c.matterCode),
  });
  return caseSubmissionSchema.safeParse(submission).success ? submission : null;
}

export class DeliveryWorker {
  readonly workerId: string;
  readonly #deps: DeliveryDeps;
  readonly #logger;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #backoff: BackoffOptions;
  readonly #firstPollAfterMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #loop: BackgroundLoop<DeliverySummary>;

  constructor(deps: DeliveryDeps, options: DeliveryWorkerOptions = {}) {
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
    this.#deps = deps;
    this.#logger = (deps.logger ?? silentLogger()).child({ component: 'delivery-worker', workerId: this.workerId });
    this.#batchSize = positiveInteger('batchSize', options.batchSize ?? 64);
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? 32);
    this.#leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
    this.#backoff = {
      baseMs: positive('backoffBaseMs', options.backoffBaseMs ?? 1000),
      maxMs: positive('backoffMaxMs', options.backoffMaxMs ?? 60_000),
    };
    this.#firstPollAfterMs = positive('firstPollAfterMs', options.firstPollAfterMs ?? 2000);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#loop = new BackgroundLoop({
      step: () => this.#batch(),
      intervalMs: positive('pollIntervalMs', options.pollIntervalMs ?? 500),
      moreWork: (s) => total(s.cases) >= this.#batchSize || total(s.supplements) >= this.#batchSize,
      onError: (error) => this.#logger.error({ err: describeError(error) }, 'delivery batch failed'),
    });
  }

  /** Claims and delivers one batch of due cases, then one of due supplements (after the batch in progress, if any). */
  runOnce(): Promise<DeliverySummary> {
    return this.#loop.run();
  }

  /** Delivers in the background until {@link stop}: a batch every `pollIntervalMs`, back to back while batches fill up. */
  start(): void {
    this.#loop.start();
  }

  /**
   * Runs the next batch now rather than at the next interval (when started):
   * call it after queueing cases or supplements, e.g. from the submission's
   * `onSubmitted` hook, so that delivery starts at once.
   */
  wake(): void {
    this.#loop.wake();
  }

  /** Stops taking new batches; resolves once the batch in progress is done (graceful drain). */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #batch(): Promise<DeliverySummary> {
    const { db } = this.#deps;
    const summary: DeliverySummary = { cases: emptyCounts(), supplements: emptyCounts() };
    const claim = () => ({ limit: this.#batchSize, leaseMs: this.#leaseMs, now: new Date(this.#now()) });

    const cases = await claimDueDeliveries(db, this.workerId, claim());
    for (const outcome of await mapLimit(cases, this.#concurrency, (c) => this.#deliverCase(c))) summary.cases[outcome] += 1;

    // Supplements of one case go one after the other, in order; different cases in parallel.
    const supplements = await claimDueSupplements(db, this.workerId, claim());
    const perCase = [...groupBy(supplements, (s) => s.caseId).values()];
    await mapLimit(perCase, this.#concurrency, async (group) => {
      for (const s of group) summary.supplements[await this.#deliverSupplement(s)] += 1;
    });
    return summary;
  }

  #endpoint(departmentCode: string): Promise<ApprovalEndpoint | null> {
    return this.#deps.directory.forDepartment(departmentCode);
  }

  async #deliverCase(c: CaseRecord): Promise<DeliveryOutcome> {
    const log = { caseId: c.id, applicationId: c.applicationId, matterCode: c.matterCode, department: c.departmentCode };
    try {
      const endpoint = await this.#endpoint(c.departmentCode);
      if (!endpoint) return await this.#caseFailed(c, `no approval system registered for ${c.departmentCode}`);
      const submission = await caseSubmissionOf(this.#deps.db, c);
      if (!submission) {
        this.#logger.error(log, 'stored application does not make a CaseSubmission of the approval contract');
        return await this.#caseRefused(c, INCOMPLETE_PAYLOAD_REASON, 'stored application does not make a CaseSubmission of the approval contract');
      }
      const answer = await this.#deps.clients.for(endpoint).createCase(submission, deliveryKey(c));
      await this.#recordDelivered(c, answer.case);
      this.#logger.info({ ...log, remoteCaseId: answer.case.caseId, created: answer.created }, 'case delivered');
      return 'delivered';
    } catch (error) {
      try {
        if (error instanceof UpstreamRejectedError) {
          this.#logger.warn({ ...log, err: describeError(error) }, 'department refused the case');
          return await this.#caseRefused(c, refusalReason(error), describeError(error));
        }
        this.#logger.warn({ ...log, err: describeError(error) }, 'case delivery failed; will retry');
        return await this.#caseFailed(c, describeError(error));
      } catch (recordError) {
        // The lease runs out and the case is sent again, with the same key.
        this.#logger.error({ ...log, err: describeError(recordError) }, 'could not record the delivery outcome');
        return 'failed';
      }
    }
  }

  async #recordDelivered(c: CaseRecord, remote: Case): Promise<void> {
    const now = new Date(this.#now());
    await this.#deps.db.transaction(async (tx) => {
      await lockApplication(tx, c.applicationId);
      const recorded = await recordDelivered(tx, c.id, remote, { now, nextPollAt: new Date(now.getTime() + this.#firstPollAfterMs) });
      if (recorded) await recordCaseEvents(tx, c, recorded, now); // the citizen's push messages, committed with the delivery
      // Decided already (delivered late, after a crash): its dependents can go, or must be withdrawn.
      if (recorded && DECIDED.has(recorded.status)) await settleDependents(tx, c.applicationId, { now });
    });
    this.#deps.onCaseChanged?.();
  }

  async #caseFailed(c: CaseRecord, error: string): Promise<DeliveryOutcome> {
    const next = await recordDeliveryFailure(this.#deps.db, c.id, {
      workerId: this.workerId,
      now: new Date(this.#now()),
      error,
      backoff: this.#backoff,
      jitter: this.#random(),
    });
    return next ? 'failed' : 'skipped';
  }

  async #caseRefused(c: CaseRecord, reason: string, error: string): Promise<DeliveryOutcome> {
    const refused = await recordDeliveryRefused(this.#deps.db, c.id, { workerId: this.workerId, now: new Date(this.#now()), reason, error });
    return refused ? 'refused' : 'skipped';
  }

  async #deliverSupplement(s: SupplementRecord): Promise<DeliveryOutcome> {
    const log = { supplementId: s.id, caseId: s.caseId, department: s.departmentCode };
    const { db } = this.#deps;
    try {
      const endpoint = await this.#endpoint(s.departmentCode);
      if (!endpoint) return await this.#supplementFailed(s, `no approval system registered for ${s.departmentCode}`);
      const remote = await this.#deps.clients.for(endpoint).supplement(s.remoteCaseId, s.materials, s.idempotencyKey);
      await recordSupplementDelivered(db, s.id);
      await applyCaseUpdate(
        { db, now: () => new Date(this.#now()), logger: this.#logger, ...(this.#deps.onCaseChanged ? { onChanged: this.#deps.onCaseChanged } : {}) },
        { departmentCode: s.departmentCode },
        { remoteCase: remote },
      );
      this.#logger.info(log, 'supplement delivered');
      return 'delivered';
    } catch (error) {
      try {
        if (error instanceof UpstreamRejectedError) {
          this.#logger.warn({ ...log, err: describeError(error) }, 'department refused the supplement');
          const refused = await recordSupplementRefused(db, s.id, { workerId: this.workerId, reason: refusalReason(error) });
          return refused ? 'refused' : 'skipped';
        }
        this.#logger.warn({ ...log, err: describeError(error) }, 'supplement delivery failed; will retry');
        return await this.#supplementFailed(s, describeError(error));
      } catch (recordError) {
        this.#logger.error({ ...log, err: describeError(recordError) }, 'could not record the supplement outcome');
        return 'failed';
      }
    }
  }

  async #supplementFailed(s: SupplementRecord, error: string): Promise<DeliveryOutcome> {
    const next = await recordSupplementFailure(this.#deps.db, s.id, {
      workerId: this.workerId,
      now: new Date(this.#now()),
      error,
      backoff: this.#backoff,
      jitter: this.#random(),
    });
    return next ? 'failed' : 'skipped';
  }
}

function total(counts: Record<DeliveryOutcome, number>): number {
  return counts.delivered + counts.failed + counts.refused + counts.skipped;
}
