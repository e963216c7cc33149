/**
 * 无差别受理、同标准办理 and 复制推广 (work plan, 四 and 一): a topic is
 * compared with the topics of the same name at the city level and in the
 * other districts and counties of its city, and a region's replication
 * backlog is what they offer that it does not.
 *
 * Regions are administrative division codes (GB/T 2260): `4405xx` is a
 * district or county of the city `440500`.
 *
 * What is compared, order never counting (the registry's lists are orders of
 * display):
 * - QUESTIONS: guidance questions by id, and of each its type and option values;
 * - MATTERS: matters by name, and of each its type (matter codes are the
 *   region's own, so they never match across regions);
 * - MATERIALS: the material codes of all the topic's matters;
 * - FORM: the form field keys of all the topic's matters, and of each its type;
 * - TIME_LIMIT: legal and committed days of each matter both have, and the
 *   committed days of the whole topic (its widest situation).
 *
 * A difference is a problem code `DIFFERS_FROM_CITY:<ASPECT>` (the other
 * topic is the city's) or `DIFFERS_FROM_DISTRICT:<ASPECT>` (another district's,
 * or, for a city topic, one of its districts'), with the details. They are
 * findings for the lead departments to settle (统一实施标准); they do not make
 * a topic less guidable or online-processable (DESIGN.md defines those).
 *
 * @module
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { widestSituation } from './widest.ts';

export type RegionLevel = 'CITY' | 'DISTRICT';

export const ASPECTS = ['QUESTIONS', 'MATTERS', 'MATERIALS', 'FORM', 'TIME_LIMIT'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** A topic with the registry's matters of its codes (unknown codes absent). */
export interface TopicVersion {
  topic: Topic;
  matters: ReadonlyMap<string, Matter>;
}

/** One item both topics have but not alike. */
export interface ChangedItem {
  /** Question id, matter name, form key, or `topic` for the whole topic's committed days. */
  item: string;
  /** What it is in this topic, e.g. `SINGLE [A, B]`, `ENUM`, `legal 20, committed 5`. */
  here: string;
  /** What it is in the other topic. */
  there: string;
}

/** How one aspect of a topic differs from another region's topic of the same name. */
export interface CrossRegionDifference {
  /** `DIFFERS_FROM_CITY:MATERIALS`, `DIFFERS_FROM_DISTRICT:FORM`, … */
  code: string;
  aspect: Aspect;
  level: RegionLevel;
  /** The other region's topic. */
  peer: { topicCode: string; region: string; leadDepartment: string };
  /** Items this topic has and the other lacks (question ids, matter names, material codes, form keys). */
  onlyHere: string[];
  /** Items the other topic has and this one lacks. */
  onlyThere: string[];
  changed: ChangedItem[];
}

const SIX_DIGITS = /^\d{6}$/;

/** The city (地级市) of a region code: `440514` → `440500`; null for a province or a code that is not six digits. */
export function cityOf(region: string): string | null {
  if (!SIX_DIGITS.test(region) || region.endsWith('0000')) return null;
  return `${region.slice(0, 4)}00`;
}

/**
 * How `other` stands to `region`: CITY when it is region's city, DISTRICT when
 * both lie in one city and `other` is a district or county of it (another
 * one, or one of the city's own when `region` is the city); null otherwise
 * (the same region, another city, a province).
 */
export function peerLevel(region: string, other: string): RegionLevel | null {
  const city = cityOf(region);
  if (city === null || other === region || cityOf(other) !== city) return null;
  return other === city ? 'CITY' : 'DISTRICT';
}

/** Names compare trimmed, with runs of white space as one space. */
export function sameName(a: string, b: string): boolean {
  return normaliseName(a) === normaliseName(b);
}

export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

const resolved = (v: TopicVersion): Matter[] =>
  v.topic.matters.map((tm) => v.matters.get(tm.matterCode)).filter((m): m is Matter => m !== undefined);

/** Keyed descriptions of one aspect of a topic: key → what it is (the first found wins, in topic order). */
function aspectItems(v: TopicVersion, aspect: Exclude<Aspect, 'TIME_LIMIT'>): Map<string, string> {
  const out = new Map<string, string>();
  const put = (key: string, value: string) => {
    if (!out.has(key)) out.set(key, value);
  };
  switch (aspect) {
    case 'QUESTIONS':
      for (const q of v.topic.questions) {
        const options = q.options?.map((o) => o.value).sort();
        put(q.id, options ? `${q.type} [${options.join(', ')}]` : q.type);
      }
      break;
    case 'MATTERS':
      for (const m of resolved(v)) put(normaliseName(m.name), m.type);
      break;
    case 'MATERIALS':
      for (const m of resolved(v)) for (const material of m.materials) put(material.code, '');
      break;
    case 'FORM':
      for (const m of resolved(v)) for (const field of m.form) put(field.key, field.type);
      break;
  }
  return out;
}

function timeLimits(v: TopicVersion): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of resolved(v)) {
    const name = normaliseName(m.name);
    if (!out.has(name)) out.set(name, `legal ${m.legalDays}, committed ${m.committedDays}`);
  }
  return out;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareMaps(here: Map<string, string>, there: Map<string, string>, keysOnly: boolean) {
  const onlyHere = [...here.keys()].filter((k) => !there.has(k)).sort(byText);
  const onlyThere = [...there.keys()].filter((k) => !here.has(k)).sort(byText);
  const changed: ChangedItem[] = keysOnly
    ? []
    : [...here.keys()]
        .filter((k) => there.has(k) && there.get(k) !== here.get(k))
        .sort(byText)
        .map((item) => ({ item, here: here.get(item)!, there: there.get(item)! }));
  return { onlyHere, onlyThere, changed };
}

/**
 * How `own` differs from `other` in each aspect, in the order of
 * {@link ASPECTS}; aspects that agree are left out. Time limits are compared
 * for the matters both have (a matter only one has is a MATTERS difference).
 */
export function compareTopicVersions(
  own: TopicVersion,
  other: TopicVersion,
): Array<{ aspect: Aspect; onlyHere: string[]; onlyThere: string[]; changed: ChangedItem[] }> {
  const out: Array<{ aspect: Aspect; onlyHere: string[]; onlyThere: string[]; changed: ChangedItem[] }> = [];
  for (const aspect of ASPECTS) {
    if (aspect === 'TIME_LIMIT') {
      const { changed } = compareMaps(timeLimits(own), timeLimits(other), false);
      const ownDays = widestSituation(own.topic, own.matters).committedDays;
      const otherDays = widestSituation(other.topic, other.matters).committedDays;
      if (ownDays !== otherDays) changed.push({ item: 'topic', here: `committed ${ownDays}`, there: `committed ${otherDays}` });
      if (changed.length) out.push({ aspect, onlyHere: [], onlyThere: [], changed });
      continue;
    }
    const result = compareMaps(aspectItems(own, aspect), aspectItems(other, aspect), aspect === 'MATERIALS');
    if (result.onlyHere.length || result.onlyThere.length || result.changed.length) out.push({ aspect, ...result });
  }
  return out;
}

/** The problem code of a difference: `DIFFERS_FROM_CITY:MATERIALS`, … */
export const differenceCode = (level: RegionLevel, aspect: Aspect): string => `DIFFERS_FROM_${level}:${aspect}`;

/** Every problem code, in the order problems are listed: city before district, then by aspect. */
export const CROSS_REGION_CODES: readonly string[] = (['CITY', 'DISTRICT'] as const).flatMap((level) =>
  ASPECTS.map((aspect) => differenceCode(level, aspect)),
);

export interface CrossRegionResult {
  /** Each code at most once, in the order of {@link CROSS_REGION_CODES}. */
  problems: string[];
  /** Every difference, peer by peer (city first, then by region and topic code), aspect by aspect. */
  differences: CrossRegionDifference[];
}

/**
 * Compares `own` with the topics of the same name at the city level and in
 * the city's other districts among `others` (any other topic is ignored).
 */
export function compareAcrossRegions(own: TopicVersion, others: readonly TopicVersion[]): CrossRegionResult {
  const peers = others
    .map((other) => ({ other, level: peerLevel(own.topic.region, other.topic.region) }))
    .filter((p): p is { other: TopicVersion; level: RegionLevel } => p.level !== null && sameName(p.other.topic.name, own.topic.name))
    .sort(
      (a, b) =>
        (a.level === b.level ? 0 : a.level === 'CITY' ? -1 : 1) ||
        byText(a.other.topic.region, b.other.topic.region) ||
        byText(a.other.topic.code, b.other.topic.code),
    );
  const differences: CrossRegionDifference[] = [];
  for (const { other, level } of peers) {
    for (const d of compareTopicVersions(own, other)) {
      differences.push({
        code: differenceCode(level, d.aspect),
        aspect: d.aspect,
        level,
        peer: { topicCode: other.topic.code, region: other.topic.region, leadDepartment: other.topic.leadDepartment },
        onlyHere: d.onlyHere,
        onlyThere: d.onlyThere,
        changed: d.changed,
      });
    }
  }
  const found = new Set(differences.map((d) => d.code));
  return { problems: CROSS_REGION_CODES.filter((code) => found.has(code)), differences };
}

/** A topic of another region, as the registry lists it. */
export interface OfferedTopic {
  code: string;
  name: string;
  region: string;
  leadDepartment: string;
  status: string;
}

/** A topic the region could replicate (复制推广). */
export interface ReplicationCandidate<T extends OfferedTopic = OfferedTopic> {
  /** The topic's name, as the first offering topic spells it. */
  name: string;
  /** The published topics of that name, city first, then by region and code. */
  offeredBy: T[];
  /**
   * The region's department that should claim it (认领): the region's own
   * department of the same kind as the lead department of the city's topic
   * (else of the first district's that has one); null when the registry has none.
   */
  claimingDepartment: string | null;
}

/**
 * The region's counterpart of a department of another region, by the
 * registry's department codes `<unit>-<region>` (SCJGJ-440500 →
 * SCJGJ-440514); null when the code does not follow that pattern or the
 * region has no such department.
 */
export function counterpartDepartment(
  department: string,
  fromRegion: string,
  toRegion: string,
  known: ReadonlySet<string>,
): string | null {
  const suffix = `-${fromRegion}`;
  if (!department.endsWith(suffix)) return null;
  const candidate = `${department.slice(0, -suffix.length)}-${toRegion}`;
  return known.has(candidate) ? candidate : null;
}

/**
 * The replication backlog of `region`: every name under which a topic is
 * PUBLISHED at the city level or in at least one other district of the city
 * (for a city: in one of its districts) and the region has no PUBLISHED topic,
 * sorted by name, with the department that should claim it.
 *
 * @param topics every region's topics, as the registry lists them
 * @param departments every department code the registry knows
 */
export function replicationBacklog<T extends OfferedTopic>(
  region: string,
  topics: readonly T[],
  departments: ReadonlySet<string>,
): ReplicationCandidate<T>[] {
  const offered = new Set(
    topics.filter((t) => t.region === region && t.status === 'PUBLISHED').map((t) => normaliseName(t.name)),
  );
  const byName = new Map<string, Array<{ topic: T; level: RegionLevel }>>();
  for (const topic of topics) {
    const level = peerLevel(region, topic.region);
    if (level === null || topic.status !== 'PUBLISHED') continue;
    const name = normaliseName(topic.name);
    if (offered.has(name)) continue;
    const list = byName.get(name) ?? [];
    list.push({ topic, level });
    byName.set(name, list);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, list]) => {
      const sorted = list
        .sort(
          (a, b) =>
            (a.level === b.level ? 0 : a.level === 'CITY' ? -1 : 1) || byText(a.topic.region, b.topic.region) || byText(a.topic.code, b.topic.code),
        )
        .map(({ topic }) => topic);
      const claimingDepartment =
        sorted.map((t) => counterpartDepartment(t.leadDepartment, t.region, region, departments)).find((d) => d !== null) ?? null;
      return { name: normaliseName(sorted[0]!.name), offeredBy: sorted, claimingDepartment };
    });
}
