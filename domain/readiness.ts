/**
 * Readiness of a topic for the assessment metrics (DESIGN.md, "Assessment
 * metrics"): whether it is guidable (可导办) and online-processable (可网办),
 * and the problems of its guide.
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import { ApprovalOrder } from './approval-order.ts';

/**
 * The latest result of the periodic check of the topic's `onlineUrl` (GET
 * answering 2xx/3xx within 5 s); `null` = not checked yet.
 */
export type OnlineUrlCheck = { reachable: boolean; checkedAt: string } | null;

/**
 * A topic's readiness. `problems` says why it is not guidable /
 * online-processable, and names the registry data errors of its guide that
 * change neither (DEPENDENCY_CYCLE).
 */
export interface Readiness {
  guidable: boolean;
  onlineProcessable: boolean;
  /**
   * Machine codes, each at most once, in this order: NOT_PUBLISHED,
   * NAME_NOT_STANDARD, NO_GUIDANCE, UNKNOWN_MATTER, NO_GUIDE_URL,
   * MATTER_NOT_ONLINE, NO_ONLINE_URL, ONLINE_URL_UNREACHABLE,
   * DEPENDENCY_CYCLE.
   */
  problems: string[];
}

/** The national naming standard: the trimmed name starts with 我要 or ends with 一件事. */
export function followsNamingStandard(name: string): boolean {
  const trimmed = name.trim();
  return trimmed.startsWith('我要') || trimmed.endsWith('一件事');
}

const present = (url: string | null | undefined): boolean => typeof url === 'string' && url.trim() !== '';

/**
 * Assesses a topic:
 * - guidable = PUBLISHED, name follows the standard, ≥ 1 guidance question,
 *   every matter code resolves in `matters`, and a non-blank `guideUrl`;
 * - online-processable = guidable, every (resolved) matter has `onlineDepth`
 *   ≥ 3, a non-blank `onlineUrl`, and the URL check did not find it
 *   unreachable (a check not yet made does not fail it).
 *
 * Every problem is reported, even those of online processing when the topic
 * is not guidable. ONLINE_URL_UNREACHABLE is only reported for a present URL.
 * DEPENDENCY_CYCLE (matters whose `dependsOn` form a cycle) is reported
 * without changing either verdict: DESIGN.md does not make it a condition,
 * and the order of approval never follows the cycle, so applications still
 * go through; the registry must still correct it.
 */
export function assessReadiness(
  topic: Topic,
  matters: ReadonlyMap<string, Matter>,
  onlineUrlCheck: OnlineUrlCheck,
): Readiness {
  const resolved = topic.matters.map((tm) => matters.get(tm.matterCode));
  const guidance = {
    NOT_PUBLISHED: topic.status !== 'PUBLISHED',
    NAME_NOT_STANDARD: !followsNamingStandard(topic.name),
    NO_GUIDANCE: topic.questions.length === 0,
    UNKNOWN_MATTER: resolved.some((m) => m === undefined),
    NO_GUIDE_URL: !present(topic.guideUrl),
  };
  const online = {
    MATTER_NOT_ONLINE: resolved.some((m) => m !== undefined && m.onlineDepth < 3),
    NO_ONLINE_URL: !present(topic.onlineUrl),
    ONLINE_URL_UNREACHABLE: present(topic.onlineUrl) && onlineUrlCheck !== null && !onlineUrlCheck.reachable,
  };
  const failing = (checks: Record<string, boolean>): string[] =>
    Object.entries(checks)
      .filter(([, fails]) => fails)
      .map(([code]) => code);

  const dataErrors = {
    DEPENDENCY_CYCLE: ApprovalOrder.of(topic.matters.map((tm) => ({ code: tm.matterCode, dependsOn: tm.dependsOn }))).cycles.length > 0,
  };

  const guidanceProblems = failing(guidance);
  const onlineProblems = failing(online);
  const guidable = guidanceProblems.length === 0;
  return {
    guidable,
    onlineProcessable: guidable && onlineProblems.length === 0,
    problems: [...guidanceProblems, ...onlineProblems, ...failing(dataErrors)],
  };
}
