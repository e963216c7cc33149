/**
 * The browser pages of the gateway, served from the installed npm packages
 * only (no CDN, so they work on a network without internet access):
 *
 * - the GraphQL explorer (GraphiQL 4 with React) at `/` and at GET
 *   `/graphql` when a browser asks for HTML (`Accept: text/html`, no
 *   `query` parameter), with the contract's operations as examples and a
 *   field for the bearer token (explorer/). On with the sandbox, off with
 *   real upstreams unless EXPLORER=on;
 * - the assessment dashboard at `/dashboard` (dashboard/, DASHBOARD=on|off);
 * - the reference citizen page at `/citizen` (citizen/, CITIZEN_PAGE=on|off);
 * - the window console at `/window` (window/, WINDOW_PAGE=on|off);
 * - their bundles at `/assets/<hash>/<file>`, cacheable for ever.
 *
 * Bundles are built with esbuild from the installed packages the first time
 * a page is asked for (or at start, `warmUp`), in about a second, and kept
 * under `DATA_DIR/web-assets/`, keyed by a hash of everything that goes into
 * them (sources, package versions, esbuild's version): a restart, or a
 * second instance on the same DATA_DIR, reuses them. When DATA_DIR is not
 * writable they are kept in memory only.
 *
 * The pages carry a Content-Security-Policy that only allows the gateway's
 * own origin (plus data: fonts and images), so nothing external can load
 * even by mistake.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import { pageRoutes, type WebPage } from './routes/pages.ts';
import { matchRoute, type Route } from './routes/route.ts';
import { explorerBundle, explorerPage } from '../explorer/page.ts';
import { dashboardBundle, dashboardPage } from '../dashboard/page.ts';
import { citizenBundle, citizenPage, type DemoApplicant } from '../citizen/page.ts';
import { windowBundle, windowPage, type DemoStaff } from '../window/page.ts';
import type { GatewayConfig } from './config.ts';

export interface WebUiOptions {
  config: Pick<GatewayConfig, 'explorer' | 'dashboard' | 'citizenPage' | 'windowPage' | 'dataDir'>;
  logger: Logger;
  /** The sandbox's demo applicants, offered on the citizen page's sign-in. Default none (always none with real upstreams). */
  demoApplicants?: readonly DemoApplicant[];
  /** The sandbox's demo window staff, offered on the window console's sign-in. Default none (always none with real upstreams). */
  demoStaff?: readonly DemoStaff[];
}

export interface WebUi {
  /** The routes of the pages that are on and of their assets (server/routes/pages.ts). */
  readonly routes: readonly Route[];
  /** Answers the request when it is for a page or an asset; false when it is not. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Builds (or loads) the bundles now, so that the first page is fast. */
  warmUp(): Promise<void>;
}

function wantsHtml(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.searchParams.has('query') || url.searchParams.has('extensions')) return false;
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html');
}

/**
 * The browser pages, each on when its setting says so. A page is added here:
 * its bundle (a `BundleSpec`, its code under `<page>/src/`), its paths and
 * its HTML; its routes and assets follow from the entry.
 */
function webPages({ config, demoApplicants = [], demoStaff = [] }: WebUiOptions): WebPage[] {
  const pages: Array<WebPage & { on: boolean }> = [
    {
      on: config.explorer,
      spec: explorerBundle(),
      paths: ['/', '/graphql'],
      // GET /graphql is the explorer only for a browser; GraphQL clients get GraphQL.
      accepts: (req, url) => url.pathname !== '/graphql' || wantsHtml(req, url),
      html: explorerPage,
    },
    { on: config.dashboard, spec: dashboardBundle(), paths: ['/dashboard', '/dashboard/'], html: (bundle) => dashboardPage(bundle) },
    { on: config.citizenPage, spec: citizenBundle(), paths: ['/citizen', '/citizen/'], html: (bundle) => citizenPage(bundle, { demoApplicants }) },
    { on: config.windowPage, spec: windowBundle(), paths: ['/window', '/window/'], html: (bundle) => windowPage(bundle, { demoStaff }) },
  ];
  return pages.filter((page) => page.on);
}

export function createWebUi(options: WebUiOptions): WebUi {
  const pages = webPages(options);
  const routes = pageRoutes(pages, { cacheDir: join(options.config.dataDir, 'web-assets'), logger: options.logger });
  return {
    routes: routes.routes,
    async handle(req, res, url) {
      const match = matchRoute(routes.routes, req, url);
      if (!match) return false;
      await match.route.handle(req, res, { requestId: '', url, params: match.params });
      return true;
    },
    warmUp: routes.warmUp,
  };
}
