/**
 * The routes of the browser pages (server/explorer.ts lists them): each
 * page at its paths for GET and HEAD, and every page's bundle at
 * `/assets/<hash>/<file>`, cacheable for ever.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.ts';
import { browserBundle, PAGE_SECURITY_HEADERS, type BrowserAsset, type BrowserBundle, type BundleSpec } from '../browser-bundle.ts';
import { PAGE_METHODS, type Route } from './route.ts';

/** A browser page: its bundle, where it is served, and its HTML around the bundle. */
export interface WebPage {
  spec: BundleSpec;
  /** Exact paths of the page. */
  paths: readonly string[];
  /** A further condition on the request; default: none. */
  accepts?: (req: IncomingMessage, url: URL) => boolean;
  html(bundle: BrowserBundle): string;
}

export interface PageRouteOptions {
  /** Where built bundles are kept across restarts (DATA_DIR/web-assets). */
  cacheDir: string;
  logger: Logger;
}

const ASSET_PATH = /^\/assets\/([A-Za-z0-9_-]{1,80})\/([A-Za-z0-9_.-]{1,80})$/;

function sendPage(req: IncomingMessage, res: ServerResponse, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length), ...PAGE_SECURITY_HEADERS });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, found: BrowserAsset | undefined): void {
  if (!found || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found');
    return;
  }
  const headers: Record<string, string> = {
    'content-type': found.contentType,
    'cache-control': 'public, max-age=31536000, immutable',
    etag: found.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === found.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? found.gzip : found.body;
  res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The pages' routes (the asset route first) and a `warmUp` that builds every bundle now. */
export function pageRoutes(pages: readonly WebPage[], { cacheDir, logger }: PageRouteOptions): { routes: Route[]; warmUp(): Promise<void> } {
  /** The bundle of `spec`, looked up once (a failed build is tried again on the next request). */
  const once = (spec: BundleSpec) => {
    let bundle: Promise<BrowserBundle> | undefined;
    return () =>
      (bundle ??= browserBundle(spec, cacheDir, logger).catch((error: unknown) => {
        bundle = undefined;
        throw error;
      }));
  };
  const bundled = pages.map((page) => ({ page, bundle: once(page.spec) }));

  const assets: Route = {
    method: '*',
    path: ASSET_PATH,
    async handle(req, res, { params: [hash, file] }) {
      let found: BrowserAsset | undefined;
      for (const { page, bundle } of bundled) {
        if (found || !hash!.startsWith(`${page.spec.name}-`)) continue;
        const built = await bundle();
        if (built.hash === hash) found = built.files.get(file!);
      }
      sendAsset(req, res, found);
    },
  };
  const routes = bundled.flatMap(({ page, bundle }) =>
    page.paths.map(
      (path): Route => ({
        method: PAGE_METHODS,
        path,
        ...(page.accepts ? { accepts: page.accepts } : {}),
        handle: async (req, res) => sendPage(req, res, page.html(await bundle())),
      }),
    ),
  );
  return {
    routes: [assets, ...routes],
    async warmUp() {
      await Promise.all(bundled.map(({ bundle }) => bundle()));
    },
  };
}
