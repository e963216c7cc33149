/**
 * The guidance flowchart (导办流程图) of a topic, generated from its registry
 * data, never drawn by hand: the questions in asking order with their
 * `showIf` branches, which answers make which matters apply (`appliesIf`),
 * and the matters' `dependsOn` order with their departments and committed
 * days.
 *
 * A graph of plain nodes and edges (rendering lives in documents/); pure.
 * Registry data errors never fail the chart: an invalid condition, a
 * condition that asks about a question the topic does not have, or an
 * unknown matter is drawn as such and listed in `problems`, with the codes
 * the plan uses.
 */
import type { Matter, Question, Topic } from '../connectors/matter-registry/models.ts';
import { evaluateCondition } from './conditions.ts';

export type FlowchartNodeKind = 'start' | 'question' | 'condition' | 'outcome' | 'matter' | 'unknown-matter' | 'warning';

export interface FlowchartNode {
  id: string;
  kind: FlowchartNodeKind;
  /** Lines of text, first line the title. */
  lines: string[];
  /** Why this node is wrong (an invalid condition, an unknown matter). */
  error?: string;
}

export type FlowchartEdgeKind = 'next' | 'shown' | 'skipped' | 'applies' | 'dependsOn';

export interface FlowchartEdge {
  from: string;
  to: string;
  kind: FlowchartEdgeKind;
  label?: string;
  error?: string;
}

export interface Flowchart {
  topic: { code: string; name: string };
  nodes: FlowchartNode[];
  edges: FlowchartEdge[];
  /** Registry data errors: `INVALID_CONDITION:<where>`, `UNKNOWN_MATTER:<code>`, `UNKNOWN_DEPENDENCY:<code>><dependency>`. */
  problems: string[];
}

/** Where a condition lives, in the plan's problem notation (`question.<id>.showIf`, …). */
type ConditionPlace = string;

interface CheckedCondition {
  text: string;
  error?: string;
}

const short = (question: Question) => question.text.replace(/[？?。]+$/, '');

const quoteValue = (value: unknown): string => {
  if (value === true) return '是';
  if (value === false) return '否';
  if (value === null) return '未回答';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
};

/** The question ids a rule reads (`{"var": …}`), in order of appearance. */
function variablesOf(rule: unknown, found: string[] = []): string[] {
  if (Array.isArray(rule)) {
    for (const item of rule) variablesOf(item, found);
  } else if (rule !== null && typeof rule === 'object') {
    for (const [op, args] of Object.entries(rule)) {
      if (op === 'var') {
        const name = Array.isArray(args) ? args[0] : args;
        if (typeof name === 'string' && name !== '') found.push(name.split('.')[0]!);
      } else {
        variablesOf(args, found);
      }
    }
  }
  return found;
}

const COMPARISONS: Record<string, string> = { '==': '为', '===': '为', '!=': '不为', '!==': '不为', '>': '>', '>=': '≥', '<': '<', '<=': '≤' };

/**
 * A condition in words, e.g. `{"in": ["VACCINATION", {"var": "services"}]}`
 * → 「除出生医学证明和出生登记外，还需要一并办理哪些服务」含 预防接种证.
 * Option values become their labels; what has no words is shown as JSON.
 */
export function describeCondition(
  rule: unknown,
  questions: readonly Question[],
  nameOf: (question: Question) => string = (question) => `「${short(question)}」`,
): string {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const questionOf = (operand: unknown): Question | undefined => {
    if (operand === null || typeof operand !== 'object' || Array.isArray(operand)) return undefined;
    const name = (operand as Record<string, unknown>).var;
    return typeof name === 'string' ? byId.get(name) : undefined;
  };
  const valueIn = (question: Question | undefined, value: unknown) =>
    question?.options?.find((o) => o.value === value)?.label ?? quoteValue(value);

  const describe = (node: unknown): string => {
    if (node === null || typeof node !== 'object') return quoteValue(node);
    if (Array.isArray(node)) return node.map(describe).join('、');
    const entries = Object.entries(node);
    if (entries.length !== 1) return JSON.stringify(node);
    const [op, raw] = entries[0]!;
    const args = Array.isArray(raw) ? raw : [raw];
    // A part of and / or / not: a question on its own reads as "answered yes" or "chosen".
    const clause = (value: unknown): string => (value !== null && typeof value === 'object' ? `（${describe(value)}）` : quoteValue(value));
    const operand = (value: unknown, question?: Question): string => {
      const asked = questionOf(value);
      if (asked) return nameOf(asked);
      if (value !== null && typeof value === 'object' && 'var' in value) return `「${String((value as { var: unknown }).var)}」`;
      if (value !== null && typeof value === 'object') return `（${describe(value)}）`;
      return valueIn(question, value);
    };
    switch (op) {
      case 'var': {
        const question = questionOf(node);
        if (!question) return `「${String(args[0])}」`;
        return question.type === 'BOOLEAN' ? `${nameOf(question)} 为 是` : `${nameOf(question)} 已选择`;
      }
      case 'and':
        return args.map(clause).join(' 且 ');
      case 'or':
        return args.map(clause).join(' 或 ');
      case '!':
        return `并非${clause(args[0])}`;
      case '!!':
        return describe(args[0]);
      case 'in': {
        const [needle, haystack] = args;
        const multi = questionOf(haystack);
        if (multi) return `${nameOf(multi)} 含 ${valueIn(multi, needle)}`;
        const single = questionOf(needle);
        if (single && Array.isArray(haystack)) return `${nameOf(single)} 为 ${haystack.map((v) => valueIn(single, v)).join(' 或 ')}`;
        return `${operand(needle)} 在 ${operand(haystack)} 中`;
      }
      default: {
        const word = COMPARISONS[op];
        if (!word) return JSON.stringify(node);
        const question = args.map(questionOf).find((q) => q !== undefined);
        if (args.length === 3 && (op === '<' || op === '<=')) {
          return `${operand(args[0], question)} ${word} ${operand(args[1], question)} ${word} ${operand(args[2], question)}`;
        }
        return `${operand(args[0], question)} ${word} ${operand(args[1], question)}`;
      }
    }
  };
  return describe(rule).replace(/ {2,}/g, ' ');
}

/** A condition in words, or why it is wrong: not JSON Logic, or asking about a question the topic does not have. */
function checkCondition(rule: unknown, questions: readonly Question[]): CheckedCondition {
  const numbered = (question: Question) => `问题 ${questions.indexOf(question) + 1}`;
  const evaluated = evaluateCondition(rule, {});
  if (evaluated.error !== undefined) return { text: JSON.stringify(rule), error: evaluated.error };
  const known = new Set(questions.map((q) => q.id));
  const unknown = variablesOf(rule).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    return { text: describeCondition(rule, questions, numbered), error: `asks about ${[...new Set(unknown)].join(', ')}, not a question of this topic` };
  }
  return { text: describeCondition(rule, questions, numbered) };
}

function optionsLine(question: Question): string {
  switch (question.type) {
    case 'SINGLE':
      return `单选：${(question.options ?? []).map((o) => o.label).join(' / ')}`;
    case 'MULTI':
      return `多选（可不选）：${(question.options ?? []).map((o) => o.label).join(' / ')}`;
    case 'BOOLEAN':
      return '是 / 否';
    case 'NUMBER': {
      const min = question.min ?? null;
      const max = question.max ?? null;
      return min !== null || max !== null ? `数值：${min ?? '−∞'} – ${max ?? '+∞'}` : '数值';
    }
  }
}

/**
 * The flowchart of a topic.
 * @param matters the registry's matters by code; a topic matter missing here is drawn as unknown.
 * @param departmentNames department names by code.
 */
export function buildFlowchart(topic: Topic, matters: ReadonlyMap<string, Matter>, departmentNames: ReadonlyMap<string, string>): Flowchart {
  const nodes: FlowchartNode[] = [];
  const edges: FlowchartEdge[] = [];
  const problems: string[] = [];
  const problem = (code: string) => {
    if (!problems.includes(code)) problems.push(code);
  };
  const invalid = (place: ConditionPlace, checked: CheckedCondition) => {
    if (checked.error !== undefined) problem(`INVALID_CONDITION:${place}`);
  };

  nodes.push({ id: 'start', kind: 'start', lines: ['开始', topic.name] });
  // Edges waiting for the next node of the question sequence: from the last question, and the skips of hidden ones.
  let open: Array<Omit<FlowchartEdge, 'to'>> = [{ from: 'start', kind: 'next' }];
  const attach = (to: string) => {
    for (const edge of open) edges.push({ ...edge, to });
    open = [];
  };

  topic.questions.forEach((question, i) => {
    const id = `q${i + 1}`;
    if (question.showIf !== null && question.showIf !== undefined) {
      const checked = checkCondition(question.showIf, topic.questions);
      invalid(`question.${question.id}.showIf`, checked);
      const conditionId = `${id}_if`;
      nodes.push({
        id: conditionId,
        kind: 'condition',
        lines: [`若 ${checked.text}`],
        ...(checked.error !== undefined ? { error: `条件有误（按成立处理）：${checked.error}` } : {}),
      });
      attach(conditionId);
      edges.push({ from: conditionId, to: id, kind: 'shown', label: '是' });
      open.push({ from: conditionId, kind: 'skipped', label: '否，跳过' });
    } else {
      attach(id);
    }
    nodes.push({
      id,
      kind: 'question',
      lines: [`问题 ${i + 1}：${question.text}`, `${optionsLine(question)}${question.required ? '' : '（选答）'}`],
    });
    open.push({ from: id, kind: 'next' });
  });
  nodes.push({ id: 'outcome', kind: 'outcome', lines: ['按回答确定适用的事项', `共 ${topic.matters.length} 个事项，并联审批`] });
  attach('outcome');

  const idOf = new Map<string, string>();
  topic.matters.forEach((topicMatter, j) => {
    if (!idOf.has(topicMatter.matterCode)) idOf.set(topicMatter.matterCode, `m${j + 1}`);
  });
  const drawn = new Set<string>();
  for (const topicMatter of topic.matters) {
    const code = topicMatter.matterCode;
    const id = idOf.get(code)!;
    if (drawn.has(code)) continue;
    drawn.add(code);
    const matter = matters.get(code);
    if (matter) {
      nodes.push({
        id,
        kind: 'matter',
        lines: [
          matter.name,
          `${departmentNames.get(matter.department) ?? matter.department}`,
          `承诺 ${matter.committedDays} 个工作日（法定 ${matter.legalDays}）`,
        ],
      });
    } else {
      problem(`UNKNOWN_MATTER:${code}`);
      nodes.push({ id, kind: 'unknown-matter', lines: [`事项 ${code}`], error: '省事项系统中没有这个事项' });
    }
    const applies = topicMatter.appliesIf;
    if (applies === null || applies === undefined) {
      edges.push({ from: 'outcome', to: id, kind: 'applies', label: '都要办' });
    } else {
      const checked = checkCondition(applies, topic.questions);
      invalid(`matter.${code}.appliesIf`, checked);
      edges.push({
        from: 'outcome',
        to: id,
        kind: 'applies',
        label: `若 ${checked.text}`,
        ...(checked.error !== undefined ? { error: `条件有误（按成立处理）：${checked.error}` } : {}),
      });
    }
    for (const rule of topicMatter.materialRules ?? []) {
      invalid(`matter.${code}.materialRules.${rule.materialCode}`, checkCondition(rule.requiredIf, topic.questions));
    }
  }
  for (const topicMatter of topic.matters) {
    const to = idOf.get(topicMatter.matterCode)!;
    for (const dependency of new Set(topicMatter.dependsOn ?? [])) {
      const from = idOf.get(dependency);
      if (!from) {
        problem(`UNKNOWN_DEPENDENCY:${topicMatter.matterCode}>${dependency}`);
        continue;
      }
      if (from !== to) edges.push({ from, to, kind: 'dependsOn', label: '办结后' });
    }
  }

  if (problems.length > 0) {
    nodes.unshift({
      id: 'warning',
      kind: 'warning',
      lines: ['注意：本主题的登记数据有误，流程图按现有数据生成', ...problems],
    });
  }
  return { topic: { code: topic.code, name: topic.name }, nodes, edges, problems };
}
