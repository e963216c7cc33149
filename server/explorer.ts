/**
 * The browser pages of the gateway, served from the installed npm packages
 * only (no CDN, so they work on a network without internet access):
 *
 * - the GraphQL explorer (GraphiQL 4 with React) at `/` and at GET
 *   `/graphql` when a browser asks for HTML (`Accept: text/html`, no
 *   `query` parameter), with the contract's operations as examples and a
 *   field for the bearer token. On with the sandbox, off with real
 *   upstreams unless EXPLORER=on;
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
import { escapeHtml, jsonForScript, type BrowserBundle, type BundleSpec } from './browser-bundle.ts';
import { pageRoutes, type WebPage } from './routes/pages.ts';
import { matchRoute, type Route } from './routes/route.ts';
import { dashboardBundle, dashboardPage } from '../dashboard/page.ts';
import { citizenBundle, citizenPage, type DemoApplicant } from '../citizen/page.ts';
import { windowBundle, windowPage, type DemoStaff } from '../window/page.ts';
import type { GatewayConfig } from './config.ts';
import { loadManifest, type ManifestOperation } from './trusted-documents.ts';

/** Who uses a contract operation, for the explorer's example list. */
const AUDIENCES: Record<string, string> = {
  TopicCatalog: '市民与企业',
  TopicGuide: '市民与企业',
  SituationPlan: '市民与企业',
  SubmitApplication: '市民与企业',
  ApplicationStatus: '市民与企业',
  MyApplications: '市民与企业',
  MyDataAccessLog: '市民与企业',
  SupplementMaterials: '市民与企业',
  RateApplication: '市民与企业',
  RegisterConnector: '部门管理员',
  RemoveConnector: '部门管理员',
  Connectors: '部门管理员',
  DepartmentCases: '部门管理员',
  AssessmentMetrics: '评估人员',
};

/** Variables that work against the sandbox's data, as a start. */
function exampleVariables(name: string, now: Date): Record<string, unknown> {
  const year = now.getUTCFullYear();
  const newborn = [
    { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
    { questionId: 'parentsMarried', values: ['true'] },
    { questionId: 'hukouWith', values: ['FATHER'] },
    { questionId: 'ageMonths', values: ['2'] },
    { questionId: 'services', values: ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD'] },
  ];
  switch (name) {
    case 'TopicCatalog':
      return { region: '440514' };
    case 'TopicGuide':
      return { code: 'CN-YJS-XSECS' };
    case 'SituationPlan':
      return { code: 'CN-YJS-XSECS', answers: newborn };
    case 'SubmitApplication':
      return {
        input: { topicCode: 'CN-YJS-XSECS', answers: newborn, form: [], deliveryMethod: 'POST', idempotencyKey: 'explorer-example-1' },
      };
    case 'ApplicationStatus':
      return { id: '<application id>' };
    case 'MyApplications':
    case 'MyDataAccessLog':
      return { first: 10 };
    case 'SupplementMaterials':
      return { input: { applicationId: '<application id>', matterCode: '<matter code>', uploads: [], idempotencyKey: 'explorer-supplement-1' } };
    case 'RateApplication':
      return { input: { applicationId: '<application id>', grade: 5, channel: 'PC' } };
    case 'RegisterConnector':
      return {
        input: {
          departmentCode: '<department code>',
          baseUrl: 'https://sp.example.gov.cn/one-thing',
          token: '<token of the approval system>',
          webhookSecret: '<webhook secret>',
          matterCodes: ['<matter code>'],
          timeoutMs: 5000,
        },
      };
    case 'RemoveConnector':
      return { id: '<connector id>' };
    case 'DepartmentCases':
      return { first: 20 };
    case 'AssessmentMetrics':
      return { region: '440514', from: `${year}-01-01T00:00:00+08:00`, to: `${year + 1}-01-01T00:00:00+08:00` };
    default:
      return {};
  }
}

export interface ExplorerExample {
  name: string;
  group: string;
  query: string;
  variables: string;
}

/** The contract's operations (from the trusted-documents manifest, so ../shared is not needed at run time) as examples. */
export function explorerExamples(now = new Date(), operations?: readonly ManifestOperation[]): ExplorerExample[] {
  let list = operations;
  if (!list) {
    try {
      list = loadManifest().operations;
    } catch {
      list = [];
    }
  }
  const order = Object.keys(AUDIENCES);
  return [...list]
    .sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99) || a.name.localeCompare(b.name))
    .map((operation) => ({
      name: operation.name,
      group: AUDIENCES[operation.name] ?? '其他',
      query: operation.body,
      variables: JSON.stringify(exampleVariables(operation.name, now), null, 2),
    }));
}

const EXPLORER_ENTRY = `
import { useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { Kind, parse } from 'graphql';
import 'graphiql/style.css';

const config = JSON.parse(document.getElementById('explorer-config').textContent);
const TOKEN_KEY = 'one-thing-gateway.explorer.token';
const stored = () => { try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; } };
const groups = [...new Set(config.examples.map((e) => e.group))];
const byName = new Map(config.examples.map((e) => [e.name, e]));
/** GraphiQL updates the operation name a moment after the editor changed: a name the document lacks is corrected here. */
function withKnownOperationName(params) {
  try {
    const operations = parse(params.query).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const names = operations.map((o) => (o.name ? o.name.value : null));
    if (params.operationName && !names.includes(params.operationName)) {
      return { ...params, operationName: operations.length === 1 && names[0] ? names[0] : undefined };
    }
  } catch {}
  return params;
}
const defaultTabs = config.defaultTabs.map((name) => byName.get(name)).filter(Boolean)
  .map((e) => ({ query: e.query, variables: e.variables }));

function Explorer() {
  const [token, setToken] = useState(stored);
  const [shown, setShown] = useState(false);
  const [example, setExample] = useState(undefined);
  const tokenRef = useRef(token);
  useEffect(() => {
    tokenRef.current = token;
    try { token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY); } catch {}
  }, [token]);
  const fetcher = useCallback(async (params, options) => {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(options && options.headers) };
    const bearer = tokenRef.current.trim().replace(/^Bearer\\s+/i, '');
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    const response = await fetch(config.endpoint, { method: 'POST', headers, body: JSON.stringify(withKnownOperationName(params)), credentials: 'omit' });
    const text = await response.text();
    try { return JSON.parse(text); } catch { return { errors: [{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 500) }] }; }
  }, []);
  const choose = (event) => {
    const chosen = byName.get(event.target.value);
    event.target.value = '';
    if (chosen) setExample({ query: chosen.query, variables: chosen.variables });
  };
  return (
    <div className="ot-explorer">
      <header className="ot-bar">
        <span className="ot-title">一件事集成服务网关 · GraphQL 调试台</span>
        <label className="ot-field">
          <span>契约示例</span>
          <select aria-label="契约示例" defaultValue="" onChange={choose} data-testid="examples">
            <option value="" disabled>选择一个前端契约操作…</option>
            {groups.map((group) => (
              <optgroup key={group} label={group}>
                {config.examples.filter((e) => e.group === group).map((e) => <option key={e.name} value={e.name}>{e.name}</option>)}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="ot-field ot-token">
          <span>Bearer 令牌</span>
          <input aria-label="Bearer 令牌" data-testid="token" type={shown ? 'text' : 'password'} autoComplete="off" spellCheck={false}
            placeholder="粘贴令牌，以 Authorization 头随每个请求发送（仅保存在本标签页）" value={token} onChange={(e) => setToken(e.target.value)} />
          <button type="button" onClick={() => setShown(!shown)}>{shown ? '隐藏' : '显示'}</button>
          <button type="button" onClick={() => setToken('')}>清除</button>
        </label>
      </header>
      <main className="ot-ide">
        <GraphiQL fetcher={fetcher} defaultTabs={defaultTabs} query={example && example.query}
          variables={example && example.variables} defaultEditorToolsVisibility="variables" />
      </main>
    </div>
  );
}

createRoot(document.getElementById('explorer-root')).render(<Explorer />);
`;

const EXPLORER_CSS = `
html, body, #explorer-root { height: 100%; margin: 0; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.ot-explorer { display: flex; flex-direction: column; height: 100%; }
.ot-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; padding: 8px 16px; background: #123a6b; color: #fff; font-size: 14px; }
.ot-title { font-weight: 600; letter-spacing: .02em; margin-right: auto; }
.ot-field { display: flex; align-items: center; gap: 8px; }
.ot-field select, .ot-field input { font: inherit; padding: 4px 8px; border-radius: 4px; border: 1px solid #8aa4c8; min-width: 14em; }
.ot-token input { min-width: 28em; }
.ot-field button { font: inherit; padding: 4px 10px; border-radius: 4px; border: 1px solid #8aa4c8; background: #1d4f8f; color: #fff; cursor: pointer; }
.ot-ide { flex: 1; min-height: 0; }
.ot-ide .graphiql-container { height: 100%; }
`;

/** Bundle of the explorer: GraphiQL, React and the page's own bits. */
export function explorerBundleSpec(): BundleSpec {
  return {
    name: 'explorer',
    entry: { contents: EXPLORER_ENTRY, loader: 'jsx' },
    packages: ['graphiql', '@graphiql/react', '@graphiql/toolkit', 'react', 'react-dom', 'graphql'],
  };
}

function explorerHtml(bundle: BrowserBundle): string {
  const config = {
    endpoint: '/graphql',
    examples: explorerExamples(),
    defaultTabs: ['TopicCatalog', 'SituationPlan', 'AssessmentMetrics'],
  };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>GraphQL 调试台 · 一件事集成服务网关</title>
<link rel="stylesheet" href="${escapeHtml(bundle.urlOf('explorer.css'))}">
<style>${EXPLORER_CSS}</style>
</head>
<body>
<div id="explorer-root"></div>
<script type="application/json" id="explorer-config">${jsonForScript(config)}</script>
<script type="module" src="${escapeHtml(bundle.urlOf('explorer.js'))}"></script>
</body>
</html>
`;
}

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
      spec: explorerBundleSpec(),
      paths: ['/', '/graphql'],
      // GET /graphql is the explorer only for a browser; GraphQL clients get GraphQL.
      accepts: (req, url) => url.pathname !== '/graphql' || wantsHtml(req, url),
      html: explorerHtml,
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
