/**
 * The one-time notice (一次告知单) as a printable PDF: what the window
 * prints and the phone shows.
 */
import type { Notice, NoticeExemptMaterial } from '../domain/notice.ts';
import { Printable, chinaDateTime } from './pdf.ts';

/** Why a material is not needed, in the words of the notice. */
export function exemptionText(material: NoticeExemptMaterial): string {
  switch (material.reason) {
    case 'INTERNAL_RESULT':
      return `由本次一并办理的“${material.producedBy ?? ''}”办结结果提供，部门间共享（审批结果互通）`;
    case 'E_CERTIFICATE':
      return `您已有有效的电子证照${material.certificate ? `“${material.certificate}”` : ''}，部门在线调用（电子证照免提交）`;
    case 'DATA_SHARING':
      return '部门通过大数据中心共享核验（数据共享免提交）';
    case 'GOVERNMENT_ISSUED':
      return '由政府部门核发，部门自行核验（政府部门核发材料免提交）';
  }
}

const onlineDepthText = (depth: number) => ['', '网上可查办事指南', '网上预审', '网上受理', '全程网办，无需到场'][depth] ?? `网办深度 ${depth}`;

export interface NoticePdfOptions {
  generatedAt: Date;
}

export function renderNoticePdf(notice: Notice, { generatedAt }: NoticePdfOptions): Promise<Buffer> {
  const pdf = new Printable({ title: `${notice.topic.name} 一次告知单`, subject: '“一件事”一次告知单' });
  pdf.title('“一件事”一次告知单', notice.topic.name);
  pdf.text(
    `牵头部门：${notice.topic.leadDepartment}　　生成时间：${chinaDateTime(generatedAt)}（北京时间）　　${notice.personal ? '已按您本人的电子证照和共享数据核对' : '未登录：未核对您本人的电子证照和共享数据'}`,
    { size: 9, color: '#555555', align: 'center' },
  );
  if (!notice.complete) {
    pdf.note(`以下问题尚未回答：${notice.unanswered.join('；')}。回答后，需要办理的事项和材料可能变化，请以回答完整后的告知单为准。`);
  }
  if (notice.problems.length > 0) {
    pdf.note(`本主题的登记数据有误（${notice.problems.join('，')}），告知内容可能不完整，请向窗口咨询。`);
  }

  pdf.heading('一、您的情形');
  if (notice.situation.length === 0) pdf.item('·', '尚未回答导办问题');
  for (const { question, answer } of notice.situation) pdf.item('·', `${question}　${answer}`);

  pdf.heading(`二、需要办理的事项（${notice.matters.length} 项）`);
  if (notice.matters.length === 0) pdf.item('·', '按目前的回答，没有需要办理的事项');
  notice.matters.forEach((matter, i) => {
    const after = matter.after.length ? `；在“${matter.after.join('”“')}”办结后办理` : '';
    pdf.item(
      `${i + 1}.`,
      matter.name,
      `${matter.department.name}　承诺 ${matter.committedDays} 个工作日（法定 ${matter.legalDays} 个工作日）　${onlineDepthText(matter.onlineDepth)}${after}`,
    );
  });

  const required = notice.toProvide.filter((m) => m.required);
  const optional = notice.toProvide.filter((m) => !m.required);
  pdf.heading(`三、需要提交的材料（${required.length} 份${optional.length ? `，另有 ${optional.length} 份视情况提供` : ''}）`);
  if (notice.toProvide.length === 0) pdf.item('·', '无需提交任何材料');
  notice.toProvide.forEach((material) => {
    const marks = [material.required ? '必需' : '如有请提供', ...(material.tolerant ? ['可容缺（先受理，书面承诺后补交）'] : [])];
    pdf.item('□', material.name, `${marks.join('，')}；用于：${material.neededFor.join('、')}`);
  });
  pdf.text('窗口办理请带原件；网上办理请上传清晰的扫描件或照片（PDF、OFD、JPG、PNG）。', { size: 9, color: '#555555' });

  pdf.heading(`四、无需提交的材料（${notice.notNeeded.length} 份）`);
  if (notice.notNeeded.length === 0) pdf.item('·', '无');
  for (const material of notice.notNeeded) pdf.item('✓', material.name, exemptionText(material));

  pdf.heading('五、在哪里办、多久办好');
  pdf.row('网上办理', notice.onlineUrl ?? '暂未开通网上申办');
  pdf.row('窗口办理', notice.windowAddress ?? '请咨询牵头部门');
  if (notice.guideUrl) pdf.row('办事指南', notice.guideUrl);
  pdf.row('承诺时限', `${notice.committedDays} 个工作日办结（各事项法定时限合计 ${notice.legalDaysTotal} 个工作日，互不依赖的事项并联办理）`);
  pdf.row('跑动次数', notice.visits === 0 ? '0 次：全程网上办理' : `最多跑 ${notice.visits} 次：一次到窗口即可办结`);
  pdf.row('材料精简', `单独逐项办理需提交 ${notice.materialsBefore} 份，一件事办理只需提交 ${notice.materialsToSubmit} 份`);

  return pdf.finish(`${notice.topic.name} · 一次告知单 · 主题 ${notice.topic.code} 第 ${notice.topic.version} 版`);
}
