/**
 * The approval contract's CaseSubmission (approval-system.openapi.yaml,
 * `POST /api/v1/cases`), built when a case is sent from the domain facts the
 * store keeps: the application (applicant, form, delivery method), its
 * materials with how each is provided, the case (its matter and the form
 * fields that matter takes) and the result certificates of its approved
 * prerequisites. Built at delivery rather than frozen at submission, so the
 * wire shape has one home and a stored case never disagrees with its row.
 */
import type { CaseSubmission, MaterialRef, PrerequisiteResult } from './models.ts';

/** How a material is provided, as the approval contract names it (null: not needed). */
type Provision = MaterialRef['provision'];

/** What the submission takes from the stored application. */
export interface SubmittedApplication {
  id: string;
  /** ID number or unified social credit code. */
  applicant: string;
  applicantKind: 'PERSON' | 'ENTERPRISE';
  applicantName: string;
  /** Every field of the application's one form, by key. */
  form: Readonly<Record<string, string | number | boolean>>;
  deliveryMethod: NonNullable<CaseSubmission['deliveryMethod']>;
}

/** One stored material of the application. */
export interface SubmittedMaterial {
  code: string;
  /** Null for a material none of the applied matters needs. */
  provision: Provision | null;
  /** The certificate that stands for the material, when one does. */
  exemption: { certificate?: { id: string } } | null;
  /** Uploaded files (`sha256:<hex>`), for an UPLOADED material. */
  fileRefs: readonly string[];
  /** Matter codes that need the material. */
  requiredBy: readonly string[];
}

/** What the submission takes from the case. */
export interface SubmittedCase {
  matterCode: string;
  /** Keys of the application's form fields the matter takes, in the matter's order. */
  formFields: readonly string[];
}

export interface CaseSubmissionFacts {
  application: SubmittedApplication;
  materials: readonly SubmittedMaterial[];
  case: SubmittedCase;
  /** Result certificates of the case's approved prerequisites (domain `prerequisiteResults`). */
  prerequisiteResults: readonly PrerequisiteResult[];
}

/** The CaseSubmission of one case: only its matter's fields and materials. */
export function caseSubmission(facts: CaseSubmissionFacts): CaseSubmission {
  const { application, case: c } = facts;
  return {
    matterCode: c.matterCode,
    applicationId: application.id,
    applicant: { type: application.applicantKind, id: application.applicant, name: application.applicantName },
    form: formOf(application.form, c.formFields),
    materials: materialRefs(facts.materials, c.matterCode),
    deliveryMethod: application.deliveryMethod,
    prerequisiteResults: [...facts.prerequisiteResults],
  };
}

function formOf(form: SubmittedApplication['form'], keys: readonly string[]): Record<string, string | number | boolean> {
  return Object.fromEntries(keys.filter((key) => Object.hasOwn(form, key)).map((key) => [key, form[key]!]));
}

/** One MaterialRef per uploaded file, and one per material provided any other way. */
function materialRefs(materials: readonly SubmittedMaterial[], matterCode: string): MaterialRef[] {
  return materials
    .filter((m): m is SubmittedMaterial & { provision: Provision } => m.provision !== null && m.requiredBy.includes(matterCode))
    .flatMap((m): MaterialRef[] => {
      if (m.provision === 'UPLOADED') return m.fileRefs.map((fileRef) => ({ code: m.code, provision: m.provision, fileRef }));
      return [{ code: m.code, provision: m.provision, certificateId: m.exemption?.certificate?.id ?? null }];
    });
}
