/**
 * The benchmark's upstreams: the sandbox in a process of its own, so that
 * simulating the upstreams does not take the gateway's CPU. Started by
 * bench/main.ts or bench/scale.ts with an IPC channel; answers with its URLs,
 * tokens and departments, and closes on "close". `BENCH_SCALE_MATTERS`
 * (e.g. `5,50,200`) adds generated topics of those sizes (bench/generated-topics.ts).
 * On "case-posts" it answers how many `POST /api/v1/cases` the departments received.
 */
import { setMaxListeners } from 'node:events';
import { loadSandboxData, startSandbox } from '../sandbox/index.ts';
import { withScaleTopics } from './generated-topics.ts';

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);
const caseStepMs = Number(process.env.BENCH_CASE_STEP_MS ?? 200);
const scaleSizes = (process.env.BENCH_SCALE_MATTERS ?? '').split(',').filter(Boolean).map(Number);

// Every delayed call listens on the sandbox's shutdown signal: under load that is many listeners, and no leak.
setMaxListeners(0);
const data = scaleSizes.length ? withScaleTopics(await loadSandboxData(), scaleSizes) : undefined;
const sandbox = await startSandbox({ host: '127.0.0.1', latencyMs, caseStepMs, ...(data ? { data } : {}) });
const CASE_POST = /^POST \/api\/v1\/cases$/;
let casePosts = 0;
// The call log would grow with every call of the run: only the case creations are counted, the rest dropped.
const trim = setInterval(() => {
  casePosts += sandbox.calls.count(undefined, CASE_POST);
  sandbox.calls.reset();
}, 1000);

process.send!({
  type: 'ready',
  urls: sandbox.urls,
  tokens: sandbox.tokens,
  departments: sandbox.departments,
});

process.on('message', async (message: { type: string }) => {
  if (message.type === 'case-posts') {
    process.send!({ type: 'case-posts', count: casePosts + sandbox.calls.count(undefined, CASE_POST) });
    return;
  }
  if (message.type !== 'close') return;
  clearInterval(trim);
  await sandbox.close();
  process.disconnect();
});
process.on('disconnect', () => {
  clearInterval(trim);
  void sandbox.close().then(() => process.exit(0));
});
