/**
 * The printable documents as a person gets them: rendered to PNG with
 * poppler (left in test-results/ to look at), their text read back, their
 * fonts embedded, the receipt's QR code scanned from the rendered page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import type { Notice } from '../../domain/notice.ts';
import type { ReceiptContent } from '../../domain/receipt.ts';
import { renderNoticePdf } from '../../documents/notice-pdf.ts';
import { renderReceiptPdf } from '../../documents/receipt-pdf.ts';
import { woffToSfnt } from '../../documents/woff.ts';
import { HAVE_POPPLER, POPPLER_SKIP_REASON, fontsOf, qrTextOnFirstPage, readableText, renderPages } from '../support/pdf.ts';

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc')), 'files');

const notice: Notice = {
  topic: { code: 'CN-YJS-XSECS', name: '新生儿出生一件事', version: 4, leadDepartment: '汕头市潮南区卫生健康局' },
  personal: true,
  complete: true,
  situation: [{ question: '新生儿在哪里出生？', answer: '在潮南区内医疗机构出生' }],
  unanswered: [],
  matters: [
    { code: '440514-WJ-GG-0001', name: '出生医学证明首次签发', department: { code: 'WJJ-440514', name: '汕头市潮南区卫生健康局' }, legalDays: 20, committedDays: 3, onlineDepth: 3, after: [] },
    { code: '440514-GA-QR-0001', name: '出生登记（新生儿入户）', department: { code: 'GAFJ-440514', name: '汕头市公安局潮南分局' }, legalDays: 20, committedDays: 1, onlineDepth: 4, after: ['出生医学证明首次签发'] },
  ],
  toProvide: [{ code: 'M-FMJL', name: '助产机构出具的分娩记录', required: true, tolerant: false, neededFor: ['出生医学证明首次签发'] }],
  notNeeded: [
    { code: 'M-CSYXZM', name: '出生医学证明', reason: 'INTERNAL_RESULT', producedBy: '出生医学证明首次签发' },
    { code: 'M-HKB', name: '申请人居民户口簿', reason: 'E_CERTIFICATE', certificate: '居民户口簿' },
  ],
  windowAddress: '广东省汕头市潮南区峡山街道潮南区政务服务中心一楼“一件事”集成服务窗口（8–11号窗）',
  onlineUrl: 'https://www.gdzwfw.gov.cn/one-thing/CN-YJS-XSECS',
  guideUrl: null,
  committedDays: 4,
  legalDaysTotal: 40,
  visits: 1,
  materialsBefore: 6,
  materialsToSubmit: 1,
  problems: [],
};

const receipt: ReceiptContent = {
  version: 1,
  reference: 'OT20261126ABCDEFGHJK',
  verificationCode: 'K7QF-2M9X',
  issuedAt: '2026-11-26T09:31:00.000Z',
  acceptedAt: '2026-11-26T09:30:00.000Z',
  topic: { code: 'CN-YJS-XSECS', name: '新生儿出生一件事', version: 4 },
  region: '440514',
  // 丂 is outside the font's simplified-Chinese file: it comes from another subset file of the package.
  applicant: { kind: 'PERSON', name: '陈丂明', idNumber: '440514***********6' },
  channel: 'ONLINE',
  deliveryMethod: 'POST',
  matters: [{ code: '440514-WJ-GG-0001', name: '出生医学证明首次签发', department: { code: 'WJJ-440514', name: '汕头市潮南区卫生健康局' }, committedDays: 3 }],
  materials: [
    { code: 'M-SFZ', name: '申请人居民身份证', provision: 'UPLOADED' },
    { code: 'M-SZJZJL', name: '新生儿首剂乙肝疫苗和卡介苗接种记录', provision: 'DEFERRED', dueDate: '2026-12-03' },
  ],
  committedDays: 3,
  dueDate: '2026-12-01',
};
const PAYLOAD = 'OTR1.OT20261126ABCDEFGHJK.sm2-2fce73d8478eae58.pmQI-xEy9hzMutKaQC-bqlDV0rFNNrNoiY7AdnaFso1FVaSmBCkny_Tyu0-bO4_hpEwlUsIUW3ATgxptcjfZtw';
const seal = { kid: 'sm2-2fce73d8478eae58', algorithm: 'SM2-SM3' as const, signature: PAYLOAD.split('.')[3]!, qrText: PAYLOAD, verifyUrl: 'https://ythfw.example.gov.cn/receipts/verify' };

describe('the CJK font', () => {
  it('is the same font after decompressing its WOFF file once', () => {
    const file = join(FONT_DIR, 'noto-sans-sc-chinese-simplified-400-normal.woff');
    const woff = fontkit.openSync(file) as fontkit.Font;
    const sfnt = fontkit.create(woffToSfnt(readFileSync(file))) as fontkit.Font;
    expect([sfnt.numGlyphs, sfnt.characterSet.length, sfnt.familyName]).toEqual([woff.numGlyphs, woff.characterSet.length, woff.familyName]);
    expect(sfnt.glyphForCodePoint('告'.codePointAt(0)!).path.toSVG()).toBe(woff.glyphForCodePoint('告'.codePointAt(0)!).path.toSVG());
  });

  it('refuses a file that is not WOFF', () => {
    expect(() => woffToSfnt(Buffer.from('%PDF-1.7 not a font at all, not even close to one'))).toThrow('not a WOFF 1.0 font');
  });
});

describe.skipIf(!HAVE_POPPLER)(`the printed documents (${HAVE_POPPLER ? 'poppler-utils' : POPPLER_SKIP_REASON})`, () => {
  it('prints the one-time notice with its Chinese text and embedded fonts', async () => {
    const pdf = await renderNoticePdf(notice, { generatedAt: new Date('2026-11-26T09:30:00+08:00') });
    const pages = renderPages(pdf, 'notice');
    const text = readableText(pdf);

    expect(pages.length).toBeGreaterThanOrEqual(1);
    for (const expected of [
      '“一件事”一次告知单',
      '新生儿出生一件事',
      '生成时间：2026-11-2609:30（北京时间）',
      '已按您本人的电子证照和共享数据核对',
      '二、需要办理的事项（2项）',
      '出生登记（新生儿入户）',
      '汕头市公安局潮南分局',
      '助产机构出具的分娩记录',
      '四、无需提交的材料（2份）',
      '由本次一并办理的“出生医学证明首次签发”办结结果提供',
      '您已有有效的电子证照“居民户口簿”',
      '集成服务窗口（8–11号窗）',
      'https://www.gdzwfw.gov.cn/one-thing/CN-YJS-XSECS',
      '4个工作日办结',
    ]) {
      expect(text).toContain(expected);
    }
    expect(fontsOf(pdf).every((font) => font.embedded)).toBe(true);
  });

  it('prints the receipt with the seal: its QR code scans back to the payload', async () => {
    const pdf = await renderReceiptPdf(receipt, seal);
    const pages = renderPages(pdf, 'receipt');
    const text = readableText(pdf);

    expect(pages.length).toBeGreaterThanOrEqual(1);
    for (const expected of [
      '“一件事”受理回执',
      '受理编号OT20261126ABCDEFGHJK',
      'K7QF-2M9X',
      '440514***********6',
      '受理时间2026-11-2617:30（北京时间）',
      '应办结日期2026-12-01前',
      '容缺后补，请于2026-12-03前补交',
      'SM2/SM3国密算法（GB/T38540）',
      'sm2-2fce73d8478eae58',
      'https://ythfw.example.gov.cn/receipts/verify',
    ]) {
      expect(text).toContain(expected);
    }
    expect(qrTextOnFirstPage(pdf)).toBe(PAYLOAD);
  });

  it('prints a rare character of a name from another file of the font instead of a box', async () => {
    const pdf = await renderReceiptPdf(receipt, seal);
    const fonts = fontsOf(pdf);
    // Regular and bold of the simplified-Chinese file, and the subset file that has 丂.
    expect(fonts.length).toBe(3);
    expect(fonts.every((font) => font.embedded)).toBe(true);
    expect(readableText(pdf)).toContain('陈丂明');
  });
});
