/**
 * `npm run check-connector -- <baseUrl> [--token T] [--matter CODE] [--timeout MS]`
 *
 * Checks a department's approval system (部门业务审批系统) against the
 * gateway's contract (contract/upstreams/approval-system.openapi.yaml,
 * version 1.0.0, whose schemas are embedded below so that this tool runs
 * without the contract folder) before it is registered as a connector:
 *
 * 1. GET /health answers 200;
 * 2. POST /api/v1/cases with a test submission and an Idempotency-Key
 *    answers 201 with a Case;
 * 3. the same POST again answers 200 with the same caseId;
 * 4. GET /api/v1/cases?ids=<caseId> lists the case;
 * 5. a POST without Idempotency-Key answers 400 with an Error;
 * 6. a POST with a wrong token answers 401;
 * 7. a POST for a matter the department does not handle answers 422 with
 *    an Error;
 * 8. POST /api/v1/cases/<caseId>/withdrawal withdraws the test case again
 *    (200 with a Case, status WITHDRAWN).
 *
 * Every response body is validated against the contract's schema. One
 * PASS/FAIL line per check; the exit code is 1 when any check failed, 2 for
 * a usage error. The test case is recognisable (application id
 * `CHECK-CONNECTOR-…`, applicant 接口自检) and withdrawn at the end.
 *
 * `--matter`: a matter code the system handles (one of the connector's
 * `matterCodes`); without it the creation checks cannot pass, since the
 * contract lets a system refuse unknown matters (422).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// ---------------------------------------------------------------- the contract

export const CONTRACT_VERSION = '1.0.0';

/** `components.schemas` of approval-system.openapi.yaml 1.0.0, as JSON Schema. */
export const CONTRACT_SCHEMAS = {
  Error: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { type: 'string' } },
  },
  MaterialRef: {
    type: 'object',
    required: ['code', 'provision'],
    properties: {
      code: { type: 'string' },
      provision: { enum: ['UPLOADED', 'E_CERTIFICATE', 'DATA_SHARING', 'INTERNAL_RESULT', 'GOVERNMENT_ISSUED', 'DEFERRED'] },
      certificateId: { type: ['string', 'null'] },
      fileRef: { type: ['string', 'null'] },
    },
  },
  CaseSubmission: {
    type: 'object',
    required: ['matterCode', 'applicationId', 'applicant', 'form', 'materials'],
    properties: {
      matterCode: { type: 'string' },
      applicationId: { type: 'string' },
      applicant: {
        type: 'object',
        required: ['type', 'id', 'name'],
        properties: { type: { enum: ['PERSON', 'ENTERPRISE'] }, id: { type: 'string' }, name: { type: 'string' } },
      },
      form: { type: 'object', additionalProperties: true },
      materials: { type: 'array', items: { $ref: '#/components/schemas/MaterialRef' } },
      prerequisiteResults: {
        type: 'array',
        items: {
          type: 'object',
          required: ['matterCode', 'certificateId'],
          properties: { matterCode: { type: 'string' }, certificateId: { type: 'string' } },
        },
      },
      deliveryMethod: { enum: ['WINDOW', 'POST', 'ONLINE'] },
    },
  },
  Case: {
    type: 'object',
    required: ['caseId', 'matterCode', 'applicationId', 'status', 'receivedAt', 'updatedAt', 'dueAt'],
    properties: {
      caseId: { type: 'string' },
      matterCode: { type: 'string' },
      applicationId: { type: 'string' },
      status: { enum: ['RECEIVED', 'ACCEPTED', 'IN_REVIEW', 'SUPPLEMENT_REQUIRED', 'APPROVED', 'REJECTED', 'WITHDRAWN'] },
      statusReason: { type: ['string', 'null'] },
      receivedAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      dueAt: { type: 'string', format: 'date-time' },
      decidedAt: { type: ['string', 'null'], format: 'date-time' },
      requestedMaterials: { type: 'array', items: { type: 'string' } },
      result: {
        type: ['object', 'null'],
        properties: { certificateId: { type: ['string', 'null'] }, certificateNumber: { type: ['string', 'null'] } },
      },
    },
  },
} as const;

/** The 200 body of GET /api/v1/cases. */
const CASE_LIST = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Case' } } },
} as const;

function validators() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'approval-system', components: { schemas: CONTRACT_SCHEMAS } });
  const of = (ref: string): ValidateFunction => ajv.compile({ $ref: `approval-system#/components/schemas/${ref}` });
  return {
    Case: of('Case'),
    Error: of('Error'),
    CaseSubmission: of('CaseSubmission'),
    CaseList: ajv.compile({ ...CASE_LIST, properties: { items: { type: 'array', items: { $ref: 'approval-system#/components/schemas/Case' } } } }),
  };
}

// ---------------------------------------------------------------- checks

export interface CheckOptions {
  baseUrl: string;
  token?: string;
  /** A matter code the system handles. */
  matterCode?: string;
  /** Deadline of one HTTP call in milliseconds. Default 5000. */
  timeoutMs?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen, in a few words. */
  detail: string;
}

interface Answer {
  status: number;
  body: unknown;
  /** Why there is no usable answer (no connection, timeout, not JSON when JSON was needed). */
  problem?: string;
}

function summarise(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

/** Runs every check in order; never throws for what the system does. */
export async function checkConnector(options: CheckOptions): Promise<CheckResult[]> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const schemas = validators();
  const results: CheckResult[] = [];
  const record = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });

  async function call(method: 'GET' | 'POST', path: string, init: { headers?: Record<string, string>; body?: unknown; token?: string | null } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = init.token === undefined ? options.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      const name = (error as Error).name;
      const why = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `no connection (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message})`;
      return { status: 0, body: undefined, problem: why };
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return { status: response.status, body: undefined, problem: `HTTP ${response.status} with a body that is not JSON` };
    }
    return { status: response.status, body };
  }

  /** `expected` status and, when given, a body valid against `schema`; returns the body when all is well. */
  function expect(name: string, answer: Answer, expected: number, schema?: ValidateFunction, more?: (body: any) => string | null): any {
    if (answer.status === 0) {
      record(name, false, answer.problem ?? 'no answer');
      return undefined;
    }
    if (answer.status !== expected) {
      const code = answer.body && typeof (answer.body as { code?: unknown }).code === 'string' ? ` (${(answer.body as { code: string }).code})` : '';
      record(name, false, `expected HTTP ${expected}, got ${answer.status}${code}`);
      return undefined;
    }
    if (schema) {
      if (answer.problem) {
        record(name, false, answer.problem);
        return undefined;
      }
      if (!schema(answer.body)) {
        record(name, false, `HTTP ${answer.status}, but the body does not match the contract: ${summarise(schema)}`);
        return undefined;
      }
    }
    const wrong = more?.(answer.body) ?? null;
    if (wrong) {
      record(name, false, `HTTP ${answer.status}, but ${wrong}`);
      return undefined;
    }
    return answer.body ?? {};
  }

  // 1. health
  const health = await call('GET', '/health', { token: null });
  if (expect('GET /health answers 200', health, 200) !== undefined) record('GET /health answers 200', true, 'HTTP 200');

  // The test submission: valid against the contract, recognisable as a test.
  const applicationId = `CHECK-CONNECTOR-${randomUUID()}`;
  const matterCode = options.matterCode ?? 'CHECK-CONNECTOR-NO-MATTER-GIVEN';
  const submission = {
    matterCode,
    applicationId,
    applicant: { type: 'PERSON', id: 'CHECK-CONNECTOR', name: '接口自检' },
    form: {},
    materials: [],
    deliveryMethod: 'ONLINE',
  };
  if (!schemas.CaseSubmission(submission)) throw new Error(`the test submission is not valid: ${summarise(schemas.CaseSubmission)}`);
  const key = `check-connector-${randomUUID()}`;
  const sameCase = (body: { matterCode: string; applicationId: string }) =>
    body.applicationId !== applicationId
      ? `applicationId is ${JSON.stringify(body.applicationId)}, not the one submitted`
      : body.matterCode !== matterCode
        ? `matterCode is ${JSON.stringify(body.matterCode)}, not the one submitted`
        : null;

  // 2. creation
  const createName = 'POST /api/v1/cases with an Idempotency-Key creates a case (201)';
  const first = await call('POST', '/api/v1/cases', { headers: { 'idempotency-key': key }, body: submission });
  let created: { caseId: string } | undefined;
  if (first.status === 422 && !options.matterCode) {
    record(createName, false, 'HTTP 422: the system does not handle the placeholder matter; pass --matter <a matter code it handles>');
  } else {
    created = expect(createName, first, 201, schemas.Case, sameCase);
    if (created) record(createName, true, `HTTP 201, caseId ${created.caseId}`);
  }

  // 3. idempotency
  const againName = 'POST /api/v1/cases again with the same Idempotency-Key answers 200 with the same caseId';
  if (!created) {
    record(againName, false, 'skipped: no case was created');
  } else {
    const again = await call('POST', '/api/v1/cases', { headers: { 'idempotency-key': key }, body: submission });
    const body = expect(againName, again, 200, schemas.Case, (b: { caseId: string }) =>
      b.caseId !== created!.caseId ? `caseId ${JSON.stringify(b.caseId)} differs from ${created!.caseId}: a second case was created` : null,
    );
    if (body) record(againName, true, `HTTP 200, caseId ${body.caseId}`);
  }

  // 4. batch read
  const readName = 'GET /api/v1/cases?ids= lists the case';
  if (!created) {
    record(readName, false, 'skipped: no case was created');
  } else {
    const read = await call('GET', `/api/v1/cases?ids=${encodeURIComponent(created.caseId)}`);
    const body = expect(readName, read, 200, schemas.CaseList, (b: { items: Array<{ caseId: string }> }) =>
      b.items.some((c) => c.caseId === created!.caseId) ? null : `case ${created!.caseId} is not in items`,
    );
    if (body) record(readName, true, `HTTP 200, ${body.items.length} case(s)`);
  }

  // 5. missing key
  const noKeyName = 'POST /api/v1/cases without Idempotency-Key is refused (400)';
  const noKey = await call('POST', '/api/v1/cases', { body: { ...submission, applicationId: `${applicationId}-NO-KEY` } });
  if (expect(noKeyName, noKey, 400, schemas.Error) !== undefined) record(noKeyName, true, `HTTP 400 ${(noKey.body as { code: string }).code}`);

  // 6. wrong token
  const wrongName = 'POST /api/v1/cases with a wrong token is refused (401)';
  const wrong = await call('POST', '/api/v1/cases', {
    token: `check-connector-wrong-${randomUUID()}`,
    headers: { 'idempotency-key': `check-connector-${randomUUID()}` },
    body: { ...submission, applicationId: `${applicationId}-WRONG-TOKEN` },
  });
  if (expect(wrongName, wrong, 401) !== undefined) record(wrongName, true, 'HTTP 401');

  // 7. a matter it does not handle
  const unknownName = 'POST /api/v1/cases for a matter it does not handle is refused (422)';
  const unknown = await call('POST', '/api/v1/cases', {
    headers: { 'idempotency-key': `check-connector-${randomUUID()}` },
    body: { ...submission, matterCode: `CHECK-CONNECTOR-UNKNOWN-${randomUUID().slice(0, 8)}`, applicationId: `${applicationId}-UNKNOWN` },
  });
  if (expect(unknownName, unknown, 422, schemas.Error) !== undefined) record(unknownName, true, `HTTP 422 ${(unknown.body as { code: string }).code}`);

  // 8. clean-up
  const withdrawName = 'POST /api/v1/cases/{caseId}/withdrawal withdraws the test case (200)';
  if (!created) {
    record(withdrawName, false, 'skipped: no case was created');
  } else {
    const withdrawal = await call('POST', `/api/v1/cases/${encodeURIComponent(created.caseId)}/withdrawal`);
    const body = expect(withdrawName, withdrawal, 200, schemas.Case, (b: { status: string }) =>
      b.status === 'WITHDRAWN' ? null : `status is ${b.status}, not WITHDRAWN`,
    );
    if (body) record(withdrawName, true, 'HTTP 200, status WITHDRAWN');
  }
  return results;
}

// ---------------------------------------------------------------- command line

const USAGE = 'usage: npm run check-connector -- <baseUrl> [--token T] [--matter CODE] [--timeout MS]';

export function parseArguments(argv: readonly string[]): CheckOptions | string {
  const options: Partial<CheckOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
      return next;
    };
    try {
      if (arg === '--token') options.token = value();
      else if (arg === '--matter') options.matterCode = value();
      else if (arg === '--timeout') {
        const ms = Number(value());
        if (!Number.isInteger(ms) || ms < 100 || ms > 120_000) return '--timeout must be a whole number of milliseconds from 100 to 120000';
        options.timeoutMs = ms;
      } else if (arg === '--help' || arg === '-h') return USAGE;
      else if (arg.startsWith('--')) return `unknown option ${arg}\n${USAGE}`;
      else if (options.baseUrl === undefined) options.baseUrl = arg;
      else return `unexpected argument ${arg}\n${USAGE}`;
    } catch (error) {
      return `${(error as Error).message}\n${USAGE}`;
    }
  }
  if (!options.baseUrl) return USAGE;
  try {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the base URL must be http(s), got ${options.baseUrl}`;
  } catch {
    return `the base URL is not a URL: ${options.baseUrl}`;
  }
  return options as CheckOptions;
}

export function formatResults(baseUrl: string, results: readonly CheckResult[]): string[] {
  const failed = results.filter((r) => !r.ok).length;
  return [
    `check-connector ${baseUrl} against approval-system contract ${CONTRACT_VERSION}`,
    ...results.map((r) => `${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`),
    `${results.length} checks: ${results.length - failed} passed, ${failed} failed`,
  ];
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2));
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n`);
    return 2;
  }
  const results = await checkConnector(options);
  process.stdout.write(`${formatResults(options.baseUrl, results).join('\n')}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`check-connector failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(2);
    },
  );
}
