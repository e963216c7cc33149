/**
 * Every answer the simulators give is checked against the fixed upstream
 * contracts themselves (the OpenAPI files, not our zod models), and every
 * documented JSON answer of every contract must be exercised at least once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultDataDir, loadSandboxData, startSandbox, type CaseView, type Sandbox, type SandboxData } from '../../sandbox/index.ts';
import { fixtureData, manualClock } from './fixtures.ts';

const CONTRACT_DIR = fileURLToPath(new URL('../../../shared/contract/upstreams/', import.meta.url));
const CONTRACTS = ['matter-registry', 'e-certificates', 'data-center', 'evaluation', 'approval-system'] as const;
type ContractName = (typeof CONTRACTS)[number];

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
  webhooks: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components: unknown;
}

/** Validates bodies against a contract's schemas and remembers which documented answers were seen. */
class Contracts {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #documents = new Map<ContractName, OpenApiDocument>();
  readonly #seen = new Set<string>();
  /** Compiled once per answer: compiling is far slower than validating. */
  readonly #validators = new Map<string, ValidateFunction>();

  constructor() {
    ajvFormats.default(this.#ajv);
    for (const name of CONTRACTS) {
      const document = parse(readFileSync(join(CONTRACT_DIR, `${name}.openapi.yaml`), 'utf8')) as OpenApiDocument;
      this.#documents.set(name, document);
      // The components under an $id, so that the rewritten '#/components/...' refs resolve.
      this.#ajv.addSchema({ $id: this.#id(name), components: document.components });
    }
  }

  /** The contract errors of `body` as the answer `status` to `method specPath`; records the answer as seen. */
  errorsOf(name: ContractName, method: string, specPath: string, status: number, body: unknown): string[] {
    const operation = this.#documents.get(name)?.paths[specPath]?.[method.toLowerCase()];
    const schema = operation?.responses?.[String(status)]?.content?.['application/json']?.schema;
    if (!operation) return [`${name} has no operation ${method} ${specPath}`];
    if (!operation.responses?.[String(status)]) return [`${name} does not document ${status} for ${method} ${specPath}`];
    this.#seen.add(`${name} ${method.toUpperCase()} ${specPath} ${status}`);
    return schema === undefined ? [] : this.#validate(name, `${method} ${specPath} ${status}`, schema, body);
  }

  /** The contract errors of a caseStatusChanged webhook payload. */
  webhookErrorsOf(body: unknown): string[] {
    const schema = this.#documents.get('approval-system')?.webhooks.caseStatusChanged?.post?.requestBody?.content?.['application/json']?.schema;
    return this.#validate('approval-system', 'webhook caseStatusChanged', schema, body);
  }

  /** Documented JSON answers (2xx, and errors with a body schema) no call has produced yet. */
  unseen(): string[] {
    const documented: string[] = [];
    for (const [name, document] of this.#documents) {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            if (response.content?.['application/json']) documented.push(`${name} ${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    return documented.filter((answer) => !this.#seen.has(answer));
  }

  #validate(name: ContractName, answer: string, schema: unknown, body: unknown): string[] {
    const key = `${name} ${answer}`;
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = this.#ajv.compile(rebase(schema, this.#id(name)) as object);
      this.#validators.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  }

  #id(name: ContractName): string {
    return `urn:contract:${name}`;
  }
}

/** A copy of `schema` whose document-local refs point into the schema registered under `id`. */
function rebase(schema: unknown, id: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rebase(item, id));
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${id}${value}` : rebase(value, id),
    ]),
  );
}

describe('the contract checker', () => {
  it('finds the errors of a body that breaks its contract', () => {
    const errors = new Contracts().errorsOf('matter-registry', 'GET', '/api/v1/topics/{code}', 200, {
      code: 'T',
      name: 'N',
      region: 'R',
      leadDepartment: 'D',
      status: 'LIVE',
      updatedAt: 'yesterday',
      version: 0,
      description: 'd',
      matters: [{}],
      questions: [],
    });
    expect(errors).toEqual([
      '/status must be equal to one of the allowed values',
      '/updatedAt must match format "date-time"',
      '/version must be >= 1',
      "/matters/0 must have required property 'matterCode'",
    ]);
  });
});

const demoDataPresent = ['departments', 'certificate-types', 'matters', 'topics', 'persons', 'enterprises', 'certificates', 'evaluations', 'datasets']
  .every((file) => existsSync(join(defaultDataDir, `${file}.json`)));

describe.each([
  { dataName: 'fixture data', load: async (): Promise<SandboxData> => fixtureData(), present: true },
  { dataName: 'demo data in sandbox/data', load: () => loadSandboxData(), present: demoDataPresent },
])('simulators on the $dataName', ({ load, present }) => {
  let sandbox: Sandbox;
  let data: SandboxData;
  const contracts = new Contracts();
  const clock = manualClock();
  const STEP_MS = 1000;

  beforeAll(async () => {
    if (!present) return;
    data = await load();
    sandbox = await startSandbox({ data, now: clock.now, caseStepMs: STEP_MS });
  });
  afterAll(() => sandbox?.close());

  /** Calls a simulator and expects an answer the contract documents, with a body its schema accepts. */
  async function call(
    name: ContractName,
    baseUrl: string,
    method: 'GET' | 'POST',
    specPath: string,
    url: string,
    options: { headers?: Record<string, string>; body?: unknown; status: number },
  ): Promise<unknown> {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const body: unknown = await response.json();
    expect({ url, status: response.status }).toEqual({ url, status: options.status });
    expect(contracts.errorsOf(name, method, specPath, response.status, body), `${method} ${url}`).toEqual([]);
    return body;
  }

  it.skipIf(!present)('the matter registry answers as its contract says', async () => {
    const registry = sandbox.urls.matterRegistry;
    const get = (specPath: string, url: string, status = 200) => call('matter-registry', registry, 'GET', specPath, url, { status });
    await get('/health', '/health');
    await get('/api/v1/departments', '/api/v1/departments');
    await get('/api/v1/certificate-types', '/api/v1/certificate-types');
    await get('/api/v1/topics', '/api/v1/topics');
    for (const topic of data.topics) {
      await get('/api/v1/topics', `/api/v1/topics?region=${topic.region}`);
      await get('/api/v1/topics/{code}', `/api/v1/topics/${encodeURIComponent(topic.code)}`);
    }
    await get('/api/v1/topics/{code}', '/api/v1/topics/NO-SUCH-TOPIC', 404);
    for (let index = 0; index < data.matters.length; index += 50) {
      const codes = data.matters.slice(index, index + 50).map((matter) => encodeURIComponent(matter.code));
      const body = (await get('/api/v1/matters', `/api/v1/matters?codes=${codes.join(',')}`)) as { items: unknown[] };
      expect(body.items).toHaveLength(codes.length);
    }
    await get('/api/v1/matters', '/api/v1/matters?codes=', 400);
  });

  it.skipIf(!present)('the e-certificate library and the data center answer as their contracts say', async () => {
    const library = sandbox.urls.eCertificates;
    const libraryHeaders = { authorization: `Bearer ${sandbox.tokens.eCertificates}`, 'x-purpose': 'conformance', 'x-operator': 'test' };
    const holderIds = [...new Set(data.certificates.map((certificate) => certificate.holderId))].slice(0, 100);
    if (holderIds.length > 0) {
      await call('e-certificates', library, 'POST', '/api/v1/certificates/search', '/api/v1/certificates/search', {
        headers: libraryHeaders,
        body: { holderIds },
        status: 200,
      });
    }
    for (const certificate of data.certificates) {
      const url = `/api/v1/certificates/${encodeURIComponent(certificate.id)}`;
      await call('e-certificates', library, 'GET', '/api/v1/certificates/{id}', url, { headers: libraryHeaders, status: 200 });
    }

    const center = sandbox.urls.dataCenter;
    const centerHeaders = { ...libraryHeaders, authorization: `Bearer ${sandbox.tokens.dataCenter}` };
    const query = (specPath: string, url: string, body: unknown) =>
      call('data-center', center, 'POST', specPath, url, { headers: centerHeaders, body, status: 200 });
    const idNumbers = data.persons.map((person) => person.idNumber);
    for (let index = 0; index < idNumbers.length; index += 100) {
      await query('/api/v1/persons/query', '/api/v1/persons/query', { idNumbers: idNumbers.slice(index, index + 100) });
    }
    const creditCodes = data.enterprises.map((enterprise) => enterprise.creditCode);
    for (let index = 0; index < creditCodes.length; index += 100) {
      await query('/api/v1/enterprises/query', '/api/v1/enterprises/query', { creditCodes: creditCodes.slice(index, index + 100) });
    }
    for (const [dataset, subjects] of Object.entries(data.datasets)) {
      const subjectIds = [...subjects.slice(0, 99), 'NOT-A-SUBJECT'];
      const url = `/api/v1/datasets/${encodeURIComponent(dataset)}/availability`;
      await query('/api/v1/datasets/{dataset}/availability', url, { subjectIds });
    }
  });

  it.skipIf(!present)('the rating system answers as its contract says', async () => {
    const ratings = sandbox.urls.evaluation;
    const headers = { authorization: `Bearer ${sandbox.tokens.evaluation}` };
    const rating = { applicationId: 'CONFORMANCE-1', topicCode: 'T', channel: 'KIOSK', grade: 5, evaluatorId: 'E' };
    await call('evaluation', ratings, 'POST', '/api/v1/evaluations', '/api/v1/evaluations', { headers, body: rating, status: 201 });
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/evaluations?limit=500${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call('evaluation', ratings, 'GET', '/api/v1/evaluations', url, { headers, status: 200 })) as {
        nextCursor: string | null;
      };
      cursor = page.nextCursor;
    } while (cursor !== null);
  });

  it.skipIf(!present)('every approval system answers as its contract says, in every case status', async () => {
    const cases = '/api/v1/cases';
    const clients = sandbox.departments.map((department) => {
      const request = (method: 'GET' | 'POST', specPath: string, url: string, status: number, body?: unknown, key?: string) =>
        call('approval-system', department.baseUrl, method, specPath, url, {
          headers: { authorization: `Bearer ${department.token}`, ...(key ? { 'idempotency-key': `${department.departmentCode}:${key}` } : {}) },
          body,
          status,
        });
      const matterCode = department.matterCodes[0]!;
      const submission = (form: Record<string, unknown>, materials: unknown[]) => ({
        matterCode,
        applicationId: 'CONFORMANCE',
        applicant: { type: 'ENTERPRISE', id: '91440514MA4WCONF01', name: '合规测试有限公司' },
        form,
        materials,
        prerequisiteResults: [],
        deliveryMethod: 'POST',
      });
      const create = async (key: string, form: Record<string, unknown> = {}, materials: unknown[] = []) =>
        ((await request('POST', cases, cases, 201, submission(form, materials), key)) as CaseView).caseId;
      return { request, submission, matterCode, create };
    });

    // Departments in parallel, in two phases around one move of the shared clock.
    const created = await Promise.all(
      clients.map(async ({ request, submission, matterCode, create }) => {
        const ids = {
          approved: await create('approved'),
          rejected: await create('rejected', { 'business.areaSqm': 5 }),
          waiting: await create('waiting', {}, [{ code: 'DEFERRED-MATERIAL', provision: 'DEFERRED', certificateId: null, fileRef: null }]),
          withdrawn: await create('withdrawn'),
        };
        await request('POST', cases, cases, 200, submission({}, []), 'approved');
        await request('POST', cases, cases, 400, { matterCode }, 'invalid');
        await request('POST', cases, cases, 422, { ...submission({}, []), matterCode: 'NOT-A-MATTER' }, 'foreign');
        await request('GET', cases, `${cases}?ids=${Object.values(ids).join(',')}`, 200);
        await request('POST', '/api/v1/cases/{caseId}/withdrawal', `${cases}/${ids.withdrawn}/withdrawal`, 200);
        return ids;
      }),
    );
    clock.advance(3 * STEP_MS);
    await Promise.all(
      clients.map(async ({ request }, index) => {
        const ids = created[index]!;
        const read = (await request('GET', cases, `${cases}?ids=${Object.values(ids).join(',')}`, 200)) as { items: CaseView[] };
        expect(read.items.map((item) => item.status)).toEqual(['APPROVED', 'REJECTED', 'SUPPLEMENT_REQUIRED', 'WITHDRAWN']);
        for (const item of read.items) expect(contracts.webhookErrorsOf(item)).toEqual([]);
        const materials = [{ code: 'DEFERRED-MATERIAL', provision: 'UPLOADED', fileRef: `sha256:${'0'.repeat(64)}` }];
        const url = `${cases}/${ids.waiting}/supplements`;
        const supplemented = (await request('POST', '/api/v1/cases/{caseId}/supplements', url, 200, { materials }, 'supplement')) as CaseView;
        expect(supplemented.status).toBe('IN_REVIEW');
      }),
    );
  });

  it.skipIf(!present)('exercises every documented JSON answer of every contract', () => {
    expect(contracts.unseen()).toEqual([]);
  });
});
