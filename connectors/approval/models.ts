/**
 * Models of a department's approval system (部门业务审批系统), as its fixed
 * contract (`contract/upstreams/approval-system.openapi.yaml`) describes them.
 * Every department's system speaks this one contract.
 */
import { z } from 'zod';

/** A case's status in the department's system (the gateway adds WAITING_FOR_PREREQUISITE and QUEUED of its own). */
export const remoteCaseStatusSchema = z.enum([
  'RECEIVED',
  'ACCEPTED',
  'IN_REVIEW',
  'SUPPLEMENT_REQUIRED',
  'APPROVED',
  'REJECTED',
  'WITHDRAWN',
]);
export type RemoteCaseStatus = z.infer<typeof remoteCaseStatusSchema>;

/** How the department gets a material; DEFERRED = 容缺, handed in later on commitment. */
export const provisionSchema = z.enum(['UPLOADED', 'E_CERTIFICATE', 'DATA_SHARING', 'INTERNAL_RESULT', 'GOVERNMENT_ISSUED', 'DEFERRED']);

export const materialRefSchema = z.object({
  /** Material catalogue code. */
  code: z.string(),
  provision: provisionSchema,
  certificateId: z.string().nullable().optional(),
  /** Reference of an uploaded file (`sha256:<hex>`). */
  fileRef: z.string().nullable().optional(),
});
export type MaterialRef = z.infer<typeof materialRefSchema>;

/** A result certificate of a prerequisite matter the case is sent with (审批结果互通). */
export const prerequisiteResultSchema = z.object({ matterCode: z.string(), certificateId: z.string() });
export type PrerequisiteResult = z.infer<typeof prerequisiteResultSchema>;

/** One matter of an application, as posted to `POST /api/v1/cases`. */
export const caseSubmissionSchema = z.object({
  matterCode: z.string(),
  applicationId: z.string(),
  applicant: z.object({ type: z.enum(['PERSON', 'ENTERPRISE']), id: z.string(), name: z.string() }),
  /** Field key → value, only the fields of this matter. */
  form: z.record(z.string(), z.unknown()),
  materials: z.array(materialRefSchema),
  prerequisiteResults: z.array(prerequisiteResultSchema).optional(),
  deliveryMethod: z.enum(['WINDOW', 'POST', 'ONLINE']).optional(),
});
export type CaseSubmission = z.infer<typeof caseSubmissionSchema>;

/** A date-time of the contract (RFC 3339, any offset). */
const dateTime = z.iso.datetime({ offset: true });

/** Present when APPROVED. */
export const caseResultSchema = z.object({
  /** The result e-certificate in the library. */
  certificateId: z.string().nullable().optional(),
  certificateNumber: z.string().nullable().optional(),
});
export type CaseResult = z.infer<typeof caseResultSchema>;

/** A case (办件) in the department's system. */
export const caseSchema = z.object({
  caseId: z.string().min(1),
  matterCode: z.string(),
  applicationId: z.string(),
  status: remoteCaseStatusSchema,
  statusReason: z.string().nullable().optional(),
  receivedAt: dateTime,
  updatedAt: dateTime,
  /** Committed deadline. */
  dueAt: dateTime,
  decidedAt: dateTime.nullable().optional(),
  /** Material codes asked for when SUPPLEMENT_REQUIRED. */
  requestedMaterials: z.array(z.string()).optional(),
  result: caseResultSchema.nullable().optional(),
});
export type Case = z.infer<typeof caseSchema>;

/** The answer of `GET /api/v1/cases?ids=`. */
export const caseListSchema = z.object({ items: z.array(caseSchema) });

/** The contract's error body (400, 422, …). */
export const approvalErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ApprovalError = z.infer<typeof approvalErrorSchema>;
