import { describe, expect, it } from 'vitest';
import { caseSubmission, type CaseSubmissionFacts } from '../../../connectors/approval/payload.ts';
import { caseSubmissionSchema } from '../../../connectors/approval/models.ts';

const BIRTH = '440514-WJ-GG-0001';
const HUKOU = '440514-GA-HJ-0001';

const facts: CaseSubmissionFacts = {
  application: {
    id: 'OT20261126ABCDEFGHIJ',
    applicant: '440514199203054321',
    applicantKind: 'PERSON',
    applicantName: '李娟',
    form: { 'child.name': '王小明', 'child.birthPlace': '汕头市', 'mother.phone': '13800000000', 'household.address': '金平区' },
    deliveryMethod: 'POST',
  },
  materials: [
    { code: 'M-FMJL', provision: 'UPLOADED', exemption: null, fileRefs: ['sha256:aa', 'sha256:bb'], requiredBy: [BIRTH] },
    { code: 'M-HKB', provision: 'E_CERTIFICATE', exemption: { certificate: { id: 'EC-HKB-1' } }, fileRefs: [], requiredBy: [BIRTH, HUKOU] },
    { code: 'M-CSYXZM', provision: 'INTERNAL_RESULT', exemption: null, fileRefs: [], requiredBy: [HUKOU] },
    { code: 'M-ZP', provision: null, exemption: null, fileRefs: [], requiredBy: [BIRTH] },
  ],
  case: { matterCode: BIRTH, formFields: ['child.birthPlace', 'child.name', 'mother.phone'] },
  prerequisiteResults: [],
};

describe('the CaseSubmission of a case', () => {
  it('carries the applicant, only the fields its matter takes in the matter order, and one material reference per file or certificate', () => {
    const submission = caseSubmission(facts);

    expect(submission).toEqual({
      matterCode: BIRTH,
      applicationId: 'OT20261126ABCDEFGHIJ',
      applicant: { type: 'PERSON', id: '440514199203054321', name: '李娟' },
      form: { 'child.birthPlace': '汕头市', 'child.name': '王小明', 'mother.phone': '13800000000' },
      materials: [
        { code: 'M-FMJL', provision: 'UPLOADED', fileRef: 'sha256:aa' },
        { code: 'M-FMJL', provision: 'UPLOADED', fileRef: 'sha256:bb' },
        { code: 'M-HKB', provision: 'E_CERTIFICATE', certificateId: 'EC-HKB-1' },
      ],
      deliveryMethod: 'POST',
      prerequisiteResults: [],
    });
    expect(Object.keys(submission.form)).toEqual(['child.birthPlace', 'child.name', 'mother.phone']);
    expect(caseSubmissionSchema.safeParse(submission).success).toBe(true);
  });

  it('goes with the results of its approved prerequisites and names an internal result without a certificate yet as null', () => {
    const submission = caseSubmission({
      ...facts,
      case: { matterCode: HUKOU, formFields: ['household.address'] },
      prerequisiteResults: [{ matterCode: BIRTH, certificateId: 'EC-CSYXZM-7' }],
    });

    expect(submission).toMatchObject({
      matterCode: HUKOU,
      form: { 'household.address': '金平区' },
      materials: [
        { code: 'M-HKB', provision: 'E_CERTIFICATE', certificateId: 'EC-HKB-1' },
        { code: 'M-CSYXZM', provision: 'INTERNAL_RESULT', certificateId: null },
      ],
      prerequisiteResults: [{ matterCode: BIRTH, certificateId: 'EC-CSYXZM-7' }],
    });
  });

  it('leaves out a field the matter takes but the applicant did not fill in', () => {
    const submission = caseSubmission({ ...facts, case: { matterCode: BIRTH, formFields: ['child.name', 'child.gender'] } });

    expect(submission.form).toEqual({ 'child.name': '王小明' });
  });
});
