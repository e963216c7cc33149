/**
 * The GraphQL explorer (GraphQL 调试台) served at GET / and, for browsers, at
 * GET /graphql: the page's HTML, the contract's operations as its examples
 * and the description of its bundle (explorer/src/, built with esbuild by
 * server/browser-bundle.ts together with GraphiQL and React from
 * node_modules).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { escapeHtml, jsonForScript, sourceFiles, type BrowserBundle, type BundleSpec } from '../server/browser-bundle.ts';
import { loadManifest, type ManifestOperation } from '../server/trusted-documents.ts';

const SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));

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

/** Bundle of the explorer: GraphiQL, React and the page's own code (explorer/src/). */
export function explorerBundle(): BundleSpec {
  return {
    name: 'explorer',
    entry: { file: join(SOURCE_DIR, 'main.tsx') },
    sources: sourceFiles(SOURCE_DIR),
    packages: ['graphiql', '@graphiql/react', '@graphiql/toolkit', 'react', 'react-dom', 'graphql'],
  };
}

/** The explorer's HTML: the bundle's assets and the examples as the page's config. */
export function explorerPage(bundle: BrowserBundle): string {
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
</head>
<body>
<div id="explorer-root"></div>
<script type="application/json" id="explorer-config">${jsonForScript(config)}</script>
<script type="module" src="${escapeHtml(bundle.urlOf('explorer.js'))}"></script>
</body>
</html>
`;
}
