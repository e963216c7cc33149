/** What the citizen reads: the contract's codes in plain Chinese. */
import type { Exemption, Problem } from './types.ts';

export const APPLICATION_STATUS: Record<string, string> = {
  SUBMITTED: '已提交',
  IN_PROGRESS: '办理中',
  NEEDS_SUPPLEMENT: '需补正材料',
  COMPLETED: '已办结',
  PARTIALLY_REJECTED: '部分未通过',
  REJECTED: '未通过',
  WITHDRAWN: '已撤回',
};

/** Application statuses after which nothing changes any more. */
export const FINAL_APPLICATION_STATUSES = new Set(['COMPLETED', 'PARTIALLY_REJECTED', 'REJECTED', 'WITHDRAWN']);

export const CASE_STATUS: Record<string, string> = {
  WAITING_FOR_PREREQUISITE: '等待前置事项办结',
  QUEUED: '待推送至部门',
  RECEIVED: '部门已接收',
  ACCEPTED: '已受理',
  IN_REVIEW: '审核中',
  SUPPLEMENT_REQUIRED: '需补正材料',
  APPROVED: '已办结（通过）',
  REJECTED: '未通过',
  WITHDRAWN: '已撤回',
};

export function caseTone(status: string): 'good' | 'bad' | 'warn' | 'neutral' {
  if (status === 'APPROVED') return 'good';
  if (status === 'REJECTED') return 'bad';
  if (status === 'SUPPLEMENT_REQUIRED') return 'warn';
  return 'neutral';
}

export const PROVISION: Record<string, string> = {
  UPLOADED: '已上传',
  E_CERTIFICATE: '电子证照调用',
  DATA_SHARING: '数据共享获取',
  INTERNAL_RESULT: '前序事项结果互认',
  GOVERNMENT_ISSUED: '部门自行核验',
  DEFERRED: '容缺后补',
};

export const DELIVERY_METHOD: Record<string, string> = {
  ONLINE: '网上送达（电子证照）',
  POST: '邮寄送达',
  WINDOW: '窗口领取',
};

export const PREFILL_SOURCE: Record<string, string> = {
  IDENTITY: '实名认证',
  DATA_CENTER: '大数据中心',
};

const EXEMPTION_TITLE: Record<Exemption['reason'], string> = {
  INTERNAL_RESULT: '审批结果互认',
  E_CERTIFICATE: '电子证照',
  DATA_SHARING: '数据共享',
  GOVERNMENT_ISSUED: '政府部门核发',
};

/** Why a material need not be handed in, in one sentence; `matterName` names the producing matter. */
export function explainExemption(exemption: Exemption, matterName: (code: string) => string): { title: string; detail: string } {
  const title = EXEMPTION_TITLE[exemption.reason] ?? exemption.reason;
  switch (exemption.reason) {
    case 'INTERNAL_RESULT':
      return {
        title,
        detail: exemption.producedBy
          ? `由本次一并办理的「${matterName(exemption.producedBy.code)}」办结后自动取得，无需提交`
          : '由本次一并办理的事项办结后自动取得，无需提交',
      };
    case 'E_CERTIFICATE': {
      const c = exemption.certificate;
      if (!c) return { title, detail: '已在电子证照库中查到有效证照，无需提交' };
      const valid = c.validUntil ? `，有效期至 ${c.validUntil}` : '';
      return { title, detail: `已调用电子证照「${c.typeName}」（证照编号 ${c.number}${valid}），无需提交` };
    }
    case 'DATA_SHARING':
      return { title, detail: '已通过大数据中心共享获取，无需提交' };
    case 'GOVERNMENT_ISSUED':
      return { title, detail: '由政府部门核发，部门自行核验，无需提交' };
    default:
      return { title, detail: '无需提交' };
  }
}

/** A problem of a submission or a plan, in Chinese; `describe` names the field (question text, form label, material name). */
export function explainProblem(problem: Problem, describe: (field: string) => string): string {
  const what = describe(problem.field);
  switch (problem.code) {
    case 'REQUIRED':
      return problem.field.startsWith('answers.') ? `请回答「${what}」` : `请填写「${what}」`;
    case 'TOO_LONG':
      return `「${what}」超出了允许的长度`;
    case 'NOT_A_NUMBER':
      return `「${what}」请填写数字`;
    case 'NOT_A_DATE':
      return `「${what}」请填写有效日期`;
    case 'NOT_A_BOOLEAN':
      return `「${what}」请选择“是”或“否”`;
    case 'NOT_AN_OPTION':
      return `「${what}」请从选项中选择`;
    case 'OUT_OF_RANGE':
      return `「${what}」超出了允许的范围`;
    case 'INVALID_CHARACTER':
      return `「${what}」含有不允许的字符`;
    case 'MISSING_MATERIAL':
      return `请上传「${what}」`;
    case 'NOT_TOLERANT':
      return `「${what}」不能容缺后补，请上传`;
    case 'UPLOADED_AND_DEFERRED':
      return `「${what}」已上传，无需再选择容缺后补`;
    case 'FILE_NOT_FOUND':
    case 'BAD_FILE_REF':
      return `「${what}」的文件未找到，请重新上传`;
    case 'NOT_NEEDED':
      return `「${what}」无需提交`;
    default:
      return `「${what}」有误：${problem.message}`;
  }
}

/** An ISO date-time as the citizen reads it, in China time: 2026-11-26 14:05. */
export function chinaDateTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}
