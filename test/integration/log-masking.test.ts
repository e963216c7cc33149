/**
 * ID numbers never reach the log in clear (issue 10, item 6), whichever path
 * writes the line: the access line of a request, an unexpected error, a
 * failed upstream call, the delivery worker, the status webhook. The real
 * gateway runs over HTTP with its log captured at debug level.
 *
 * The department here (a purpose-built approval system standing in for
 * WJJ's) numbers its cases after the applicant's ID number, as some do, so
 * the ID number travels in case ids, paths and log fields alike.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { json, startTestServer, type TestServer } from '../support/http-server.ts';
import { FATHER, MATTERS, NEWBORN, PDF, newbornAnswers, newbornForm } from '../support/newborn.ts';

const WJJ = 'WJJ-440514';
const WEBHOOK_SECRET = 'log-masking-webhook-secret';
const MASKED = `${FATHER.slice(0, 6)}***********${FATHER.slice(-1)}`;
/** The department's case number: its prefix, then the applicant's ID number. */
const CASE_ID = `SP${FATHER}`;

const lines: string[] = [];
let gateway: TestGateway;
let department: TestServer;
let father: string;
let pdf: string;
let applicationId: string;

/** The log lines written since `mark`, parsed, and the raw text of them. */
function since(mark: number) {
  const raw = lines.slice(mark);
  return { entries: raw.map((line) => JSON.parse(line) as Record<string, any>), text: raw.join('') };
}

beforeAll(async () => {
  gateway = await startTestGateway(
    { MUTATION_RATE_LIMIT: 'off' },
    {
      logger: createLogger({ level: 'debug', destination: { write: (line) => lines.push(line) } }),
      services: {
        delivery: { pollIntervalMs: 50, firstPollAfterMs: 50, backoffBaseMs: 50, backoffMaxMs: 200 },
        poller: { intervalMs: 100 },
        approvalPolicy: { retries: 0 },
      },
    },
  );
  department = await startTestServer((req, res, body) => {
    if (req.url === '/health') return json(res, 200, { status: 'UP' });
    if (req.method === 'POST' && req.url === '/api/v1/cases') {
      const submission = JSON.parse(body);
      const now = new Date().toISOString();
      return json(res, 201, {
        caseId: CASE_ID,
        matterCode: submission.matterCode,
        applicationId: submission.applicationId,
        status: 'RECEIVED',
        receivedAt: now,
        updatedAt: now,
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
    }
    // Everything else (its status list, supplements) is down.
    return json(res, 503, { code: 'UNAVAILABLE', message: `case ${CASE_ID} cannot be handled now` });
  });
  const { body } = await gateway.graphql(
    contractOperation('RegisterConnector'),
    {
      input: {
        departmentCode: WJJ,
        baseUrl: department.url,
        token: 'log-masking-token',
        webhookSecret: WEBHOOK_SECRET,
        matterCodes: [MATTERS.birthCertificate, MATTERS.vaccination],
        timeoutMs: 1000,
      },
    },
    gateway.tokenOf('ADMIN'),
  );
  expect(body.errors).toBeUndefined();
  father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  pdf = await gateway.upload(father, PDF);
  const submitted = await gateway.graphql(
    contractOperation('SubmitApplication'),
    {
      input: {
        topicCode: NEWBORN,
        answers: newbornAnswers([], 1),
        form: newbornForm(),
        uploads: [
          { materialCode: 'M-SFZ', fileRef: pdf },
          { materialCode: 'M-FMJL', fileRef: pdf },
        ],
        deliveryMethod: 'ONLINE',
        idempotencyKey: 'log-masking',
      },
    },
    father,
  );
  expect(submitted.body.errors).toBeUndefined();
  applicationId = submitted.body.data.submitApplication.application.id;
});
afterAll(async () => {
  await gateway?.close();
  await department?.close();
});

/** The department's view of its case of the birth certificate, changed a second from now. */
const caseView = (status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    caseId: CASE_ID,
    matterCode: MATTERS.birthCertificate,
    applicationId,
    status,
    receivedAt: new Date().toISOString(),
    updatedAt: new Date(Date.now() + 1000).toISOString(),
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    ...extra,
  });

/** POSTs a webhook signed by the department; resolves with the HTTP status. */
async function webhook(body: string): Promise<number> {
  const response = await fetch(`${gateway.gateway.url}/webhooks/case-status/${WJJ}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex') },
    body,
  });
  await response.text();
  return response.status;
}

describe('ID numbers in the log', () => {
  it('are masked in the access line of a request, even right after a percent-escape', async () => {
    const mark = lines.length;

    const response = await fetch(`${gateway.gateway.url}/nope/%0A${FATHER}`);
    await response.text();

    expect(response.status).toBe(404);
    await vi.waitFor(() => expect(since(mark).entries.some((e) => e.msg === 'request')).toBe(true), { timeout: 2000, interval: 10 });
    const { entries, text } = since(mark);
    expect(entries.find((e) => e.msg === 'request')).toMatchObject({ method: 'GET', path: `/nope/%0A${MASKED}`, status: 404 });
    expect(text).not.toContain(FATHER);
  });

  it('are masked in an unexpected error, whose database error carries the query parameters', async () => {
    const mark = lines.length;
    await gateway.services.db.query('ALTER TABLE applications RENAME TO applications_away');
    let body: any;
    try {
      ({ body } = await gateway.graphql(contractOperation('MyApplications'), { first: 5 }, father));
    } finally {
      await gateway.services.db.query('ALTER TABLE applications_away RENAME TO applications');
    }

    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    const { entries, text } = since(mark);
    const logged = entries.find((e) => e.msg === 'unexpected error while resolving');
    expect(JSON.stringify(logged)).toContain(MASKED);
    expect(text).not.toContain(FATHER);
  });

  it('are masked where the delivery worker records a case, and where a failed upstream call is logged', async () => {
    await vi.waitFor(() => expect(since(0).entries.some((e) => e.msg === 'case delivered')).toBe(true), { timeout: 10_000, interval: 50 });
    expect(since(0).entries.find((e) => e.msg === 'case delivered')).toMatchObject({ remoteCaseId: `SP${MASKED}` });

    // The department asks for the birth record again; the supplement's POST to /api/v1/cases/SP…/supplements fails.
    expect(await webhook(caseView('SUPPLEMENT_REQUIRED', { requestedMaterials: ['M-FMJL'] }))).toBe(204);
    const supplemented = await gateway.graphql(
      contractOperation('SupplementMaterials'),
      { input: { applicationId, matterCode: MATTERS.birthCertificate, uploads: [{ materialCode: 'M-FMJL', fileRef: pdf }], idempotencyKey: 'log-masking-supplement' } },
      father,
    );
    expect(supplemented.body.errors).toBeUndefined();

    const failedSupplement = () =>
      since(0).entries.find((e) => e.msg === 'upstream call failed' && e.upstreamCall.method === 'POST' && e.upstreamCall.upstream === `approval:${WJJ}`);
    await vi.waitFor(() => expect(failedSupplement()).toBeDefined(), { timeout: 10_000, interval: 50 });
    expect(failedSupplement()!.upstreamCall).toMatchObject({ path: `/api/v1/cases/SP${MASKED}/supplements`, status: 503 });
    expect(since(0).text).not.toContain(FATHER);
  });

  it('are masked in what the status webhook logs, even right after a JSON escape', async () => {
    const mark = lines.length;

    expect(await webhook(caseView('ACCEPTED', { caseId: `\n${FATHER}` }))).toBe(204);

    const { entries, text } = since(mark);
    expect(entries.find((e) => e.msg === 'webhook for an unknown case ignored')).toMatchObject({ remoteCaseId: `\n${MASKED}` });
    expect(text).toContain(`\\n${MASKED}`);
    expect(text).not.toContain(FATHER);
  });

  it('never appear in clear in anything the gateway logged while these tests ran', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(FATHER))).toEqual([]);
  });
});
