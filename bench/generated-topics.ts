/**
 * Bigger topics for `npm run bench -- --scale`: `BENCH-SCALE-<n>` has n
 * matters, copies of the newborn topic's matters (CN-YJS-XSECS) with their
 * own matter and material codes (`…-S<k>`), dependencies within each copy,
 * the same questions and the same certificate types and datasets, so the
 * same answers and the same applicant apply, the merged material list grows
 * with n, and the personal look-ups stay one call per system and round.
 */
import type { SandboxData } from '../sandbox/index.ts';

const SOURCE_TOPIC = 'CN-YJS-XSECS';

export const scaleTopicCode = (matters: number) => `BENCH-SCALE-${matters}`;

/** `data` with a topic of each size in `sizes` (and its matters) added. */
export function withScaleTopics(data: SandboxData, sizes: readonly number[]): SandboxData {
  const source = data.topics.find((t) => t.code === SOURCE_TOPIC);
  if (!source) throw new Error(`the sandbox data has no topic ${SOURCE_TOPIC}`);
  const mattersByCode = new Map(data.matters.map((m) => [m.code, m]));
  const copies = Math.ceil(Math.max(0, ...sizes) / source.matters.length);
  const generated: SandboxData['matters'] = [];
  const topicMatters: Array<SandboxData['topics'][number]['matters']> = [];
  for (let k = 0; k < copies; k++) {
    const suffix = (code: string) => `${code}-S${k}`;
    topicMatters.push(
      source.matters.map((entry) => ({
        ...entry,
        matterCode: suffix(entry.matterCode),
        ...(entry.dependsOn ? { dependsOn: entry.dependsOn.map(suffix) } : {}),
        ...(entry.materialRules ? { materialRules: entry.materialRules.map((r) => ({ ...r, materialCode: suffix(r.materialCode) })) } : {}),
      })),
    );
    for (const entry of source.matters) {
      const matter = mattersByCode.get(entry.matterCode)!;
      generated.push({ ...matter, code: suffix(matter.code), materials: matter.materials.map((m) => ({ ...m, code: suffix(m.code) })) });
    }
  }
  const flat = topicMatters.flat();
  const topics = sizes.map((n) => {
    const matters = flat.slice(0, n);
    const kept = new Set(matters.map((m) => m.matterCode));
    return {
      ...source,
      code: scaleTopicCode(n),
      name: `规模测试${n}项一件事`,
      matters: matters.map((m) => (m.dependsOn ? { ...m, dependsOn: m.dependsOn.filter((d) => kept.has(d)) } : m)),
    };
  });
  return { ...data, matters: [...data.matters, ...generated], topics: [...data.topics, ...topics] };
}
