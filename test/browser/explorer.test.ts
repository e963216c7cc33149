/**
 * The GraphQL explorer in headless Chromium: GraphiQL from the gateway's own
 * bundle (no CDN), a contract operation chosen from the examples, run with
 * the bearer token from the token field.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { HAVE_CHROMIUM, SKIP_REASON, openBrowser, type TestBrowser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the explorer source', () => {
  it('type-checks as browser code (explorer/tsconfig.json)', () => {
    // esbuild does not type-check; tsc does, with the DOM library and the JSX settings the gateway's own tsconfig leaves out.
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    expect(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'explorer/tsconfig.json'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the GraphQL explorer in Chromium', () => {
  let gateway: TestGateway;
  let browser: TestBrowser;
  let base: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    base = gateway.gateway.url;
    browser = await openBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('runs a contract operation chosen from the examples, with the token from the token field', async () => {
    const { page } = browser;
    const posts: Array<{ authorization: string | undefined; body: any }> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${base}/graphql`) {
        posts.push({ authorization: request.headers().authorization, body: request.postDataJSON() });
      }
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor', { timeout: 20_000 });

    const token = gateway.tokenOf('EVALUATOR');
    await page.getByTestId('token').fill(token);
    await page.getByTestId('examples').selectOption('AssessmentMetrics');
    await page.waitForFunction(() => {
      const document = (globalThis as any).document;
      return (
        document.querySelector('.graphiql-query-editor')?.textContent.includes('AssessmentMetrics') &&
        document.querySelector('.graphiql-editor-tool')?.textContent.includes('440514')
      );
    });
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.graphiql-response')?.textContent.includes('topicCount'), null, {
      timeout: 15_000,
    });
    // CodeMirror draws the visible lines only: the start of the answer.
    const response = (await page.locator('.graphiql-response').textContent())!;
    expect(response).toContain('"topicCount": 6');
    expect(response).toContain('新生儿出生一件事');
    expect(response).not.toContain('FORBIDDEN');

    const run = posts.find((p) => p.body?.operationName === 'AssessmentMetrics');
    expect(run?.authorization).toBe(`Bearer ${token}`);
    expect(run?.body.variables).toMatchObject({ region: '440514' });

    await browser.screenshot('explorer.png');
    expect(browser.requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});

if (!HAVE_CHROMIUM) {
  describe('the GraphQL explorer in Chromium', () => {
    it.skip(SKIP_REASON, () => {});
  });
}
