/**
 * The Chinese texts of the problem codes a topic's readiness lists
 * (domain/readiness.ts) and of the registry-data problems of a plan
 * (domain/plan.ts, with a detail after a colon:
 * `FORM_FIELD_TYPE_CONFLICT:<key>`). One table for every place a person
 * reads them: the CSV export's 问题 column, the dashboard (the page gets it
 * in its settings) and the README's list (a test keeps it equal).
 */

export interface ProblemText {
  /** The short name, as a chip, a cell or a list entry shows it. */
  title: string;
  /** What it means and what to do. */
  detail: string;
}

export const PROBLEM_TEXTS: Readonly<Record<string, ProblemText>> = {
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

/** The aspects a cross-region difference names after its code (`DIFFERS_FROM_CITY:MATERIALS`, domain/cross-region.ts). */
export const DIFFERENCE_ASPECTS: Readonly<Record<string, string>> = {
  QUESTIONS: '受理条件',
  MATTERS: '所含事项',
  MATERIALS: '办理材料',
  FORM: '业务表单',
  TIME_LIMIT: '办理时限',
};

/** Whom a cross-region difference compares with. */
const DIFFERENCE_SCOPES: Readonly<Record<string, string>> = { DIFFERS_FROM_CITY: '市级', DIFFERS_FROM_DISTRICT: '其他区县' };

/**
 * Every text a page may need, keyed by the listed problem: the table above
 * plus one entry per cross-region difference and aspect, so a page looks a
 * listed problem up as it is.
 */
export const LISTED_PROBLEM_TEXTS: Readonly<Record<string, ProblemText>> = {
  ...PROBLEM_TEXTS,
  ...Object.fromEntries(
    Object.entries(DIFFERENCE_SCOPES).flatMap(([code, scope]) =>
      Object.entries(DIFFERENCE_ASPECTS).map(([aspect, name]) => [
        `${code}:${aspect}`,
        { title: `${name}与${scope}不一致`, detail: PROBLEM_TEXTS[code]!.detail.replace('办理要素', name) },
      ]),
    ),
  ),
};

/** The text of a listed problem (`CODE` or `CODE:detail`, looked up by `CODE`); null for a code not in the table. */
export function problemText(problem: string): ProblemText | null {
  const exact = LISTED_PROBLEM_TEXTS[problem];
  if (exact) return exact;
  const at = problem.indexOf(':');
  return at === -1 ? null : PROBLEM_TEXTS[problem.slice(0, at)] ?? null;
}
