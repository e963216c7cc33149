/**
 * Keeps the assessment metrics' counters compact: the database appends a
 * change for every write of applications and cases (migration 016), and this
 * loop adds them into the counters, so that what a metrics query reads stays
 * a few rows per day of the period, not one per change.
 */
import type { Logger } from '../lib/logger.ts';
import type { Queryable } from '../store/database.ts';
import { foldCountChanges, type FoldedChanges } from '../store/metrics.ts';
import { BackgroundLoop } from '../lib/background-loop.ts';
import { describeError, positive, positiveInteger, silentLogger } from './support.ts';

/** Settings of a {@link CountFolder}. */
export interface CountFolderOptions {
  /** Milliseconds between two folds when no more changes are waiting. Default 5000. */
  intervalMs?: number;
  /** Most changes of each table folded by one statement. Default 10000. */
  batchSize?: number;
}

/** Folds the appended count changes into the counters, periodically, until stopped. */
export class CountFolder {
  readonly #loop: BackgroundLoop<FoldedChanges>;

  constructor(deps: { db: Queryable; logger?: Logger }, options: CountFolderOptions = {}) {
    const logger = (deps.logger ?? silentLogger()).child({ component: 'count-folder' });
    const batchSize = positiveInteger('batchSize', options.batchSize ?? 10_000);
    const intervalMs = positive('intervalMs', options.intervalMs ?? 5000);
    this.#loop = new BackgroundLoop({
      step: () => foldCountChanges(deps.db, batchSize),
      intervalMs,
      // The first fold follows the first pause: a starting instance has other work.
      firstStepAfterMs: intervalMs,
      jitter: 0.2,
      moreWork: (folded) => folded.applications >= batchSize || folded.cases >= batchSize,
      onError: (error) => logger.error({ err: describeError(error) }, 'folding the metrics counters failed'),
    });
  }

  /** Folds one batch now (after the one in progress, if any). */
  runOnce(): Promise<FoldedChanges> {
    return this.#loop.run();
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops folding; resolves once the fold in progress is done. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
