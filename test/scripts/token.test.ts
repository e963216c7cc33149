/** `npm run token`: usage on --help and on a mistake, never a stack trace. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { createTokenVerifier } from '../../server/identity.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'token-script-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

function token(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, JWT_SECRET: SECRET },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run token', () => {
  it('prints its usage on --help and exits 0', () => {
    const help = token('--help');

    expect(help).toEqual({ status: 0, stdout: expect.stringMatching(/^usage: npm run token -- --sub <id>/), stderr: '' });
    expect(help.stdout).toContain('--dept     the department code, required for DEPARTMENT_STAFF');
  });

  it('names an unknown option with the usage, and exits 2 without a stack trace', () => {
    const wrong = token('--sbu', '440514199403120356');

    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^Unknown option '--sbu'/);
    expect(wrong.stderr).toContain('usage: npm run token');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it('mints a token the gateway accepts', async () => {
    const minted = token('--sub', 'staff-001', '--role', 'DEPARTMENT_STAFF', '--dept', 'WJJ-440514', '--name', '卫健窗口');
    const verifier = await createTokenVerifier({ secret: SECRET });

    expect(minted.status).toBe(0);
    expect(await verifier.identify(`Bearer ${minted.stdout.trim()}`)).toEqual(
      expect.objectContaining({ subject: 'staff-001', role: 'DEPARTMENT_STAFF', department: 'WJJ-440514', name: '卫健窗口' }),
    );
  });
});
