/**
 * The flowchart of every sandbox topic, rendered by Graphviz (WebAssembly)
 * as a person would get it: every question and every matter is on it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Matter, Topic } from '../../connectors/matter-registry/models.ts';
import { buildFlowchart } from '../../domain/flowchart.ts';
import { flowchartDot, flowchartSvg } from '../../documents/flowchart.ts';
import { loadSandboxData, type SandboxData } from '../../sandbox/index.ts';

let data: SandboxData;
let matters: Map<string, Matter>;
let departmentNames: Map<string, string>;
beforeAll(async () => {
  data = await loadSandboxData();
  matters = new Map(data.matters.map((m) => [m.code, m]));
  departmentNames = new Map(data.departments.map((d) => [d.code, d.name]));
});

/** The lines of text an SVG shows, entities decoded and the padding of edge labels trimmed. */
function svgTexts(svg: string): string[] {
  const decode = (text: string) =>
    text
      .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
      .replace(/&#x([0-9a-f]+);/gi, (_m, code: string) => String.fromCodePoint(parseInt(code, 16)))
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!).replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, ''));
}

/** Every topic of the sandbox's registry, drafts and retired ones too. */
const TOPICS = (JSON.parse(readFileSync(new URL('../../sandbox/data/topics.json', import.meta.url), 'utf8')) as { items: Topic[] }).items.map(
  (t) => [t.code, t.name] as const,
);

describe('the flowchart of every sandbox topic', () => {
  it.each(TOPICS)('%s %s renders with every question and matter', async (code) => {
    const topic = data.topics.find((t) => t.code === code)!;
    const chart = buildFlowchart(topic, matters, departmentNames);
    const svg = await flowchartSvg(chart);
    const texts = svgTexts(svg);

    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const expected = [
      ...topic.questions.map((q, i) => `问题 ${i + 1}：${q.text}`),
      ...topic.matters.map((m) => matters.get(m.matterCode)?.name ?? `事项 ${m.matterCode}`),
    ];
    expect(expected.filter((line) => !texts.includes(line))).toEqual([]);
    const dot = flowchartDot(chart);
    expect(expected.filter((line) => !dot.includes(line))).toEqual([]);
  });

  it('marks the topic whose matter the registry does not know, and draws the rest', async () => {
    const topic = data.topics.find((t) => t.code === 'CN-YJS-CJR')!;
    const chart = buildFlowchart(topic, matters, departmentNames);
    const texts = svgTexts(await flowchartSvg(chart));

    expect(chart.problems).toEqual(['UNKNOWN_MATTER:440514-CL-GG-0007']);
    expect(texts).toEqual(expect.arrayContaining(['注意：本主题的登记数据有误，流程图按现有数据生成', 'UNKNOWN_MATTER:440514-CL-GG-0007', '事项 440514-CL-GG-0007', '省事项系统中没有这个事项']));
  });
});

describe('a topic with a condition error', () => {
  it('gets a chart that says so instead of failing', async () => {
    const newborn = data.topics.find((t) => t.code === 'CN-YJS-XSECS')!;
    const broken: Topic = {
      ...newborn,
      matters: newborn.matters.map((m, i) => (i === 1 ? { ...m, appliesIf: { frobnicate: [{ var: 'services' }] } } : m)),
    };
    const chart = buildFlowchart(broken, matters, departmentNames);
    const texts = svgTexts(await flowchartSvg(chart));

    expect(chart.problems).toEqual([`INVALID_CONDITION:matter.${newborn.matters[1]!.matterCode}.appliesIf`]);
    expect(texts).toContain('条件有误（按成立处理）：Unrecognized');
    expect(texts).toContain(`INVALID_CONDITION:matter.${newborn.matters[1]!.matterCode}.appliesIf`);
    expect(texts).toContain(matters.get(newborn.matters[1]!.matterCode)!.name);
  });
});
