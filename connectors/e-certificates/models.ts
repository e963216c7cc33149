/** Models of the e-certificate library (电子证照库), as its contract describes them. */
import { z } from 'zod';

export const certificateStatusSchema = z.enum(['VALID', 'REVOKED', 'SUSPENDED']);

export const certificateSchema = z.object({
  id: z.string(),
  typeCode: z.string(),
  typeName: z.string(),
  number: z.string(),
  holderId: z.string(),
  holderName: z.string(),
  issuerDepartment: z.string(),
  issuedAt: z.string(),
  validFrom: z.string(),
  /** `null` = long-term (长期有效). */
  validUntil: z.string().nullable(),
  status: certificateStatusSchema,
});
export type Certificate = z.infer<typeof certificateSchema>;
