/** Timing helpers of the benchmark. */

/** The median wall time of `run`, in ms, over `times` runs one after another, after `warmUps` untimed runs. */
export async function p50(times: number, run: () => Promise<unknown>, warmUps = 3): Promise<number> {
  for (let i = 0; i < warmUps; i++) await run();
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    took.push(performance.now() - started);
  }
  return took.sort((a, b) => a - b)[Math.floor(took.length / 2)] ?? 0;
}
