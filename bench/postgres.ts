/**
 * A throwaway PostgreSQL cluster for the benchmark (`--postgres`), made the
 * way .ci/run makes the test one: the newest server binaries under
 * /usr/lib/postgresql/<version>/bin, a cluster in a temp directory owned by
 * the postgres user (initdb refuses root), trust auth on 127.0.0.1 only, a
 * free port, durability settings off (a benchmark's data is thrown away).
 * Stopped (immediate) and deleted by `stop()`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/bench`. */
  url: string;
  stop(): void;
}

function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install the postgresql package, as .ci/run does)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = serverBinaries();
  const asOwner = process.getuid?.() === 0 ? (command: string, args: string[]) => ['runuser', ['-u', 'postgres', '--', command, ...args]] as const : (command: string, args: string[]) => [command, args] as const;
  const run = (command: string, args: string[]) => {
    const [file, argv] = asOwner(command, args);
    execFileSync(file, [...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir]);
  else chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--auth-local=trust', '--auth-host=trust', '--no-sync']);
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 256MB',
      '',
    ].join('\n'),
  );
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  execFileSync(join(bin, 'psql'), ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'CREATE DATABASE bench']);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/bench`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
