/** Simulator of the provincial rating system (政务服务"好差评"系统). */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requireBearer } from './access.ts';
import { HttpError, healthRoute, jsonReply, type Route } from './http.ts';
import { evaluationChannelSchema, type StoredEvaluation } from './load-data.ts';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

const ratingSchema = z
  .object({
    applicationId: z.string(),
    topicCode: z.string(),
    channel: evaluationChannelSchema,
    grade: z.number().int().min(1).max(5),
    comment: z.string().max(500).nullable().optional(),
    evaluatorId: z.string(),
  })
  .refine((rating) => rating.grade > 2 || (rating.comment ?? '').trim() !== '', {
    message: 'A 差评 (grade 1 or 2) must carry a comment',
    path: ['comment'],
  });

const dateTimeSchema = z.iso.datetime({ offset: true });

/** Where a page ends: the sort key of its last rating. Opaque to clients. */
const cursorSchema = z.object({ at: z.number(), id: z.string() });
type Cursor = z.infer<typeof cursorSchema>;

export function evaluationRoutes(initial: readonly StoredEvaluation[], token: string, now: () => number): Route[] {
  const ratings: StoredEvaluation[] = [...initial];
  const ratedApplications = new Set(ratings.map((rating) => rating.applicationId));

  return [
    healthRoute,
    {
      method: 'POST',
      path: '/api/v1/evaluations',
      handle: (request) => {
        requireBearer(request, token);
        const rating = request.body(ratingSchema);
        // 一事一评: one rating per application.
        if (ratedApplications.has(rating.applicationId)) {
          throw new HttpError(409, 'ALREADY_RATED', `Application ${rating.applicationId} was already rated`);
        }
        const stored: StoredEvaluation = { ...rating, id: randomUUID(), createdAt: new Date(now()).toISOString() };
        ratings.push(stored);
        ratedApplications.add(stored.applicationId);
        return jsonReply(201, publicView(stored));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/evaluations',
      handle: (request) => {
        requireBearer(request, token);
        const { query } = request;
        const topicCode = query.get('topicCode');
        const from = instantParam(query.get('from'), 'from');
        const to = instantParam(query.get('to'), 'to');
        const limit = limitParam(query.get('limit'));
        const after = cursorParam(query.get('cursor'));

        // Newest first; the id breaks ties so that paging is stable.
        const matching = ratings
          .map((rating) => ({ rating, key: { at: Date.parse(rating.createdAt), id: rating.id } }))
          .filter(
            ({ rating, key }) =>
              (topicCode === null || rating.topicCode === topicCode) &&
              (from === null || key.at >= from) &&
              (to === null || key.at < to) &&
              (after === null || compareNewestFirst(key, after) > 0),
          )
          .sort((a, b) => compareNewestFirst(a.key, b.key));
        const page = matching.slice(0, limit);
        const last = page.at(-1);
        const nextCursor = matching.length > limit && last ? encodeCursor(last.key) : null;
        return jsonReply(200, { items: page.map(({ rating }) => publicView(rating)), nextCursor });
      },
    },
  ];
}

/** The contract's Evaluation: who rated is personal data the rating system does not hand out. */
function publicView({ evaluatorId: _evaluatorId, ...rating }: StoredEvaluation) {
  return { ...rating, comment: rating.comment ?? null };
}

function compareNewestFirst(a: Cursor, b: Cursor): number {
  return b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** `from` is inclusive and `to` exclusive, so consecutive periods never count a rating twice. */
function instantParam(value: string | null, name: string): number | null {
  if (value === null) return null;
  if (!dateTimeSchema.safeParse(value).success) {
    throw new HttpError(400, 'BAD_REQUEST', `${name} must be an ISO 8601 date-time with offset`);
  }
  return Date.parse(value);
}

function limitParam(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_SIZE;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new HttpError(400, 'BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function cursorParam(value: string | null): Cursor | null {
  if (value === null) return null;
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    throw new HttpError(400, 'BAD_CURSOR', 'The cursor is not one this system issued');
  }
}
