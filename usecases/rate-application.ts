/**
 * 好差评: an applicant rates one of its own decided applications (一事一评).
 * The rating goes to the provincial rating system, and a copy is kept in the
 * local `evaluations` table so that the application shows its rating without
 * asking the rating system (whose list cannot be filtered by application).
 *
 * Consistency of the two copies: the rating system is the source of truth.
 * If the local insert fails after the rating system stored the rating, the
 * caller gets the error, and the next attempt meets the system's 409; it then
 * fetches the stored rating from the system and writes the local copy
 * (fetch-and-store). When that stored rating is the one now being sent (same
 * grade, comment and channel) the attempt is taken as the retry it is and
 * succeeds; otherwise it is ALREADY_RATED — with the local copy repaired
 * either way. The same path settles two attempts racing each other.
 *
 * @module
 */
import type { EvaluationClient } from '../connectors/evaluation/client.ts';
import { EVALUATION_CHANNELS, MAX_COMMENT_LENGTH, type Evaluation, type EvaluationChannel } from '../connectors/evaluation/models.ts';
import { InvalidInputError, type InputProblem } from '../domain/answers.ts';
import { applicationStatus, type ApplicationStatus } from '../domain/application-status.ts';
import { UpstreamRejectedError } from '../lib/errors.ts';
import { casesOfApplications, evaluationsOf, findApplication, type ApplicationRecord, type EvaluationRecord } from '../store/applications.ts';
import type { Queryable } from '../store/database.ts';
import { openFollowUpForRating, type OpenFollowUpDeps } from './follow-ups.ts';

/** GraphQL `RateApplicationInput`. */
export interface RateApplicationInput {
  applicationId: string;
  /** 1 非常不满意 … 5 非常满意; an integer. */
  grade: number;
  /** Required (non-blank) for grades 1 and 2 (差评 must say why); at most 500 characters. */
  comment?: string | null;
  /** Where the rating is given; absent = the channel the application was made on. */
  channel?: EvaluationChannel | string | null;
}

export interface RateApplicationDeps {
  db: Queryable;
  evaluation: Pick<EvaluationClient, 'rate' | 'listAll'>;
  /** Where a 差评 (grade 1–2) opens its follow-up; none opened when absent. */
  followUps?: Omit<OpenFollowUpDeps, 'db'>;
}

/** Application statuses that may be rated: the application is decided. */
export const RATEABLE: ReadonlySet<ApplicationStatus> = new Set<ApplicationStatus>(['COMPLETED', 'PARTIALLY_REJECTED', 'REJECTED']);

/**
 * How far before the application's submission the 409 recovery looks for the
 * stored rating (clock skew between the gateway and the rating system).
 */
const RECOVERY_SLACK_MS = 24 * 60 * 60 * 1000;

/**
 * Rates the applicant's own application and returns the rating as stored
 * locally (`createdAt` is the rating system's).
 *
 * @throws InvalidInputError (BAD_USER_INPUT) with problems: INVALID_GRADE,
 *   COMMENT_REQUIRED (grade 1–2 without a non-blank comment),
 *   COMMENT_TOO_LONG, INVALID_CHANNEL; UNKNOWN_APPLICATION (no such
 *   application of this applicant: another applicant's is not revealed);
 *   NOT_DECIDED (its status is not COMPLETED, PARTIALLY_REJECTED or
 *   REJECTED); ALREADY_RATED (one rating per application). `UpstreamError`s
 *   when the rating system fails.
 */
export async function rateApplication(
  deps: RateApplicationDeps,
  applicant: string,
  input: RateApplicationInput,
): Promise<EvaluationRecord> {
  const rating = checkInput(input);
  const problem = (code: string, message: string) =>
    new InvalidInputError([{ field: 'applicationId', code, message }]);

  const application = await findApplication(deps.db, input.applicationId);
  if (!application || application.applicant !== applicant) {
    throw problem('UNKNOWN_APPLICATION', `you have no application ${JSON.stringify(input.applicationId)}`);
  }
  const cases = (await casesOfApplications(deps.db, [application.id])).get(application.id) ?? [];
  const status = applicationStatus(cases);
  if (!RATEABLE.has(status)) {
    throw problem('NOT_DECIDED', `application ${application.id} is ${status}: it can be rated once it is decided`);
  }
  const alreadyRated = () => problem('ALREADY_RATED', `application ${application.id} was already rated (一事一评)`);
  const localCopy = (await evaluationsOf(deps.db, [application.id])).get(application.id);
  if (localCopy) {
    await openFollowUpOf(deps, localCopy);
    throw alreadyRated();
  }

  let stored: Evaluation;
  try {
    stored = await deps.evaluation.rate({
      applicationId: application.id,
      topicCode: application.topicCode,
      channel: rating.channel ?? application.channel,
      grade: rating.grade,
      comment: rating.comment,
      evaluatorId: applicant,
    });
  } catch (error) {
    if (!(error instanceof UpstreamRejectedError && error.httpStatus === 409)) throw error;
    const existing = await findRemoteRating(deps, application);
    if (!existing) throw alreadyRated();
    const copy = await storeLocalCopy(deps.db, application, existing);
    await openFollowUpOf(deps, copy);
    const sameRating = existing.grade === rating.grade && existing.channel === (rating.channel ?? application.channel) && existing.comment === rating.comment;
    if (!sameRating) throw alreadyRated();
    return copy;
  }
  const copy = await storeLocalCopy(deps.db, application, stored);
  await openFollowUpOf(deps, copy);
  return copy;
}

/** A 差评 opens its follow-up once its local copy is stored (repeated on a retry until it is there). */
async function openFollowUpOf(deps: RateApplicationDeps, copy: EvaluationRecord): Promise<void> {
  if (deps.followUps) await openFollowUpForRating({ db: deps.db, ...deps.followUps }, { kind: 'applicant' }, copy);
}

interface CheckedRating {
  grade: number;
  comment: string | null;
  /** null: not given, the application's own channel is passed on. */
  channel: EvaluationChannel | null;
}

function checkInput(input: RateApplicationInput): CheckedRating {
  const problems: InputProblem[] = [];
  const { grade } = input;
  const gradeOk = Number.isInteger(grade) && grade >= 1 && grade <= 5;
  if (!gradeOk) problems.push({ field: 'grade', code: 'INVALID_GRADE', message: 'grade must be a whole number from 1 to 5' });
  const comment = typeof input.comment === 'string' && input.comment.trim() !== '' ? input.comment.trim() : null;
  if (gradeOk && grade <= 2 && comment === null) {
    problems.push({
      field: 'comment',
      code: 'COMMENT_REQUIRED',
      message: 'a 差评 (grade 1 or 2) must say why: the comment is required',
    });
  }
  if (comment !== null && comment.length > MAX_COMMENT_LENGTH) {
    problems.push({ field: 'comment', code: 'COMMENT_TOO_LONG', message: `the comment is longer than ${MAX_COMMENT_LENGTH} characters` });
  }
  const channel = input.channel ?? null;
  const channelOk = channel === null || (EVALUATION_CHANNELS as readonly string[]).includes(channel);
  if (!channelOk) {
    problems.push({ field: 'channel', code: 'INVALID_CHANNEL', message: `channel must be one of ${EVALUATION_CHANNELS.join(', ')}` });
  }
  if (problems.length) throw new InvalidInputError(problems);
  return { grade, comment, channel: channel as EvaluationChannel | null };
}

/** The rating the rating system holds for the application, looked up among its topic's ratings since submission. */
async function findRemoteRating(deps: RateApplicationDeps, application: ApplicationRecord): Promise<Evaluation | null> {
  const ratings = await deps.evaluation.listAll({
    topicCode: application.topicCode,
    from: new Date(application.submittedAt.getTime() - RECOVERY_SLACK_MS),
  });
  return ratings.find((r) => r.applicationId === application.id) ?? null;
}

/**
 * Writes the local copy of a rating the rating system stored, unless one is
 * there already, and returns the local copy. The rating system does not say
 * who rated; the copy names the application's applicant.
 */
async function storeLocalCopy(db: Queryable, application: ApplicationRecord, rating: Evaluation): Promise<EvaluationRecord> {
  await db.query(
    `INSERT INTO evaluations (application_id, remote_id, topic_code, grade, comment, channel, evaluator, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (application_id) DO NOTHING`,
    [application.id, rating.id, rating.topicCode, rating.grade, rating.comment, rating.channel, application.applicant, new Date(rating.createdAt)],
  );
  const copy = (await evaluationsOf(db, [application.id])).get(application.id);
  if (!copy) throw new Error(`the local copy of the rating of ${application.id} is missing after it was written`);
  return copy;
}
