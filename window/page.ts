/**
 * The window console (一窗受理 · 帮办工作台) served at GET /window: the page's
 * HTML and the description of its bundle (window/src/, built with esbuild by
 * server/explorer.ts like the citizen page's).
 *
 * Window staff sign in with their own token, open an assistance session (a
 * code the citizen granted on the phone, or an ID card checked at the desk),
 * and then do for that citizen what the citizen page does: the guidance
 * questions, the plan with exemptions and why, scans of the paper materials,
 * the submission, the one-time notice and the receipt. Every request inside
 * the session carries the X-Assistance-Session header with the staff token.
 *
 * Its operations are the gateway's own (startAssistance, the plan with its
 * notice, the receipt), not the contract's: with TRUSTED_DOCUMENTS=contract
 * the gateway refuses them, and the page says so.
 *
 * @module
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml, jsonForScript, sourceFiles, type BrowserBundle, type BundleSpec } from '../server/browser-bundle.ts';

const SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));
const CITIZEN_SOURCE_DIR = fileURLToPath(new URL('../citizen/src/', import.meta.url));
/** The citizen page's files the console shares (elements, wording of exemptions and problems). */
const SHARED_SOURCES = ['dom.ts', 'labels.ts', 'types.ts'].map((name) => join(CITIZEN_SOURCE_DIR, name));

const PLAN_FIELDS = `complete
      questions { id text type required options { value label } min max answered }
      matters { code name department { code name } committedDays dependsOn { code } }
      materials { code name required tolerant sourceChannel requiredBy { code } exemption { reason certificate { id number typeName validUntil } producedBy { code } } }
      form { key label type required maxLength options prefill { value source } }
      summary { matterCount materialsBefore materialsToSubmit legalDaysTotal committedDays visits }
      notice { url personal }`;

const SESSION_FIELDS = 'id topicCode topic { code name } staffId hall consent applicantId applicantName startedAt expiresAt endedAt active';

/** What the console sends to POST /graphql, by operation name. */
export const WINDOW_OPERATIONS = {
  WindowTopics: `query WindowTopics($region: String) { topics(region: $region) { code name readiness { guidable } } }`,
  StartAssistance: `mutation StartAssistance($code: String, $inPerson: InPersonConsentInput) { startAssistance(code: $code, inPerson: $inPerson) { ${SESSION_FIELDS} } }`,
  EndAssistance: `mutation EndAssistance($sessionId: ID!) { endAssistance(sessionId: $sessionId) { ${SESSION_FIELDS} } }`,
  WindowPlan: `query WindowPlan($code: ID!, $answers: [AnswerInput!]!, $form: [FieldValueInput!]) {
  topic(code: $code) {
    code
    name
    windowAddress
    plan(answers: $answers, form: $form) {
      ${PLAN_FIELDS}
    }
  }
}`,
  WindowSubmit: `mutation WindowSubmit($input: SubmitApplicationInput!) {
  submitApplication(input: $input) {
    application { id status channel submittedAt assistedBy { staffId hall consent } cases { matter { code name } department { code name } status } }
  }
}`,
  WindowReceipt: `query WindowReceipt($id: ID!) {
  application(id: $id) { id status receipt { reference verificationCode dueDate committedDays url } }
}`,
} as const;

export type WindowOperation = keyof typeof WINDOW_OPERATIONS;

export const DEFAULT_REGION = '440514';

/** A sandbox demo window staff member the sign-in offers with one click. */
export interface DemoStaff {
  name: string;
  /** The token's `sub`: the staff id. */
  staffId: string;
  hall: string;
  token: string;
}

export interface WindowPageOptions {
  /** Region whose topics an in-person session can be for. Default {@link DEFAULT_REGION}. */
  region?: string;
  /** Offered on the sign-in; only ever given with the sandbox. Default none. */
  demoStaff?: readonly DemoStaff[];
}

/** What the console's bundle is made of: its own sources and the citizen page's it shares, no package. */
export function windowBundle(): BundleSpec {
  return {
    name: 'window',
    entry: { file: join(SOURCE_DIR, 'main.ts') },
    sources: [...sourceFiles(SOURCE_DIR), ...SHARED_SOURCES],
    packages: [],
  };
}

/** The page: an empty shell the bundle fills in, and its settings. */
export function windowPage(bundle: BrowserBundle, options: WindowPageOptions = {}): string {
  const config = {
    endpoint: '/graphql',
    uploadPath: '/uploads',
    region: options.region ?? DEFAULT_REGION,
    operations: WINDOW_OPERATIONS,
    demoStaff: (options.demoStaff ?? []).map((s) => ({ name: s.name, staffId: s.staffId, hall: s.hall, token: s.token })),
  };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>一窗受理 · 帮办工作台</title>
<link rel="stylesheet" href="${escapeHtml(bundle.urlOf('window.css'))}">
</head>
<body>
<div id="app" aria-live="polite"><noscript>帮办工作台需要启用 JavaScript。</noscript></div>
<script type="application/json" id="window-config">${jsonForScript(config)}</script>
<script type="module" src="${escapeHtml(bundle.urlOf('window.js'))}"></script>
</body>
</html>
`;
}
