/**
 * What supervisors see on the dashboard (效能监督, 差评整改): warnings by
 * department and level, the 差评 follow-up figures, and a topic's guidance
 * flowchart.
 */
import { h, type Child } from '../../citizen/src/dom.ts';
import { count, percent } from './labels.ts';
import type { AssessmentSupervision, TopicFlowchart, WarningLevel } from './types.ts';

/** The settings dashboard/page.ts adds for these panels. */
export interface SupervisionConfig {
  supervisionOperation: string;
  flowchartOperation: string;
}

export const LEVEL_NAMES: Record<WarningLevel, string> = { NONE: '正常', YELLOW: '黄牌', RED: '红牌' };
const LEVEL_TONES: Record<WarningLevel, string> = { NONE: 'good', YELLOW: 'warn', RED: 'bad' };
const LEVELS: readonly WarningLevel[] = ['RED', 'YELLOW', 'NONE'];

/** Cases by department and level, summed over the topics; the departments with red cards first. */
export function warningsTable(warnings: AssessmentSupervision['warnings']): HTMLElement {
  if (warnings.length === 0) return h('div', { class: 'empty' }, '所选周期内暂无已推送的办件。');
  const byDepartment = new Map<string, { name: string; counts: Record<WarningLevel, number> }>();
  for (const w of warnings) {
    const row = byDepartment.get(w.department.code) ?? { name: w.department.name, counts: { NONE: 0, YELLOW: 0, RED: 0 } };
    row.counts[w.level] += w.count;
    byDepartment.set(w.department.code, row);
  }
  const rows = [...byDepartment.entries()].sort(
    ([, a], [, b]) => b.counts.RED - a.counts.RED || b.counts.YELLOW - a.counts.YELLOW || a.name.localeCompare(b.name, 'zh-CN'),
  );
  const total = (level: WarningLevel) => warnings.filter((w) => w.level === level).reduce((sum, w) => sum + w.count, 0);
  const cell = (level: WarningLevel, value: number): Child =>
    h('td', {}, value > 0 && level !== 'NONE' ? h('span', { class: `tag ${LEVEL_TONES[level]}` }, count(value)) : count(value));
  return h(
    'table',
    { class: 'table levels', 'data-testid': 'warnings' },
    h('thead', {}, h('tr', {}, h('th', {}, '部门'), ...LEVELS.map((level) => h('th', {}, LEVEL_NAMES[level])))),
    h(
      'tbody',
      {},
      ...rows.map(([code, row]) =>
        h('tr', {}, h('td', {}, h('div', { class: 'strong' }, row.name), h('div', { class: 'code' }, code)), ...LEVELS.map((level) => cell(level, row.counts[level]))),
      ),
    ),
    h('tfoot', {}, h('tr', {}, h('td', {}, '合计'), ...LEVELS.map((level) => cell(level, total(level))))),
  );
}

/** The 差评 follow-up figures as a row of small figures. */
export function followUpFigures(followUps: AssessmentSupervision['followUps']): HTMLElement {
  const figure = (testId: string, label: string, value: string, note: string) =>
    h('div', { class: 'figure', 'data-testid': testId }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-note' }, note));
  return h(
    'div',
    { class: 'figures', 'data-testid': 'follow-ups' },
    figure('follow-up-count', '差评整改件数', count(followUps.count), `已办结 ${count(followUps.closed)} 件`),
    figure('follow-up-on-time', '按时回访整改率', percent(followUps.onTimeRate), '每一步均在期限内完成 / 全部'),
    figure('follow-up-rectified', '整改率', percent(followUps.rectificationRate), `已整改 ${count(followUps.rectified)} / 已办结 ${count(followUps.closed)}`),
  );
}

/**
 * The chart as an image: an SVG in an <img> runs no script and loads
 * nothing, whatever it contains, and the page's CSP allows data: images.
 */
export function flowchartImage(topicName: string, chart: TopicFlowchart): HTMLElement {
  const image = h('img', {
    class: 'flowchart',
    alt: `${topicName}导办流程图`,
    'data-testid': 'flowchart-image',
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(chart.content)}`,
  });
  return h(
    'div',
    { class: 'flowchart-box' },
    chart.problems.length
      ? h('p', { class: 'error', 'data-testid': 'flowchart-problems' }, `登记数据有误，流程图中以红色标出：${chart.problems.join('；')}`)
      : null,
    image,
  );
}
