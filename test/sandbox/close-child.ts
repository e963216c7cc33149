/**
 * Run in a child process by lifecycle.test.ts: leaves the sandbox with
 * everything that could keep a process alive (hanging answers, a pending
 * slow answer, a webhook receiver that never answers, keep-alive sockets,
 * cases on the clock), closes it, and then simply returns. The process
 * must exit on its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFixtureSandbox, BUSINESS_LICENCE, SAMR, ZHANG_SAN } from './fixtures.ts';

const sandbox = await startFixtureSandbox({ caseStepMs: 20, latencyMs: 5 });
const samr = sandbox.departments.find((department) => department.departmentCode === SAMR)!;

// Webhooks go to a receiver that takes them and never answers.
const receiver = createServer(() => {});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
sandbox.setWebhookTarget(() => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`);
await fetch(`${samr.baseUrl}/api/v1/cases`, {
  method: 'POST',
  headers: { authorization: `Bearer ${samr.token}`, 'idempotency-key': 'close-test', 'content-type': 'application/json' },
  body: JSON.stringify({
    matterCode: BUSINESS_LICENCE.code,
    applicationId: 'APP-CLOSE',
    applicant: { type: 'PERSON', id: ZHANG_SAN, name: '张三' },
    form: {},
    materials: [],
  }),
});
await fetch(`${sandbox.urls.matterRegistry}/api/v1/departments`); // leaves a keep-alive socket

sandbox.faults.set('eCertificates', { kind: 'hang' });
sandbox.faults.set('dataCenter', { kind: 'slow', delayMs: 60_000 });
const pending = [
  fetch(`${sandbox.urls.eCertificates}/api/v1/certificates/EC-0001`),
  fetch(`${sandbox.urls.dataCenter}/health`),
  fetch(`${sandbox.urls.dataCenter}/api/v1/persons/query`, { method: 'POST', body: '{}' }),
  fetch(`${sandbox.urls.matterRegistry}/portal/unreachable/TOPIC-XSECS`),
].map((request) => request.then((response) => response.status, () => 'dropped'));

// Long enough for the case to change and its webhooks to be in flight.
await new Promise((resolve) => setTimeout(resolve, 150));
const closing = performance.now();
await sandbox.close();
const closeMs = performance.now() - closing;
receiver.close();
receiver.closeAllConnections();
console.log(JSON.stringify({ closeMs, pending: await Promise.all(pending) }));
