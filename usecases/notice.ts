/**
 * The one-time notice (一次告知单) of a situation: the plan for the topic
 * and the answers — the applicant's own when signed in — told on one page.
 */
import type { Matter, Topic } from '../connectors/matter-registry/models.ts';
import type { RawAnswer } from '../domain/answers.ts';
import { buildNotice, type Notice } from '../domain/notice.ts';
import type { Plan } from '../domain/plan.ts';

export interface NoticeDeps {
  /** A topic the caller may see; null when there is none. */
  topic(code: string): Promise<Topic | null>;
  /** The registry's matters of a topic by code. */
  matters(topic: Topic): Promise<Map<string, Matter>>;
  departmentNames(): Promise<Map<string, string>>;
  /**
   * The plan of the situation: anonymous, or with the signed-in applicant's
   * e-certificates and data (whose reads are logged).
   * @throws InvalidInputError for bad answers.
   */
  plan(topic: Topic, matters: ReadonlyMap<string, Matter>, answers: readonly RawAnswer[]): Promise<Plan>;
  /** Printed when a topic names no window of its own. */
  defaultWindowAddress: string | null;
}

/** Whether the notice is made with the applicant's own evidence. */
export type NoticeActor = { personal: boolean };

/** The notice; null when there is no such topic for the caller. */
export async function situationNotice(
  deps: NoticeDeps,
  actor: NoticeActor,
  request: { topicCode: string; answers: readonly RawAnswer[] },
): Promise<Notice | null> {
  const topic = await deps.topic(request.topicCode);
  if (!topic) return null;
  const matters = await deps.matters(topic);
  const [plan, departmentNames] = await Promise.all([deps.plan(topic, matters, request.answers), deps.departmentNames()]);
  return buildNotice({ topic, plan, personal: actor.personal, departmentNames, defaultWindowAddress: deps.defaultWindowAddress });
}
