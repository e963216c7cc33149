/**
 * The process-wide parts of the gateway: connector clients with their
 * caches, the database, configuration and logger. Built once at start,
 * closed at shutdown.
 */
import type { UpstreamCallRecord, UpstreamPolicy } from '../connectors/http.ts';
import { DataCenterClient } from '../connectors/data-center/client.ts';
import { EvaluationClient } from '../connectors/evaluation/client.ts';
import { GuideCheckScheduler, runGuideCheck } from '../usecases/guide-check.ts';
import { ECertificatesClient } from '../connectors/e-certificates/client.ts';
import { CachedMatterRegistry } from '../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../connectors/matter-registry/client.ts';
import type { Logger } from '../lib/logger.ts';
import { AccessLog } from '../store/access-log.ts';
import { PlanCounter } from '../store/metrics.ts';
import { createStoreBatches, type StoreBatches } from '../store/loaders.ts';
import type { Database } from '../store/database.ts';
import type { GatewayConfig, PolicyTarget, UpstreamEndpoint } from './config.ts';
import type { TokenVerifier } from './identity.ts';
import { ownedFileRefs } from '../store/uploads.ts';
import { ApprovalClients } from '../connectors/approval/client.ts';
import { ConnectorDirectory } from '../connectors/approval/directory.ts';
import { HealthMonitor } from '../connectors/approval/health.ts';
import { withUrlProber } from '../connectors/online-address/probe.ts';
import { EgressPolicy, type Resolve } from '../connectors/egress.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../delivery/outbox.ts';
import { StatusPoller, type StatusPollerOptions } from '../delivery/poller.ts';
import type { SecretBox } from '../lib/secrets.ts';
import type { SubmissionPorts } from '../usecases/submit-application.ts';
import type { Seal } from '../lib/seal.ts';
import type { AddWorkingDays } from '../domain/receipt.ts';
import { addWorkingDays } from '../domain/working-days.ts';
import { AlertWebhookClient } from '../connectors/alert-webhook/client.ts';
import { CountFolder, type CountFolderOptions } from '../delivery/metrics-counts.ts';
import { AlertSender, WarningMonitor, type AlertSenderOptions, type WarningMonitorOptions } from '../delivery/supervision.ts';
import type { LeadDepartmentOf } from '../usecases/supervision.ts';

export interface UpstreamEndpoints {
  matterRegistry: UpstreamEndpoint;
  eCertificates: UpstreamEndpoint;
  dataCenter: UpstreamEndpoint;
  evaluation: UpstreamEndpoint;
}

export interface GatewayServices {
  config: GatewayConfig;
  /** The province-wide upstreams in use (the sandbox's, or the configured ones). */
  upstreams: UpstreamEndpoints;
  logger: Logger;
  db: Database;
  registry: CachedMatterRegistry;
  eCertificates: ECertificatesClient;
  dataCenter: DataCenterClient;
  evaluation: EvaluationClient;
  accessLog: AccessLog;
  /** The funnel's plan counters, written by group commit. */
  planCounter: PlanCounter;
  /** Reads of the gateway's own records, batched across requests (no cache). */
  storeBatches: StoreBatches;
  verifier: TokenVerifier;
  submission: SubmissionPorts;
  /** Department approval systems registered at run time. */
  connectors: ConnectorDirectory;
  /** Where the approval connectors may connect (CONNECTOR_ALLOWED_HOSTS), checked at registration and at every connection. */
  egress: EgressPolicy;
  approvalClients: ApprovalClients;
  health: HealthMonitor;
  delivery: DeliveryWorker;
  poller: StatusPoller;
  /** The routine check of every published topic's guide (定期检查). */
  guideChecks: GuideCheckScheduler;
  /** The electronic seal of receipts: the signing key and the public keys that still verify. */
  seal: Seal;
  /** The working-day calendar of due dates on receipts. */
  addWorkingDays: AddWorkingDays;
  /** The topic's lead department, from the (cached) registry. */
  leadDepartmentOf: LeadDepartmentOf;
  /** 效能监督: evaluates every case's warning level and the overdue follow-ups; woken by each case update. */
  warnings: WarningMonitor;
  /** Sends the alert outbox to ALERT_WEBHOOK_URL; null when none is configured (alerts wait in the outbox). */
  alerts: AlertSender | null;
  /** Folds the changes of the assessment metrics' counters into them. */
  counts: CountFolder;
  /** Starts the background work: health checks, delivery, status polling, guide checks. */
  start(): void;
  close(): Promise<void>;
}

/** Ids under which the province-wide upstreams appear in `connectors` and health. */
export const CENTRAL_CONNECTORS = {
  matterRegistry: 'matter-registry',
  eCertificates: 'e-certificates',
  dataCenter: 'data-center',
  evaluation: 'evaluation',
} as const;

export interface ServiceOptions {
  /** Told about every upstream call, for metrics and tests. */
  onUpstreamCall?: (record: UpstreamCallRecord) => void;
  /** Tuning of the delivery worker (tests speed it up). */
  delivery?: DeliveryWorkerOptions;
  /** Tuning of the status poller. */
  poller?: StatusPollerOptions;
  /** Resilience settings of the calls to the departments' approval systems (their own timeoutMs always wins). */
  approvalPolicy?: Partial<UpstreamPolicy>;
  /** Period of the routine guide check, in milliseconds. Default 6 hours. */
  guideCheckIntervalMs?: number;
  /** Resolves the approval connectors' host names; default the system resolver (tests pass a stub). */
  resolve?: Resolve;
  /** Tuning and clock of the warning monitor (tests pass a controllable clock). */
  warnings?: WarningMonitorOptions;
  /** Tuning of the alert sender (tests speed up its retries). */
  alerts?: AlertSenderOptions;
  /** Tuning of the metrics counters' fold. */
  counts?: CountFolderOptions;
}

export function createServices(
  config: GatewayConfig,
  endpoints: UpstreamEndpoints,
  db: Database,
  logger: Logger,
  verifier: TokenVerifier,
  secrets: SecretBox,
  seal: Seal,
  options: ServiceOptions = {},
): GatewayServices {
  const policyOf = (target: PolicyTarget): Partial<UpstreamPolicy> => ({
    timeoutMs: config.upstreamTimeoutMs,
    ...config.upstreamPolicies[target],
  });
  const onCall = (record: UpstreamCallRecord) => {
    options.onUpstreamCall?.(record);
    if (record.outcome !== 'ok') logger.warn({ upstreamCall: record }, 'upstream call failed');
  };
  type ClientOptions = { baseUrl: string; token?: string; policy: Partial<UpstreamPolicy>; onCall: typeof onCall };
  const client = <T>(make: (o: ClientOptions) => T, endpoint: UpstreamEndpoint, target: PolicyTarget) =>
    make({ baseUrl: endpoint.url, ...(endpoint.token ? { token: endpoint.token } : {}), policy: policyOf(target), onCall });

  const registryClient = client((o) => new MatterRegistryClient(o), endpoints.matterRegistry, 'matter-registry');
  const eCertificates = client((o) => new ECertificatesClient(o), endpoints.eCertificates, 'e-certificates');
  const dataCenter = client((o) => new DataCenterClient(o), endpoints.dataCenter, 'data-center');
  const evaluation = client((o) => new EvaluationClient(o), endpoints.evaluation, 'evaluation');
  const registry = new CachedMatterRegistry(registryClient, { ttlMs: config.registryCacheTtlMs });
  const connectors = new ConnectorDirectory(db, secrets, {
    onError: (err, connectorId) => logger.warn({ err, connectorId }, 'connector directory problem'),
  });
  const egress = new EgressPolicy({
    allowedHosts: config.connectorAllowedHosts,
    allowLoopback: config.upstreams === null,
    ...(options.resolve ? { resolve: options.resolve } : {}),
    onRefused: (host, port, err) => logger.warn({ host, port, reason: err.reason, detail: err.message }, 'connection to a connector refused'),
  });
  egress.reserveOwnPort(config.port);
  for (const [key, id] of Object.entries(CENTRAL_CONNECTORS)) egress.reserveUpstream(id, endpoints[key as keyof UpstreamEndpoints].url);
  // A department's own registered timeoutMs still wins over the configured one.
  const approvalClients = new ApprovalClients({ onCall, egress, policy: { ...config.upstreamPolicies.approval, ...options.approvalPolicy } });
  const health = new HealthMonitor({
    directory: connectors,
    egress,
    onError: (err) => logger.warn({ err }, 'health check problem'),
  });
  for (const [key, id] of Object.entries(CENTRAL_CONNECTORS)) {
    health.track(id, endpoints[key as keyof UpstreamEndpoints].url, config.upstreamTimeoutMs);
  }
  const leadDepartmentOf: LeadDepartmentOf = async (topicCode) => (await registry.topic(topicCode))?.leadDepartment ?? null;
  const alertWebhook = config.alertWebhook
    ? new AlertWebhookClient({ ...config.alertWebhook, policy: { timeoutMs: config.upstreamTimeoutMs }, onCall })
    : null;
  const alerts = alertWebhook ? new AlertSender({ db, receiver: alertWebhook, logger }, options.alerts) : null;
  const warnings = new WarningMonitor(
    { db, leadDepartmentOf, yellowAt: config.warningYellowAt, logger, onAlert: () => alerts?.wake() },
    options.warnings,
  );
  const counts = new CountFolder({ db, logger }, options.counts);
  const deliveryDeps = { db, directory: connectors, clients: approvalClients, logger, onCaseChanged: () => warnings.wake() };
  const delivery = new DeliveryWorker(deliveryDeps, options.delivery);
  const poller = new StatusPoller(deliveryDeps, options.poller);
  // Each run probes the online addresses with a pool of its own, closed at its end.
  const guideChecks = new GuideCheckScheduler(() => withUrlProber((prober) => runGuideCheck({ registry, db, probeUrl: prober.probe })), {
    ...(options.guideCheckIntervalMs ? { intervalMs: options.guideCheckIntervalMs } : {}),
    onError: (err) => logger.error({ err }, 'routine guide check failed'),
  });
  return {
    config,
    upstreams: endpoints,
    logger,
    db,
    registry,
    eCertificates,
    dataCenter,
    evaluation,
    accessLog: new AccessLog(db),
    planCounter: new PlanCounter(db),
    storeBatches: createStoreBatches(db),
    verifier,
    submission: {
      db,
      ownedFileRefs: async (owner, refs) => new Set(await ownedFileRefs(db, owner, refs)),
      onSubmitted: () => delivery.wake(),
    },
    connectors,
    egress,
    approvalClients,
    health,
    delivery,
    poller,
    guideChecks,
    seal,
    addWorkingDays,
    leadDepartmentOf,
    warnings,
    alerts,
    counts,
    start() {
      health.start();
      delivery.start();
      poller.start();
      guideChecks.start();
      warnings.start();
      alerts?.start();
      counts.start();
    },
    async close() {
      // Drain first: a delivery in flight finishes and records its answer before the database closes.
      await delivery.stop();
      await poller.stop();
      await guideChecks.stop();
      await warnings.stop();
      await alerts?.stop();
      await counts.stop();
      await health.close();
      await connectors.close();
      await Promise.all([registryClient.close(), eCertificates.close(), dataCenter.close(), evaluation.close(), approvalClients.close(), alertWebhook?.close()]);
      await db.close();
    },
  };
}
