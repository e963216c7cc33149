/**
 * The browser pages' shared plumbing: bundling their code with esbuild (one
 * bundle per page, cached on disk under a hash of its inputs and the bundled
 * packages' versions), serving the assets gzip-compressed with ETags, and the
 * Content-Security-Policy that only allows the gateway's own origin.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../lib/logger.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export interface BrowserAsset {
  contentType: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface BrowserBundle {
  /** Hash of the bundle's inputs; part of its assets' URLs. */
  readonly hash: string;
  /** Assets by file name, e.g. `explorer.js`. */
  readonly files: ReadonlyMap<string, BrowserAsset>;
  /** The URL of one of its files: `/assets/<hash>/<file>`. */
  urlOf(file: string): string;
}

export interface BundleSpec {
  /** Name of the outputs: `<name>.js`, `<name>.css`. */
  name: string;
  /** The entry: the page's main file (its imports are bundled with it). */
  entry: { file: string };
  /** Files whose content goes into the bundle besides the entry (for the cache key). */
  sources?: readonly string[];
  /** npm packages bundled (their versions go into the cache key). */
  packages: readonly string[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Bundles being built or built in this process, by cache key. */
const bundles = new Map<string, Promise<BrowserBundle>>();

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

function cacheKey(spec: BundleSpec): string {
  const hash = createHash('sha256');
  hash.update(`esbuild ${packageVersion('esbuild')}\n`);
  for (const name of spec.packages) hash.update(`package ${name} ${packageVersion(name)}\n`);
  for (const file of [spec.entry.file, ...(spec.sources ?? [])]) {
    hash.update(`file ${relative(ROOT, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 20);
}

function asset(name: string, body: Buffer): BrowserAsset {
  const extension = name.slice(name.lastIndexOf('.'));
  return {
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    body,
    gzip: gzipSync(body, { level: 6 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function makeBundle(hash: string, files: Map<string, Buffer>): BrowserBundle {
  const assets = new Map([...files].map(([name, body]) => [name, asset(name, body)]));
  return { hash, files: assets, urlOf: (file) => `/assets/${hash}/${file}` };
}

async function readCached(dir: string): Promise<Map<string, Buffer> | null> {
  try {
    const list = JSON.parse(await readFile(join(dir, 'files.json'), 'utf8')) as string[];
    const files = new Map<string, Buffer>();
    for (const name of list) files.set(name, await readFile(join(dir, name)));
    return files;
  } catch {
    return null;
  }
}

async function writeCached(dir: string, files: Map<string, Buffer>): Promise<void> {
  // Written beside and renamed into place, so that a reader never sees half a bundle.
  const temporary = `${dir}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(temporary, { recursive: true });
  try {
    for (const [name, body] of files) await writeFile(join(temporary, name), body);
    await writeFile(join(temporary, 'files.json'), JSON.stringify([...files.keys()]));
    await rename(temporary, dir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // Another process may have put the same bundle there first: that is as good.
    if ((await readCached(dir)) === null) throw error;
  }
}

async function build(spec: BundleSpec): Promise<Map<string, Buffer>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [spec.entry.file],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    write: false,
    outdir: '/',
    entryNames: spec.name,
    assetNames: `${spec.name}-[hash]`,
    loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const files = new Map<string, Buffer>();
  for (const output of result.outputFiles) files.set(output.path.replace(/^.*[\\/]/, ''), Buffer.from(output.contents));
  return files;
}

/**
 * The bundle of `spec`: from this process's memory, else from
 * `cacheDir` (DATA_DIR/web-assets), else built now and stored there.
 */
export function browserBundle(spec: BundleSpec, cacheDir: string | null, logger?: Logger): Promise<BrowserBundle> {
  const key = `${spec.name}-${cacheKey(spec)}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = (async () => {
      const dir = cacheDir ? join(cacheDir, key) : null;
      const cached = dir ? await readCached(dir) : null;
      if (cached) return makeBundle(key, cached);
      const started = performance.now();
      const files = await build(spec);
      logger?.info({ bundle: spec.name, ms: Math.round(performance.now() - started) }, 'browser bundle built');
      if (dir) {
        await mkdir(cacheDir!, { recursive: true })
          .then(() => writeCached(dir, files))
          .catch((error: unknown) => logger?.warn({ err: error, dir }, 'browser bundle not cached (kept in memory)'));
      }
      return makeBundle(key, files);
    })();
    bundles.set(key, bundle);
    bundle.catch(() => bundles.delete(key));
  }
  return bundle;
}


/** Allows the gateway's own origin only; inline styles for the libraries' computed positions. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Every file under `dir`, in name order: a page's sources, for its bundle's cache key. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : [path];
    });
}

/** JSON for a `<script type="application/json">` element: `<` escaped so that no text can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
