/**
 * Webhooks and polls cannot move a case backwards (issue 10, item 3), over
 * HTTP end to end: the department's signed webhooks go to the gateway's own
 * route, the gateway's poller and live status reads ask the sandbox's
 * approval system, and the applicant reads the application back.
 *
 * The sandbox's cases advance one step an hour here, so while the test runs
 * the department's own system keeps saying RECEIVED: every webhook below is
 * newer than what a poll of it answers.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MATTERS, PDF, newbornSubmission } from '../support/newborn.ts';

const WJJ = 'WJJ-440514';
const lines: string[] = [];
let gateway: TestGateway;
let token: string;
let applicationId: string;
/** The gateway's and the department's ids of the birth certificate case, and when the department received it. */
let birth: { caseId: string; remoteCaseId: string; receivedAt: Date; dueAt: Date };

beforeAll(async () => {
  gateway = await startTestGateway(
    {},
    {
      logger: createLogger({ level: 'debug', destination: { write: (line) => lines.push(line) } }),
      sandbox: { caseStepMs: 3_600_000 },
      services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 }, poller: { intervalMs: 50 } },
    },
  );
  token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const pdf = await gateway.upload(token, PDF);
  const { body } = await gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission('case-updates', pdf) }, token);
  applicationId = body.data.submitApplication.application.id;
  birth = await vi.waitFor(
    async () => {
      const { rows } = await gateway.services.db.query<{ id: string; remote_case_id: string; received_at: Date; due_at: Date }>(
        'SELECT id, remote_case_id, received_at, due_at FROM cases WHERE application_id = $1 AND matter_code = $2 AND remote_case_id IS NOT NULL',
        [applicationId, MATTERS.birthCertificate],
      );
      if (!rows[0]) throw new Error('the birth certificate case is not delivered yet');
      return { caseId: rows[0].id, remoteCaseId: rows[0].remote_case_id, receivedAt: rows[0].received_at, dueAt: rows[0].due_at };
    },
    { timeout: 10_000, interval: 50 },
  );
});
afterAll(async () => {
  await gateway?.close();
});

/** The department's view of the birth certificate case, `seconds` after it was received. */
function view(status: string, seconds: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    caseId: birth.remoteCaseId,
    matterCode: MATTERS.birthCertificate,
    applicationId,
    status,
    statusReason: null,
    receivedAt: birth.receivedAt.toISOString(),
    updatedAt: new Date(birth.receivedAt.getTime() + seconds * 1000).toISOString(),
    dueAt: birth.dueAt.toISOString(),
    decidedAt: null,
    requestedMaterials: [],
    result: null,
    ...extra,
  });
}

/** POSTs a webhook body signed with the department's secret to the gateway; resolves with the HTTP status. */
async function webhook(body: string): Promise<number> {
  const secret = gateway.sandbox!.departments.find((d) => d.departmentCode === WJJ)!.webhookSecret;
  const response = await fetch(`${gateway.gateway.url}/webhooks/case-status/${WJJ}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') },
    body,
  });
  await response.text();
  return response.status;
}

/** The application as its applicant reads it (ApplicationStatus also reads every case live from its department). */
async function application() {
  const { body } = await gateway.graphql(contractOperation('ApplicationStatus'), { id: applicationId }, token);
  expect(body.errors).toBeUndefined();
  const birthCase = body.data.application.cases.find((c: any) => c.matter.code === MATTERS.birthCertificate);
  return { status: body.data.application.status, birth: { status: birthCase.status, requestedMaterials: birthCase.requestedMaterials } };
}

const ignored = () =>
  lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'case update ignored' && entry.caseId === birth.caseId);

describe('department updates of a case, over HTTP', () => {
  it('applies a newer webhook, and answers a replay or an older one 204 without changing anything', async () => {
    const reviewing = view('IN_REVIEW', 2);
    expect(await webhook(reviewing)).toBe(204);
    expect(await application()).toEqual({ status: 'IN_PROGRESS', birth: { status: 'IN_REVIEW', requestedMaterials: [] } });
    const before = ignored().length;

    expect(await webhook(reviewing)).toBe(204); // replayed
    expect(await webhook(view('ACCEPTED', 1))).toBe(204); // overtaken on the way
    expect(await webhook(view('SUPPLEMENT_REQUIRED', 2, { requestedMaterials: ['M-FMJL'] }))).toBe(204); // same instant, other content

    expect(await application()).toEqual({ status: 'IN_PROGRESS', birth: { status: 'IN_REVIEW', requestedMaterials: [] } });
    expect(ignored().slice(before).map((entry) => [entry.level, entry.status, entry.reason])).toEqual(
      expect.arrayContaining([
        [20, 'IN_REVIEW', 'stale'],
        [20, 'ACCEPTED', 'stale'],
        [20, 'SUPPLEMENT_REQUIRED', 'stale'],
      ]),
    );
  });

  it('ignores what the poller reads when a webhook already applied something newer', async () => {
    const polls = () => gateway.sandbox!.calls.count(WJJ, /^GET \/api\/v1\/cases\?/);
    const before = polls();

    // The department's own list still says RECEIVED, from before the webhook.
    await vi.waitFor(() => expect(polls()).toBeGreaterThanOrEqual(before + 2), { timeout: 5000, interval: 20 });

    expect(await application()).toEqual({ status: 'IN_PROGRESS', birth: { status: 'IN_REVIEW', requestedMaterials: [] } });
    expect(ignored()).toContainEqual(expect.objectContaining({ status: 'RECEIVED', reason: 'stale', remoteCaseId: birth.remoteCaseId }));
  });

  it('does not bring back an answered supplement request when its webhook is replayed late', async () => {
    const asked = view('SUPPLEMENT_REQUIRED', 3, { statusReason: '请补交出生医学证明', requestedMaterials: ['M-FMJL'] });
    expect(await webhook(asked)).toBe(204);
    expect(await application()).toEqual({ status: 'NEEDS_SUPPLEMENT', birth: { status: 'SUPPLEMENT_REQUIRED', requestedMaterials: ['M-FMJL'] } });
    expect(await webhook(view('IN_REVIEW', 4))).toBe(204);

    expect(await webhook(asked)).toBe(204);

    expect(await application()).toEqual({ status: 'IN_PROGRESS', birth: { status: 'IN_REVIEW', requestedMaterials: [] } });
  });

  it('never reopens a decided case, whatever time a later update carries', async () => {
    const decidedAt = new Date(birth.receivedAt.getTime() + 5000).toISOString();
    expect(await webhook(view('APPROVED', 5, { decidedAt, result: { certificateId: 'EC-CSYXZM-TEST', certificateNumber: 'CSYXZM-TEST' } }))).toBe(204);
    expect((await application()).birth.status).toBe('APPROVED');

    expect(await webhook(view('IN_REVIEW', 6))).toBe(204);
    expect(await webhook(view('SUPPLEMENT_REQUIRED', 7, { requestedMaterials: ['M-FMJL'] }))).toBe(204);

    expect((await application()).birth).toEqual({ status: 'APPROVED', requestedMaterials: [] });
    // (A poll in flight when the decision came in may be ignored too, with the department's older RECEIVED.)
    expect(ignored().filter((entry) => entry.reason === 'decided').map((entry) => entry.status)).toEqual(
      expect.arrayContaining(['IN_REVIEW', 'SUPPLEMENT_REQUIRED']),
    );
  });
});
