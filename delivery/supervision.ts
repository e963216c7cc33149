/**
 * The background work of 效能监督: the warning monitor (levels of the cases,
 * overdue follow-ups) and the alert sender (the outbox of alerts to
 * ALERT_WEBHOOK_URL). Small classes with start/stop/wake around the use
 * cases of usecases/supervision.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import type { Queryable } from '../store/database.ts';
import {
  alertOverdueFollowUps,
  evaluateWarnings,
  sendDueAlerts,
  SYSTEM,
  type AlertReceiver,
  type AlertSendSummary,
  type LeadDepartmentOf,
  type WarningPass,
} from '../usecases/supervision.ts';
import { BackgroundLoop } from '../lib/background-loop.ts';
import { describeError, positive, silentLogger } from './support.ts';

export interface WarningMonitorOptions {
  /** Milliseconds between two passes (a case update wakes it sooner). Default 60000. */
  intervalMs?: number;
  /** The clock. Default the current time (tests pass a controllable one). */
  now?: () => Date;
}

/** Evaluates every case's warning level and the overdue follow-ups, periodically and when woken. */
export class WarningMonitor {
  readonly #loop: BackgroundLoop<WarningPass & { followUpAlerts: number }>;
  readonly #onAlert: () => void;

  constructor(
    deps: { db: Queryable; leadDepartmentOf: LeadDepartmentOf; yellowAt: number; logger?: Logger; onAlert?: () => void },
    options: WarningMonitorOptions = {},
  ) {
    const logger = (deps.logger ?? silentLogger()).child({ component: 'warning-monitor' });
    const now = options.now ?? (() => new Date());
    this.#onAlert = deps.onAlert ?? (() => undefined);
    this.#loop = new BackgroundLoop({
      step: async () => {
        const at = now();
        const pass = await evaluateWarnings(deps, SYSTEM, { now: at });
        const followUpAlerts = await alertOverdueFollowUps(deps, SYSTEM, { now: at });
        if (pass.alerts + followUpAlerts > 0) {
          logger.info({ caseAlerts: pass.alerts, followUpAlerts, changed: pass.changed }, 'supervision alerts raised');
          this.#onAlert();
        }
        return { ...pass, followUpAlerts };
      },
      intervalMs: positive('intervalMs', options.intervalMs ?? 60_000),
      moreWork: () => false,
      onError: (error) => logger.error({ err: describeError(error) }, 'warning evaluation failed'),
    });
  }

  /** One pass now (after the one in progress). */
  runOnce(): Promise<WarningPass & { followUpAlerts: number }> {
    return this.#loop.run();
  }

  start(): void {
    this.#loop.start();
  }

  /** A case changed: evaluate soon. */
  wake(): void {
    this.#loop.wake();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }
}

export interface AlertSenderOptions {
  /** Milliseconds between two batches when nothing is due. Default 5000. */
  intervalMs?: number;
  /** Most alerts per batch. Default 50. */
  batchSize?: number;
  /** Milliseconds an alert is reserved for this sender. Default 30000. */
  leaseMs?: number;
  /** Backoff of the retries: first at most `baseMs`, then doubling up to `maxMs`. Default 1000 and 300000 ms. */
  backoff?: { baseMs: number; maxMs: number };
  now?: () => Date;
}

/** Sends the alert outbox to the operator's receiver until stopped. */
export class AlertSender {
  readonly #loop: BackgroundLoop<AlertSendSummary>;

  constructor(deps: { db: Queryable; receiver: AlertReceiver; logger?: Logger }, options: AlertSenderOptions = {}) {
    const logger = (deps.logger ?? silentLogger()).child({ component: 'alert-sender' });
    const workerId = `alerts-${randomUUID()}`;
    const batchSize = options.batchSize ?? 50;
    const request = () => ({
      workerId,
      now: options.now?.() ?? new Date(),
      limit: batchSize,
      leaseMs: options.leaseMs ?? 30_000,
      backoff: options.backoff ?? { baseMs: 1000, maxMs: 300_000 },
    });
    this.#loop = new BackgroundLoop({
      step: async () => {
        const summary = await sendDueAlerts(deps, SYSTEM, request());
        if (summary.failed > 0) logger.warn(summary, 'alert receiver did not take every alert; retrying later');
        return summary;
      },
      intervalMs: positive('intervalMs', options.intervalMs ?? 5000),
      moreWork: (summary) => summary.sent + summary.failed >= batchSize && summary.failed === 0,
      onError: (error) => logger.error({ err: describeError(error) }, 'alert batch failed'),
    });
  }

  runOnce(): Promise<AlertSendSummary> {
    return this.#loop.run();
  }

  start(): void {
    this.#loop.start();
  }

  wake(): void {
    this.#loop.wake();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
