/**
 * The status poller: reads delivered, undecided cases back from the
 * departments' approval systems (polling stays authoritative; webhooks only
 * make changes arrive sooner) and applies what changed. A case decided
 * APPROVED releases the application's cases waiting for it; one REJECTED or
 * WITHDRAWN withdraws them.
 */
import { groupBy } from '../lib/collections.ts';
import type { Logger } from '../lib/logger.ts';
import type { CaseRecord } from '../store/case-status.ts';
import { claimDuePolls, reschedulePolls } from '../store/outbox.ts';
import { applyCaseUpdate } from '../usecases/apply-case-update.ts';
import { BackgroundLoop } from '../lib/background-loop.ts';
import { describeError, positive, positiveInteger, silentLogger, type DeliveryDeps } from './support.ts';

/** Settings of a {@link StatusPoller}. */
export interface StatusPollerOptions {
  /** Milliseconds between two polls of one case, and between two batches when nothing more is due. Default 2000. */
  intervalMs?: number;
  /** Most cases claimed per batch (each department gets one `getCases` call for its share, ≤ 100 ids per HTTP request). Default 200. */
  batchSize?: number;
  /** Milliseconds a claimed case is reserved for this poller (a crashed poller's cases come due again after it). Default 30000. */
  leaseMs?: number;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** What one batch did. */
export interface PollSummary {
  /** Cases claimed and asked about. */
  polled: number;
  /** Cases whose status or details changed. */
  updated: number;
  /** Cases the department did not return (unknown to it). */
  missing: number;
  /** Departments that could not be asked (no connector, or the call failed); their cases are polled again later. */
  failedDepartments: string[];
  /** Matter codes released for delivery, per application id. */
  released: Record<string, string[]>;
}

export class StatusPoller {
  readonly #deps: DeliveryDeps;
  readonly #logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #loop: BackgroundLoop<PollSummary>;

  constructor(deps: DeliveryDeps, options: StatusPollerOptions = {}) {
    this.#deps = deps;
    this.#logger = (deps.logger ?? silentLogger()).child({ component: 'status-poller' });
    this.#intervalMs = positive('intervalMs', options.intervalMs ?? 2000);
    this.#batchSize = positiveInteger('batchSize', options.batchSize ?? 200);
    this.#leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
    this.#now = options.now ?? Date.now;
    this.#loop = new BackgroundLoop({
      step: () => this.#batch(),
      intervalMs: this.#intervalMs,
      moreWork: (summary) => summary.polled >= this.#batchSize,
      onError: (error) => this.#logger.error({ err: describeError(error) }, 'status poll batch failed'),
    });
  }

  /** Polls one batch of due cases now (after the batch in progress, if any). */
  runOnce(): Promise<PollSummary> {
    return this.#loop.run();
  }

  /** Polls in the background until {@link stop}. */
  start(): void {
    this.#loop.start();
  }

  /** Stops polling; resolves once the batch in progress is done. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #batch(): Promise<PollSummary> {
    const { db, directory, clients } = this.#deps;
    const summary: PollSummary = { polled: 0, updated: 0, missing: 0, failedDepartments: [], released: {} };
    const claimed = await claimDuePolls(db, { limit: this.#batchSize, leaseMs: this.#leaseMs, now: new Date(this.#now()) });
    summary.polled = claimed.length;
    await Promise.all(
      [...groupBy(claimed, (c) => c.departmentCode)].map(async ([departmentCode, cases]) => {
        try {
          const endpoint = await directory.forDepartment(departmentCode);
          if (!endpoint) {
            summary.failedDepartments.push(departmentCode);
            this.#logger.warn({ department: departmentCode, cases: cases.length }, 'no approval system registered; cases not polled');
            return;
          }
          const remote = await clients.for(endpoint).getCases(cases.map((c) => c.remoteCaseId!));
          const returned = new Set(remote.map((r) => r.caseId));
          for (const c of cases) {
            if (returned.has(c.remoteCaseId!)) continue;
            summary.missing += 1;
            this.#logger.warn({ caseId: c.id, department: departmentCode, remoteCaseId: c.remoteCaseId }, 'department does not know the case');
          }
          for (const r of remote) {
            const result = await applyCaseUpdate(
              { db, now: () => new Date(this.#now()), logger: this.#logger, ...(this.#deps.onCaseChanged ? { onChanged: this.#deps.onCaseChanged } : {}) },
              { departmentCode },
              { remoteCase: r },
            );
            if (result.outcome !== 'updated') continue;
            summary.updated += 1;
            this.#logger.info({ caseId: result.case?.id, department: departmentCode, status: r.status }, 'case status changed');
            if (result.settled.released.length > 0) {
              const applicationId = result.case!.applicationId;
              summary.released[applicationId] = [...(summary.released[applicationId] ?? []), ...result.settled.released];
            }
          }
        } catch (error) {
          summary.failedDepartments.push(departmentCode);
          this.#logger.warn({ department: departmentCode, err: describeError(error) }, 'status poll failed; will poll again');
        } finally {
          // Undecided cases (the decided ones are no longer polled) come due again after one interval.
          await reschedulePolls(db, cases.map((c) => c.id), new Date(this.#now() + this.#intervalMs));
        }
      }),
    );
    return summary;
  }
}
