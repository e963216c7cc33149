/**
 * The printable documents in GraphQL: a plan's one-time notice, a topic's
 * flowchart, an application's receipt and the check of a scanned receipt.
 */
import { rawAnswersOf } from '../domain/notice.ts';
import { flowchartDeps, publicUrl, receiptDeps, verifyReceiptDeps } from '../server/documents.ts';
import { noticePath } from '../server/notices.ts';
import { VERIFICATION_MESSAGES, receiptOf, verifyReceipt } from '../usecases/receipt.ts';
import { topicFlowchart } from '../usecases/flowchart.ts';
import type { Resolvers } from './__generated__/types.ts';
import { topicDetail } from './catalogue.ts';

export const documentResolvers: Resolvers = {
  Plan: {
    notice: (plan, _args, ctx) => {
      // The plan is personal exactly for a signed-in applicant; so is its notice.
      const personal = ctx.viewer.kind === 'user' && ctx.viewer.role === 'APPLICANT';
      return { url: publicUrl(ctx, noticePath(plan.topicCode, rawAnswersOf(plan), personal)), personal };
    },
  },
  Topic: {
    flowchart: async (topic, { format }, ctx) =>
      topicFlowchart(flowchartDeps(ctx), { topic: await topicDetail(topic, ctx), format: format ?? 'SVG' }),
  },
  Application: {
    receipt: (view, _args, ctx) =>
      ctx.viewer.kind === 'user' ? receiptOf(receiptDeps(ctx), ctx.viewer, { applicationId: view.record.id }) : null,
  },
  Receipt: {
    reference: (receipt) => receipt.content.reference,
    verificationCode: (receipt) => receipt.content.verificationCode,
    issuedAt: (receipt) => receipt.content.issuedAt,
    committedDays: (receipt) => receipt.content.committedDays,
    dueDate: (receipt) => receipt.content.dueDate,
    url: (receipt, _args, ctx) => publicUrl(ctx, `/receipts/${encodeURIComponent(receipt.content.reference)}.pdf`),
    payload: (receipt) => receipt.payload,
    keyId: (receipt) => receipt.kid,
    algorithm: (receipt) => receipt.algorithm,
    signature: (receipt) => receipt.signature,
    content: (receipt) => receipt.signedText,
  },
  Query: {
    verifyReceipt: (_root, { payload }, ctx) => verifyReceipt(verifyReceiptDeps(ctx.services), { payload }),
  },
  ReceiptVerification: {
    valid: (result) => result.valid,
    reason: (result) => (result.valid ? null : result.reason),
    message: (result) => VERIFICATION_MESSAGES[result.valid ? 'VALID' : result.reason],
    keyId: (result) => result.kid,
    algorithm: (result) => result.algorithm,
    receipt: (result) => (result.valid ? result.receipt : null),
  },
};
