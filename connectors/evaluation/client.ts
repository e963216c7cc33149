/**
 * Typed client of the provincial rating system (政务服务"好差评"系统): forwards
 * a rating (一事一评) and reads ratings of a period back for the assessment
 * metrics. Bearer token as configured.
 */
import { z } from 'zod';
import { UpstreamBadResponseError } from '../../lib/errors.ts';
import { UpstreamClient, type UpstreamClientOptions } from '../http.ts';
import {
  evaluationPageSchema,
  evaluationSchema,
  type Evaluation,
  type EvaluationFilter,
  type EvaluationPage,
  type NewEvaluation,
} from './models.ts';

/** The largest page the rating system serves (its contract's `limit` maximum). */
export const MAX_PAGE_SIZE = 500;

/**
 * How many pages {@link EvaluationClient.listAll} follows at most: 200 pages
 * of 500 = 100 000 ratings for one filter. The metrics ask per topic and
 * period, and a district's topic collects a few thousand ratings a year, so
 * this is far above real volumes while still bounding time and memory (about
 * 200 sequential calls, some tens of MB) should the rating system keep handing
 * out new cursors. Hitting it is an error, never a silent truncation.
 */
export const DEFAULT_MAX_PAGES = 200;

export interface ListPageOptions extends EvaluationFilter {
  /** The previous page's `nextCursor`. */
  cursor?: string;
  /** 1..500; the rating system's default is 100. */
  limit?: number;
}

export interface ListAllOptions {
  /** Ratings per page, 1..500. Default {@link MAX_PAGE_SIZE}. */
  pageSize?: number;
  /** Pages followed at most before giving up. Default {@link DEFAULT_MAX_PAGES}. */
  maxPages?: number;
}

const instant = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? value : value.toISOString();

export class EvaluationClient {
  readonly http: UpstreamClient;

  constructor(options: Omit<UpstreamClientOptions, 'upstream'>) {
    this.http = new UpstreamClient({ ...options, upstream: 'evaluation' });
  }

  /**
   * Forwards one rating (`POST /api/v1/evaluations`). Never retried: a POST
   * that timed out may have been stored, and a repeat would meet 409.
   *
   * @throws UpstreamRejectedError with `httpStatus` 400 (grade out of range,
   *   差评 without comment, comment too long) or 409 (this application was
   *   already rated, 一事一评); other `UpstreamError`s when the system fails.
   */
  async rate(rating: NewEvaluation): Promise<Evaluation> {
    const response = await this.http.send({
      method: 'POST',
      path: '/api/v1/evaluations',
      body: {
        applicationId: rating.applicationId,
        topicCode: rating.topicCode,
        channel: rating.channel,
        grade: rating.grade,
        comment: rating.comment ?? null,
        evaluatorId: rating.evaluatorId,
      },
      schema: evaluationSchema,
      idempotent: false,
    });
    return response.data!;
  }

  /** One page of ratings, newest first (`GET /api/v1/evaluations`). */
  async list(options: ListPageOptions = {}): Promise<EvaluationPage> {
    const { limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE)) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    }
    return this.http.get('/api/v1/evaluations', evaluationPageSchema, {
      topicCode: options.topicCode,
      from: instant(options.from),
      to: instant(options.to),
      cursor: options.cursor,
      limit: limit === undefined ? undefined : String(limit),
    });
  }

  /**
   * Every rating matching `filter`, following `nextCursor` page after page
   * (newest first, as the system sorts them).
   *
   * Guards against a rating system that pages forever: a cursor handed out
   * twice, or more than `maxPages` pages, ends the listing with an
   * {@link UpstreamBadResponseError} rather than a loop or a silently
   * truncated result.
   */
  async listAll(filter: EvaluationFilter = {}, options: ListAllOptions = {}): Promise<Evaluation[]> {
    const limit = options.pageSize ?? MAX_PAGE_SIZE;
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    const all: Evaluation[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const { items, nextCursor } = await this.list({ ...filter, limit, ...(cursor !== undefined ? { cursor } : {}) });
      all.push(...items);
      if (nextCursor === null) return all;
      if (seen.has(nextCursor)) {
        throw new UpstreamBadResponseError('evaluation', `the cursor of page ${page} was handed out before: paging would loop`);
      }
      if (page >= maxPages) {
        throw new UpstreamBadResponseError('evaluation', `more than ${maxPages} pages of ${limit} ratings for one listing`);
      }
      seen.add(nextCursor);
      cursor = nextCursor;
    }
  }

  async health(): Promise<void> {
    await this.http.get('/health', z.unknown());
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
