/**
 * The benchmark's upstreams: the sandbox in a process of its own, so that
 * simulating the upstreams does not take the gateway's CPU. Started by
 * bench/main.ts with an IPC channel; answers with its URLs, tokens and
 * departments, and closes on "close".
 */
import { setMaxListeners } from 'node:events';
import { startSandbox } from '../sandbox/index.ts';

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);
const caseStepMs = Number(process.env.BENCH_CASE_STEP_MS ?? 200);

// Every delayed call listens on the sandbox's shutdown signal: under load that is many listeners, and no leak.
setMaxListeners(0);
const sandbox = await startSandbox({ host: '127.0.0.1', latencyMs, caseStepMs });
// The call log would grow with every call of the run: nobody reads it here.
const trim = setInterval(() => sandbox.calls.reset(), 1000);

process.send!({
  type: 'ready',
  urls: sandbox.urls,
  tokens: sandbox.tokens,
  departments: sandbox.departments,
});

process.on('message', async (message: { type: string }) => {
  if (message.type !== 'close') return;
  clearInterval(trim);
  await sandbox.close();
  process.disconnect();
});
process.on('disconnect', () => {
  clearInterval(trim);
  void sandbox.close().then(() => process.exit(0));
});
