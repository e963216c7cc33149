import { it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway } from '../support/gateway.ts';
const FATHER = '440514199403120356';
const MOTHER = '440514199608250285';
const answers = [
  { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
  { questionId: 'parentsMarried', values: ['true'] },
  { questionId: 'hukouWith', values: ['FATHER'] },
  { questionId: 'ageMonths', values: ['2'] },
  { questionId: 'services', values: ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD'] },
];
const form = [
  { key: 'applicant.idNumber', value: FATHER },
  { key: 'applicant.name', value: '陈晓明' },
  { key: 'applicant.phone', value: '13923780451' },
  { key: 'spouse.idNumber', value: MOTHER },
  { key: 'spouse.name', value: '林美玲' },
  { key: 'child.name', value: '陈小宝' },
  { key: 'child.gender', value: '男' },
  { key: 'child.birthDate', value: '2026-10-01' },
  { key: 'child.birthPlace', value: '潮南区人民医院' },
  { key: 'applicant.residentialAddress', value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号' },
  { key: 'child.ethnicity', value: '汉族' },
  { key: 'applicant.householdAddress', value: '广东省汕头市潮南区峡山街道桃溪社区新兴路12号' },
  { key: 'card.bankName', value: '中国银行' },
];
it('explores', async () => {
  const g = await startTestGateway({ MUTATION_RATE_LIMIT: 'off' });
  const token = await g.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const up = await fetch(`${g.gateway.url}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: Buffer.from('%PDF-1.7\n%%EOF\n') });
  const pdf = ((await up.json()) as any).fileRef;
  const submit = (key: string, f: any) => g.graphql(contractOperation('SubmitApplication'), { input: { topicCode: 'CN-YJS-XSECS', answers, form: f, uploads: [ { materialCode: 'M-SFZ', fileRef: pdf }, { materialCode: 'M-FMJL', fileRef: pdf }, { materialCode: 'M-ZP', fileRef: pdf } ], deferredMaterials: ['M-SZJZJL'], deliveryMethod: 'POST', idempotencyKey: key } }, token);
  const big = 'x'.repeat(1_000_000);
  const r1 = await g.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers, form: [{ key: 'child.name', value: big }] }, token);
  console.log('1MB plan', r1.status, JSON.stringify(r1.body).slice(0, 200));
  const r2 = await submit('big', form.map((f) => f.key === 'child.name' ? { ...f, value: big } : f));
  console.log('1MB submit', r2.status, JSON.stringify(r2.body).slice(0, 400));
  const hostile = form.map((f) => f.key === 'applicant.residentialAddress' ? { ...f, value: "'; DROP TABLE applications; --" } : f.key === 'applicant.householdAddress' ? { ...f, value: '<script>alert(1)</script>' } : f.key === 'child.birthPlace' ? { ...f, value: '${jndi:ldap://x}' } : f);
  const r3 = await submit("'; DROP TABLE applications; --", hostile);
  console.log('hostile', r3.status, JSON.stringify(r3.body).slice(0, 400));
  const r4 = await submit('nul', form.map((f) => f.key === 'spouse.name' ? { ...f, value: 'a\u0000b' } : f));
  console.log('nul', r4.status, JSON.stringify(r4.body).slice(0, 400));
  const r5 = await submit('nul2', form.map((f) => f.key === 'spouse.name' ? { ...f, value: '\u0000' } : f));
  console.log('nul2', r5.status, JSON.stringify(r5.body).slice(0, 400));
  const r6 = await submit('a\u0000b', form);
  console.log('nul key', r6.status, JSON.stringify(r6.body).slice(0, 400));
  await g.close();
}, 60000);
