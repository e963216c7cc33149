/**
 * What the resolvers hand each other: connector models, linked up where the
 * GraphQL shape needs a reference rather than a code.
 */
import type { Certificate } from '../connectors/e-certificates/models.ts';
import type { Matter } from '../connectors/matter-registry/models.ts';
import type { ExemptionReason, Plan, PlanFormField, PlanMaterial } from '../domain/plan.ts';

/** A matter as it stands in one topic: its registry record and the matters it depends on there. */
export interface MatterInTopic {
  matter: Matter;
  dependsOn: MatterInTopic[];
}

export interface ExemptionView {
  reason: ExemptionReason;
  certificate: Certificate | null;
  producedBy: MatterInTopic | null;
}

export interface PlanMaterialView extends Omit<PlanMaterial, 'requiredBy' | 'exemption'> {
  requiredBy: MatterInTopic[];
  exemption: ExemptionView | null;
}

export interface PrefillView {
  value: string;
  source: 'DATA_CENTER' | 'IDENTITY';
}

export interface PlanFormFieldView extends PlanFormField {
  prefill: PrefillView | null;
}

export interface PlanView {
  plan: Plan;
  matters: MatterInTopic[];
  materials: PlanMaterialView[];
  form: PlanFormFieldView[];
}
