/** Chinese wording of the figures and codes the dashboard shows. */

/** The work plan's targets (DESIGN.md, "Assessment metrics"). */
export const GUIDABLE_TARGET = 1;
export const ONLINE_PROCESSABLE_TARGET = 0.95;

export interface ProblemText {
  /** Short name, for a chip. */
  title: string;
  /** What it means and what to do. */
  detail: string;
}

/** Readiness problem codes (domain/readiness.ts, domain/plan.ts) in plain Chinese. */
const PROBLEMS: Record<string, ProblemText> = {
  NOT_PUBLISHED: { title: '主题未发布', detail: '主题在省事项系统中未处于发布状态，群众看不到。' },
  NAME_NOT_STANDARD: {
    title: '名称不符合命名规范',
    detail: '主题名称应以“我要”开头或以“一件事”结尾，请在省事项系统中按国家标准重新命名。',
  },
  NO_GUIDANCE: { title: '缺少场景式导办问题', detail: '没有导办问题，无法为群众精准生成事项和材料清单。' },
  UNKNOWN_MATTER: { title: '引用了不存在的事项', detail: '主题引用的事项编码在省事项系统中查不到，请改正编码或先认领该事项。' },
  NO_GUIDE_URL: { title: '缺少办事指南地址', detail: '未填写办事指南地址，群众无法查看完整指南。' },
  MATTER_NOT_ONLINE: { title: '事项网办深度不足', detail: '有事项网上办理深度低于三级（网上申报、网上受理），主题不能全程网办。' },
  NO_ONLINE_URL: { title: '缺少网上申办地址', detail: '未填写“一件事”的在线申办地址。' },
  ONLINE_URL_UNREACHABLE: { title: '网上申办地址无法访问', detail: '定期检查中，在线申办地址 5 秒内未正常响应（2xx/3xx）。' },
  FORM_FIELD_TYPE_CONFLICT: { title: '表单要素类型冲突', detail: '同一表单要素在不同事项中的类型不一致，无法合并为一张表。' },
  DEPENDENCY_CYCLE: { title: '事项前后置关系成环', detail: '事项之间的前置依赖形成循环，无法确定办理顺序。' },
  DIFFERS_FROM_CITY: {
    title: '与市级同名主题标准不一致',
    detail: '与市级同名“一件事”主题的办理要素不一致，请牵头部门对照统一实施标准（无差别受理、同标准办理）。',
  },
  DIFFERS_FROM_DISTRICT: {
    title: '与其他区县同名主题标准不一致',
    detail: '与其他区县同名“一件事”主题的办理要素不一致，请牵头部门对照统一实施标准（无差别受理、同标准办理）。',
  },
};

/** The aspects a cross-region difference names after its code (`DIFFERS_FROM_CITY:MATERIALS`). */
const ASPECTS: Record<string, string> = {
  QUESTIONS: '受理条件',
  MATTERS: '所含事项',
  MATERIALS: '办理材料',
  FORM: '业务表单',
  TIME_LIMIT: '办理时限',
};

/** A problem code (possibly `CODE:detail`) in Chinese; unknown codes are shown as they are. */
export function explainProblem(code: string): ProblemText & { code: string } {
  const at = code.indexOf(':');
  const base = at === -1 ? code : code.slice(0, at);
  const extra = at === -1 ? '' : code.slice(at + 1);
  const known = PROBLEMS[base];
  if (!known) return { code, title: code, detail: '未登记的问题代码。' };
  const aspect = ASPECTS[extra];
  if (aspect) return { code, title: `${known.title}：${aspect}`, detail: known.detail.replace('办理要素', aspect) };
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
