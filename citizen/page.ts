/**
 * The reference citizen page (一件事办事页面) served at GET /citizen: the
 * page's HTML and the description of its bundle (citizen/src/, built with
 * esbuild by server/explorer.ts like the dashboard's).
 *
 * It is what a front-end team would build, kept small enough to copy: pick a
 * topic, answer the guidance questions one at a time, see the merged
 * materials and why some need not be handed in, sign in, check the
 * prefilled form, upload, submit, follow the status and hand in what a
 * department asks for. It sends only the
 * contract's operations, with the very text of the trusted-documents
 * manifest (so it works with TRUSTED_DOCUMENTS=contract), and the raw file
 * bodies to POST /uploads.
 *
 * @module
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskIdNumbers } from '../lib/mask.ts';
import { escapeHtml, jsonForScript, sourceFiles, type BrowserBundle, type BundleSpec } from '../server/browser-bundle.ts';
import { loadManifest, type TrustedManifest } from '../server/trusted-documents.ts';

const SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));

/** The contract operations the page sends, and nothing else. */
export const CITIZEN_OPERATIONS = ['TopicCatalog', 'TopicGuide', 'SituationPlan', 'SubmitApplication', 'ApplicationStatus', 'SupplementMaterials'] as const;

export type CitizenOperation = (typeof CITIZEN_OPERATIONS)[number];

export const DEFAULT_REGION = '440514';

/** A sandbox demo applicant the sign-in offers with one click. */
export interface DemoApplicant {
  name: string;
  /** The token's `sub`: an ID number or a credit code; shown masked. */
  subject: string;
  token: string;
}

export interface CitizenPageOptions {
  /** Region whose topics are listed. Default {@link DEFAULT_REGION}. */
  region?: string;
  /** Offered on the sign-in; only ever given with the sandbox. Default none. */
  demoApplicants?: readonly DemoApplicant[];
  /** Where the operations are read from. Default the committed trusted-documents manifest. */
  manifest?: TrustedManifest;
}

/** What the citizen page's bundle is made of: its own sources only, no package. */
export function citizenBundle(): BundleSpec {
  return {
    name: 'citizen',
    entry: { file: join(SOURCE_DIR, 'main.ts') },
    sources: sourceFiles(SOURCE_DIR),
    packages: [],
  };
}

/** The page's operations, by name, from the manifest; a missing one is an error (the page would not work). */
export function citizenOperations(manifest: TrustedManifest = loadManifest()): Record<CitizenOperation, string> {
  const byName = new Map(manifest.operations.map((o) => [o.name, o.body]));
  const entries = CITIZEN_OPERATIONS.map((name) => {
    const body = byName.get(name);
    if (body === undefined) throw new Error(`the trusted-documents manifest has no ${name} operation, which the citizen page needs`);
    return [name, body] as const;
  });
  return Object.fromEntries(entries) as Record<CitizenOperation, string>;
}

/** The page: an empty shell the bundle fills in, and its settings. */
export function citizenPage(bundle: BrowserBundle, options: CitizenPageOptions = {}): string {
  const config = {
    endpoint: '/graphql',
    uploadPath: '/uploads',
    region: options.region ?? DEFAULT_REGION,
    operations: citizenOperations(options.manifest),
    demoApplicants: (options.demoApplicants ?? []).map((user) => ({
      name: user.name,
      subject: maskIdNumbers(user.subject),
      token: user.token,
    })),
  };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#c8102e">
<link rel="icon" href="data:,">
<title>一件事 · 网上办事</title>
<link rel="stylesheet" href="${escapeHtml(bundle.urlOf('citizen.css'))}">
</head>
<body>
<div id="app" aria-live="polite"><noscript>办事页面需要启用 JavaScript。</noscript></div>
<script type="application/json" id="citizen-config">${jsonForScript(config)}</script>
<script type="module" src="${escapeHtml(bundle.urlOf('citizen.js'))}"></script>
</body>
</html>
`;
}
