import { describe, expect, it } from 'vitest';
import { isSameSubmission, submissionFingerprint, type SubmissionForFingerprint } from '../../domain/idempotency.ts';

const submission: SubmissionForFingerprint = {
  topicCode: 'CN-YJS-XSECS',
  answers: [
    { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
    { questionId: 'services', values: ['VACCINATION', 'SSCARD'] },
  ],
  form: [
    { key: 'applicant.name', value: '陈晓明' },
    { key: 'child.name', value: '陈小宝' },
  ],
  uploads: [
    { materialCode: 'M-SFZ', fileRef: `sha256:${'a'.repeat(64)}` },
    { materialCode: 'M-FMJL', fileRef: `sha256:${'b'.repeat(64)}` },
  ],
  deferredMaterials: ['M-SZJZJL'],
  deliveryMethod: 'POST',
};
const fingerprint = submissionFingerprint(submission);

describe('submissionFingerprint', () => {
  it('is the same for the same request, whatever order its unordered lists come in', () => {
    const reordered: SubmissionForFingerprint = {
      ...submission,
      answers: [
        { questionId: 'services', values: ['SSCARD', 'VACCINATION'] },
        { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
      ],
      form: [...submission.form].reverse(),
      uploads: [...submission.uploads].reverse(),
      deferredMaterials: ['M-SZJZJL', 'M-SZJZJL'],
    };

    expect(submissionFingerprint(reordered)).toBe(fingerprint);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the topic, an answer, a form value, an upload, a deferral or the delivery method differs', () => {
    const variants: SubmissionForFingerprint[] = [
      { ...submission, topicCode: 'CN-YJS-KBCYD' },
      { ...submission, answers: [submission.answers[0]!, { questionId: 'services', values: ['VACCINATION'] }] },
      { ...submission, form: [submission.form[0]!, { key: 'child.name', value: '陈小贝' }] },
      { ...submission, form: [submission.form[0]!, { key: 'child.name', value: null }] },
      { ...submission, uploads: [submission.uploads[0]!] },
      { ...submission, uploads: [submission.uploads[0]!, { materialCode: 'M-FMJL', fileRef: `sha256:${'c'.repeat(64)}` }] },
      { ...submission, deferredMaterials: [] },
      { ...submission, deliveryMethod: 'WINDOW' },
    ];

    const fingerprints = variants.map(submissionFingerprint);

    expect(new Set([fingerprint, ...fingerprints]).size).toBe(variants.length + 1);
  });
});

describe('isSameSubmission', () => {
  it('takes the stored application for the same request, and for one stored before fingerprints were kept', () => {
    expect(isSameSubmission(fingerprint, fingerprint)).toBe(true);
    expect(isSameSubmission(null, fingerprint)).toBe(true);
    expect(isSameSubmission(submissionFingerprint({ ...submission, deliveryMethod: 'WINDOW' }), fingerprint)).toBe(false);
  });
});
