/** Small builders of registry, certificate and evidence fixtures for the domain tests. */
import type {
  FormField,
  Material,
  Matter,
  Question,
  Topic,
  TopicMatter,
} from '../../connectors/matter-registry/models.ts';
import type { Certificate } from '../../connectors/e-certificates/models.ts';
import type { PlanEvidence, PlanMaterialBase } from '../../domain/plan.ts';

export const question = (id: string, type: Question['type'], extra: Partial<Question> = {}): Question => ({
  id,
  text: `${id}?`,
  type,
  required: true,
  ...extra,
});

export const options = (...values: string[]): Question['options'] => values.map((value) => ({ value, label: value }));

export const material = (code: string, extra: Partial<Material> = {}): Material => ({
  code,
  name: `material ${code}`,
  sourceChannel: 'APPLICANT',
  required: true,
  tolerant: false,
  ...extra,
});

export const field = (key: string, extra: Partial<FormField> = {}): FormField => ({
  key,
  label: `label ${key}`,
  type: 'STRING',
  required: false,
  ...extra,
});

export const matter = (code: string, extra: Partial<Matter> = {}): Matter => ({
  code,
  name: `matter ${code}`,
  type: 'ADMINISTRATIVE_LICENSE',
  department: `DEPT-${code}`,
  legalDays: 20,
  committedDays: 5,
  onlineDepth: 4,
  visitsRequired: 0,
  materials: [],
  form: [],
  ...extra,
});

export const topicMatter = (matterCode: string, extra: Partial<TopicMatter> = {}): TopicMatter => ({
  matterCode,
  ...extra,
});

export const topic = (extra: Partial<Topic> = {}): Topic => ({
  code: 'T1',
  name: '新生儿出生一件事',
  region: '440514',
  leadDepartment: 'WJJ-440514',
  status: 'PUBLISHED',
  updatedAt: '2025-01-01T00:00:00+08:00',
  version: 1,
  description: 'a topic',
  committedDays: null,
  guideUrl: 'https://example.gov.cn/guide',
  onlineUrl: 'https://example.gov.cn/apply',
  questions: [question('q', 'BOOLEAN', { required: false })],
  matters: [],
  ...extra,
});

export const registry = (...matters: Matter[]): ReadonlyMap<string, Matter> =>
  new Map(matters.map((m) => [m.code, m] as const));

export const certificate = (extra: Partial<Certificate> = {}): Certificate => ({
  id: 'C1',
  typeCode: 'CT-HK',
  typeName: '户口簿',
  number: 'No.1',
  holderId: 'P1',
  holderName: '张三',
  issuerDepartment: 'GAJ-440514',
  issuedAt: '2020-01-01',
  validFrom: '2020-01-01',
  validUntil: null,
  status: 'VALID',
  ...extra,
});

/** A merged material as the plan hands it to `decideExemption`. */
export const planMaterial = (code: string, extra: Partial<PlanMaterialBase> = {}): PlanMaterialBase => ({
  code,
  name: `material ${code}`,
  required: true,
  tolerant: false,
  sourceChannel: 'APPLICANT',
  certificateType: null,
  dataItem: null,
  holder: null,
  requiredBy: ['M1'],
  ...extra,
});

/** Evidence of an applicant `P1` who is the holder of every material, unless `holderOf` says otherwise. */
export const evidence = (extra: Partial<PlanEvidence> = {}): PlanEvidence => ({
  today: '2025-06-15',
  holderOf: () => 'P1',
  certificates: [],
  availableDatasets: new Map(),
  ...extra,
});
