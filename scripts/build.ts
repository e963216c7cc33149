/**
 * `npm run build`: the gateway compiled to JavaScript under `dist/`, with
 * source maps, for the production start `node dist/server/main.js`.
 *
 * tsc compiles what tsconfig.build.json includes (relative `.ts` imports
 * become `.js`). The code also reads files beside its modules at run time,
 * found relative to `import.meta.url`: the migrations, the SDL, the sandbox's
 * data, the trusted-documents manifest, and the browser pages' sources that
 * esbuild bundles on a page's first view. So every file of a compiled folder
 * that tsc did not compile is copied to the same place under `dist/`; a
 * folder with a tsconfig.json of its own holds browser code, whose `.ts`
 * files are copied too. `dist/` keeps using the project's node_modules.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'dist');

/** Files under `dir`, recursively, skipping dependencies. */
function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/** Whether `file` lies under a folder (below the root) that has a tsconfig.json of its own: browser code. */
function isBrowserSource(file: string): boolean {
  for (let dir = dirname(file); dir !== ROOT && dir.startsWith(ROOT); dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json'))) return true;
  }
  return false;
}

function compile(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('build: tsc failed\n');
    process.exit(result.status ?? 1);
  }
}

/**
 * The top-level folders of the build: those tsconfig.build.json includes
 * (`schema/` has no TypeScript at all) and those tsc emitted into (a folder
 * reached only through an import).
 */
function buildFolders(): Set<string> {
  const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  return new Set([...config.include.map((path) => path.split('/')[0]!), ...readdirSync(OUT_DIR)]);
}

/** Copies the run-time files of every build folder; returns how many. */
function copyRunTimeFiles(): number {
  let copied = 0;
  for (const folder of buildFolders()) {
    const source = join(ROOT, folder);
    if (!existsSync(source)) continue;
    for (const file of filesUnder(source)) {
      const target = join(OUT_DIR, relative(ROOT, file));
      const compiled = file.endsWith('.ts') && existsSync(target.replace(/\.ts$/, '.js'));
      if (compiled || (file.endsWith('.ts') && !isBrowserSource(file))) continue;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      copied++;
    }
  }
  return copied;
}

// A fresh directory: nothing left over from a source file since deleted.
rmSync(OUT_DIR, { recursive: true, force: true });
compile();
const copied = copyRunTimeFiles();
process.stdout.write(`build: compiled into ${relative(process.cwd(), OUT_DIR) || '.'}/ and copied ${copied} run-time files\n`);
