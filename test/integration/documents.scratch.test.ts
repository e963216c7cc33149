import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { startTestGateway } from '../support/gateway.ts';
import { FATHER, NEWBORN, newbornAnswers, PDF, newbornSubmission } from '../support/newborn.ts';
import { contractOperation } from '../support/contract.ts';
import { readableText, qrTextOnFirstPage } from '../support/pdf.ts';

it('scratch', async () => {
  const gateway = await startTestGateway();
  const t0 = Date.now();
  try {
    const token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
    const q = `query($code: ID!, $answers: [AnswerInput!]!) { topic(code: $code) { plan(answers: $answers) { notice { url personal } materials { code exemption { reason } } } flowchart(format: DOT) { problems content } } }`;
    const anon = await gateway.graphql(q, { code: NEWBORN, answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']) });
    console.log(JSON.stringify(anon.body.data.topic.plan.notice), anon.body.errors);
    const mine = await gateway.graphql(q, { code: NEWBORN, answers: newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']) }, token);
    console.log(JSON.stringify(mine.body.data.topic.plan), mine.body.errors);
    const a = await fetch(gateway.gateway.url + anon.body.data.topic.plan.notice.url);
    const abuf = Buffer.from(await a.arrayBuffer());
    writeFileSync('/tmp/scratch/anon.pdf', abuf);
    console.log(a.status, readableText(abuf));
    const p = await fetch(gateway.gateway.url + mine.body.data.topic.plan.notice.url, { headers: { authorization: `Bearer ${token}` } });
    const pbuf = Buffer.from(await p.arrayBuffer());
    writeFileSync('/tmp/scratch/personal.pdf', pbuf);
    console.log(p.status, readableText(pbuf));
    const fileRef = await gateway.upload(token, PDF);
    const sub = await gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission('k1', fileRef) }, token);
    const id = sub.body.data.submitApplication.application.id;
    const r = await gateway.graphql(`query($id: ID!) { application(id: $id) { receipt { reference verificationCode issuedAt committedDays dueDate url payload keyId algorithm signature content } } }`, { id }, token);
    console.log(JSON.stringify(r.body, null, 1));
    const pdf = await fetch(gateway.gateway.url + r.body.data.application.receipt.url, { headers: { authorization: `Bearer ${token}` } });
    const rbuf = Buffer.from(await pdf.arrayBuffer());
    writeFileSync('/tmp/scratch/receipt.pdf', rbuf);
    console.log(pdf.status, readableText(rbuf), qrTextOnFirstPage(rbuf));
    const v = await fetch(gateway.gateway.url + '/receipts/verify?payload=' + r.body.data.application.receipt.payload);
    console.log(await v.json());
    console.log(await (await fetch(gateway.gateway.url + '/.well-known/one-thing/receipt-keys.json')).json());
  } finally {
    await gateway.close();
  }
});
