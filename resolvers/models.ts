/**
 * What the resolvers hand each other: connector models, linked up where the
 * GraphQL shape needs a reference rather than a code.
 */
import type { Certificate } from '../connectors/e-certificates/models.ts';
import type { Matter } from '../connectors/matter-registry/models.ts';
import type { ExemptionReason, PlanMaterial } from '../domain/plan.ts';
import type { Role } from '../server/context.ts';
import type { Audience } from '../server/authorization.ts';
import type { ApplicationRecord, CaseRecord, MaterialRecord } from '../store/applications.ts';

/** A matter as it stands in one topic: its registry record and the matters it depends on there. */
export interface MatterInTopic {
  matter: Matter;
  dependsOn: MatterInTopic[];
}

/** What the API shows of an e-certificate. */
export interface CertificateView {
  id: string;
  number: string;
  typeCode: string;
  typeName: string;
  holderName: string | null;
  issuedAt: string | null;
  validUntil: string | null;
}

export const certificateView = (c: Certificate): CertificateView => ({
  id: c.id,
  number: c.number,
  typeCode: c.typeCode,
  typeName: c.typeName,
  holderName: c.holderName,
  issuedAt: c.issuedAt,
  validUntil: c.validUntil,
});

/** A plan's matters by code, linked: what its materials and exemptions refer to. */
export type LinkedMatters = ReadonlyMap<string, MatterInTopic>;

/** A plan's material, with the plan's linked matters its `requiredBy` codes name. */
export type PlanMaterialView = PlanMaterial & { matters: LinkedMatters };

/** An exemption as the API shows it, of a plan's material or of a submitted one. */
export interface ExemptionView {
  reason: ExemptionReason;
  certificate: CertificateView | null;
  producedBy: MatterInTopic | null;
}

/** The signed-in caller, as the token says. */
export interface MeView {
  subject: string;
  name: string;
  role: Role;
}

/** An application as one audience may see it. */
export interface ApplicationView {
  record: ApplicationRecord;
  audience: Audience;
  /** Its cases when already at hand (fresh from the departments); otherwise loaded on demand. */
  cases?: CaseRecord[];
}

export interface CaseView {
  record: CaseRecord;
  application: ApplicationView;
}

export interface CaseResultView {
  certificate: CertificateView | null;
}

export interface ApplicationMaterialView {
  material: MaterialRecord;
}

/** A connector as the API shows it: never its token or webhook secret. */
export interface ConnectorView {
  id: string;
  kind: 'MATTER_REGISTRY' | 'E_CERTIFICATES' | 'DATA_CENTER' | 'EVALUATION' | 'APPROVAL';
  departmentCode: string | null;
  baseUrl: string;
  matterCodes: string[];
  timeoutMs: number;
}
