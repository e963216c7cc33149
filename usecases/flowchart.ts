/**
 * A topic's guidance flowchart (导办流程图) from its registry data, as DOT
 * text or SVG.
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { buildFlowchart } from '../domain/flowchart.ts';
import { renderFlowchart, type FlowchartFormat } from '../documents/flowchart.ts';

export interface FlowchartDeps {
  matters(topic: Topic): Promise<Map<string, Matter>>;
  departmentNames(): Promise<Map<string, string>>;
}

export interface RenderedFlowchart {
  format: FlowchartFormat;
  content: string;
  /** The registry data errors the chart shows. */
  problems: string[];
}

export async function topicFlowchart(deps: FlowchartDeps, request: { topic: Topic; format: FlowchartFormat }): Promise<RenderedFlowchart> {
  const [matters, departmentNames] = await Promise.all([deps.matters(request.topic), deps.departmentNames()]);
  const chart = buildFlowchart(request.topic, matters, departmentNames);
  return { format: request.format, content: await renderFlowchart(chart, request.format), problems: chart.problems };
}
