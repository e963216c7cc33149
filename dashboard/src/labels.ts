/** Chinese wording of the figures and codes the dashboard shows. */
import type { ProblemText } from './types.ts';

/** The work plan's targets (DESIGN.md, "Assessment metrics"). */
export const GUIDABLE_TARGET = 1;
export const ONLINE_PROCESSABLE_TARGET = 0.95;

/**
 * A problem code (possibly `CODE:detail`) in Chinese, from the table the
 * page's settings carry (domain/problem-texts.ts); unknown codes are shown
 * as they are.
 */
export function explainProblem(code: string, texts: Readonly<Record<string, ProblemText>>): ProblemText & { code: string } {
  const at = code.indexOf(':');
  const base = at === -1 ? code : code.slice(0, at);
  const extra = at === -1 ? '' : code.slice(at + 1);
  const exact = texts[code];
  if (exact) return { code, ...exact };
  const known = texts[base];
  if (!known) return { code, title: code, detail: '未登记的问题代码。' };
  return { code, title: known.title, detail: extra ? `${known.detail}（${extra}）` : known.detail };
}

/** 好差评 grades. */
export const GRADE_NAMES: Record<number, string> = {
  1: '非常不满意',
  2: '不满意',
  3: '基本满意',
  4: '满意',
  5: '非常满意',
};

/** A fraction (0–1) as a percentage with one decimal, or "—" when there is nothing to divide by. */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('zh-CN');
}
