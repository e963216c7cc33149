/**
 * The cross-region comparison over a registry: which topics it reads, and
 * that it never compares on partial data. The registry here serves the
 * sandbox's data files from memory and counts the reads.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Topic, TopicSummary } from '../../connectors/matter-registry/models.ts';
import { loadSandboxData, type SandboxData } from '../../sandbox/load-data.ts';
import { compareWithOtherRegions, loadTopicVersion, type CrossRegionRegistry } from '../../usecases/cross-region.ts';

let data: SandboxData;
beforeAll(async () => {
  data = await loadSandboxData();
});

function countingRegistry(topics: Topic[] = data.topics) {
  const reads = { list: 0, topics: [] as string[] };
  const registry: CrossRegionRegistry = {
    topics: async () => {
      reads.list++;
      return topics.map(({ code, name, region, leadDepartment, status, updatedAt }): TopicSummary => ({ code, name, region, leadDepartment, status, updatedAt }));
    },
    topic: async (code) => {
      reads.topics.push(code);
      return topics.find((t) => t.code === code) ?? null;
    },
    mattersByCode: async (codes) => codes.map((code) => data.matters.find((m) => m.code === code) ?? null),
  };
  return { registry, reads };
}

const version = (registry: CrossRegionRegistry, code: string) => loadTopicVersion(registry, data.topics.find((t) => t.code === code)!);

describe('compareWithOtherRegions', () => {
  it('lists the topics once and reads each same-name topic of another region once, however many topics it compares', async () => {
    const { registry, reads } = countingRegistry();
    const compare = compareWithOtherRegions(registry);

    const chaonan = await compare(await version(registry, 'CN-YJS-KCG'));
    const chaoyang = await compare(await version(registry, 'CY-YJS-KCG'));

    expect(chaonan.problems).toEqual(['DIFFERS_FROM_CITY:MATERIALS', 'DIFFERS_FROM_DISTRICT:FORM', 'DIFFERS_FROM_DISTRICT:TIME_LIMIT']);
    expect(chaoyang.differences.map((d) => [d.code, d.peer.topicCode])).toEqual([
      ['DIFFERS_FROM_CITY:MATERIALS', 'ST-YJS-KCG'],
      ['DIFFERS_FROM_CITY:FORM', 'ST-YJS-KCG'],
      ['DIFFERS_FROM_CITY:TIME_LIMIT', 'ST-YJS-KCG'],
      ['DIFFERS_FROM_DISTRICT:FORM', 'CN-YJS-KCG'],
      ['DIFFERS_FROM_DISTRICT:TIME_LIMIT', 'CN-YJS-KCG'],
    ]);
    expect(reads.list).toBe(1);
    expect(reads.topics.sort()).toEqual(['CN-YJS-KCG', 'CY-YJS-KCG', 'ST-YJS-KCG']);
  });

  it('sets no standard by a topic that is not published', async () => {
    const draftCity = data.topics.map((t) => (t.code === 'ST-YJS-KCG' ? { ...t, status: 'DRAFT' as const } : t));
    const { registry, reads } = countingRegistry(draftCity);

    const result = await compareWithOtherRegions(registry)(await version(registry, 'CN-YJS-KCG'));

    expect(result.problems).toEqual(['DIFFERS_FROM_DISTRICT:FORM', 'DIFFERS_FROM_DISTRICT:TIME_LIMIT']);
    expect(reads.topics).not.toContain('ST-YJS-KCG');
  });

  it('fails rather than compare without a topic it could not read', async () => {
    const { registry } = countingRegistry();
    const own = await version(registry, 'CN-YJS-KCG');
    const failing: CrossRegionRegistry = {
      ...registry,
      topic: async (code) => {
        if (code === 'CY-YJS-KCG') throw new Error('registry down');
        return registry.topic(code);
      },
    };

    await expect(compareWithOtherRegions(failing)(own)).rejects.toThrow('registry down');
  });
});
