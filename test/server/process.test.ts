/**
 * What the README tells people to run, run as processes and stopped with a
 * signal as an orchestrator would:
 * - operators: `npm run build`, then `node --max-semi-space-size=32 dist/server/main.js`. SIGTERM
 *   drains it: the request in flight is answered, the process exits 0 within
 *   SHUTDOWN_GRACE_MS, and the browser pages work from the build;
 * - everyone else: `npm start`. The department check of the README passes
 *   8/8 against an approval system it prints, and a SIGTERM sent to npm
 *   reaches the gateway and drains it instead of leaving it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mintToken } from '../../server/identity.ts';
import { PDF } from '../support/newborn.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GRACE_MS = 10_000;

interface Running {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line that `match` accepts; rejects when the process ends first. */
  line(match: (line: string) => boolean): Promise<string>;
  /** The exit code, or `still running` after `withinMs`. */
  exit(withinMs: number): Promise<number | string>;
}

function run(command: string, args: string[], env: Record<string, string>): Running {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiting: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const take = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const lines = output.split('\n');
    for (const wait of [...waiting]) {
      const found = lines.find(wait.match);
      if (found !== undefined) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve(found);
      }
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return {
    child,
    output: () => output,
    line: (match) =>
      new Promise((resolve, reject) => {
        const found = output.split('\n').find(match);
        if (found !== undefined) return resolve(found);
        waiting.push({ match, resolve });
        void exited.then(() => reject(new Error(`${command} ${args.join(' ')} ended first:\n${output}`)));
      }),
    exit: (withinMs) =>
      Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), withinMs).unref())]),
  };
}

const started: Running[] = [];
afterAll(() => {
  for (const { child } of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** The gateway's URL from its `one-thing gateway ready` log line. */
async function readyUrl(gateway: Running): Promise<string> {
  const line = await gateway.line((l) => l.includes('"msg":"one-thing gateway ready"'));
  return (JSON.parse(line) as { url: string }).url.replace(/\/graphql$/, '');
}

function sandboxEnv(dataDir: string): Record<string, string> {
  // NODE_ENV=production as in a deployment (vitest's `test` would change Apollo's behaviour).
  return { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: String(GRACE_MS), LOG_LEVEL: 'info', NODE_ENV: 'production' };
}

describe('the production start: node dist/server/main.js', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-process-'));
    const build = run('npm', ['run', 'build'], {});
    expect(await build.exit(170_000), build.output()).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers the request in flight, then exits 0 within the grace period on SIGTERM', async () => {
    const gateway = run('node', ['--max-semi-space-size=32', 'dist/server/main.js'], sandboxEnv(dataDir));
    started.push(gateway);
    const url = await readyUrl(gateway);
    const token = await mintToken(readFileSync(join(dataDir, 'sandbox-jwt-secret'), 'utf8').trim(), {
      sub: '440514199403120356',
      name: '陈晓明',
      role: 'APPLICANT',
    });

    // An upload whose body is still to come when the signal arrives. The gateway's `100 Continue` says it has
    // taken the request in (Node answers it when the request starts), so the signal finds it in flight.
    const upload = request(`${url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-length': PDF.length, expect: '100-continue' },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upload.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      upload.on('error', reject);
    });
    upload.flushHeaders();
    await new Promise((resolve) => upload.once('continue', resolve));

    gateway.child.kill('SIGTERM');
    await gateway.line((l) => l.includes('shutting down'));
    upload.end(PDF);

    expect(await answer).toEqual({ status: 201, body: expect.stringContaining('"fileRef":"sha256:') });
    expect(await gateway.exit(GRACE_MS)).toBe(0);
    expect(gateway.output()).toContain('"msg":"stopped"');
  }, 90_000);

  it('serves the explorer and the dashboard with their bundles from the build', async () => {
    const gateway = run('node', ['--max-semi-space-size=32', 'dist/server/main.js'], sandboxEnv(dataDir));
    started.push(gateway);
    const url = await readyUrl(gateway);

    const statuses: Record<string, number> = {};
    for (const page of ['/', '/dashboard']) {
      const html = await (await fetch(`${url}${page}`, { headers: { accept: 'text/html' } })).text();
      for (const asset of html.match(/\/assets\/[^"']+/g) ?? []) statuses[asset.replace(/\/assets\/[^/]+\//, '')] = (await fetch(`${url}${asset}`)).status;
    }

    expect(statuses).toEqual({ 'explorer.js': 200, 'explorer.css': 200, 'dashboard.js': 200, 'dashboard.css': 200 });
    gateway.child.kill('SIGTERM');
    expect(await gateway.exit(GRACE_MS)).toBe(0);
  }, 90_000);
});

describe('the sandbox start: npm start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-npm-start-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("passes the README's department check against an approval system it prints, and drains on a SIGTERM sent to npm", async () => {
    const npm = run('npm', ['start'], sandboxEnv(dataDir));
    started.push(npm);
    const url = await readyUrl(npm);
    const check = await npm.line((l) => l.trim().startsWith('npm run check-connector -- '));

    const args = check.trim().replace(/^npm run check-connector -- /, '').split(/\s+/);
    const checkConnector = run('npm', ['run', '--silent', 'check-connector', '--', ...args], {});
    expect(await checkConnector.exit(60_000), checkConnector.output()).toBe(0);
    expect(checkConnector.output()).toContain('8 checks: 8 passed, 0 failed');

    npm.child.kill('SIGTERM');
    expect(await npm.exit(GRACE_MS)).toBe(0);
    expect(npm.output()).toContain('"msg":"stopped"');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 120_000);
});
