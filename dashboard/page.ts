/**
 * The assessment dashboard (评估看板) served at GET /dashboard: the page's
 * HTML and the description of its bundle (dashboard/src/, built with esbuild
 * by server/explorer.ts together with ECharts from node_modules).
 *
 * The page runs entirely in the browser: the evaluator pastes a token (kept
 * in sessionStorage only), picks a region and a period, and the page sends
 * the contract's AssessmentMetrics operation to POST /graphql — the very text
 * of the trusted-documents manifest, so it is served with
 * TRUSTED_DOCUMENTS=contract too — and draws the answer.
 *
 * @module
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles, type BrowserBundle, type BundleSpec } from '../server/browser-bundle.ts';
import { LISTED_PROBLEM_TEXTS } from '../domain/problem-texts.ts';
import { loadManifest } from '../server/trusted-documents.ts';

const SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));

/** The contract's operation (../shared/contract/operations/evaluator.graphql), used when the manifest cannot be read. */
export const ASSESSMENT_METRICS_OPERATION = /* GraphQL */ `query AssessmentMetrics($region: String, $from: DateTime!, $to: DateTime!) {
  metrics(region: $region, from: $from, to: $to) {
    topicCount
    guidableRate
    onlineProcessableRate
    applications
    onTimeRate
    goodRatingRate
    averageMaterialReduction
    averageTimeCompression
    topics {
      topic {
        code
        name
      }
      guidable
      onlineProcessable
      problems
      materialReduction
      timeCompression
      applications
      onTimeRate
      ratings {
        grade
        count
      }
      goodRatingRate
    }
    departments {
      department {
        code
        name
      }
      cases
      overdueCases
      onTimeRate
    }
  }
}`;

/**
 * The gateway's own operation for the figures the contract's operation does
 * not ask for (免提交率, channels, the funnel, the monthly series). Not in the
 * trusted-documents manifest: with TRUSTED_DOCUMENTS=contract it is refused
 * and the dashboard says so in those panels, the contract's figures still shown.
 */
export const ASSESSMENT_TRENDS_OPERATION = /* GraphQL */ `query AssessmentTrends($region: String, $from: DateTime!, $to: DateTime!) {
  metrics(region: $region, from: $from, to: $to) {
    exemptionRate
    channels { channel applications }
    funnel { topic { code name } plans applications conversionRate }
    monthly { month applications plans ratings materialReduction timeCompression onTimeRate goodRatingRate exemptionRate }
  }
}`;

/**
 * The gateway's own operation for what supervisors see (效能监督, 差评整改);
 * like AssessmentTrends, not in the manifest, so refused with
 * TRUSTED_DOCUMENTS=contract and said so in its panels.
 */
export const ASSESSMENT_SUPERVISION_OPERATION = /* GraphQL */ `query AssessmentSupervision($region: String, $from: DateTime!, $to: DateTime!) {
  metrics(region: $region, from: $from, to: $to) {
    warnings { department { code name } topic { code name } level count }
    followUps { count closed rectified onTimeRate rectificationRate }
  }
}`;

/** A topic's guidance flowchart as SVG, shown on its row of the topics table. */
export const TOPIC_FLOWCHART_OPERATION = /* GraphQL */ `query TopicFlowchart($code: ID!) {
  topic(code: $code) { flowchart(format: SVG) { format content problems } }
}`;

export const DEFAULT_REGION = '440514';

/** What the dashboard bundle is made of. */
export function dashboardBundle(): BundleSpec {
  return {
    name: 'dashboard',
    entry: { file: join(SOURCE_DIR, 'main.ts') },
    // The element helper is the citizen page's (citizen/src/dom.ts): part of this bundle's sources too.
    sources: [...sourceFiles(SOURCE_DIR), fileURLToPath(new URL('../citizen/src/dom.ts', import.meta.url))],
    packages: ['echarts', 'zrender'],
  };
}

function assessmentOperation(): string {
  try {
    return loadManifest().operations.find((o) => o.name === 'AssessmentMetrics')?.body ?? ASSESSMENT_METRICS_OPERATION;
  } catch {
    return ASSESSMENT_METRICS_OPERATION;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const jsonForScript = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** The page: an empty shell the bundle fills in, and its settings. */
export function dashboardPage(bundle: BrowserBundle, options: { region?: string } = {}): string {
  const config = {
    endpoint: '/graphql',
    csvPath: '/exports/metrics.csv',
    operation: assessmentOperation(),
    trendsOperation: ASSESSMENT_TRENDS_OPERATION,
    supervisionOperation: ASSESSMENT_SUPERVISION_OPERATION,
    flowchartOperation: TOPIC_FLOWCHART_OPERATION,
    defaultRegion: options.region ?? DEFAULT_REGION,
    problemTexts: LISTED_PROBLEM_TEXTS,
  };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>一件事集成服务评估看板</title>
<link rel="stylesheet" href="${escapeHtml(bundle.urlOf('dashboard.css'))}">
</head>
<body>
<div id="app" aria-live="polite"><noscript>评估看板需要启用 JavaScript。</noscript></div>
<script type="application/json" id="dashboard-config">${jsonForScript(config)}</script>
<script type="module" src="${escapeHtml(bundle.urlOf('dashboard.js'))}"></script>
</body>
</html>
`;
}
