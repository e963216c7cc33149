/**
 * Live status for the phone (指尖办, issue 13 item 4), over real HTTP: the
 * applicant subscribes to `applicationUpdated` over Server-Sent Events, the
 * department's signed webhooks change the case, and the push messages
 * arrive, come back after a reconnection with Last-Event-ID, and are
 * refused to anyone else.
 *
 * The sandbox's cases advance one step an hour here, so only the webhooks
 * below move the birth certificate case.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MATTERS, MOTHER, PDF, newbornSubmission } from '../support/newborn.ts';
import { openSse, subscriptionUrl, type SseStream } from '../support/sse.ts';

const WJJ = 'WJJ-440514';
const LIVE = `subscription Live($id: ID!) {
  applicationUpdated(id: $id) { id kind matterCode matterName department { code name } status text }
}`;
const HEARTBEAT_MS = 100;

let gateway: TestGateway;
let token: string;
let applicationId: string;
let birth: { remoteCaseId: string; receivedAt: Date; dueAt: Date };
const streams: SseStream[] = [];

beforeAll(async () => {
  gateway = await startTestGateway(
    { MAX_SUBSCRIPTIONS_PER_SUBJECT: '2', SUBSCRIPTION_HEARTBEAT_MS: String(HEARTBEAT_MS) },
    {
      sandbox: { caseStepMs: 3_600_000 },
      services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 }, poller: { intervalMs: 50 } },
    },
  );
  token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  const pdf = await gateway.upload(token, PDF);
  const { body } = await gateway.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission('live-status', pdf) }, token);
  applicationId = body.data.submitApplication.application.id;
  birth = await vi.waitFor(
    async () => {
      const { rows } = await gateway.services.db.query<{ remote_case_id: string; received_at: Date; due_at: Date }>(
        'SELECT remote_case_id, received_at, due_at FROM cases WHERE application_id = $1 AND matter_code = $2 AND remote_case_id IS NOT NULL',
        [applicationId, MATTERS.birthCertificate],
      );
      if (!rows[0]) throw new Error('the birth certificate case is not delivered yet');
      return { remoteCaseId: rows[0].remote_case_id, receivedAt: rows[0].received_at, dueAt: rows[0].due_at };
    },
    { timeout: 10_000, interval: 50 },
  );
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await gateway?.close();
});

async function subscribe(as: string | null, id = applicationId, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await openSse(subscriptionUrl(gateway.gateway.url, LIVE, { id }), {
    ...(as ? { authorization: `Bearer ${as}` } : {}),
    ...headers,
  });
  streams.push(stream);
  return stream;
}

/** The department's signed webhook: the birth certificate case in `status`, `seconds` after it was received. */
async function webhook(status: string, seconds: number, extra: Record<string, unknown> = {}): Promise<void> {
  const body = JSON.stringify({
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
  const secret = gateway.sandbox!.departments.find((d) => d.departmentCode === WJJ)!.webhookSecret;
  const response = await fetch(`${gateway.gateway.url}/webhooks/case-status/${WJJ}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') },
    body,
  });
  await response.text();
  expect(response.status).toBe(204);
}

/** The push messages about the birth certificate case a stream got, as the phone shows them. */
const birthMessages = (stream: SseStream) =>
  stream.events
    .filter((e) => e.event === 'next' && e.data.data?.applicationUpdated.matterCode === MATTERS.birthCertificate)
    .map((e) => {
      const { kind, status, text } = e.data.data.applicationUpdated;
      return { kind, status, text };
    });

const errorsOf = async (stream: SseStream) => {
  await stream.ended;
  return stream.events.filter((e) => e.event === 'next').flatMap((e) => e.data.errors ?? []);
};

describe('live status of an application over Server-Sent Events', () => {
  let first: SseStream;
  let seenUpTo: string;

  it('sends the applicant a push message for each change a webhook brings, with the department named', async () => {
    first = await subscribe(token);
    expect(first.status).toBe(200);

    await webhook('ACCEPTED', 60);
    await vi.waitFor(() => expect(birthMessages(first)).toHaveLength(1), { timeout: 5000, interval: 20 });

    const accepted = first.events.find((e) => e.event === 'next')!;
    expect(accepted.data.data.applicationUpdated).toEqual({
      id: accepted.id,
      kind: 'ACCEPTED',
      matterCode: MATTERS.birthCertificate,
      matterName: expect.any(String),
      department: { code: WJJ, name: expect.stringContaining('卫生健康') },
      status: 'ACCEPTED',
      text: expect.stringMatching(/^“.+”已受理，承诺\d{4}年\d{1,2}月\d{1,2}日前办结。$/),
    });
    expect(accepted.data.extensions).toEqual({ eventId: accepted.id });
    seenUpTo = accepted.id!;
  });

  it('keeps a quiet stream alive with heartbeat comments', async () => {
    const before = first.comments.filter((c) => c === 'heartbeat').length;
    await vi.waitFor(() => expect(first.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThan(before + 1), {
      timeout: 5000,
      interval: 20,
    });
  });

  it('replays what was missed to a client reconnecting with Last-Event-ID', async () => {
    first.close();
    await first.ended;

    await webhook('SUPPLEMENT_REQUIRED', 120, { statusReason: '出生医学证明照片不清晰', requestedMaterials: ['M-FMJL'] });
    await webhook('IN_REVIEW', 180);

    const again = await subscribe(token, applicationId, { 'last-event-id': seenUpTo });
    await webhook('APPROVED', 240, {
      decidedAt: new Date(birth.receivedAt.getTime() + 240_000).toISOString(),
      result: { certificateId: 'CERT-LIVE-1', certificateNumber: '粤出生2025-000123', issuedAt: new Date(birth.receivedAt.getTime() + 240_000).toISOString() },
    });
    await vi.waitFor(() => expect(birthMessages(again)).toHaveLength(4), { timeout: 5000, interval: 20 });

    const matter = (again.events.find((e) => e.event === 'next')!.data.data.applicationUpdated as { matterName: string }).matterName;
    expect(birthMessages(again)).toEqual([
      { kind: 'SUPPLEMENT_REQUIRED', status: 'SUPPLEMENT_REQUIRED', text: `“${matter}”需要补充材料，原因：出生医学证明照片不清晰。请在“我的申请”中补交。` },
      { kind: 'IN_REVIEW', status: 'IN_REVIEW', text: `“${matter}”正在审查中。` },
      { kind: 'DECIDED', status: 'APPROVED', text: `“${matter}”已办结，审批通过。` },
      { kind: 'RESULT_ISSUED', status: 'APPROVED', text: `“${matter}”的办理结果已出证，证照编号 粤出生2025-000123，可在电子证照中查看。` },
    ]);
    const ids = again.events.filter((e) => e.event === 'next').map((e) => BigInt(e.id!));
    expect(ids.every((id, i) => id > BigInt(seenUpTo) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    again.close();
  });

  it('refuses someone else the application with the same NOT_FOUND as an application that does not exist', async () => {
    const mother = await gateway.mint({ sub: MOTHER, name: '林美华', role: 'APPLICANT' });
    const stranger = await errorsOf(await subscribe(mother));
    const nothing = await errorsOf(await subscribe(token, 'no-such-application'));

    expect(stranger).toEqual([expect.objectContaining({ message: `You have no application ${applicationId}`, extensions: { code: 'NOT_FOUND' } })]);
    expect(nothing).toEqual([expect.objectContaining({ message: 'You have no application no-such-application', extensions: { code: 'NOT_FOUND' } })]);
  });

  it('asks for a token, and says what is wrong with bad input', async () => {
    expect(await errorsOf(await subscribe(null))).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);

    const bad = await errorsOf(await subscribe(token, '', { 'last-event-id': 'yesterday' }));
    expect(bad).toEqual([
      expect.objectContaining({
        extensions: {
          code: 'BAD_USER_INPUT',
          problems: [
            { field: 'id', code: 'EMPTY', message: 'the application id is empty' },
            { field: 'Last-Event-ID', code: 'NOT_AN_EVENT_ID', message: 'Last-Event-ID must be the id of an event this stream sent (digits)' },
          ],
        },
      }),
    ]);

    const forged = await subscribe('not-a-token');
    expect({ status: forged.status, body: JSON.parse(forged.text!) }).toEqual({
      status: 401,
      body: { errors: [{ message: 'The token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
  });

  it('serves subscriptions only: a query over the stream is sent to POST /graphql', async () => {
    const stream = await openSse(subscriptionUrl(gateway.gateway.url, 'query { __typename }', {}), { authorization: `Bearer ${token}` });
    expect(await errorsOf(stream)).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
  });

  it('bounds the subscriptions open at once per person, and frees a slot when one closes', async () => {
    const one = await subscribe(token);
    const two = await subscribe(token);
    const three = await errorsOf(await subscribe(token));
    expect(three).toEqual([
      expect.objectContaining({ message: 'At most 2 live subscriptions may be open at once; close one first', extensions: { code: 'RATE_LIMITED', limit: 2 } }),
    ]);

    one.close();
    await one.ended;
    const after = await vi.waitFor(
      async () => {
        const stream = await subscribe(token);
        if (stream.events.some((e) => e.event === 'complete')) throw new Error('still refused');
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
        if (stream.events.some((e) => e.event === 'complete')) throw new Error('still refused');
        return stream;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(after.status).toBe(200);
    two.close();
    after.close();
    // Both slots are free again before the next test opens a stream.
    await Promise.all([two.ended, after.ended]);
  });

  it('ends open streams when the gateway drains', async () => {
    // The slots of the streams the test before closed are given back once the gateway sees them closed.
    const stream = await vi.waitFor(
      async () => {
        const candidate = await subscribe(token);
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
        if (candidate.events.length > 0) {
          candidate.close();
          throw new Error('still refused');
        }
        return candidate;
      },
      { timeout: 5000, interval: 50 },
    );
    await vi.waitFor(() => expect(stream.comments.length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
    await gateway.close();
    await stream.ended;
    expect(stream.events.filter((e) => e.event === 'next')).toEqual([]);
    gateway = undefined as unknown as TestGateway;
  });
});
