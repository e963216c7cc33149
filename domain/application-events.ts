/**
 * The push messages of the phone (指尖办): which changes of a case a
 * citizen hears about, what the message says, and who may follow an
 * application live.
 *
 * Pure functions: no GraphQL, no HTTP, no database.
 */
import type { CaseStatus } from './application-status.ts';

/**
 * What happened to a case: the department received it, accepted it, began
 * reviewing it, asks for a supplement, decided it, or issued its result
 * certificate (出证).
 */
export type ApplicationEventKind = 'RECEIVED' | 'ACCEPTED' | 'IN_REVIEW' | 'SUPPLEMENT_REQUIRED' | 'DECIDED' | 'RESULT_ISSUED';

/** The parts of a case the messages are made of. */
export interface CaseSnapshot {
  matterName: string;
  status: CaseStatus;
  statusReason: string | null;
  dueAt: Date | null;
  resultCertificateNumber: string | null;
}

/** One message to record: its kind, the case's status after the change, and the text shown to the citizen. */
export interface ApplicationEventDraft {
  kind: ApplicationEventKind;
  status: CaseStatus;
  text: string;
}

const KIND_OF_STATUS: Partial<Record<CaseStatus, ApplicationEventKind>> = {
  RECEIVED: 'RECEIVED',
  ACCEPTED: 'ACCEPTED',
  IN_REVIEW: 'IN_REVIEW',
  SUPPLEMENT_REQUIRED: 'SUPPLEMENT_REQUIRED',
  APPROVED: 'DECIDED',
  REJECTED: 'DECIDED',
  WITHDRAWN: 'DECIDED',
};

const chineseDate = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' });

/** `，原因：…` when the department gave one. */
const because = (reason: string | null) => (reason ? `，原因：${reason}` : '');

function statusText(after: CaseSnapshot): string {
  const matter = `“${after.matterName}”`;
  switch (after.status) {
    case 'RECEIVED':
      return `您申请的${matter}已送达办理部门。`;
    case 'ACCEPTED':
      return `${matter}已受理${after.dueAt ? `，承诺${chineseDate.format(after.dueAt)}前办结` : ''}。`;
    case 'IN_REVIEW':
      return `${matter}正在审查中。`;
    case 'SUPPLEMENT_REQUIRED':
      return `${matter}需要补充材料${because(after.statusReason)}。请在“我的申请”中补交。`;
    case 'APPROVED':
      return `${matter}已办结，审批通过。`;
    case 'REJECTED':
      return `${matter}未获批准${because(after.statusReason)}。`;
    case 'WITHDRAWN':
      return `${matter}已撤回${because(after.statusReason)}。`;
    default:
      return `${matter}状态已更新。`;
  }
}

/**
 * The messages a change of a case from `before` to `after` gives, in the
 * order the citizen should read them: one for a new status the citizen
 * cares about (the gateway's own WAITING_FOR_PREREQUISITE and QUEUED are
 * not news), then one when a result certificate appears. A change of
 * reason or dates alone gives none.
 */
export function caseEvents(before: CaseSnapshot, after: CaseSnapshot): ApplicationEventDraft[] {
  const drafts: ApplicationEventDraft[] = [];
  const kind = KIND_OF_STATUS[after.status];
  if (kind && after.status !== before.status) drafts.push({ kind, status: after.status, text: statusText(after) });
  if (after.resultCertificateNumber !== null && after.resultCertificateNumber !== before.resultCertificateNumber) {
    drafts.push({
      kind: 'RESULT_ISSUED',
      status: after.status,
      text: `“${after.matterName}”的办理结果已出证，证照编号 ${after.resultCertificateNumber}，可在电子证照中查看。`,
    });
  }
  return drafts;
}

/** Who asks to follow an application live. */
export interface Follower {
  /** The token's subject: a citizen ID number or a credit code. */
  subject: string;
  role: string;
}

/**
 * Whether `follower` may follow `application` live: its applicant only.
 * This is the one place to widen it (window staff in an open assistance
 * session for the application, issue 13 item 1, come here).
 */
export function mayFollowApplication(follower: Follower, application: { applicant: string }): boolean {
  return follower.role === 'APPLICANT' && follower.subject === application.applicant;
}
