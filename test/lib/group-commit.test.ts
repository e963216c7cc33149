import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lib/group-commit.ts';

function recordingWriter(fail: (items: string[]) => boolean = () => false) {
  const writes: string[][] = [];
  const write = async (items: string[]) => {
    writes.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (fail(items)) throw new Error(`could not write ${items.join(',')}`);
  };
  return { writes, write };
}

describe('a group commit', () => {
  it('writes the items added in one turn together, and those added during that write in the next one', async () => {
    const { writes, write } = recordingWriter();
    const commits = new GroupCommit(write);

    const first = [commits.add(['a']), commits.add(['b', 'c'])];
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const during = [commits.add(['d']), commits.add(['e'])];
    await Promise.all([...first, ...during]);

    expect(writes).toEqual([['a', 'b', 'c'], ['d', 'e']]);
  });

  it('keeps one add in one write and starts a new write when the next would pass the limit', async () => {
    const { writes, write } = recordingWriter();
    const commits = new GroupCommit(write, { maxItems: 3 });

    await Promise.all([commits.add(['a', 'b']), commits.add(['c', 'd']), commits.add(['e', 'f', 'g', 'h']), commits.add([])]);

    expect(writes).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f', 'g', 'h']]);
  });

  it('rejects the adds of a failed write only, and goes on writing the next ones', async () => {
    const { writes, write } = recordingWriter((items) => items.includes('bad'));
    const commits = new GroupCommit(write, { maxItems: 2 });

    const results = await Promise.allSettled([commits.add(['ok']), commits.add(['bad']), commits.add(['x', 'y'])]);

    expect(writes).toEqual([['ok', 'bad'], ['x', 'y']]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.status))).toEqual([
      'could not write ok,bad',
      'could not write ok,bad',
      'fulfilled',
    ]);
  });
});
