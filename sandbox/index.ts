/**
 * The sandbox: real HTTP simulators, on loopback, of the five kinds of
 * upstream systems the gateway federates, each serving its fixed contract
 * (contract/upstreams/*.openapi.yaml): the matter registry, the
 * e-certificate library, the data center, the rating system, and one
 * approval system per department that handles matters.
 *
 * Tests start one per suite with small fixture data; `npm run sandbox`
 * starts one on the contract ports with the demo data of sandbox/data/.
 */
import { setMaxListeners } from 'node:events';
import { ApprovalSystem } from './approval.ts';
import { newSecret } from './access.ts';
import { CallRecorder, type CallLog } from './call-log.ts';
import { dataCenterRoutes } from './data-center.ts';
import { CertificateStore, eCertificateRoutes } from './e-certificates.ts';
import { evaluationRoutes } from './evaluation.ts';
import { FaultRegistry, type FaultControl } from './faults.ts';
import { startSimulator, type Route, type RunningSimulator } from './http.ts';
import { loadSandboxData, type SandboxData } from './load-data.ts';
import { matterRegistryRoutes } from './matter-registry.ts';
import { CENTRAL_SYSTEMS, type SystemName } from './systems.ts';
import { WebhookDispatcher } from './webhooks.ts';

export type { CallLog, RecordedCall } from './call-log.ts';
export type { Fault, FaultControl, FaultSetting } from './faults.ts';
export { defaultDataDir, loadSandboxData, type SandboxData, type StoredEvaluation } from './load-data.ts';
export type { CentralSystem, SystemName } from './systems.ts';
export type { CaseStatus, CaseView } from './approval.ts';

/** Fixed ports; each omitted or 0 port is an ephemeral one chosen by the OS. */
export interface SandboxPorts {
  matterRegistry?: number;
  eCertificates?: number;
  dataCenter?: number;
  evaluation?: number;
  /** Port of the first approval system; the i-th of `Sandbox.departments` listens on `departmentsFrom + i`. */
  departmentsFrom?: number;
}

export interface SandboxOptions {
  /** Interface every simulator listens on. Default `'127.0.0.1'`. */
  host?: string;
  /** Fixed ports per system. Default: all ephemeral. */
  ports?: SandboxPorts;
  /** Delay added to every API call (paths under /api/), in milliseconds, to make benchmarks realistic. Default 0. */
  latencyMs?: number;
  /**
   * The simulated approval clock: milliseconds between two status changes
   * of a case (RECEIVED → ACCEPTED → IN_REVIEW → decision). Default 2000.
   */
  caseStepMs?: number;
  /** The data served. Default: loaded from sandbox/data/*.json. Never modified: the sandbox works on a copy. */
  data?: SandboxData;
  /**
   * The clock, in epoch milliseconds; tests pass a fake one to move cases
   * along without waiting. It must never go backwards. Default `Date.now`.
   */
  now?: () => number;
}

/** One department's approval system, with what the gateway needs to register it as a connector. */
export interface DepartmentSystem {
  departmentCode: string;
  /** The department's name, as the matter registry has it. */
  departmentName: string;
  /** Without trailing slash. */
  baseUrl: string;
  /** The bearer token this approval system expects. */
  token: string;
  /** The HMAC-SHA256 key of its webhooks' X-Signature. */
  webhookSecret: string;
  /** The matters it handles (422 for any other). */
  matterCodes: string[];
}

export interface Sandbox {
  /** Base URLs without trailing slash. */
  readonly urls: { matterRegistry: string; eCertificates: string; dataCenter: string; evaluation: string };
  /** One approval system per department that handles at least one matter, in the order of the departments' data. */
  readonly departments: readonly DepartmentSystem[];
  /** Bearer tokens, random per start. The matter registry needs none. */
  readonly tokens: { eCertificates: string; dataCenter: string; evaluation: string };
  /**
   * Where the approval systems POST their signed caseStatusChanged webhooks:
   * a function from department code to URL, or `null` to stop sending.
   */
  setWebhookTarget(url: ((departmentCode: string) => string) | null): void;
  readonly faults: FaultControl;
  /** Every request the simulators received. */
  readonly calls: CallLog;
  /** Closes every server, dropping hanging and keep-alive connections, and stops webhooks. Idempotent. */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const ports = options.ports ?? {};
  const latencyMs = options.latencyMs ?? 0;
  const caseStepMs = options.caseStepMs ?? 2000;
  const now = options.now ?? Date.now;
  // A private copy: the simulators add certificates and ratings as they run.
  const data = structuredClone(options.data ?? (await loadSandboxData()));

  const tokens = { eCertificates: newSecret(), dataCenter: newSecret(), evaluation: newSecret() };
  const certificates = new CertificateStore(data.certificates);
  const approvals = data.departments.flatMap((department) => {
    const matters = data.matters.filter((matter) => matter.department === department.code);
    if (matters.length === 0) return [];
    const token = newSecret();
    const system = new ApprovalSystem({
      department,
      matters,
      certificateTypes: data.certificateTypes,
      certificates,
      token,
      caseStepMs,
      now,
    });
    return [{ department, matters, token, webhookSecret: newSecret(), system }];
  });

  const faults = new FaultRegistry([...CENTRAL_SYSTEMS, ...approvals.map(({ department }) => department.code)]);
  const calls = new CallRecorder();
  const shutdown = new AbortController();
  // Every delayed call listens for the shutdown; under load there are far more than Node's default 10.
  setMaxListeners(0, shutdown.signal);
  const listen = (system: SystemName, routes: Route[], port = 0) =>
    startSimulator({ system, routes, faults, calls, latencyMs, shutdown: shutdown.signal }, host, port);

  const central = {
    matterRegistry: listen('matterRegistry', matterRegistryRoutes(data), ports.matterRegistry),
    eCertificates: listen('eCertificates', eCertificateRoutes(certificates, tokens.eCertificates), ports.eCertificates),
    dataCenter: listen('dataCenter', dataCenterRoutes(data, tokens.dataCenter), ports.dataCenter),
    evaluation: listen('evaluation', evaluationRoutes(data.evaluations, tokens.evaluation, now), ports.evaluation),
  };
  const listeningApprovals = approvals.map(async (approval, index) => {
    const port = ports.departmentsFrom ? ports.departmentsFrom + index : 0;
    return { ...approval, server: await listen(approval.department.code, approval.system.routes(), port) };
  });
  // Wait for every server, so a failed start (a port in use) leaves none of the others running.
  const outcomes = await Promise.allSettled([
    ...Object.values(central),
    ...listeningApprovals.map(async (approval) => (await approval).server),
  ]);
  const running = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    await Promise.all(running.map((server) => server.close()));
    throw failure.reason;
  }
  const baseUrlOf = async (server: Promise<RunningSimulator>) => (await server).baseUrl;

  // A webhook follows its change within a quarter step (between 10 and 250 ms).
  const webhooks = new WebhookDispatcher(
    approvals.map(({ system, webhookSecret }) => ({ system, webhookSecret })),
    Math.min(250, Math.max(10, caseStepMs / 4)),
  );

  let closing: Promise<void> | undefined;
  return {
    urls: {
      matterRegistry: await baseUrlOf(central.matterRegistry),
      eCertificates: await baseUrlOf(central.eCertificates),
      dataCenter: await baseUrlOf(central.dataCenter),
      evaluation: await baseUrlOf(central.evaluation),
    },
    departments: (await Promise.all(listeningApprovals)).map(({ department, server, token, webhookSecret, matters }) => ({
      departmentCode: department.code,
      departmentName: department.name,
      baseUrl: server.baseUrl,
      token,
      webhookSecret,
      matterCodes: matters.map((matter) => matter.code),
    })),
    tokens,
    setWebhookTarget: (url) => webhooks.setTarget(url),
    faults,
    calls,
    close: () => {
      closing ??= (async () => {
        shutdown.abort();
        await Promise.all([webhooks.close(), ...running.map((server) => server.close())]);
      })();
      return closing;
    },
  };
}
