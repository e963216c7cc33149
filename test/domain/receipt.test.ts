import { describe, expect, it } from 'vitest';
import { addWorkingDays } from '../../domain/working-days.ts';
import {
  buildReceipt,
  decodeReceiptPayload,
  encodeReceiptPayload,
  maskName,
  verificationCodeFrom,
  type ReceiptSource,
} from '../../domain/receipt.ts';

/** Accepted on Thursday 2026-11-26 at 17:30 China time. */
const source: ReceiptSource = {
  application: {
    id: 'OT20261126ABCDEFGHJK',
    applicant: '440514199403120356',
    applicantKind: 'PERSON',
    applicantName: '陈晓明',
    topicCode: 'CN-YJS-XSECS',
    topicName: '新生儿出生一件事',
    topicVersion: 4,
    region: '440514',
    deliveryMethod: 'POST',
    committedDays: 10,
    submittedAt: new Date('2026-11-26T17:30:00+08:00'),
  },
  materials: [
    { code: 'M-SFZ', name: '申请人居民身份证', provision: 'UPLOADED' },
    { code: 'M-SZJZJL', name: '新生儿首剂乙肝疫苗和卡介苗接种记录', provision: 'DEFERRED' },
    { code: 'M-CSYXZM', name: '出生医学证明', provision: 'INTERNAL_RESULT' },
    { code: 'M-CQSM', name: '超期申报说明', provision: null },
  ],
  cases: [
    { matterCode: '440514-WJ-GG-0001', matterName: '出生医学证明首次签发', departmentCode: 'WJJ-440514' },
    { matterCode: '440514-GA-QR-0001', matterName: '出生登记（新生儿入户）', departmentCode: 'GAFJ-440514' },
  ],
  matterCommittedDays: new Map([['440514-WJ-GG-0001', 3]]),
  departmentNames: new Map([['WJJ-440514', '汕头市潮南区卫生健康局']]),
  channel: 'ONLINE',
};

describe('the receipt of an application', () => {
  it('says everything the applicant keeps as proof, the ID number masked and due dates in working days', () => {
    const receipt = buildReceipt(source, {
      issuedAt: new Date('2026-11-26T09:31:00Z'),
      verificationCode: 'K7QF-2M9X',
      addWorkingDays,
      deferredMaterialDays: 5,
    });

    expect(receipt).toEqual({
      version: 1,
      reference: 'OT20261126ABCDEFGHJK',
      verificationCode: 'K7QF-2M9X',
      issuedAt: '2026-11-26T09:31:00.000Z',
      acceptedAt: '2026-11-26T09:30:00.000Z',
      topic: { code: 'CN-YJS-XSECS', name: '新生儿出生一件事', version: 4 },
      region: '440514',
      applicant: { kind: 'PERSON', name: '陈晓明', idNumber: '440514***********6' },
      channel: 'ONLINE',
      deliveryMethod: 'POST',
      matters: [
        { code: '440514-WJ-GG-0001', name: '出生医学证明首次签发', department: { code: 'WJJ-440514', name: '汕头市潮南区卫生健康局' }, committedDays: 3 },
        // A department or matter the registry no longer knows is still on the receipt, by code.
        { code: '440514-GA-QR-0001', name: '出生登记（新生儿入户）', department: { code: 'GAFJ-440514', name: 'GAFJ-440514' }, committedDays: null },
      ],
      materials: [
        { code: 'M-SFZ', name: '申请人居民身份证', provision: 'UPLOADED' },
        // Five working days from Thursday: Friday, then Monday to Thursday.
        { code: 'M-SZJZJL', name: '新生儿首剂乙肝疫苗和卡介苗接种记录', provision: 'DEFERRED', dueDate: '2026-12-03' },
        { code: 'M-CSYXZM', name: '出生医学证明', provision: 'INTERNAL_RESULT' },
        { code: 'M-CQSM', name: '超期申报说明', provision: null },
      ],
      committedDays: 10,
      dueDate: '2026-12-10',
    });
  });

  it('counts in the calendar it is given', () => {
    const everyDayCounts = (start: Date, days: number) => new Date(start.getTime() + days * 86_400_000);
    const receipt = buildReceipt(source, { issuedAt: new Date(), verificationCode: 'X', addWorkingDays: everyDayCounts, deferredMaterialDays: 5 });
    expect([receipt.dueDate, receipt.materials[1]!.dueDate]).toEqual(['2026-12-06', '2026-12-01']);
  });

  it('prints an enterprise applicant by its credit code, which is public', () => {
    const enterprise = { ...source, application: { ...source.application, applicant: '91440514MA4UXXXX1T', applicantKind: 'ENTERPRISE' as const, applicantName: '潮南区味道餐饮有限公司' } };
    const receipt = buildReceipt(enterprise, { issuedAt: new Date(), verificationCode: 'X', addWorkingDays, deferredMaterialDays: 5 });
    expect(receipt.applicant).toEqual({ kind: 'ENTERPRISE', name: '潮南区味道餐饮有限公司', idNumber: '91440514MA4UXXXX1T' });
  });
});

describe('the receipt payload of the QR code', () => {
  const payload = { reference: 'OT20261126ABCDEFGHJK', kid: 'sm2-2fce73d8478eae58', signature: 'pmQI-xEy9hzMutKaQC-bqlDV0rFNNrNoiY7AdnaFso1FVaSmBCkny_Tyu0-bO4_hpEwlUsIUW3ATgxptcjfZtw' };

  it('reads back what it wrote', () => {
    const text = encodeReceiptPayload(payload);
    expect(text).toBe(`OTR1.${payload.reference}.${payload.kid}.${payload.signature}`);
    expect(decodeReceiptPayload(text)).toEqual(payload);
    expect(decodeReceiptPayload(` ${text}\n`)).toEqual(payload);
  });

  it.each([
    ['empty text', ''],
    ['another QR code', 'https://example.com/menu'],
    ['another version', encodeReceiptPayload(payload).replace('OTR1', 'OTR2')],
    ['a missing part', `OTR1.${payload.reference}.${payload.signature}`],
    ['a key id of another shape', encodeReceiptPayload({ ...payload, kid: 'KEY1' })],
    ['a reference with odd characters', encodeReceiptPayload({ ...payload, reference: 'OT1;DROP' })],
  ])('is not a payload at all for %s', (_what, text) => {
    expect(decodeReceiptPayload(text)).toBeNull();
  });
});

describe('what the receipt prints', () => {
  it('masks names for verifiers, keeping the first and last character', () => {
    expect(['陈晓明', '林美', '欧阳娜娜', '张'].map(maskName)).toEqual(['陈*明', '林*', '欧**娜', '张']);
  });

  it('makes verification codes of unambiguous characters', () => {
    expect(verificationCodeFrom(Uint8Array.from([0, 1, 18, 19, 23, 29, 31, 255]))).toBe('01JK-QXZZ');
    expect(() => verificationCodeFrom(new Uint8Array(4))).toThrow(RangeError);
  });
});
