import { describe, expect, it, onTestFinished, vi } from 'vitest';

import { DeliveryWorker } from '../../delivery/outbox.ts';
import { handleCaseStatusWebhook, verifyWebhookSignature, webhookSignature, type WebhookDeps } from '../../delivery/webhooks.ts';
import { startTestServer } from '../support/http-server.ts';
import { backends, postgresSkipped } from '../store/backends.ts';
import { POLICE, START, STEP_MS, caseRow, insertApplication, matters, sign, startDeliveryEnv, type DeliveryEnv } from './fixtures.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const SAMR = matters.business.department;

/** A delivered business-licence case and a webhook body saying it is now ACCEPTED. */
async function deliveredCase(env: DeliveryEnv) {
  const [caseId] = await insertApplication(env.db, 'APP-1', [{ matter: matters.business }]);
  await new DeliveryWorker({ db: env.db, directory: env.directory, clients: env.clients }, { now: env.clock.now }).runOnce();
  const delivered = await caseRow(env.db, caseId!);
  const change = {
    caseId: delivered.remoteCaseId!,
    matterCode: matters.business.code,
    applicationId: 'APP-1',
    status: 'ACCEPTED',
    statusReason: null,
    receivedAt: new Date(START).toISOString(),
    updatedAt: new Date(START + STEP_MS).toISOString(),
    dueAt: delivered.dueAt!.toISOString(),
    decidedAt: null,
    requestedMaterials: [],
    result: null,
  };
  return { caseId: caseId!, delivered, body: Buffer.from(JSON.stringify(change)) };
}

const deps = (env: DeliveryEnv): WebhookDeps => ({ db: env.db, directory: env.directory, now: env.clock.now });

describe('webhook signatures', () => {
  it('are the hex HMAC-SHA256 of the raw body, compared whatever the hex case', () => {
    const body = Buffer.from('{"a":1}');
    const signature = webhookSignature('secret', body);
    expect(signature).toBe(sign('secret', body));
    expect(verifyWebhookSignature('secret', body, signature)).toBe(true);
    expect(verifyWebhookSignature('secret', body, signature.toUpperCase())).toBe(true);
    expect(verifyWebhookSignature('other', body, signature)).toBe(false);
    expect(verifyWebhookSignature('secret', Buffer.from('{"a": 1}'), signature)).toBe(false);
    expect(verifyWebhookSignature('secret', body, signature.slice(2))).toBe(false);
    expect(verifyWebhookSignature('secret', body, `sha256=${signature}`)).toBe(false);
    expect(verifyWebhookSignature('secret', body, [signature])).toBe(false);
    expect(verifyWebhookSignature('secret', body, undefined)).toBe(false);
  });
});

describe.each(backends.map((b) => [b.kind, b] as const))('the case status webhook on the %s database', (_kind, backend) => {
  it('applies a change signed with the connector secret', async () => {
    const env = await startDeliveryEnv(backend);
    const { caseId, body } = await deliveredCase(env);
    env.clock.advance(STEP_MS);

    const result = await handleCaseStatusWebhook(deps(env), SAMR, body, sign(env.endpoint(SAMR).webhookSecret!, body));

    expect(result).toEqual({ status: 204 });
    expect(await caseRow(env.db, caseId)).toMatchObject({ status: 'ACCEPTED', updatedAt: new Date(START + STEP_MS) });
  });

  it('refuses a bad or missing signature with 401 and changes nothing', async () => {
    const env = await startDeliveryEnv(backend);
    const { caseId, delivered, body } = await deliveredCase(env);
    const secret = env.endpoint(SAMR).webhookSecret!;
    const wrong = [
      sign('not-the-secret', body),
      sign(secret, Buffer.concat([body, Buffer.from(' ')])),
      sign(env.endpoint(matters.birth.department).webhookSecret!, body),
      'zz',
      '',
      undefined,
    ];

    for (const signature of wrong) {
      expect(await handleCaseStatusWebhook(deps(env), SAMR, body, signature)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await caseRow(env.db, caseId)).toEqual(delivered);
  });

  it('refuses with 401 every webhook of a connector registered without a webhook secret', async () => {
    const env = await startDeliveryEnv(backend);
    const { caseId, delivered, body } = await deliveredCase(env);
    const secret = env.endpoint(SAMR).webhookSecret!;
    env.endpoint(SAMR).webhookSecret = null;

    expect(await handleCaseStatusWebhook(deps(env), SAMR, body, sign(secret, body))).toMatchObject({ status: 401 });
    expect(await caseRow(env.db, caseId)).toEqual(delivered);
  });

  it('answers 404 for a department without a connector, 400 for a signed body that is not a Case, 204 for an unknown case', async () => {
    const env = await startDeliveryEnv(backend);
    const { caseId, delivered, body } = await deliveredCase(env);
    const secret = env.endpoint(SAMR).webhookSecret!;
    const signed = (b: Buffer) => handleCaseStatusWebhook(deps(env), SAMR, b, sign(secret, b));

    expect(await handleCaseStatusWebhook(deps(env), POLICE, body, sign(secret, body))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await signed(Buffer.from('{not json'))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const notACase = { ...JSON.parse(body.toString()), status: 'FINISHED' };
    expect(await signed(Buffer.from(JSON.stringify(notACase)))).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'The body is not a Case (status)',
    });
    const unknown = { ...JSON.parse(body.toString()), caseId: 'SCJGJ-440514-20250303-FFFFFFFF' };
    expect(await signed(Buffer.from(JSON.stringify(unknown)))).toEqual({ status: 204 });
    expect(await caseRow(env.db, caseId)).toEqual(delivered);
  });

  it("takes the approval simulator's own signed webhooks end to end", async () => {
    const env = await startDeliveryEnv(backend);
    const { caseId } = await deliveredCase(env);
    const receiver = await startTestServer(async (req, res, body) => {
      const department = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const result = await handleCaseStatusWebhook(deps(env), department, Buffer.from(body, 'utf8'), req.headers['x-signature']);
      res.writeHead(result.status, { 'content-type': 'application/json' });
      res.end(result.status === 204 ? undefined : JSON.stringify(result));
    });
    onTestFinished(() => receiver.close());
    env.sandbox.setWebhookTarget((department) => `${receiver.url}/webhooks/approval/${encodeURIComponent(department)}`);

    env.clock.advance(3 * STEP_MS);

    await vi.waitFor(async () => expect((await caseRow(env.db, caseId)).status).toBe('APPROVED'), { timeout: 3000, interval: 20 });
    expect(await caseRow(env.db, caseId)).toMatchObject({ resultCertificateId: expect.stringMatching(/^EC-/), nextPollAt: null });
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
  });
});
