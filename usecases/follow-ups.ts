/**
 * 差评整改: a rating of grade 1–2 opens a follow-up for the topic's lead
 * department, whose staff (or ADMIN) list their follow-ups and take the
 * steps of domain/follow-up.ts.
 *
 * @module
 */
import { InvalidInputError } from '../domain/answers.ts';
import {
  advanceFollowUp,
  DEFAULT_FOLLOW_UP_DEADLINES,
  openFollowUp,
  opensFollowUp,
  type FollowUpAction,
  type FollowUpDeadlines,
  type FollowUpStatus,
} from '../domain/follow-up.ts';
import type { Queryable } from '../store/database.ts';
import {
  findFollowUp,
  insertFollowUp,
  listFollowUps as storedFollowUps,
  recordFollowUpStep,
  type FollowUpRecord,
} from '../store/supervision.ts';

/** Who looks at or takes steps of follow-ups: ADMIN for any, department staff for their department's. */
export type FollowUpActor = { role: 'ADMIN' } | { role: 'DEPARTMENT_STAFF'; department: string };

export interface OpenFollowUpDeps {
  db: Queryable;
  /** The topic's lead department (the registry's `leadDepartment`), null for a topic it does not list. */
  leadDepartmentOf: (topicCode: string) => Promise<string | null>;
  /** FOLLOW_UP_CONTACT_DAYS and FOLLOW_UP_CLOSE_DAYS. Default 1 and 15 working days. */
  deadlines?: FollowUpDeadlines;
}

/**
 * Opens the follow-up of a rating when its grade is 1 or 2 (once per
 * application: a second call returns the one open). A topic the registry no
 * longer lists gets none (nobody to follow it up), and null is returned.
 * @returns the follow-up, or null for a rating of grade 3–5.
 */
export async function openFollowUpForRating(
  deps: OpenFollowUpDeps,
  _actor: { kind: 'applicant' },
  rating: { applicationId: string; topicCode: string; grade: number; createdAt: Date },
): Promise<FollowUpRecord | null> {
  if (!opensFollowUp(rating.grade)) return null;
  const existing = await findFollowUp(deps.db, rating.applicationId);
  if (existing) return existing;
  const leadDepartment = await deps.leadDepartmentOf(rating.topicCode);
  if (!leadDepartment) return null;
  const opened = openFollowUp({ leadDepartment, ratedAt: rating.createdAt }, deps.deadlines ?? DEFAULT_FOLLOW_UP_DEADLINES);
  return insertFollowUp(deps.db, { ...opened, applicationId: rating.applicationId, topicCode: rating.topicCode });
}

/** The most follow-ups listed at once. */
export const MAX_LISTED_FOLLOW_UPS = 200;

/** The actor's follow-ups (ADMIN: every one), oldest first, optionally of one status. */
export function listFollowUps(
  deps: { db: Queryable },
  actor: FollowUpActor,
  request: { status?: FollowUpStatus | null; first?: number | null },
): Promise<FollowUpRecord[]> {
  const first = request.first ?? 50;
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_LISTED_FOLLOW_UPS) {
    throw new InvalidInputError([{ field: 'first', code: 'INVALID_PAGE_SIZE', message: `first must be a whole number from 0 to ${MAX_LISTED_FOLLOW_UPS}` }]);
  }
  return storedFollowUps(deps.db, {
    leadDepartment: actor.role === 'ADMIN' ? null : actor.department,
    status: request.status ?? null,
    limit: first,
  });
}

export interface FollowUpStepRequest {
  applicationId: string;
  action: FollowUpAction;
  note: string;
}

/**
 * Takes one step of a follow-up: CONTACT (回访) with a note, then RECTIFY or
 * EXPLAIN with a note. ADMIN acts for the lead department.
 *
 * @throws InvalidInputError UNKNOWN_FOLLOW_UP (no follow-up for that
 *   application), or the domain's STEP_OUT_OF_ORDER, NOTE_REQUIRED,
 *   NOTE_TOO_LONG (all listed at once); NotLeadDepartmentError (FORBIDDEN)
 *   for staff of another department.
 */
export async function takeFollowUpStep(
  deps: { db: Queryable; now?: () => Date },
  actor: FollowUpActor,
  request: FollowUpStepRequest,
): Promise<FollowUpRecord> {
  for (;;) {
    const current = await findFollowUp(deps.db, request.applicationId);
    if (!current) {
      throw new InvalidInputError([
        { field: 'applicationId', code: 'UNKNOWN_FOLLOW_UP', message: `no follow-up for application ${JSON.stringify(request.applicationId)}` },
      ]);
    }
    const department = actor.role === 'ADMIN' ? current.leadDepartment : actor.department;
    const next = advanceFollowUp(current, { action: request.action, note: request.note, department }, deps.now?.() ?? new Date());
    // Two steps at once: the one stored first wins, the other is judged again against it.
    if (await recordFollowUpStep(deps.db, { ...current, ...next }, current.status)) return { ...current, ...next };
  }
}
