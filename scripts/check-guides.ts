/**
 * `npm run check-guides [-- --region 440514] [--timeout-ms 5000]`: runs the
 * routine guide check once (usecases/guide-check.ts) against the configured
 * matter registry, stores the run in the configured database, and prints the
 * report (Chinese and English) on standard output.
 *
 * Configuration as for the gateway (server/config.ts): MATTER_REGISTRY_URL
 * etc.; with no upstream URL set, the bundled sandbox is started for the run
 * and closed after. Database: DATABASE_URL, else the embedded one under
 * DATA_DIR/db. The embedded database can be open in one process only: while
 * the gateway runs on it, the run cannot be stored — the report is still
 * printed, with a warning on standard error (the gateway's own scheduler
 * stores its runs).
 *
 * Exit status: 0 when the check ran, whatever it found; 1 when it could not
 * run (bad configuration, registry unavailable); 2 for bad arguments.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CachedMatterRegistry } from '../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../connectors/matter-registry/client.ts';
import { withUrlProber } from '../connectors/online-address/probe.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase, type Database } from '../store/database.ts';
import { DEFAULT_URL_TIMEOUT_MS, formatGuideReport, runGuideCheck } from '../usecases/guide-check.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = 'usage: npm run check-guides [-- --region <code>] [--timeout-ms <ms>]';

/** Runs the check as the command line asks; resolves with the exit status. */
export async function checkGuides(
  args: readonly string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  let values: { region?: string; 'timeout-ms'?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { region: { type: 'string' }, 'timeout-ms': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? DEFAULT_URL_TIMEOUT_MS : Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) {
    io.err(`--timeout-ms must be a whole number of milliseconds from 1 to 120000\n${USAGE}\n`);
    return 2;
  }
  const region = values.region?.trim() || null;

  let sandbox: Sandbox | null = null;
  let client: MatterRegistryClient | null = null;
  let db: Database | null = null;
  try {
    const config = loadConfig(withServerOnlyPlaceholders(env));
    let registryUrl: string;
    if (config.upstreams) {
      registryUrl = config.upstreams.matterRegistry.url;
    } else {
      sandbox = await startSandbox();
      registryUrl = sandbox.urls.matterRegistry;
      io.err(`no upstream URL is configured: checking the sandbox's registry at ${registryUrl}\n`);
    }
    client = new MatterRegistryClient({ baseUrl: registryUrl, policy: { timeoutMs: config.upstreamTimeoutMs } });
    try {
      db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'db') });
    } catch (error) {
      io.err(`warning: the database cannot be opened (${(error as Error).message}): this run is NOT stored\n`);
    }
    const registry = new CachedMatterRegistry(client);
    const result = await withUrlProber((prober) =>
      runGuideCheck({ registry, db, probeUrl: prober.probe }, { region, urlTimeoutMs: timeoutMs }),
    );
    io.out(formatGuideReport(result.findings, { checkedAt: result.startedAt, region }));
    if (result.runId !== null) io.err(`stored as guide check run ${result.runId}\n`);
    return 0;
  } catch (error) {
    io.err(`the guide check could not run: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await client?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
  }
}

/**
 * The check verifies no token and seals no secret, but loadConfig insists on
 * the server's keys with real upstreams: absent ones get placeholders that
 * nothing uses, so that only what the check needs can fail it.
 */
function withServerOnlyPlaceholders(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const set = (name: string) => Boolean(env[name]?.trim());
  return {
    ...env,
    ...(!set('JWT_SECRET') && !set('JWT_PUBLIC_KEY_FILE') ? { JWT_SECRET: 'unused-by-check-guides'.padEnd(32, '-') } : {}),
    ...(!set('SECRETS_KEY') ? { SECRETS_KEY: '0'.repeat(64) } : {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await checkGuides(process.argv.slice(2));
}
