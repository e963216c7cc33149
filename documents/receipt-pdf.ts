/**
 * The receipt of an accepted application (受理回执) as a printable PDF, with
 * the electronic seal: the QR code of the signed payload, the key and the
 * algorithm.
 */
import type { ReceiptContent } from '../domain/receipt.ts';
import type { SealAlgorithm } from '../lib/seal.ts';
import { Printable, chinaDateTime } from './pdf.ts';

const PROVISION: Record<string, string> = {
  UPLOADED: '已上传',
  E_CERTIFICATE: '电子证照免提交',
  DATA_SHARING: '数据共享免提交',
  INTERNAL_RESULT: '审批结果互通，免提交',
  GOVERNMENT_ISSUED: '政府部门核发，免提交',
  DEFERRED: '容缺后补',
};

const CHANNEL: Record<ReceiptContent['channel'], string> = {
  ONLINE: '网上申办',
  PC: '网上申办（电脑端）',
  MOBILE: '掌上申办（指尖办）',
  WINDOW: '“一件事”窗口受理',
  KIOSK: '自助终端申办',
};

const DELIVERY: Record<ReceiptContent['deliveryMethod'], string> = {
  WINDOW: '窗口领取',
  POST: '邮寄送达',
  ONLINE: '网上送达（电子证照）',
};

const ALGORITHM: Record<SealAlgorithm, string> = {
  'SM2-SM3': 'SM2 / SM3 国密算法（GB/T 38540）',
  ES256: 'ECDSA P-256 / SHA-256',
};

export interface ReceiptSeal {
  kid: string;
  algorithm: SealAlgorithm;
  signature: string;
  /** What the QR code carries: the payload, or a verification address with it. */
  qrText: string;
  /** Where a person checks it by hand, e.g. `https://…/receipts/verify`; null when no public address is configured. */
  verifyUrl: string | null;
}

export function renderReceiptPdf(receipt: ReceiptContent, seal: ReceiptSeal): Promise<Buffer> {
  const pdf = new Printable({ title: `受理回执 ${receipt.reference}`, subject: '“一件事”受理回执' });
  pdf.title('“一件事”受理回执', receipt.topic.name);

  const top = pdf.doc.y;
  const qrSize = 118;
  pdf.qr(seal.qrText, pdf.left + pdf.width - qrSize, top, qrSize);
  const factsWidth = pdf.width - qrSize - 12;
  const fact = (label: string, value: string, weight: 'regular' | 'bold' = 'regular') => {
    const y = pdf.doc.y;
    pdf.text(label, { size: 10.5, color: '#555555', width: 84 }, pdf.left, y);
    pdf.text(value, { size: 10.5, width: factsWidth - 84, weight }, pdf.left + 84, y);
    pdf.doc.y += 2;
  };
  fact('受理编号', receipt.reference, 'bold');
  fact('验 证 码', receipt.verificationCode, 'bold');
  fact('申 请 人', receipt.applicant.name);
  fact(receipt.applicant.kind === 'PERSON' ? '身份证号' : '信用代码', receipt.applicant.idNumber);
  fact('受理时间', `${chinaDateTime(new Date(receipt.acceptedAt))}（北京时间）`);
  fact('受理渠道', CHANNEL[receipt.channel]);
  fact('结果送达', DELIVERY[receipt.deliveryMethod]);
  fact('承诺时限', `${receipt.committedDays} 个工作日`);
  fact('应办结日期', `${receipt.dueDate} 前`, 'bold');
  pdf.doc.y = Math.max(pdf.doc.y, top + qrSize + 4);
  pdf.doc.x = pdf.left;

  pdf.heading(`一、受理的事项（${receipt.matters.length} 项，一次申请，并联审批）`);
  receipt.matters.forEach((matter, i) => {
    pdf.item(`${i + 1}.`, matter.name, `${matter.department.name}${matter.committedDays === null ? '' : `　承诺 ${matter.committedDays} 个工作日`}`);
  });

  pdf.heading(`二、材料及提供方式（${receipt.materials.length} 项）`);
  for (const material of receipt.materials) {
    const how = material.provision === null ? '未提供（非必需）' : (PROVISION[material.provision] ?? material.provision);
    const due = material.dueDate ? `，请于 ${material.dueDate} 前补交` : '';
    pdf.item('·', `${material.name}　${how}${due}`, undefined, material.provision === 'DEFERRED' ? { weight: 'bold' } : {});
  }
  if (receipt.materials.some((m) => m.provision === 'DEFERRED')) {
    pdf.note('容缺受理：请在上述日期前补交容缺材料（可网上补交或到窗口补交），逾期未补交的，部门可按规定终止办理。', '#8a5000');
  }

  pdf.heading('三、电子印章与核验');
  pdf.row('签章单位', '“一件事”集成服务网关（代各受理部门出具）');
  pdf.row('签名算法', ALGORITHM[seal.algorithm]);
  pdf.row('密钥标识', seal.kid);
  pdf.row('核验方式', `扫描右上角二维码${seal.verifyUrl ? `，或访问 ${seal.verifyUrl}` : ''}，核验结果应显示受理编号 ${receipt.reference} 和验证码 ${receipt.verificationCode}`);
  pdf.row('签名值', seal.signature);
  pdf.text('签名覆盖本回执全部内容（规范化 JSON），任何改动都会使核验失败。', { size: 9, color: '#555555' });

  return pdf.finish(`受理回执 ${receipt.reference} · ${receipt.topic.name} · 签发于 ${chinaDateTime(new Date(receipt.issuedAt))}`);
}
