/**
 * Group commit: items added in the same turn of the event loop, or while the
 * previous write is under way, are written together by one call of `write`,
 * and every `add` resolves (or rejects) with the write that carried its items.
 *
 * On the embedded database a statement's fixed cost dominates (ten rows cost
 * about what one does), so requests answered together share one statement
 * instead of paying one each; on PostgreSQL they share one round trip.
 *
 * @module
 */

/** Options of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Most items in one write; a larger burst takes several writes, in order. Default 2000. */
  maxItems?: number;
}

interface Batch<T> {
  items: T[];
  done: Promise<void>;
  settle(error?: unknown): void;
}

export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #maxItems: number;
  /** The write under way, if any. */
  #inFlight: Promise<void> | null = null;
  /** Items waiting for a write, oldest batch first; each batch is one write. */
  readonly #waiting: Batch<T>[] = [];

  /** `write` stores one batch, all or none, in the order given. */
  constructor(write: (items: T[]) => Promise<void>, options: GroupCommitOptions = {}) {
    this.#write = write;
    this.#maxItems = options.maxItems ?? 2000;
  }

  /**
   * Queues `items` (kept together in one write, after everything added
   * before) and resolves once they are written. Does nothing for an empty list.
   */
  add(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    let batch = this.#waiting.at(-1);
    if (!batch || (batch.items.length > 0 && batch.items.length + items.length > this.#maxItems)) {
      let settle!: Batch<T>['settle'];
      const done = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      batch = { items: [], done, settle };
      this.#waiting.push(batch);
    }
    for (const item of items) batch.items.push(item);
    // setImmediate runs after the I/O callbacks of this turn: the items they add join the batch.
    this.#inFlight ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flushNext());
    return batch.done;
  }

  #flushNext(): void {
    const batch = this.#waiting.shift();
    if (!batch) {
      this.#inFlight = null;
      return;
    }
    const write = Promise.resolve().then(() => this.#write(batch.items));
    write.then(
      () => batch.settle(),
      (error: unknown) => batch.settle(error ?? new Error('group write failed')),
    );
    this.#inFlight = write.catch(() => {}).finally(() => this.#flushNext());
  }
}
