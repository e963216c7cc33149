/**
 * `GET /notices/<topicCode>.pdf?answers=…`: the one-time notice (一次告知单)
 * of a situation as a PDF — the address `Plan.notice.url` gives.
 *
 * - `answers` is the situation: base64url of the JSON
 *   `[["<questionId>", ["<value>", …]], …]` (the plan's own answers, the
 *   way `AnswerInput` carries them). Without it, the notice of a topic
 *   before any answer.
 * - Anonymous notices are a function of the URL alone: anyone may fetch
 *   them, with or without a token.
 * - `&personal=true` is the signed-in applicant's own notice, with their
 *   e-certificates and shared data (each read logged like the plan's): it
 *   needs that applicant's bearer token (401 without, 403 for another role).
 *
 * Answers: 200 `application/pdf`; 400 `BAD_USER_INPUT` with
 * `extensions.problems` for bad answers; 404 for an unknown or unpublished
 * topic; 503 with the upstream's code when the registry cannot be reached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawAnswer } from '../domain/answers.ts';
import { renderNoticePdf } from '../documents/notice-pdf.ts';
import { BadUserInputError, GatewayError, InvalidInputError, isUpstreamError } from '../lib/errors.ts';
import { situationNotice } from '../usecases/notice.ts';
import { createContext, type Viewer } from './context.ts';
import { noticeDeps } from './documents.ts';
import { errorBody, sendJson } from './http.ts';
import type { GatewayServices } from './services.ts';

export const NOTICE_ROUTE = /^\/notices\/([^/]+)\.pdf$/;

/** Longest `answers` parameter accepted, in characters: far more than any topic's questions need. */
const MAX_ANSWERS_PARAM = 8192;

/** The path of a situation's notice. */
export function noticePath(topicCode: string, answers: readonly RawAnswer[], personal: boolean): string {
  const encoded = Buffer.from(JSON.stringify(answers.map((a) => [a.questionId, a.values])), 'utf8').toString('base64url');
  const query = new URLSearchParams({ ...(answers.length ? { answers: encoded } : {}), ...(personal ? { personal: 'true' } : {}) });
  return `/notices/${encodeURIComponent(topicCode)}.pdf${query.size ? `?${query}` : ''}`;
}

/** The answers of a notice URL. @throws InvalidInputError when the parameter is not what {@link noticePath} writes. */
export function noticeAnswers(param: string | null): RawAnswer[] {
  if (param === null || param === '') return [];
  const malformed = (message: string) => new InvalidInputError([{ field: 'answers', code: 'MALFORMED_ANSWERS', message }]);
  if (param.length > MAX_ANSWERS_PARAM) throw malformed(`the answers parameter is longer than ${MAX_ANSWERS_PARAM} characters`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(param, 'base64url').toString('utf8'));
  } catch {
    throw malformed('the answers parameter is not base64url-encoded JSON');
  }
  const isAnswer = (a: unknown): a is [string, string[]] =>
    Array.isArray(a) && a.length === 2 && typeof a[0] === 'string' && Array.isArray(a[1]) && a[1].every((v) => typeof v === 'string');
  if (!Array.isArray(decoded) || decoded.length > 200 || !decoded.every(isAnswer)) {
    throw malformed('the answers parameter must encode [["questionId", ["value", …]], …]');
  }
  return decoded.map(([questionId, values]) => ({ questionId, values }));
}

export interface NoticeRouteDeps {
  services: GatewayServices;
  requestId: string;
  identify(authorization: string | undefined): Promise<Viewer>;
  now?: () => Date;
}

function badInput(res: ServerResponse, error: BadUserInputError) {
  sendJson(res, 400, { errors: [{ message: error.message, extensions: { code: 'BAD_USER_INPUT', problems: error.problems } }] });
}

export async function handleNotice(req: IncomingMessage, res: ServerResponse, url: URL, topicCode: string, deps: NoticeRouteDeps): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use GET'));
  }
  const personal = url.searchParams.get('personal') === 'true';
  let viewer: Viewer = { kind: 'anonymous' };
  if (personal) {
    try {
      viewer = await deps.identify(req.headers.authorization);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') {
        return sendJson(res, 401, errorBody('UNAUTHENTICATED', error.message), { 'www-authenticate': 'Bearer' });
      }
      throw error;
    }
    if (viewer.kind !== 'user') {
      return sendJson(res, 401, errorBody('UNAUTHENTICATED', 'A personal notice needs the applicant\'s bearer token'), { 'www-authenticate': 'Bearer' });
    }
    if (viewer.role !== 'APPLICANT') return sendJson(res, 403, errorBody('FORBIDDEN', 'Only an applicant has a personal notice'));
  }
  try {
    const answers = noticeAnswers(url.searchParams.get('answers'));
    const ctx = createContext(deps.services, deps.requestId, viewer);
    const notice = await situationNotice(noticeDeps(ctx), { personal }, { topicCode, answers });
    if (!notice) return sendJson(res, 404, errorBody('NOT_FOUND', `No published topic ${topicCode}`));
    // The personal reads behind the notice are in the access log before the notice leaves.
    await ctx.reads?.flush();
    const pdf = await renderNoticePdf(notice, { generatedAt: deps.now?.() ?? new Date() });
    res.writeHead(200, {
      'content-type': 'application/pdf',
      'content-length': pdf.length,
      'content-disposition': `inline; filename="notice-${encodeURIComponent(notice.topic.code)}.pdf"; filename*=UTF-8''${encodeURIComponent(`${notice.topic.name}一次告知单.pdf`)}`,
      // A personal notice holds what the applicant's records exempt: nobody else's cache may keep it.
      'cache-control': personal ? 'private, no-store' : 'public, max-age=60',
    });
    res.end(req.method === 'HEAD' ? undefined : pdf);
  } catch (error) {
    if (error instanceof BadUserInputError) return badInput(res, error);
    if (isUpstreamError(error)) return sendJson(res, 503, { errors: [{ message: error.message, extensions: { code: error.code, upstream: error.upstream } }] });
    throw error;
  }
}
