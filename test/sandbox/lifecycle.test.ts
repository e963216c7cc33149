import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/index.ts';
import { fixtureData, startFixtureSandbox } from './fixtures.ts';

describe('sandbox lifecycle', () => {
  it('leaves nothing open after close(): the process exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./close-child.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let closedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      closedAt ||= performance.now();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearTimeout(killer);

    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    // A leak would hold close() or the process for the 5 s webhook timeout or the 60 s slow fault.
    expect(JSON.parse(stdout)).toEqual({ closeMs: expect.any(Number), pending: ['dropped', 200, 'dropped', 'dropped'] });
    expect(JSON.parse(stdout).closeMs).toBeLessThan(1000);
    expect(performance.now() - closedAt).toBeLessThan(1000);
  });

  it('closes idempotently', async () => {
    const sandbox = await startFixtureSandbox();
    await Promise.all([sandbox.close(), sandbox.close()]);
    await sandbox.close();
    await expect(fetch(`${sandbox.urls.matterRegistry}/health`)).rejects.toThrow();
  });

  it('listens on the fixed ports asked for, and fails cleanly when one is taken', async () => {
    const first = await startFixtureSandbox();
    const taken = Number(new URL(first.urls.matterRegistry).port);
    try {
      await expect(startSandbox({ data: fixtureData(), ports: { matterRegistry: taken } })).rejects.toThrow(/EADDRINUSE/);
      const departmentPort = Number(new URL(first.departments[0]!.baseUrl).port);
      await first.close();
      const fixed = await startSandbox({ data: fixtureData(), ports: { matterRegistry: taken, departmentsFrom: departmentPort } });
      try {
        expect(fixed.urls.matterRegistry).toBe(`http://127.0.0.1:${taken}`);
        expect(fixed.departments.map((department) => department.baseUrl)).toEqual([
          `http://127.0.0.1:${departmentPort}`,
          `http://127.0.0.1:${departmentPort + 1}`,
        ]);
      } finally {
        await fixed.close();
      }
    } finally {
      await first.close();
    }
  });

  it('gives every start its own random tokens and secrets', async () => {
    const [one, two] = await Promise.all([startFixtureSandbox(), startFixtureSandbox()]);
    try {
      expect(one.tokens.eCertificates).not.toBe(two.tokens.eCertificates);
      expect(new Set([...Object.values(one.tokens), one.departments[0]!.token, one.departments[0]!.webhookSecret]).size).toBe(5);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
