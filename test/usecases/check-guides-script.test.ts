/** `npm run check-guides`: the command line around the guide check, in-process. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGuides } from '../../scripts/check-guides.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'check-guides-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const capture = () => {
  const io = { stdout: '', stderr: '' };
  return { io, cli: { out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) } };
};

describe('check-guides', () => {
  it('checks the sandbox when no upstream is configured, prints the report, stores the run and exits 0', async () => {
    const { io, cli } = capture();

    const status = await checkGuides(['--region', '440514', '--timeout-ms', '300'], { DATA_DIR: dataDir }, cli);

    expect(status).toBe(0);
    expect(io.stdout).toContain('区域 Region: 440514');
    // Five of the six published Chaonan topics are clean; CN-YJS-CJR is neither guidable nor online-processable.
    expect(io.stdout).toContain('可导办率 guidable 83.3 %（目标 target 100 %，未达标 NOT MET）');
    expect(io.stdout).toContain('- ONLINE_URL_UNREACHABLE: 网上申办地址打不开');
    expect(io.stderr).toContain('stored as guide check run 1');
  });

  it('exits 1 when the configured registry cannot be reached, and 2 for bad arguments', async () => {
    const down = capture();
    const env = {
      DATA_DIR: dataDir,
      UPSTREAM_TIMEOUT_MS: '500',
      MATTER_REGISTRY_URL: 'http://127.0.0.1:9',
      E_CERTIFICATES_URL: 'http://127.0.0.1:9',
      E_CERTIFICATES_TOKEN: 't',
      DATA_CENTER_URL: 'http://127.0.0.1:9',
      DATA_CENTER_TOKEN: 't',
      EVALUATION_URL: 'http://127.0.0.1:9',
      EVALUATION_TOKEN: 't',
    };
    expect(await checkGuides([], env, down.cli)).toBe(1);
    expect(down.io.stderr).toContain('the guide check could not run: matter-registry is unavailable');

    const bad = capture();
    expect(await checkGuides(['--regoin', '440514'], { DATA_DIR: dataDir }, bad.cli)).toBe(2);
    expect(bad.io.stderr).toContain('usage: npm run check-guides');
  });
});
