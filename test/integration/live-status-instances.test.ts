/**
 * Live status across gateway instances (issue 13 item 4): two gateways on
 * one PostgreSQL; the department's webhook reaches instance A, and the
 * applicant subscribed on instance B gets the push message (LISTEN/NOTIFY).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../server/identity.ts';
import { backends, postgresSkipped } from '../store/backends.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { FATHER, MATTERS, PDF, newbornSubmission } from '../support/newborn.ts';
import { openSse, subscriptionUrl, type SseStream } from '../support/sse.ts';

if (postgresSkipped) console.warn(`${postgresSkipped} (live status across two instances needs it)`);

const postgres = backends.find((backend) => backend.kind === 'postgres');
const WJJ = 'WJJ-440514';
const started: TestGateway[] = [];
const streams: SseStream[] = [];
afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const gateway of started.splice(0).reverse()) await gateway.close();
});

describe.skipIf(!postgres)('live status with two gateway instances on one PostgreSQL', () => {
  it('delivers a webhook that arrived at instance A to a subscriber on instance B', async () => {
    const database = await postgres!.place();
    const env = { JWT_SECRET: randomBytes(32).toString('hex'), SECRETS_KEY: randomBytes(32).toString('hex') };
    const options = {
      database,
      sandbox: { caseStepMs: 3_600_000 },
      services: { delivery: { pollIntervalMs: 50, firstPollAfterMs: 50 }, poller: { intervalMs: 50 } },
    };
    const a = await startTestGateway(env, options);
    started.push(a);
    const b = await startTestGateway(env, options);
    started.push(b);
    const token = await mintToken(env.JWT_SECRET, { sub: FATHER, name: '陈晓明', role: 'APPLICANT' });

    const pdf = await a.upload(token, PDF);
    const { body } = await a.graphql(contractOperation('SubmitApplication'), { input: newbornSubmission('live-two-instances', pdf) }, token);
    const applicationId: string = body.data.submitApplication.application.id;
    const birth = await vi.waitFor(
      async () => {
        const { rows } = await a.services.db.query<{ remote_case_id: string; received_at: Date; due_at: Date }>(
          'SELECT remote_case_id, received_at, due_at FROM cases WHERE application_id = $1 AND matter_code = $2 AND remote_case_id IS NOT NULL',
          [applicationId, MATTERS.birthCertificate],
        );
        if (!rows[0]) throw new Error('the birth certificate case is not delivered yet');
        return rows[0];
      },
      { timeout: 15_000, interval: 50 },
    );

    const onB = await openSse(
      subscriptionUrl(b.gateway.url, 'subscription ($id: ID!) { applicationUpdated(id: $id) { kind matterCode status } }', { id: applicationId }),
      { authorization: `Bearer ${token}` },
    );
    streams.push(onB);
    expect(onB.status).toBe(200);

    // The department's system is the first instance's simulator (the second leaves it the departments).
    const secret = a.sandbox!.departments.find((d) => d.departmentCode === WJJ)!.webhookSecret;
    const change = JSON.stringify({
      caseId: birth.remote_case_id,
      matterCode: MATTERS.birthCertificate,
      applicationId,
      status: 'ACCEPTED',
      statusReason: null,
      receivedAt: birth.received_at.toISOString(),
      updatedAt: new Date(birth.received_at.getTime() + 60_000).toISOString(),
      dueAt: birth.due_at.toISOString(),
      decidedAt: null,
      requestedMaterials: [],
      result: null,
    });
    const response = await fetch(`${a.gateway.url}/webhooks/case-status/${WJJ}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(change).digest('hex') },
      body: change,
    });
    expect(response.status).toBe(204);

    const birthMessages = () =>
      onB.events.filter((e) => e.event === 'next' && e.data.data?.applicationUpdated.matterCode === MATTERS.birthCertificate).map((e) => e.data.data.applicationUpdated);
    await vi.waitFor(() => expect(birthMessages()).toEqual([{ kind: 'ACCEPTED', matterCode: MATTERS.birthCertificate, status: 'ACCEPTED' }]), {
      timeout: 10_000,
      interval: 20,
    });
  });
});
