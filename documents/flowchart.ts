/**
 * The guidance flowchart as Graphviz DOT, and as SVG rendered offline by
 * Graphviz compiled to WebAssembly (@viz-js/viz: no process, no download).
 */
import { instance, type Viz } from '@viz-js/viz';
import type { Flowchart, FlowchartEdge, FlowchartNode } from '../domain/flowchart.ts';

export type FlowchartFormat = 'DOT' | 'SVG';

const FONT = 'Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif';
const FONT_SIZE = 12;

/** East Asian wide characters take a full em; Graphviz's estimate (made for Latin fonts) gives them about ¾. */
const isWide = (char: string) => {
  const code = char.codePointAt(0)!;
  return code >= 0x2e80 || (code >= 0x2000 && code <= 0x206f);
};

/** The printed width of a line in ems. */
const ems = (line: string) => [...line].reduce((sum, char) => sum + (isWide(char) ? 1 : 0.55), 0);

/** Breaks a long line at about `maxEms`, preferring the separators of our own labels. */
function wrap(line: string, maxEms = 24): string[] {
  if (ems(line) <= maxEms) return [line];
  const lines: string[] = [];
  let current = '';
  for (const piece of line.split(/(?<=[ /、，；])/)) {
    if (current !== '' && ems(current + piece) > maxEms) {
      lines.push(current.trimEnd());
      current = '';
    }
    current += piece;
    while (ems(current) > maxEms * 1.5) {
      const chars = [...current];
      let cut = 0;
      for (let width = 0; cut < chars.length && width + (isWide(chars[cut]!) ? 1 : 0.55) <= maxEms; cut++) width += isWide(chars[cut]!) ? 1 : 0.55;
      lines.push(chars.slice(0, cut).join(''));
      current = chars.slice(cut).join('');
    }
  }
  if (current.trim() !== '') lines.push(current.trimEnd());
  return lines;
}

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

const NODE_STYLE: Record<FlowchartNode['kind'], string> = {
  start: 'shape=oval, style=filled, fillcolor="#dbe9ff", color="#2f5fa8"',
  question: 'shape=box, style="rounded,filled", fillcolor="#f2f7ff", color="#2f5fa8"',
  condition: 'shape=hexagon, style=filled, fillcolor="#fffbe6", color="#b08a00"',
  outcome: 'shape=box, style=filled, fillcolor="#fff1dd", color="#b86b00"',
  matter: 'shape=box, style=filled, fillcolor="#e8f6e8", color="#2b7a2b"',
  'unknown-matter': 'shape=box, style="filled,dashed", fillcolor="#ffecec", color="#c62828", fontcolor="#c62828"',
  warning: 'shape=note, style=filled, fillcolor="#ffecec", color="#c62828", fontcolor="#c62828"',
};

const EDGE_STYLE: Record<FlowchartEdge['kind'], string> = {
  next: 'color="#2f5fa8"',
  shown: 'color="#2f5fa8"',
  skipped: 'style=dashed, color="#8a8a8a", fontcolor="#6a6a6a"',
  applies: 'color="#b86b00", fontcolor="#8a5000"',
  dependsOn: 'style=bold, color="#2b7a2b", fontcolor="#2b7a2b"',
};

function nodeStatement(node: FlowchartNode): string {
  // Titles stay on one line, so that every question and matter reads as written in the registry.
  const [title, ...rest] = node.kind === 'condition' ? ['', ...node.lines] : node.lines;
  const lines = [...(title ? [title] : []), ...rest.flatMap((line) => wrap(line)), ...(node.error ? wrap(node.error) : [])];
  const widthInches = (Math.max(...lines.map(ems)) * FONT_SIZE + 24) / 72;
  const error = node.error ? ', color="#c62828", fontcolor="#c62828", penwidth=2' : '';
  return `  ${node.id} [label=${quote(lines.join('\n'))}, width=${(node.kind === 'condition' ? widthInches * 1.25 : widthInches).toFixed(2)}, ${NODE_STYLE[node.kind]}${error}];`;
}

function edgeStatement(edge: FlowchartEdge): string {
  const text = [...(edge.label ? wrap(edge.label, 18) : []), ...(edge.error ? wrap(edge.error, 18) : [])];
  // Pad each line so that Graphviz leaves room for wide characters it measures too narrow.
  const padded = text.map((line) => {
    const pad = '\u00a0'.repeat(Math.ceil([...line].filter(isWide).length / 2));
    return `${pad}${line}${pad}`;
  });
  const label = padded.length ? `label=${quote(padded.join('\n'))}, ` : '';
  const error = edge.error ? ', color="#c62828", fontcolor="#c62828", penwidth=2' : '';
  return `  ${edge.from} -> ${edge.to} [${label}${EDGE_STYLE[edge.kind]}${error}];`;
}

/** The chart as Graphviz DOT text. */
export function flowchartDot(chart: Flowchart): string {
  const matters = chart.nodes.filter((n) => n.kind === 'matter' || n.kind === 'unknown-matter');
  const others = chart.nodes.filter((n) => !matters.includes(n));
  return [
    `digraph ${quote(chart.topic.code)} {`,
    `  graph [label=${quote(`${chart.topic.name} 导办流程图`)}, labelloc=t, fontsize=18, fontname=${quote(FONT)}, rankdir=TB, nodesep=0.4, ranksep=0.45, bgcolor=white];`,
    `  node [fontname=${quote(FONT)}, fontsize=${FONT_SIZE}, margin="0.15,0.08"];`,
    `  edge [fontname=${quote(FONT)}, fontsize=${FONT_SIZE - 1}];`,
    ...others.map(nodeStatement),
    '  subgraph cluster_matters {',
    `    label=${quote('适用事项（互不依赖的并联办理，箭头表示先后）')}; style="rounded,dashed"; color="#2b7a2b"; fontcolor="#2b7a2b"; fontsize=13;`,
    ...matters.map((node) => `  ${nodeStatement(node)}`),
    '  }',
    ...chart.edges.map(edgeStatement),
    '}',
    '',
  ].join('\n');
}

let viz: Promise<Viz> | null = null;

/** The chart as SVG. Graphviz's WebAssembly module is loaded once, on first use. */
export async function flowchartSvg(chart: Flowchart): Promise<string> {
  viz ??= instance();
  const result = (await viz).render(flowchartDot(chart), { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    throw new Error(`Graphviz could not lay out the chart of ${chart.topic.code}: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.output;
}

export async function renderFlowchart(chart: Flowchart, format: FlowchartFormat): Promise<string> {
  return format === 'DOT' ? flowchartDot(chart) : flowchartSvg(chart);
}
