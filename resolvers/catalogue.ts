/**
 * Topics, matters and departments: the public catalogue, served from the
 * matter registry through its process-wide cache.
 */
import type { Matter, Topic, TopicSummary } from '../connectors/matter-registry/models.ts';
import { assessReadiness } from '../domain/readiness.ts';
import { onlineUrlCheckOf } from '../store/guide-checks.ts';
import { UpstreamBadResponseError } from '../lib/errors.ts';
import { isAdmin, type GatewayContext } from '../server/context.ts';
import type { Resolvers } from './__generated__/types.ts';
import type { MatterInTopic } from './models.ts';

const isVisible = (topic: TopicSummary, ctx: GatewayContext) =>
  topic.status === 'PUBLISHED' || isAdmin(ctx.viewer);

/** The full topic behind a summary (lists carry summaries only). */
export async function topicDetail(parent: TopicSummary, ctx: GatewayContext): Promise<Topic> {
  if ('questions' in parent) return parent as Topic;
  const topic = await ctx.loaders.registry.topic.load(parent.code);
  if (!topic) throw new UpstreamBadResponseError('matter-registry', `listed topic ${parent.code} has no detail`);
  return topic;
}

/** The registry matters of a topic by code; codes the registry does not know are absent. */
export async function topicMatters(topic: Topic, ctx: GatewayContext): Promise<Map<string, Matter>> {
  const codes = topic.matters.map((m) => m.matterCode);
  const matters = await ctx.loaders.registry.matter.loadMany(codes);
  const byCode = new Map<string, Matter>();
  for (const matter of matters) {
    if (matter instanceof Error) throw matter;
    if (matter) byCode.set(matter.code, matter);
  }
  return byCode;
}

/**
 * Links matters to those they depend on among them, by code, in the given
 * order; a code listed again is skipped (the first one stands).
 */
export function linkMatters(nodes: readonly { matter: Matter; dependsOn: readonly string[] }[]): MatterInTopic[] {
  const linked = new Map<string, MatterInTopic>();
  const dependencies = new Map<MatterInTopic, readonly string[]>();
  for (const { matter, dependsOn } of nodes) {
    if (linked.has(matter.code)) continue;
    const node: MatterInTopic = { matter, dependsOn: [] };
    linked.set(matter.code, node);
    dependencies.set(node, dependsOn);
  }
  for (const [node, codes] of dependencies) {
    for (const code of codes) {
      const target = linked.get(code);
      if (target && target !== node) node.dependsOn.push(target);
    }
  }
  return [...linked.values()];
}

/** A topic's matters the registry knows, in topic order, with the codes the topic says they depend on. */
function topicMatterNodes(topic: Topic, matters: ReadonlyMap<string, Matter>) {
  return topic.matters.flatMap(({ matterCode, dependsOn }) => {
    const matter = matters.get(matterCode);
    return matter ? [{ matter, dependsOn: dependsOn ?? [] }] : [];
  });
}

export const catalogueResolvers: Resolvers = {
  Query: {
    topics: async (_root, { region }, ctx) =>
      (await ctx.services.registry.topics(region)).filter((topic) => isVisible(topic, ctx)),
    topic: async (_root, { code }, ctx) => {
      const topic = await ctx.loaders.registry.topic.load(code);
      return topic && isVisible(topic, ctx) ? topic : null;
    },
  },
  Topic: {
    leadDepartment: (topic, _args, ctx) => ctx.loaders.registry.department.load(topic.leadDepartment),
    description: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).description,
    version: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).version,
    guideUrl: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).guideUrl ?? null,
    onlineUrl: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).onlineUrl ?? null,
    windowAddress: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).windowAddress ?? null,
    committedDays: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).committedDays ?? null,
    questions: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).questions,
    matterCount: async (topic, _args, ctx) => (await topicDetail(topic, ctx)).matters.length,
    matters: async (topic, _args, ctx) => {
      const detail = await topicDetail(topic, ctx);
      return linkMatters(topicMatterNodes(detail, await topicMatters(detail, ctx)));
    },
    readiness: async (topic, _args, ctx) => {
      const detail = await topicDetail(topic, ctx);
      const [matters, check] = await Promise.all([topicMatters(detail, ctx), ctx.loaders.store.onlineUrlCheckOf.load(detail.code)]);
      return assessReadiness(detail, matters, onlineUrlCheckOf(detail, check ? new Map([[detail.code, check]]) : new Map()));
    },
  },
  Matter: {
    code: ({ matter }) => matter.code,
    name: ({ matter }) => matter.name,
    type: ({ matter }) => matter.type,
    department: ({ matter }, _args, ctx) => ctx.loaders.registry.department.load(matter.department),
    legalDays: ({ matter }) => matter.legalDays,
    committedDays: ({ matter }) => matter.committedDays,
    onlineDepth: ({ matter }) => matter.onlineDepth,
    onlineUrl: ({ matter }) => matter.onlineUrl ?? null,
    visitsRequired: ({ matter }) => matter.visitsRequired,
    resultCertificateType: ({ matter }) => matter.resultCertificateType ?? null,
    dependsOn: ({ dependsOn }) => dependsOn,
  },
};
