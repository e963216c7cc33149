/**
 * 同标准办理 and 复制推广 over the registry: the registry lists the topics of
 * every region (`GET /api/v1/topics` without `region`), so one listing finds
 * the same-name topics of the city and of its other districts; only those
 * are then read in full. Used by the routine guide check and the assessment
 * metrics (`compareWithOtherRegions`) and by the replication backlog query
 * and CSV (`regionReplicationBacklog`).
 *
 * @module
 */
import type { Department, Matter, Topic, TopicSummary } from '../connectors/matter-registry/models.ts';
import { InvalidInputError } from '../domain/answers.ts';
import {
  cityOf,
  compareAcrossRegions,
  peerLevel,
  replicationBacklog,
  sameName,
  type CrossRegionResult,
  type ReplicationCandidate,
  type TopicVersion,
} from '../domain/cross-region.ts';

export type { CrossRegionDifference, CrossRegionResult } from '../domain/cross-region.ts';

/** A backlog entry with the registry's topic summaries. */
export type RegionReplicationCandidate = ReplicationCandidate<TopicSummary>;

/** The registry as the comparison needs it (`CachedMatterRegistry` fits). */
export interface CrossRegionRegistry {
  topics(region: string | null | undefined): Promise<TopicSummary[]>;
  topic(code: string): Promise<Topic | null>;
  mattersByCode(codes: readonly string[]): Promise<(Matter | null)[]>;
}

/** Compares one topic (with its matters) with the same-name topics of its city and the city's other districts. */
export type CompareWithOtherRegions = (own: TopicVersion) => Promise<CrossRegionResult>;

/** A topic with the matters the registry knows of its codes. */
export async function loadTopicVersion(registry: Pick<CrossRegionRegistry, 'mattersByCode'>, topic: Topic): Promise<TopicVersion> {
  const codes = topic.matters.map((m) => m.matterCode);
  const found = codes.length ? await registry.mattersByCode(codes) : [];
  const matters = new Map<string, Matter>();
  for (const m of found) if (m) matters.set(m.code, m);
  return { topic, matters };
}

/**
 * A comparison for one run (a guide check, one metrics request): the list of
 * every region's topics is read once, and each other region's topic at most
 * once, however many topics are compared with it. Only PUBLISHED topics are
 * compared with: a draft elsewhere sets no standard yet.
 *
 * Registry failures reject the comparison (a check or metrics on partial data
 * would report differences that are not there, or miss some).
 */
export function compareWithOtherRegions(registry: CrossRegionRegistry): CompareWithOtherRegions {
  let everyTopic: Promise<TopicSummary[]> | undefined;
  const versions = new Map<string, Promise<TopicVersion | null>>();
  const versionOf = (code: string) => {
    let version = versions.get(code);
    if (!version) {
      version = registry.topic(code).then((topic) => (topic && topic.status === 'PUBLISHED' ? loadTopicVersion(registry, topic) : null));
      versions.set(code, version);
    }
    return version;
  };

  return async (own) => {
    if (cityOf(own.topic.region) === null) return { problems: [], differences: [] };
    everyTopic ??= registry.topics(null);
    const peers = (await everyTopic).filter(
      (t) => t.status === 'PUBLISHED' && t.code !== own.topic.code && peerLevel(own.topic.region, t.region) !== null && sameName(t.name, own.topic.name),
    );
    const loaded = await Promise.all(peers.map((t) => versionOf(t.code)));
    return compareAcrossRegions(
      own,
      loaded.filter((v): v is TopicVersion => v !== null),
    );
  };
}

/** The registry as the backlog needs it (`CachedMatterRegistry` fits). */
export interface BacklogRegistry {
  topics(region: string | null | undefined): Promise<TopicSummary[]>;
  departments(): Promise<Department[]>;
}

export interface BacklogParams {
  /** The region (six-digit division code) whose backlog is asked for. */
  region: string;
}

const REGION_CODE = /^\d{6}$/;

/**
 * The replication backlog of a region (复制推广): what its city or the city's
 * other districts publish that it does not, with the department that should
 * claim each (see `replicationBacklog`). Public catalogue data only.
 *
 * @throws InvalidInputError (BAD_USER_INPUT, `region` INVALID_REGION) for a
 *   region that is not a district, county or city code; `UpstreamError`s when
 *   the registry fails
 */
export async function regionReplicationBacklog(
  deps: { registry: BacklogRegistry },
  params: BacklogParams,
): Promise<RegionReplicationCandidate[]> {
  const region = typeof params.region === 'string' ? params.region.trim() : '';
  if (!REGION_CODE.test(region) || cityOf(region) === null) {
    throw new InvalidInputError([
      { field: 'region', code: 'INVALID_REGION', message: 'region must be the six-digit code of a city, district or county, e.g. 440514' },
    ]);
  }
  const [topics, departments] = await Promise.all([deps.registry.topics(null), deps.registry.departments()]);
  return replicationBacklog(region, topics, new Set(departments.map((d) => d.code)));
}
