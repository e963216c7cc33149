/**
 * Models of the provincial matter registry (省事项系统), exactly as its
 * contract describes them. Every answer is parsed with these schemas before
 * the gateway uses it: an upstream is never trusted to keep its contract.
 */
import { z } from 'zod';

/** A JSON Logic expression; `null`/absent means "always true". */
export const jsonLogic = z.unknown();

export const departmentSchema = z.object({
  code: z.string(),
  name: z.string(),
  region: z.string(),
});
export type Department = z.infer<typeof departmentSchema>;

export const certificateTypeSchema = z.object({
  code: z.string(),
  name: z.string(),
  issuerDepartment: z.string(),
});
export type CertificateType = z.infer<typeof certificateTypeSchema>;

export const topicStatusSchema = z.enum(['DRAFT', 'PUBLISHED', 'RETIRED']);
export type TopicStatus = z.infer<typeof topicStatusSchema>;

export const topicSummarySchema = z.object({
  code: z.string(),
  name: z.string(),
  region: z.string(),
  leadDepartment: z.string(),
  status: topicStatusSchema,
  updatedAt: z.string(),
});
export type TopicSummary = z.infer<typeof topicSummarySchema>;

export const questionTypeSchema = z.enum(['SINGLE', 'MULTI', 'BOOLEAN', 'NUMBER']);
export type QuestionType = z.infer<typeof questionTypeSchema>;

export const questionSchema = z.object({
  id: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/),
  text: z.string(),
  type: questionTypeSchema,
  required: z.boolean(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  min: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  showIf: jsonLogic.optional(),
});
export type Question = z.infer<typeof questionSchema>;

export const materialRuleSchema = z.object({
  materialCode: z.string(),
  requiredIf: jsonLogic,
});
export type MaterialRule = z.infer<typeof materialRuleSchema>;

export const topicMatterSchema = z.object({
  matterCode: z.string(),
  appliesIf: jsonLogic.optional(),
  dependsOn: z.array(z.string()).optional(),
  materialRules: z.array(materialRuleSchema).optional(),
});
export type TopicMatter = z.infer<typeof topicMatterSchema>;

export const topicSchema = topicSummarySchema.extend({
  version: z.number().int().min(1),
  description: z.string(),
  committedDays: z.number().int().nullable().optional(),
  guideUrl: z.string().nullable().optional(),
  onlineUrl: z.string().nullable().optional(),
  windowAddress: z.string().nullable().optional(),
  questions: z.array(questionSchema),
  matters: z.array(topicMatterSchema),
});
export type Topic = z.infer<typeof topicSchema>;

export const sourceChannelSchema = z.enum(['APPLICANT', 'GOVERNMENT_ISSUED', 'OTHER_ORGANISATION']);
export type SourceChannel = z.infer<typeof sourceChannelSchema>;

export const materialSchema = z.object({
  code: z.string(),
  name: z.string(),
  sourceChannel: sourceChannelSchema,
  required: z.boolean(),
  tolerant: z.boolean(),
  certificateType: z.string().nullable().optional(),
  dataItem: z.string().nullable().optional(),
  holder: z.string().nullable().optional(),
});
export type Material = z.infer<typeof materialSchema>;

export const fieldTypeSchema = z.enum(['STRING', 'NUMBER', 'DATE', 'BOOLEAN', 'ENUM']);
export type FieldType = z.infer<typeof fieldTypeSchema>;

export const formFieldSchema = z.object({
  key: z.string(),
  label: z.string(),
  type: fieldTypeSchema,
  required: z.boolean(),
  maxLength: z.number().int().nullable().optional(),
  options: z.array(z.string()).nullable().optional(),
  dataItem: z.string().nullable().optional(),
});
export type FormField = z.infer<typeof formFieldSchema>;

export const matterTypeSchema = z.enum([
  'ADMINISTRATIVE_LICENSE',
  'ADMINISTRATIVE_CONFIRMATION',
  'PUBLIC_SERVICE',
  'OTHER',
]);

export const matterSchema = z.object({
  code: z.string(),
  name: z.string(),
  type: matterTypeSchema,
  department: z.string(),
  legalDays: z.number().int(),
  committedDays: z.number().int(),
  onlineDepth: z.number().int().min(1).max(4),
  onlineUrl: z.string().nullable().optional(),
  visitsRequired: z.number().int().min(0),
  resultCertificateType: z.string().nullable().optional(),
  materials: z.array(materialSchema),
  form: z.array(formFieldSchema),
});
export type Matter = z.infer<typeof matterSchema>;

export const itemsOf = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item) });
