/**
 * The one timer loop of the gateway's background work (case delivery, status
 * polls, supervision, health checks, routine guide checks): one step at a
 * time, the next one `intervalMs` after the previous one ended, never two at
 * once, and a timer that never keeps the process alive.
 *
 * @module
 */

export interface BackgroundLoopOptions<T> {
  /** One unit of work; a rejection is told to `onError` and the loop goes on. */
  step: () => Promise<T>;
  /** Milliseconds from the end of one step to the start of the next. Must be positive. */
  intervalMs: number;
  /** Milliseconds from `start()` to the first step. Default 0 (at once). */
  firstStepAfterMs?: number;
  /**
   * Spread of the pause, as a fraction of `intervalMs` in [0, 1]: each pause
   * is `intervalMs * (1 + jitter * random())`, so instances started together
   * drift apart. Default 0 (exactly `intervalMs`).
   */
  jitter?: number;
  /** Draws the jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Whether more work is waiting after a step, so the next one starts at once. Default: never. */
  moreWork?: (result: T) => boolean;
  /** Told about a failed step (to log it); a throwing `onError` is ignored. Default: nothing. */
  onError?: (error: unknown) => void;
}

/**
 * Runs one step at a time, now (`run`) or in the background (`start`). `wake`
 * asks for the next step at once; `drain` waits for the steps in progress;
 * `stop` cancels the next step and then drains.
 */
export class BackgroundLoop<T> {
  readonly #step: () => Promise<T>;
  readonly #intervalMs: number;
  readonly #firstStepAfterMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #moreWork: (result: T) => boolean;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #woken = false;
  #inProgress = 0;

  constructor(options: BackgroundLoopOptions<T>) {
    if (!(Number.isFinite(options.intervalMs) && options.intervalMs > 0)) {
      throw new RangeError(`intervalMs must be a positive number, got ${options.intervalMs}`);
    }
    const firstStepAfterMs = options.firstStepAfterMs ?? 0;
    if (!(Number.isFinite(firstStepAfterMs) && firstStepAfterMs >= 0)) {
      throw new RangeError(`firstStepAfterMs must be >= 0, got ${firstStepAfterMs}`);
    }
    const jitter = options.jitter ?? 0;
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be in [0, 1], got ${jitter}`);
    this.#step = options.step;
    this.#intervalMs = options.intervalMs;
    this.#firstStepAfterMs = firstStepAfterMs;
    this.#jitter = jitter;
    this.#random = options.random ?? Math.random;
    this.#moreWork = options.moreWork ?? (() => false);
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Whether the loop is started (between `start` and `stop`). */
  get started(): boolean {
    return this.#started;
  }

  /** Whether a step is going on now. */
  get stepping(): boolean {
    return this.#inProgress > 0;
  }

  /** Runs one step after the one in progress, if any (steps never overlap); rejects when the step fails. */
  run(): Promise<T> {
    const result = this.#tail.then(async () => {
      this.#inProgress++;
      try {
        return await this.#step();
      } finally {
        this.#inProgress--;
      }
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Steps in the background until `stop`, the first after `firstStepAfterMs`. Calling it again does nothing. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(this.#firstStepAfterMs);
  }

  /**
   * Asks for a step as soon as possible when started: at once when idle,
   * right after the step in progress otherwise. Ignored when stopped.
   */
  wake(): void {
    if (!this.#started) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#schedule(0);
    } else {
      this.#woken = true;
    }
  }

  /** Resolves once the steps in progress or asked for with `run` are done; the schedule goes on. */
  async drain(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  /** Cancels the next step and resolves once the one in progress is done (graceful drain). */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.drain();
  }

  #pause(): number {
    return this.#jitter === 0 ? this.#intervalMs : this.#intervalMs * (1 + this.#jitter * this.#random());
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // A failing logger must not stop the loop.
    }
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#woken = false;
      this.run().then(
        (result) => {
          if (!this.#started) return;
          let more = false;
          try {
            more = this.#moreWork(result);
          } catch (error) {
            this.#report(error);
          }
          this.#schedule(this.#woken || more ? 0 : this.#pause());
        },
        (error: unknown) => {
          this.#report(error);
          if (this.#started) this.#schedule(this.#woken ? 0 : this.#pause());
        },
      );
    }, delayMs);
    this.#timer.unref();
  }
}
