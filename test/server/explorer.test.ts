/**
 * The browser pages served from the installed packages (server/explorer.ts,
 * explorer/, dashboard/): the GraphQL explorer and the assessment dashboard, their
 * bundles, and that nothing in them loads from anywhere but the gateway.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { loadConfig } from '../../server/config.ts';
import { createWebUi } from '../../server/explorer.ts';
import { explorerExamples } from '../../explorer/page.ts';
import { loadManifest } from '../../server/trusted-documents.ts';
import { ASSESSMENT_METRICS_OPERATION } from '../../dashboard/page.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const normalise = (document: string) => print(parse(document));

/** Hosts that serve libraries to browsers: none of them may appear in what the pages load. */
const CDN = /unpkg\.com|jsdelivr|cdnjs|googleapis|gstatic|apollographql\.com|esm\.sh|skypack|bootcdn|staticfile\.org|cdn\./i;

/** URLs the HTML makes the browser load: src and href attributes, and url()/@import in inline styles. */
function loadedByHtml(html: string): string[] {
  const attributes = [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].flatMap((m) => loadedByCss(m[1]!));
  return [...attributes, ...styles];
}

/** url(...) and @import targets of a stylesheet, except data: URLs. */
function loadedByCss(css: string): string[] {
  const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/gi), ...css.matchAll(/@import\s+["']([^"']+)["']/gi)].map((m) => m[1]!.trim());
  return urls.filter((url) => !url.startsWith('data:'));
}

const external = (url: string) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(url);

/** In a script: dynamic imports, workers, fetches and script tags of absolute URLs. */
function loadedByScript(js: string): string[] {
  return [...js.matchAll(/(?:import\s*\(|importScripts\s*\(|new\s+(?:Shared)?Worker\s*\(|fetch\s*\(|\.src\s*=)\s*["'`]((?:https?:)?\/\/[^"'`]+)/g)].map((m) => m[1]!);
}

describe('the browser pages of a gateway with the sandbox', () => {
  let gateway: TestGateway;
  let base: string;
  beforeAll(async () => {
    gateway = await startTestGateway();
    base = gateway.gateway.url;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const page = async (path: string, accept = 'text/html,application/xhtml+xml') => {
    const response = await fetch(`${base}${path}`, { headers: { accept } });
    return { response, html: await response.text() };
  };

  async function checkAssets(html: string, expected: string[]) {
    const urls = loadedByHtml(html);
    expect(urls.filter(external)).toEqual([]);
    const assets = urls.filter((url) => url.startsWith('/assets/'));
    expect(assets.map((url) => url.replace(/^.*\//, '')).sort()).toEqual(expected.sort());
    for (const url of assets) {
      const response = await fetch(`${base}${url}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, url).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const text = await response.text(); // fetch decompresses
      if (url.endsWith('.css')) {
        expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
        expect(loadedByCss(text)).toEqual([]);
      } else {
        expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        expect(loadedByScript(text)).toEqual([]);
      }
      expect(text).not.toMatch(CDN);
      // Cached by ETag, and served uncompressed to clients that want it so.
      const again = await fetch(`${base}${url}`, { headers: { 'if-none-match': response.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    return assets;
  }

  it('serves GraphiQL at / and at GET /graphql for browsers, with the contract operations as examples', async () => {
    for (const path of ['/', '/graphql']) {
      const { response, html } = await page(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';/);
      expect(html).toContain('<title>GraphQL 调试台 · 一件事集成服务网关</title>');
      const config = JSON.parse(/<script type="application\/json" id="explorer-config">([\s\S]*?)<\/script>/.exec(html)![1]!);
      expect(config.endpoint).toBe('/graphql');
      const names = loadManifest().operations.map((o) => o.name).sort();
      expect(config.examples.map((e: { name: string }) => e.name).sort()).toEqual(names);
      for (const example of config.examples) {
        // Exactly the contract's operation, and variables that parse.
        expect(normalise(example.query)).toBe(normalise(contractOperation(example.name)));
        expect(typeof JSON.parse(example.variables)).toBe('object');
      }
      expect(config.defaultTabs).toContain('TopicCatalog');
    }
  });

  it('serves the explorer bundle from the gateway itself: nothing is loaded from elsewhere', async () => {
    const { html } = await page('/');
    const assets = await checkAssets(html, ['explorer.js', 'explorer.css']);
    const js = await (await fetch(`${base}${assets.find((a) => a.endsWith('.js'))}`)).text();
    expect(js).toContain('graphiql');
    const gzipped = await fetch(`${base}${assets[0]}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    const raw = Buffer.from(await (await fetch(`${base}${assets[0]}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    expect(raw.length).toBeGreaterThan(1000);
    expect(() => gunzipSync(raw)).toThrow(); // identity is not compressed
  });

  it('keeps GraphQL over HTTP as it was for clients that are not browsers', async () => {
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent('{ topics(region: "440514") { code } }')}`, {
      headers: { accept: 'text/html,application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.topics.length).toBeGreaterThan(0);
    const json = await page('/graphql', 'application/json');
    expect(json.response.status).toBe(400);
    expect(json.html).not.toContain('<html');
    const post = await gateway.graphql('{ topics(region: "440514") { code } }');
    expect(post.status).toBe(200);
  });

  it('keeps the built bundles under DATA_DIR for the next start', () => {
    const dir = join(gateway.config.dataDir, 'web-assets');
    expect(existsSync(dir)).toBe(true);
    const bundles = readdirSync(dir).filter((name) => !name.endsWith('.tmp'));
    expect(bundles.some((name) => name.startsWith('explorer-'))).toBe(true);
    const explorer = bundles.find((name) => name.startsWith('explorer-'))!;
    expect(JSON.parse(readFileSync(join(dir, explorer, 'files.json'), 'utf8'))).toEqual(expect.arrayContaining(['explorer.js', 'explorer.css']));
  });

  it('serves the assessment dashboard with the contract AssessmentMetrics operation, its assets from the gateway', async () => {
    const { response, html } = await page('/dashboard');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(html).toContain('<title>一件事集成服务评估看板</title>');
    const config = JSON.parse(/<script type="application\/json" id="dashboard-config">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(normalise(config.operation)).toBe(normalise(contractOperation('AssessmentMetrics')));
    expect(config.defaultRegion).toBe('440514');
    await checkAssets(html, ['dashboard.js', 'dashboard.css']);
  });

  it('answers unknown assets with 404', async () => {
    expect((await fetch(`${base}/assets/explorer-0000/explorer.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/nothing/here.js`)).status).toBe(404);
  });
});

describe('explorer settings', () => {
  const upstreams = {
    MATTER_REGISTRY_URL: 'https://registry.example.gov.cn',
    E_CERTIFICATES_URL: 'https://certs.example.gov.cn',
    E_CERTIFICATES_TOKEN: 'c',
    DATA_CENTER_URL: 'https://data.example.gov.cn',
    DATA_CENTER_TOKEN: 'd',
    EVALUATION_URL: 'https://hcp.example.gov.cn',
    EVALUATION_TOKEN: 'e',
    JWT_SECRET: 'a-shared-secret-of-at-least-32-bytes!',
    SECRETS_KEY: 'ab'.repeat(32),
  };

  it('is on with the sandbox, off with real upstreams, and EXPLORER decides either way', () => {
    expect(loadConfig({}).explorer).toBe(true);
    expect(loadConfig(upstreams).explorer).toBe(false);
    expect(loadConfig({ ...upstreams, EXPLORER: 'on' }).explorer).toBe(true);
    expect(loadConfig({ EXPLORER: 'off' }).explorer).toBe(false);
    expect(() => loadConfig({ EXPLORER: 'sometimes' })).toThrow(/EXPLORER must be true or false, got "sometimes"/);
    expect(loadConfig({}).dashboard).toBe(true);
    expect(loadConfig({ DASHBOARD: 'off' }).dashboard).toBe(false);
  });

  it('serves no page when off', async () => {
    const webUi = createWebUi({ config: { explorer: false, dashboard: false, citizenPage: false, windowPage: false, dataDir: '/nonexistent' }, logger: createLogger({ level: 'silent' }) });
    const server = createServer(async (req, res) => {
      if (!(await webUi.handle(req, res, new URL(req.url!, 'http://x')))) {
        res.writeHead(404);
        res.end('not mine');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const path of ['/', '/graphql', '/dashboard', '/citizen']) {
        const response = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
        expect(await response.text()).toBe('not mine');
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the examples', () => {
  it('are the contract operations, grouped by who uses them, with variables for the sandbox', () => {
    const examples = explorerExamples(new Date('2026-06-01T00:00:00Z'));
    expect(examples[0]!.name).toBe('TopicCatalog');
    const metrics = examples.find((e) => e.name === 'AssessmentMetrics')!;
    expect(metrics.group).toBe('评估人员');
    expect(JSON.parse(metrics.variables)).toEqual({ region: '440514', from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' });
  });

  it('include the dashboard operation verbatim as its fallback copy', () => {
    expect(normalise(ASSESSMENT_METRICS_OPERATION)).toBe(normalise(contractOperation('AssessmentMetrics')));
  });
});
