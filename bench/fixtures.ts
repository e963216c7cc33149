/** The requests the benchmark sends: a newborn plan for 陈晓明 with his spouse, and a restaurant application. */
import { loadManifest } from '../server/trusted-documents.ts';
import { graphql, type Instance } from './processes.ts';

const OPERATIONS = new Map(loadManifest().operations.map((o) => [o.name, o.body]));
export const operation = (name: string) => {
  const body = OPERATIONS.get(name);
  if (!body) throw new Error(`no contract operation ${name}`);
  return body;
};

export const FATHER = { sub: '440514199403120356', name: '陈晓明', role: 'APPLICANT' as const };
export const MOTHER_ID = '440514199608250285';
export const NEWBORN = {
  code: 'CN-YJS-XSECS',
  answers: [
    { questionId: 'birthPlace', values: ['IN_DISTRICT'] },
    { questionId: 'parentsMarried', values: ['true'] },
    { questionId: 'hukouWith', values: ['FATHER'] },
    { questionId: 'ageMonths', values: ['2'] },
    { questionId: 'services', values: ['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD'] },
  ],
  form: [{ key: 'spouse.idNumber', value: MOTHER_ID }],
};
export const RESTAURANT = {
  code: 'CN-YJS-KCG',
  answers: [
    { questionId: 'entityType', values: ['INDIVIDUAL'] },
    { questionId: 'placeType', values: ['LEASED'] },
    { questionId: 'areaSqm', values: ['350'] },
    { questionId: 'foodTypes', values: ['HOT', 'RAW'] },
    { questionId: 'hasSignboard', values: ['true'] },
    { questionId: 'signboardArea', values: ['2'] },
  ],
};


/** Submits the restaurant application with every value the plan asks for, and waits until 3+ departments hold a live case. */
export async function submitRestaurant(instance: Instance, token: string): Promise<string> {
  const endpoint = instance.ready.endpoint;
  const { data } = await graphql(endpoint, operation('SituationPlan'), { ...RESTAURANT, form: [] }, token);
  const plan = data.topic.plan;
  const sample = (field: { type: string; options: string[] | null; maxLength: number | null }) =>
    ({ STRING: '测试', NUMBER: '350', DATE: '2026-01-01', BOOLEAN: 'true', ENUM: field.options?.[0] ?? '' })[field.type] ?? '测试';
  const form = plan.form
    .filter((f: any) => f.required || f.prefill)
    .map((f: any) => ({ key: f.key, value: f.prefill?.value ?? sample(f) }));
  const upload = await fetch(`${instance.ready.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
  });
  const { fileRef } = (await upload.json()) as { fileRef: string };
  const owed = plan.materials.filter((m: any) => m.required && !m.exemption);
  const submitted = await graphql(
    endpoint,
    operation('SubmitApplication'),
    {
      input: {
        topicCode: RESTAURANT.code,
        answers: RESTAURANT.answers,
        form,
        uploads: owed.filter((m: any) => !m.tolerant).map((m: any) => ({ materialCode: m.code, fileRef })),
        // 容缺: the cases that owe a material stay waiting for it, so their departments are read live on every query.
        deferredMaterials: owed.filter((m: any) => m.tolerant).map((m: any) => m.code),
        deliveryMethod: 'WINDOW',
        idempotencyKey: `bench-${instance.build}`,
      },
    },
    token,
  );
  if (submitted.errors) throw new Error(`the restaurant application was refused: ${JSON.stringify(submitted.errors)}`);
  const id = submitted.data.submitApplication.application.id as string;
  const started = Date.now();
  for (;;) {
    const { data: status } = await graphql(endpoint, operation('ApplicationStatus'), { id }, token);
    const cases = status.application.cases as Array<{ status: string; department: { code: string } }>;
    // Steady: every case decided, or waiting for its deferred material for good.
    const steady = cases.every((c) => c.status === 'SUPPLEMENT_REQUIRED' || c.status === 'APPROVED');
    const departments = new Set(cases.filter((c) => c.status === 'SUPPLEMENT_REQUIRED').map((c) => c.department.code));
    if (steady && departments.size >= 3) {
      process.stdout.write(`${instance.build}: application ${id} with live cases in ${[...departments].join(', ')}\n`);
      return id;
    }
    if (Date.now() - started > 30_000) throw new Error(`the application did not settle: ${JSON.stringify(cases.map((c) => [c.department.code, c.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

