/**
 * Following an application live (指尖办): the stream of its push messages
 * behind the `applicationUpdated` subscription. Every message comes from
 * the durable table, never from memory: a wake-up (NOTIFY, from any gateway
 * instance) only says "read the table again", and so does a timer, in case a
 * wake-up was lost. A reconnecting client names the last message it saw
 * and is replayed everything after it.
 */
import { mayFollowApplication, type Follower } from '../domain/application-events.ts';
import { BadUserInputError, NotFoundError, TooManySubscriptionsError, UnauthenticatedError, type InputProblem } from '../lib/errors.ts';
import { eventsAfter, latestEventId, type ApplicationEventRecord } from '../store/application-events.ts';
import { findApplication } from '../store/applications.ts';
import type { Queryable } from '../store/database.ts';

/**
 * How many subscriptions each subject has open in this process, bounded.
 * Per instance: a person reaches one instance per connection, so the bound
 * across N instances is at most N × the limit.
 */
export class SubscriptionSlots {
  readonly #open = new Map<string, number>();

  /** @param maxPerSubject open subscriptions allowed per subject at once (≥ 1). */
  constructor(readonly maxPerSubject: number) {}

  /** Takes a slot for `subject`: the function that gives it back (once), or null when all are taken. */
  take(subject: string): (() => void) | null {
    const open = this.#open.get(subject) ?? 0;
    if (open >= this.maxPerSubject) return null;
    this.#open.set(subject, open + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.#open.get(subject) ?? 1) - 1;
      if (left > 0) this.#open.set(subject, left);
      else this.#open.delete(subject);
    };
  }
}

export interface FollowApplicationDeps {
  db: Queryable;
  /** Wakes the stream when a message for the application was recorded (store `ApplicationEventFeed`). */
  wakeups: { follow(applicationId: string, wake: () => void): Promise<() => void> };
  slots: SubscriptionSlots;
  /** Milliseconds between two reads of the table when nothing woke the stream. */
  recheckMs: number;
}

export interface FollowApplicationRequest {
  applicationId: string;
  /** The id of the last message the client saw (SSE Last-Event-ID); null: only messages from now on. */
  lastEventId: string | null;
}

const EVENT_ID = /^\d{1,18}$/;
const MAX_ID_LENGTH = 100;
const BATCH = 100;

function problemsOf(request: FollowApplicationRequest): InputProblem[] {
  const problems: InputProblem[] = [];
  if (request.applicationId.trim() === '') problems.push({ field: 'id', code: 'EMPTY', message: 'the application id is empty' });
  else if (request.applicationId.length > MAX_ID_LENGTH) {
    problems.push({ field: 'id', code: 'TOO_LONG', message: `an application id has at most ${MAX_ID_LENGTH} characters` });
  }
  if (request.lastEventId !== null && !EVENT_ID.test(request.lastEventId)) {
    problems.push({ field: 'Last-Event-ID', code: 'NOT_AN_EVENT_ID', message: 'Last-Event-ID must be the id of an event this stream sent (digits)' });
  }
  return problems;
}

/**
 * Opens the stream of `request.applicationId`'s push messages for `actor`
 * (null: not signed in). Checked before anything is streamed: bad input →
 * BAD_USER_INPUT listing every problem; not signed in → UNAUTHENTICATED;
 * an application `actor` may not follow, or none at all → NOT_FOUND, the
 * same answer for both; all of the subject's slots taken →
 * RATE_LIMITED. The stream holds its slot until it is ended (`return()`).
 */
export async function followApplication(
  deps: FollowApplicationDeps,
  actor: Follower | null,
  request: FollowApplicationRequest,
): Promise<AsyncIterableIterator<ApplicationEventRecord>> {
  const problems = problemsOf(request);
  if (problems.length > 0) throw new BadUserInputError('The subscription cannot start', problems);
  if (!actor) throw new UnauthenticatedError();
  const application = await findApplication(deps.db, request.applicationId);
  if (!application || !mayFollowApplication(actor, application)) {
    throw new NotFoundError(`You have no application ${request.applicationId}`);
  }
  const release = deps.slots.take(actor.subject);
  if (!release) throw new TooManySubscriptionsError(deps.slots.maxPerSubject);
  const stream = new ApplicationEventStream(deps, application.id, release);
  try {
    // Listen first, then fix the starting point: a message recorded in between is both announced and read.
    await stream.listen();
    stream.startAfter(request.lastEventId ?? (await latestEventId(deps.db, application.id)));
  } catch (error) {
    await stream.return();
    throw error;
  }
  return stream;
}

class ApplicationEventStream implements AsyncIterableIterator<ApplicationEventRecord> {
  readonly #deps: FollowApplicationDeps;
  readonly #applicationId: string;
  readonly #release: () => void;
  readonly #pending: ApplicationEventRecord[] = [];
  #after: string | null = null;
  #ended = false;
  /** Set by a wake-up that came while the table was being read: read it again before waiting. */
  #woken = false;
  #wake: (() => void) | null = null;
  #unfollow: (() => void) | null = null;

  constructor(deps: FollowApplicationDeps, applicationId: string, release: () => void) {
    this.#deps = deps;
    this.#applicationId = applicationId;
    this.#release = release;
  }

  async listen(): Promise<void> {
    this.#unfollow = await this.#deps.wakeups.follow(this.#applicationId, () => {
      this.#woken = true;
      this.#wake?.();
    });
  }

  startAfter(eventId: string | null): void {
    this.#after = eventId;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ApplicationEventRecord>> {
    while (!this.#ended) {
      const ready = this.#pending.shift();
      if (ready) return { value: ready, done: false };
      this.#woken = false;
      const read = await eventsAfter(this.#deps.db, this.#applicationId, this.#after, BATCH);
      if (this.#ended) break;
      if (read.length > 0) {
        this.#pending.push(...read);
        this.#after = read.at(-1)!.id;
        continue;
      }
      if (!this.#woken) await this.#sleep();
    }
    return { value: undefined, done: true };
  }

  /** Until a wake-up, the end of the stream, or `recheckMs`. */
  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#deps.recheckMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
  }

  async return(): Promise<IteratorResult<ApplicationEventRecord>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#unfollow?.();
      this.#release();
      this.#wake?.();
    }
    return { value: undefined, done: true };
  }
}
