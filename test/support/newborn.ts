/**
 * The sandbox's newborn topic (CN-YJS-XSECS) as the tests use it: a married
 * couple of Chaonan, 陈晓明 applying, 林美玲 his spouse, the baby born in a
 * Chaonan hospital.
 */
export const NEWBORN = 'CN-YJS-XSECS';
export const FATHER = '440514199403120356';
export const MOTHER = '440514199608250285';
export const MATTERS = {
  birthCertificate: '440514-WJ-GG-0001',
  vaccination: '440514-WJ-GG-0002',
  registration: '440514-GA-QR-0001',
  insurance: '440514-YB-GG-0001',
  socialSecurityCard: '440514-RS-GG-0001',
} as const;

/** Answers with the optional services chosen (VACCINATION, MEDICAL_INSURANCE, SSCARD, MATERNITY). */
export function newbornAnswers(services: string[], ageMonths = 2) {
  return [
    { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
    { questionId: 'parentsMarried', values: ['true'] },
    { questionId: 'hukouWith', values: ['FATHER'] },
    { questionId: 'ageMonths', values: [String(ageMonths)] },
    { questionId: 'services', values: services },
  ];
}

/** The form of the birth certificate and the registration; more fields for the optional services. */
export function newbornForm(extra: Array<{ key: string; value: string }> = []) {
  return [
    { key: 'applicant.idNumber', value: FATHER },
    { key: 'applicant.name', value: '陈晓明' },
    { key: 'applicant.phone', value: '13923780451' },
    { key: 'spouse.idNumber', value: MOTHER },
    { key: 'spouse.name', value: '林美玲' },
    { key: 'child.name', value: '陈小宝' },
    { key: 'child.gender', value: '男' },
    { key: 'child.birthDate', value: '2026-10-01' },
    { key: 'child.birthPlace', value: '潮南区人民医院' },
    { key: 'child.ethnicity', value: '汉族' },
    { key: 'applicant.householdAddress', value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号' },
    ...extra,
  ];
}

/** The fields the vaccination and the social security card add. */
export const SERVICE_FIELDS = [
  { key: 'applicant.residentialAddress', value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号' },
  { key: 'card.bankName', value: '中国银行' },
];

/** A minimal PDF body, accepted by POST /uploads. */
export const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * SubmitApplication's input for the newborn with vaccination, medical
 * insurance and a social security card: the ID card, the delivery record and
 * the photo uploaded as `fileRef`, the vaccination record deferred (容缺).
 */
export function newbornSubmission(idempotencyKey: string, fileRef: string, extra: Record<string, unknown> = {}) {
  return {
    topicCode: NEWBORN,
    answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']),
    form: newbornForm(SERVICE_FIELDS),
    uploads: [
      { materialCode: 'M-SFZ', fileRef },
      { materialCode: 'M-FMJL', fileRef },
      { materialCode: 'M-ZP', fileRef },
    ],
    deferredMaterials: ['M-SZJZJL'],
    deliveryMethod: 'POST',
    idempotencyKey,
    ...extra,
  };
}
