import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackgroundLoop } from '../../lib/background-loop.ts';

/** A step whose calls are recorded at the fake clock's time and which the test finishes by hand. */
function controlledStep<T>(results: T[]) {
  const startedAt: number[] = [];
  const pending: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  return {
    startedAt,
    step: () => {
      startedAt.push(Date.now());
      return new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
    },
    finish(value: T = results[startedAt.length - 1]!) {
      pending.shift()!.resolve(value);
    },
    fail(error: Error) {
      pending.shift()!.reject(error);
    },
    get inProgress() {
      return pending.length;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('BackgroundLoop', () => {
  it('steps after the first delay, then one interval after each step ended, never two at once', async () => {
    const work = controlledStep([1, 2, 3]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 100, firstStepAfterMs: 50 });
    loop.start();

    await vi.advanceTimersByTimeAsync(50);
    expect(work.startedAt).toEqual([50]);
    await vi.advanceTimersByTimeAsync(500);
    expect(work.startedAt).toEqual([50]); // still running: the next one waits for it
    work.finish();
    await vi.advanceTimersByTimeAsync(100);
    work.finish();
    await vi.advanceTimersByTimeAsync(100);

    expect(work.startedAt).toEqual([50, 650, 750]);
    expect(loop.stepping).toBe(true);
    work.finish();
    await loop.stop();
  });

  it('runs the next step at once while the last one says more work is waiting', async () => {
    const work = controlledStep([10, 10, 3]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 1000, moreWork: (n: number) => n >= 10 });
    loop.start();

    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(0);
      work.finish();
    }
    await vi.advanceTimersByTimeAsync(999);

    expect(work.startedAt).toEqual([0, 0, 0]);
    await loop.stop();
  });

  it('tells onError about a failed step and goes on at the next interval', async () => {
    const errors: unknown[] = [];
    const work = controlledStep([undefined, undefined]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 100, onError: (error) => errors.push(error) });
    loop.start();

    await vi.advanceTimersByTimeAsync(0);
    work.fail(new Error('registry down'));
    await vi.advanceTimersByTimeAsync(100);

    expect(errors).toEqual([new Error('registry down')]);
    expect(work.startedAt).toEqual([0, 100]);
    work.finish();
    await loop.stop();
  });

  it('keeps going when onError itself throws', async () => {
    const work = controlledStep([undefined, undefined]);
    const loop = new BackgroundLoop({
      step: work.step,
      intervalMs: 100,
      onError: () => {
        throw new Error('the logger is broken');
      },
    });
    loop.start();

    await vi.advanceTimersByTimeAsync(0);
    work.fail(new Error('step failed'));
    await vi.advanceTimersByTimeAsync(100);

    expect(work.startedAt).toEqual([0, 100]);
    work.finish();
    await loop.stop();
  });

  it('spreads each pause by the jitter, a fraction of the interval', async () => {
    const work = controlledStep([undefined, undefined]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 1000, jitter: 0.5, random: () => 0.5 });
    loop.start();

    await vi.advanceTimersByTimeAsync(0);
    work.finish();
    await vi.advanceTimersByTimeAsync(1249);
    expect(work.startedAt).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);

    expect(work.startedAt).toEqual([0, 1250]);
    work.finish();
    await loop.stop();
  });

  it('wakes up for a step at once when idle, and right after the step in progress when busy', async () => {
    const work = controlledStep([undefined, undefined, undefined]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 60_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    work.finish();
    await vi.advanceTimersByTimeAsync(10);

    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(work.startedAt).toEqual([0, 10]);
    loop.wake();
    work.finish();
    await vi.advanceTimersByTimeAsync(0);

    expect(work.startedAt).toEqual([0, 10, 10]);
    work.finish();
    await loop.stop();
  });

  it('ignores wake while stopped', async () => {
    const work = controlledStep([undefined]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 100 });

    loop.wake();
    await vi.advanceTimersByTimeAsync(1000);

    expect(work.startedAt).toEqual([]);
  });

  it('stops: waits for the step in progress and starts no other', async () => {
    const work = controlledStep([undefined]);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 100 });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);

    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    work.finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);

    expect({ stopped, started: loop.started, steps: work.startedAt }).toEqual({ stopped: true, started: false, steps: [0] });
  });

  it('drains: waits for the steps asked for with run, one after the other, and keeps its schedule', async () => {
    const work = controlledStep(['first', 'second']);
    const loop = new BackgroundLoop({ step: work.step, intervalMs: 100, firstStepAfterMs: 10_000 });
    loop.start();
    const first = loop.run();
    const second = loop.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(work.inProgress).toBe(1);

    let drained = false;
    const draining = loop.drain().then(() => (drained = true));
    work.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    work.finish();
    await draining;

    expect({ results: [await first, await second], started: loop.started }).toEqual({ results: ['first', 'second'], started: true });
    await loop.stop();
  });

  it('refuses an interval that is not a positive number, and a jitter outside [0, 1]', () => {
    const step = async () => undefined;
    expect(() => new BackgroundLoop({ step, intervalMs: 0 })).toThrow('intervalMs must be a positive number, got 0');
    expect(() => new BackgroundLoop({ step, intervalMs: 10, jitter: 2 })).toThrow('jitter must be in [0, 1], got 2');
  });
});
