/**
 * The dashboard's charts: ECharts (from node_modules, tree-shaken to what is
 * used), drawn as SVG so that they stay sharp when printed or zoomed.
 */
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { AssessmentMetrics, AssessmentTrends, DepartmentMetrics, TopicMetrics } from './types.ts';
import { GRADE_NAMES, GUIDABLE_TARGET, ONLINE_PROCESSABLE_TARGET, percent } from './labels.ts';

echarts.use([BarChart, GaugeChart, HeatmapChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

export const COLORS = {
  blue: '#1f5fbf',
  teal: '#13a8a8',
  green: '#2e9e5b',
  red: '#d64545',
  amber: '#e3a008',
  grey: '#8c96a5',
  grid: '#e6ebf2',
  text: '#1f2d3d',
  muted: '#5b6b7f',
};

const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';
const GRADE_COLORS: Record<number, string> = { 1: '#d64545', 2: '#f08c4a', 3: '#e3c341', 4: '#7cc07a', 5: '#2e9e5b' };

const pct = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);

const base = (): ChartOption => ({
  animationDuration: 500,
  textStyle: { fontFamily: FONT, color: COLORS.text },
  tooltip: { confine: true, textStyle: { fontFamily: FONT } },
});

/** Category labels (topic and department names) break into lines of at most this many pixels. */
const nameLabel = { color: COLORS.text, fontSize: 12, lineHeight: 15, width: 132, overflow: 'break' };

/** Two gauges: the region's 可导办率 and 可网办率, green when at or above the target, red below; the target is a tick on the track. */
export function ratesGauges(metrics: AssessmentMetrics): ChartOption {
  const ring = { center: ['', '54%'], radius: '82%', min: 0, max: 100, startAngle: 210, endAngle: -30 };
  const gauge = (name: string, rate: number | null, target: number, x: string) => {
    const value = pct(rate);
    const met = rate !== null && rate >= target;
    const color = value === null ? COLORS.grey : met ? COLORS.green : COLORS.red;
    const center = [x, ring.center[1]];
    return [
      {
        ...ring,
        type: 'gauge',
        center,
        splitNumber: 5,
        progress: { show: true, width: 18, itemStyle: { color } },
        // The track, with the target as a dark tick on it (hidden under the bar once it is reached).
        axisLine: {
          lineStyle: {
            width: 18,
            color:
              target >= 1
                ? [[0.99, '#e9eef5'], [1, COLORS.text]]
                : [[target - 0.005, '#e9eef5'], [target + 0.005, COLORS.text], [1, '#e9eef5']],
          },
        },
        axisTick: { show: false },
        splitLine: { show: false },
        axisLabel: { show: false },
        pointer: { show: false },
        anchor: { show: false },
        title: { offsetCenter: [0, '46%'], fontSize: 13, color: COLORS.muted },
        detail: {
          valueAnimation: true,
          offsetCenter: [0, '4%'],
          fontSize: 30,
          fontWeight: 700,
          color,
          formatter: () => (value === null ? '—' : `${value.toFixed(1)}%`),
        },
        data: [{ value: value ?? 0, name: `${name}（目标${target >= 1 ? ' 100%' : ` ≥ ${target * 100}%`}）` }],
      },
    ];
  };
  return {
    ...base(),
    tooltip: { show: false },
    series: [
      ...gauge('可导办率', metrics.guidableRate, GUIDABLE_TARGET, '25%'),
      ...gauge('可网办率', metrics.onlineProcessableRate, ONLINE_PROCESSABLE_TARGET, '75%'),
    ],
  };
}

/** Topics × (可导办, 可网办): a green cell is met, a red one is not. */
export function readinessMatrix(topics: readonly TopicMetrics[]): ChartOption {
  const names = topics.map((t) => t.topic.name);
  const data = topics.flatMap((t, y) => [
    [0, y, t.guidable ? 1 : 0],
    [1, y, t.onlineProcessable ? 1 : 0],
  ]);
  return {
    ...base(),
    tooltip: {
      confine: true,
      formatter: (p: unknown) => {
        const [x, y, v] = (p as { data: [number, number, number] }).data;
        return `${names[y]}<br/>${x === 0 ? '可导办' : '可网办'}：${v ? '达标' : '未达标'}`;
      },
    },
    grid: { left: 8, right: 16, top: 34, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: ['可导办', '可网办'], position: 'top', axisTick: { show: false }, axisLine: { show: false }, axisLabel: { fontSize: 13, color: COLORS.text } },
    yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false }, axisLine: { show: false }, axisLabel: nameLabel },
    visualMap: { show: false, type: 'piecewise', dimension: 2, pieces: [{ value: 1, color: '#d5efdf' }, { value: 0, color: '#f8dede' }] },
    series: [
      {
        type: 'heatmap',
        data,
        itemStyle: { borderColor: '#fff', borderWidth: 3, borderRadius: 4 },
        label: {
          show: true,
          fontSize: 13,
          fontWeight: 600,
          formatter: (p: unknown) => ((p as { data: number[] }).data[2] ? '✓ 达标' : '✗ 未达标'),
          color: COLORS.text,
        },
        emphasis: { disabled: true },
      },
    ],
  };
}

/** Per topic: material reduction and time compression of its widest situation. */
export function reductionBars(topics: readonly TopicMetrics[]): ChartOption {
  const names = topics.map((t) => t.topic.name);
  const label = { show: true, position: 'right', fontSize: 11, color: COLORS.muted, formatter: (p: { value: number | null }) => (p.value === null ? '—' : `${p.value}%`) };
  return {
    ...base(),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}%` : '—') },
    legend: { top: 0, right: 8, itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: FONT, color: COLORS.muted } },
    grid: { left: 8, right: 48, top: 30, bottom: 4, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%', color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
    yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false }, axisLabel: nameLabel },
    series: [
      { name: '材料精简率', type: 'bar', barMaxWidth: 14, itemStyle: { color: COLORS.blue, borderRadius: [0, 3, 3, 0] }, label, data: topics.map((t) => pct(t.materialReduction)) },
      { name: '时限压缩率', type: 'bar', barMaxWidth: 14, itemStyle: { color: COLORS.teal, borderRadius: [0, 3, 3, 0] }, label, data: topics.map((t) => pct(t.timeCompression)) },
    ],
  };
}

/** Per department: share of decided cases decided on time. */
export function departmentBars(departments: readonly DepartmentMetrics[]): ChartOption {
  return {
    ...base(),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const p = (params as Array<{ dataIndex: number }>)[0]!;
        const d = departments[p.dataIndex]!;
        return `${d.department.name}<br/>按时办结率：${percent(d.onTimeRate)}<br/>办件：${d.cases}　逾期：${d.overdueCases}`;
      },
    },
    grid: { left: 8, right: 56, top: 12, bottom: 4, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%', color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
    yAxis: { type: 'category', data: departments.map((d) => d.department.name), inverse: true, axisTick: { show: false }, axisLabel: nameLabel },
    series: [
      {
        name: '按时办结率',
        type: 'bar',
        barMaxWidth: 16,
        data: departments.map((d) => ({
          value: pct(d.onTimeRate),
          itemStyle: { color: d.onTimeRate === null ? COLORS.grey : d.onTimeRate >= 0.95 ? COLORS.green : d.onTimeRate >= 0.8 ? COLORS.amber : COLORS.red, borderRadius: [0, 3, 3, 0] },
        })),
        label: { show: true, position: 'right', fontSize: 11, color: COLORS.muted, formatter: (p: { value: number | null }) => (p.value === null ? '未办结' : `${p.value}%`) },
      },
    ],
  };
}

/** 好差评: ratings of the period by grade, over every topic. */
export function ratingBars(topics: readonly TopicMetrics[]): ChartOption {
  const grades = [1, 2, 3, 4, 5];
  const totals = grades.map((g) => topics.reduce((sum, t) => sum + (t.ratings.find((r) => r.grade === g)?.count ?? 0), 0));
  return {
    ...base(),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const i = (params as Array<{ dataIndex: number }>)[0]!.dataIndex;
        const grade = grades[i]!;
        const lines = topics
          .map((t) => [t.topic.name, t.ratings.find((r) => r.grade === grade)?.count ?? 0] as const)
          .filter(([, n]) => n > 0)
          .map(([name, n]) => `${name}：${n}`);
        return [`${grade} 分 · ${GRADE_NAMES[grade]}：${totals[i]} 条`, ...lines].join('<br/>');
      },
    },
    grid: { left: 8, right: 12, top: 24, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: grades.map((g) => `${g} 分\n${GRADE_NAMES[g]}`), axisTick: { show: false }, axisLabel: { color: COLORS.text, lineHeight: 16 } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
    series: [
      {
        name: '评价数',
        type: 'bar',
        barMaxWidth: 42,
        data: totals.map((value, i) => ({ value, itemStyle: { color: GRADE_COLORS[grades[i]!], borderRadius: [3, 3, 0, 0] } })),
        label: { show: true, position: 'top', color: COLORS.text, fontWeight: 600 },
      },
    ],
  };
}

const CHANNEL_NAMES: Record<AssessmentTrends['channels'][number]['channel'], string> = {
  PC: '电脑端',
  MOBILE: '移动端（指尖办）',
  WINDOW: '窗口',
  KIOSK: '自助终端',
};

/** The period's applications by channel, every channel listed. */
export function channelBars(channels: AssessmentTrends['channels']): ChartOption {
  const colors = [COLORS.blue, COLORS.teal, COLORS.amber, COLORS.green];
  return {
    ...base(),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 12, top: 24, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: channels.map((c) => CHANNEL_NAMES[c.channel]), axisTick: { show: false }, axisLabel: { color: COLORS.text } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
    series: [
      {
        name: '申请件数',
        type: 'bar',
        barMaxWidth: 42,
        data: channels.map((c, i) => ({ value: c.applications, itemStyle: { color: colors[i % colors.length], borderRadius: [3, 3, 0, 0] } })),
        label: { show: true, position: 'top', color: COLORS.text, fontWeight: 600 },
      },
    ],
  };
}

/** Per topic: personal plans computed for signed-in applicants against applications submitted. */
export function funnelBars(funnel: AssessmentTrends['funnel']): ChartOption {
  const names = funnel.map((f) => f.topic.name);
  const label = { show: true, position: 'right', fontSize: 11, color: COLORS.muted };
  return {
    ...base(),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const f = funnel[(params as Array<{ dataIndex: number }>)[0]!.dataIndex]!;
        return `${f.topic.name}<br/>导办方案：${f.plans}　申请：${f.applications}<br/>转化率：${percent(f.conversionRate)}`;
      },
    },
    legend: { top: 0, right: 8, itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: FONT, color: COLORS.muted } },
    grid: { left: 8, right: 40, top: 30, bottom: 4, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
    yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false }, axisLabel: nameLabel },
    series: [
      { name: '导办方案（登录用户）', type: 'bar', barMaxWidth: 14, itemStyle: { color: COLORS.grey, borderRadius: [0, 3, 3, 0] }, label, data: funnel.map((f) => f.plans) },
      { name: '提交申请', type: 'bar', barMaxWidth: 14, itemStyle: { color: COLORS.blue, borderRadius: [0, 3, 3, 0] }, label, data: funnel.map((f) => f.applications) },
    ],
  };
}

/** The monthly rates of the period as lines (percent), with the month's applications as bars behind them. */
export function trendLines(monthly: AssessmentTrends['monthly']): ChartOption {
  const months = monthly.map((m) => m.month);
  const line = (name: string, color: string, values: Array<number | null>) => ({
    name,
    type: 'line',
    connectNulls: false,
    symbolSize: 6,
    itemStyle: { color },
    lineStyle: { width: 2, color },
    data: values.map(pct),
  });
  return {
    ...base(),
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}` : '—') },
    legend: { top: 0, left: 8, itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: FONT, color: COLORS.muted } },
    grid: { left: 8, right: 8, top: 56, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: months, axisTick: { show: false }, axisLabel: { color: COLORS.text } },
    yAxis: [
      { type: 'value', max: 100, axisLabel: { formatter: '{value}%', color: COLORS.muted }, splitLine: { lineStyle: { color: COLORS.grid } } },
      { type: 'value', minInterval: 1, axisLabel: { color: COLORS.muted }, splitLine: { show: false } },
    ],
    series: [
      { name: '申请件数', type: 'bar', yAxisIndex: 1, barMaxWidth: 28, itemStyle: { color: '#dfe7f3' }, data: monthly.map((m) => m.applications) },
      line('材料精简率', COLORS.blue, monthly.map((m) => m.materialReduction)),
      line('时限压缩率', COLORS.teal, monthly.map((m) => m.timeCompression)),
      line('免提交率', '#7b5cc4', monthly.map((m) => m.exemptionRate)),
      line('按时办结率', COLORS.green, monthly.map((m) => m.onTimeRate)),
      line('好评率', COLORS.amber, monthly.map((m) => m.goodRatingRate)),
    ],
  };
}

export interface MountedChart {
  chart: echarts.ECharts;
  /** Resolves once the chart finished drawing (animations included). */
  drawn: Promise<void>;
}

/** Draws `option` in `element` (replacing what was there). */
export function draw(element: HTMLElement, option: ChartOption): MountedChart {
  echarts.getInstanceByDom(element)?.dispose();
  const chart = echarts.init(element, undefined, { renderer: 'svg', locale: 'ZH' });
  const drawn = new Promise<void>((resolve) => {
    chart.on('finished', () => resolve());
    setTimeout(resolve, 3000);
  });
  chart.setOption(option);
  return { chart, drawn };
}

export function resizeAll(elements: Iterable<HTMLElement>): void {
  for (const element of elements) echarts.getInstanceByDom(element)?.resize();
}
