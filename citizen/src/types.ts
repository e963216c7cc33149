/** The page's settings and the answers of the contract operations it sends (../shared/contract/operations/citizen.graphql). */

export type OperationName = 'TopicCatalog' | 'TopicGuide' | 'SituationPlan' | 'SubmitApplication' | 'ApplicationStatus' | 'SupplementMaterials';

export interface CitizenConfig {
  endpoint: string;
  uploadPath: string;
  region: string;
  operations: Record<OperationName, string>;
  /** Sandbox demo applicants (empty with real upstreams); `subject` is masked. */
  demoApplicants: Array<{ name: string; subject: string; token: string }>;
}

export interface CodeName {
  code: string;
  name: string;
}

export interface TopicSummary extends CodeName {
  leadDepartment: CodeName | null;
  matterCount: number;
  readiness: { guidable: boolean; onlineProcessable: boolean; problems: string[] };
}

export interface TopicGuide extends CodeName {
  description: string | null;
  guideUrl: string | null;
  onlineUrl: string | null;
  windowAddress: string | null;
  matters: Array<CodeName & { department: CodeName | null; legalDays: number | null; committedDays: number | null; onlineDepth: number | null }>;
}

export type QuestionType = 'SINGLE' | 'MULTI' | 'BOOLEAN' | 'NUMBER';

export interface PlanQuestion {
  id: string;
  text: string;
  type: QuestionType;
  required: boolean;
  options: Array<{ value: string; label: string }> | null;
  min: number | null;
  max: number | null;
  answered: boolean;
}

export type ExemptionReason = 'INTERNAL_RESULT' | 'E_CERTIFICATE' | 'DATA_SHARING' | 'GOVERNMENT_ISSUED';

export interface Exemption {
  reason: ExemptionReason;
  certificate: { id: string; number: string; typeName: string; validUntil?: string | null } | null;
  producedBy: { code: string } | null;
}

export interface PlanMaterial {
  code: string;
  name: string;
  required: boolean;
  tolerant: boolean;
  sourceChannel: string;
  requiredBy: Array<{ code: string }>;
  exemption: Exemption | null;
}

export type FieldType = 'STRING' | 'NUMBER' | 'DATE' | 'BOOLEAN' | 'ENUM';

export interface PlanFormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  maxLength: number | null;
  options: string[] | null;
  prefill: { value: string; source: 'DATA_CENTER' | 'IDENTITY' } | null;
}

export interface Plan {
  complete: boolean;
  questions: PlanQuestion[];
  matters: Array<CodeName & { department: CodeName | null; committedDays: number | null; dependsOn: Array<{ code: string }> }>;
  materials: PlanMaterial[];
  form: PlanFormField[];
  summary: {
    matterCount: number;
    materialsBefore: number;
    materialsToSubmit: number;
    legalDaysTotal: number;
    committedDays: number;
    visits: number;
  };
}

export type DeliveryMethod = 'ONLINE' | 'POST' | 'WINDOW';

export interface ApplicationCase {
  matter: CodeName;
  department: CodeName | null;
  status: string;
  statusReason: string | null;
  dueAt: string | null;
  decidedAt: string | null;
  overdue: boolean;
  requestedMaterials: string[];
  result: { certificate: { id: string; number: string; typeName: string } | null } | null;
}

export interface Application {
  id: string;
  status: string;
  submittedAt: string;
  updatedAt: string;
  deliveryMethod: DeliveryMethod;
  topic: CodeName;
  materials: Array<{ code: string; name: string; provision: string; exemption: Exemption | null }>;
  cases: ApplicationCase[];
  evaluation: { grade: number; createdAt: string } | null;
}

export interface Problem {
  field: string;
  code: string;
  message: string;
}
