/**
 * The demo data the simulators serve, and its loader. The files in
 * sandbox/data/ are parsed with the connectors' contract models, so a data
 * file that drifts from the contracts fails loudly at start instead of
 * producing answers the gateway would reject.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { enterpriseSchema, personSchema, type Enterprise, type Person } from '../connectors/data-center/models.ts';
import { certificateSchema, type Certificate } from '../connectors/e-certificates/models.ts';
import {
  certificateTypeSchema,
  departmentSchema,
  itemsOf,
  matterSchema,
  topicSchema,
  type CertificateType,
  type Department,
  type Matter,
  type Topic,
} from '../connectors/matter-registry/models.ts';

export const evaluationChannelSchema = z.enum(['PC', 'MOBILE', 'WINDOW', 'KIOSK', 'HOTLINE']);

/** A rating as the rating system keeps it: the contract's Evaluation plus who gave it, which it never hands out. */
const storedEvaluationSchema = z.object({
  id: z.string(),
  applicationId: z.string(),
  topicCode: z.string(),
  channel: evaluationChannelSchema,
  grade: z.number().int().min(1).max(5),
  comment: z.string().nullable().optional(),
  createdAt: z.iso.datetime({ offset: true }),
  evaluatorId: z.string().optional(),
});
export type StoredEvaluation = z.infer<typeof storedEvaluationSchema>;

export interface SandboxData {
  departments: Department[];
  certificateTypes: CertificateType[];
  matters: Matter[];
  topics: Topic[];
  persons: Person[];
  enterprises: Enterprise[];
  certificates: Certificate[];
  evaluations: StoredEvaluation[];
  /** Data-center dataset name → the subject ids (ID numbers or credit codes) it holds a record for. */
  datasets: Record<string, string[]>;
}

export const defaultDataDir = fileURLToPath(new URL('./data/', import.meta.url));

/** Reads and checks every data file of `dir` (default: sandbox/data). */
export async function loadSandboxData(dir: string = defaultDataDir): Promise<SandboxData> {
  const read = async <T>(file: string, schema: z.ZodType<T>): Promise<T> => {
    const path = join(dir, file);
    const result = schema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!result.success) throw new Error(`${path} does not follow its contract:\n${z.prettifyError(result.error)}`);
    return result.data;
  };
  const [departments, certificateTypes, matters, topics, persons, enterprises, certificates, evaluations, datasets] =
    await Promise.all([
      read('departments.json', itemsOf(departmentSchema)),
      read('certificate-types.json', itemsOf(certificateTypeSchema)),
      read('matters.json', itemsOf(matterSchema)),
      read('topics.json', itemsOf(topicSchema)),
      read('persons.json', itemsOf(personSchema)),
      read('enterprises.json', itemsOf(enterpriseSchema)),
      read('certificates.json', itemsOf(certificateSchema)),
      read('evaluations.json', itemsOf(storedEvaluationSchema)),
      read('datasets.json', z.record(z.string(), z.array(z.string()))),
    ]);
  return {
    departments: departments.items,
    certificateTypes: certificateTypes.items,
    matters: matters.items,
    topics: topics.items,
    persons: persons.items,
    enterprises: enterprises.items,
    certificates: certificates.items,
    evaluations: evaluations.items,
    datasets,
  };
}
