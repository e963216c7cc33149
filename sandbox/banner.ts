/**
 * What someone who just started the sandbox needs to reach its simulators,
 * labelled, for `npm start` and `npm run sandbox`: each upstream with the
 * system it stands for, its URL and token, each department's approval
 * system with its matters, and the check a department runs before
 * registering its own system, ready to paste.
 *
 * @module
 */
import type { DepartmentSystem, Sandbox } from './index.ts';

/** Why a department's system is not the one the gateway uses (absent: it is). */
export type DepartmentNote = (department: DepartmentSystem) => string | null;

export interface BannerOptions {
  /** A note after a department's line, e.g. that another gateway instance's simulator serves it. */
  noteOf?: DepartmentNote;
}

/** The lines of the banner, without trailing newlines and unindented. */
export function describeSandbox(sandbox: Pick<Sandbox, 'urls' | 'tokens' | 'departments'>, options: BannerOptions = {}): string[] {
  const central: Array<[label: string, url: string, token: string | null]> = [
    ['省事项系统 matter registry', sandbox.urls.matterRegistry, null],
    ['电子证照库 e-certificates', sandbox.urls.eCertificates, sandbox.tokens.eCertificates],
    ['大数据中心 data center', sandbox.urls.dataCenter, sandbox.tokens.dataCenter],
    ['好差评 evaluation', sandbox.urls.evaluation, sandbox.tokens.evaluation],
  ];
  const lines = [
    'Sandbox upstreams (simulators on loopback; tokens are new on every start):',
    ...central.map(([label, url, token]) => `  ${padToWidth(label, 28)} ${url}  ${token ? `token ${token}` : '(no token)'}`),
    '部门业务审批系统 department approval systems:',
  ];
  for (const department of sandbox.departments) {
    const note = options.noteOf?.(department);
    lines.push(
      `  ${department.departmentCode} ${department.departmentName}  ${department.baseUrl}${note ? `  (${note})` : ''}`,
      `    token ${department.token}  webhookSecret ${department.webhookSecret}`,
      `    matters ${department.matterCodes.join(', ')}`,
    );
  }
  const first = sandbox.departments[0];
  if (first) {
    lines.push(
      'Check an approval system as a department would before registering it (README, "For department administrators"):',
      `  npm run check-connector -- ${first.baseUrl} --token ${first.token} --matter ${first.matterCodes[0]}`,
    );
  }
  return lines;
}

/** Pads with spaces to `width` terminal columns: a CJK character takes two. */
function padToWidth(text: string, width: number): string {
  const columns = [...text].reduce((sum, char) => sum + (/[\u3000-\u9fff\uff00-\uffef]/u.test(char) ? 2 : 1), 0);
  return text + ' '.repeat(Math.max(0, width - columns));
}
