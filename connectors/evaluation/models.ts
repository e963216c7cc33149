/**
 * Models of the provincial rating system (政务服务"好差评"系统), exactly as its
 * contract (`contract/upstreams/evaluation.openapi.yaml`) describes them.
 * Every answer is parsed with these schemas before the gateway uses it.
 *
 * Grades follow the national five-grade scale: 5 非常满意, 4 满意, 3 基本满意,
 * 2 不满意, 1 非常不满意; grades 1 and 2 are 差评 and must carry a comment.
 */
import { z } from 'zod';

export const EVALUATION_CHANNELS = ['PC', 'MOBILE', 'WINDOW', 'KIOSK', 'HOTLINE'] as const;
export const evaluationChannelSchema = z.enum(EVALUATION_CHANNELS);
export type EvaluationChannel = z.infer<typeof evaluationChannelSchema>;

/** The five grades, lowest first. */
export const GRADES = [1, 2, 3, 4, 5] as const;
export type Grade = (typeof GRADES)[number];

/** Longest comment the rating system accepts, in characters. */
export const MAX_COMMENT_LENGTH = 500;

/**
 * One rating as the rating system hands it out. Who rated (`evaluatorId`) is
 * personal data the system never returns.
 */
export const evaluationSchema = z.object({
  id: z.string(),
  applicationId: z.string(),
  topicCode: z.string(),
  channel: evaluationChannelSchema,
  grade: z.number().int().min(1).max(5),
  comment: z.string().nullable().optional().transform((comment) => comment ?? null),
  /** ISO 8601 with offset: an instant the metrics compare, so it must parse. */
  createdAt: z.iso.datetime({ offset: true }),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

/** One page of `GET /api/v1/evaluations` (newest first). */
export const evaluationPageSchema = z.object({
  items: z.array(evaluationSchema),
  nextCursor: z.string().nullable().optional().transform((cursor) => cursor ?? null),
});
export type EvaluationPage = z.infer<typeof evaluationPageSchema>;

/** The body of `POST /api/v1/evaluations`. */
export interface NewEvaluation {
  /** 办件编号: the gateway's application id. */
  applicationId: string;
  topicCode: string;
  channel: EvaluationChannel;
  /** 1..5, integer. */
  grade: number;
  /** Required (non-blank) for grades 1 and 2; at most {@link MAX_COMMENT_LENGTH} characters. */
  comment?: string | null;
  /** Who rates: the applicant's token subject. The rating system keeps it to itself. */
  evaluatorId: string;
}

/** Filter of the rating list. `from` is inclusive, `to` exclusive (the rating system's own rule). */
export interface EvaluationFilter {
  topicCode?: string;
  from?: Date | string;
  to?: Date | string;
}
