/** Models of the government big-data center (大数据中心), as its contract describes them. */
import { z } from 'zod';

export const personSchema = z.object({
  idNumber: z.string(),
  name: z.string(),
  gender: z.enum(['MALE', 'FEMALE']),
  birthDate: z.string(),
  ethnicity: z.string().nullable().optional(),
  householdAddress: z.string().nullable().optional(),
  residentialAddress: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  maritalStatus: z.enum(['SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED']).nullable().optional(),
  spouseIdNumber: z.string().nullable().optional(),
});
export type Person = z.infer<typeof personSchema>;

export const enterpriseSchema = z.object({
  creditCode: z.string(),
  name: z.string(),
  legalRepresentative: z.string(),
  legalRepresentativeIdNumber: z.string().nullable().optional(),
  registeredAddress: z.string(),
  establishedAt: z.string().nullable().optional(),
  status: z.enum(['ACTIVE', 'REVOKED', 'CANCELLED']),
});
export type Enterprise = z.infer<typeof enterpriseSchema>;

export const availabilitySchema = z.object({ subjectId: z.string(), available: z.boolean() });
export type Availability = z.infer<typeof availabilitySchema>;
