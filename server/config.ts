/**
 * Configuration from the environment, read and validated once at start.
 * The variable names are a public interface: deployments depend on them.
 */
import { z } from 'zod';
import { parseAllowedHosts, type AllowedHost } from '../connectors/egress.ts';
import type { UpstreamPolicy } from '../connectors/http.ts';
import { SEAL_ALGORITHMS, type SealAlgorithm } from '../lib/seal.ts';
import { DEFAULT_FOLLOW_UP_DEADLINES, followUpDeadlineProblems, type FollowUpDeadlines } from '../domain/follow-up.ts';
import { DEFAULT_YELLOW_AT, yellowThresholdProblem } from '../domain/warning-level.ts';

export interface UpstreamEndpoint {
  /** Base URL without trailing slash. */
  url: string;
  /** Bearer token the upstream expects from the gateway. */
  token?: string;
}

export interface GatewayConfig {
  /** TCP port of the gateway (PORT). Default 4000; GraphQL is served at /graphql. */
  port: number;
  /** Interface to listen on (HOST). Default 0.0.0.0. */
  host: string;
  /**
   * Upstream systems. `null` when none of the upstream URLs is set: the
   * bundled sandbox is then started on loopback and used instead.
   */
  upstreams: {
    matterRegistry: UpstreamEndpoint;
    eCertificates: UpstreamEndpoint;
    dataCenter: UpstreamEndpoint;
    evaluation: UpstreamEndpoint;
  } | null;
  /** Freshness of cached registry data in milliseconds (REGISTRY_CACHE_TTL_MS). Default 60000. */
  registryCacheTtlMs: number;
  /** Deadline of one upstream call, retries included, in milliseconds (UPSTREAM_TIMEOUT_MS). Default 3000. */
  upstreamTimeoutMs: number;
  /**
   * Resilience policies per upstream (UPSTREAM_POLICIES), JSON keyed by
   * `matter-registry`, `e-certificates`, `data-center`, `evaluation` or
   * `approval` (every department system), each a part of `UpstreamPolicy`
   * (connectors/http.ts): timeoutMs, retries, retryBaseDelayMs,
   * retryMaxDelayMs, maxConcurrent, maxQueued, breakerThreshold,
   * breakerHalfOpenAfterMs, maxResponseBytes. Default: none (the defaults).
   */
  upstreamPolicies: Partial<Record<PolicyTarget, Partial<UpstreamPolicy>>>;
  /** Largest accepted GraphQL request body in bytes (MAX_BODY_BYTES). Default 1 MiB. */
  maxBodyBytes: number;
  /** Whether schema introspection is allowed (INTROSPECTION). Default: on with the sandbox, off otherwise. */
  introspection: boolean;
  /** Where the embedded database and uploaded files live (DATA_DIR). Default `./data`. */
  dataDir: string;
  /** PostgreSQL connection URL (DATABASE_URL); `null` = the embedded database under `dataDir`. */
  databaseUrl: string | null;
  /**
   * How bearer tokens are verified. `secret` = JWT_SECRET (HS256),
   * `publicKeyFile` = JWT_PUBLIC_KEY_FILE (RS256/ES256 PEM). With the sandbox
   * and neither set, a sandbox secret is kept under `dataDir`.
   */
  jwt: { secret?: string; publicKeyFile?: string; issuer?: string; audience?: string };
  /**
   * Key sealing connector tokens and webhook secrets at rest (SECRETS_KEY):
   * 32 bytes as base64 or hex. Required with real upstreams; with the sandbox
   * and none set, a sandbox key is kept under `dataDir`.
   */
  secretsKey: string | null;
  /** Largest accepted upload in bytes (MAX_UPLOAD_BYTES). Default 10 MiB. */
  maxUploadBytes: number;
  /**
   * Where departments' approval connectors may connect (CONNECTOR_ALLOWED_HOSTS,
   * connectors/egress.ts): comma-separated host names (`*.gov.cn` for any name
   * under gov.cn), IP addresses and CIDR ranges. `null` (unset) = anywhere but
   * loopback (allowed with the sandbox), link-local, unspecified, multicast and
   * broadcast addresses; private ranges are allowed.
   */
  connectorAllowedHosts: readonly AllowedHost[] | null;
  /**
   * The electronic seal of receipts (lib/seal.ts).
   * - `signingKeyFile` (RECEIPT_SIGNING_KEY_FILE): PKCS#8 PEM of the key that
   *   signs new receipts, SM2 (signs with SM2/SM3) or P-256 (ECDSA/SHA-256).
   *   Required with DATABASE_URL (instances sharing a database must share the
   *   key); otherwise, when unset, a key is generated under
   *   `dataDir/receipt-keys/` and kept there, like the embedded database.
   * - `previousKeyFiles` (RECEIPT_PREVIOUS_KEY_FILES, comma-separated): PEM
   *   public (or private) keys that signed earlier receipts; they keep
   *   verifying after a rotation. Default none.
   * - `algorithm` (RECEIPT_SEAL_ALGORITHM, `SM2-SM3` or `ES256`): the sandbox
   *   key's algorithm (default ES256); with a key file, the file's curve
   *   decides and a different value here stops the gateway.
   */
  receiptSeal: { signingKeyFile: string | null; previousKeyFiles: string[]; algorithm: SealAlgorithm | null };
  /** Working days after acceptance within which deferred (容缺) materials must be handed in (DEFERRED_MATERIAL_DAYS). Default 5. */
  deferredMaterialDays: number;
  /**
   * The gateway's public address, e.g. `https://ythfw.example.gov.cn`
   * (PUBLIC_BASE_URL): notice and receipt URLs are absolute and receipt QR
   * codes open the verification page. Default none: URLs are paths, and QR
   * codes carry the bare payload.
   */
  publicBaseUrl: string | null;
  /** The one-thing window printed on notices of topics that name none themselves (WINDOW_ADDRESS). Default none. */
  defaultWindowAddress: string | null;
  /**
   * Share of a case's working time (receivedAt → dueAt) from which on it is
   * YELLOW (CASE_WARNING_YELLOW_AT), a fraction strictly between 0 and 1.
   * Default 0.8.
   */
  warningYellowAt: number;
  /**
   * The operator's alert receiver: ALERT_WEBHOOK_URL (http(s), path
   * included) and ALERT_WEBHOOK_SECRET (the HMAC-SHA256 key of its
   * X-Signature, at least 16 characters, required with the URL). Default
   * none: alerts are kept in the outbox and shown as gauges only.
   */
  alertWebhook: { url: string; secret: string } | null;
  /**
   * Deadlines of the 差评 follow-up in working days from the rating:
   * FOLLOW_UP_CONTACT_DAYS (回访, default 1) and FOLLOW_UP_CLOSE_DAYS
   * (RECTIFIED or EXPLAINED, default 15), whole numbers from 1 to 365.
   */
  followUpDeadlines: FollowUpDeadlines;
  /** How long a window staff member's assistance session lasts, in hours (ASSISTANCE_SESSION_HOURS, 1–12). Default 2. */
  assistanceSessionHours: number;
  /**
   * Live status subscriptions (`applicationUpdated` over SSE at
   * /graphql/stream): at most `maxPerSubject` open at once per signed-in
   * person, per gateway instance (MAX_SUBSCRIPTIONS_PER_SUBJECT, default 5);
   * an SSE comment every `heartbeatMs` milliseconds keeps proxies from
   * closing a quiet stream, and the table is read again then in case a
   * notification was lost (SUBSCRIPTION_HEARTBEAT_MS, default 15000).
   */
  subscriptions: { maxPerSubject: number; heartbeatMs: number };
  /**
   * Limits of one GraphQL operation (server/limits.ts): MAX_QUERY_DEPTH
   * (default 12), MAX_QUERY_ALIASES (30), MAX_QUERY_COST (5000),
   * MAX_QUERY_TOKENS (2000).
   */
  queryLimits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number };
  /**
   * Which operations are served (TRUSTED_DOCUMENTS, server/trusted-documents.ts):
   * `contract` = only those of the committed manifest of the front-end
   * contract; `off` (default) = any operation.
   */
  trustedDocuments: 'contract' | 'off';
  /**
   * Mutations per caller (server/rate-limit.ts): MUTATION_RATE_LIMIT
   * "<count>/<seconds>" (default "30/60"; "off" disables it) and
   * MUTATION_RATE_BURST (default 10). Per gateway instance.
   */
  mutationRateLimit: { count: number; perSeconds: number; burst: number } | null;
  /**
   * Serve the GraphQL explorer (GraphiQL, bundled from the installed
   * packages) at / and at GET /graphql for browsers (EXPLORER=on|off).
   * Default: on with the sandbox, off with real upstreams.
   */
  explorer: boolean;
  /** Serve the assessment dashboard at /dashboard (DASHBOARD=on|off). Default on: its data needs an EVALUATOR or ADMIN token anyway. */
  dashboard: boolean;
  /**
   * Serve the reference citizen page (办事页面, citizen/) at /citizen
   * (CITIZEN_PAGE=on|off). Default: on with the sandbox, where it also lists
   * the demo applicants' tokens; off with real upstreams.
   */
  citizenPage: boolean;
  /**
   * Serve the window console (一窗受理 · 帮办工作台, window/) at /window
   * (WINDOW_PAGE=on|off). Default: on with the sandbox, where it also lists
   * the demo window staff's tokens; off with real upstreams.
   */
  windowPage: boolean;
  /** Bearer token GET /metrics requires (METRICS_TOKEN, at least 16 characters); null = /metrics is open. */
  metricsToken: string | null;
  /** Longest wait at shutdown for in-flight requests, in milliseconds (SHUTDOWN_GRACE_MS). Default 10000. */
  shutdownGraceMs: number;
  /**
   * OpenTelemetry trace export over OTLP/HTTP: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
   * (full URL), or OTEL_EXPORTER_OTLP_ENDPOINT (base URL, `/v1/traces` is
   * appended); OTEL_EXPORTER_OTLP_HEADERS (`key=value,key2=value2`);
   * OTEL_SERVICE_NAME (default `one-thing-gateway`). No endpoint = no export.
   */
  tracing: { tracesUrl: string | null; headers: Record<string, string>; serviceName: string };
}

export const POLICY_TARGETS = ['matter-registry', 'e-certificates', 'data-center', 'evaluation', 'approval'] as const;
export type PolicyTarget = (typeof POLICY_TARGETS)[number];

const whole = (min: number, max: number) => z.number().int().min(min).max(max);
const policySchema = z
  .object({
    timeoutMs: whole(50, 120_000),
    retries: whole(0, 10),
    retryBaseDelayMs: whole(1, 60_000),
    retryMaxDelayMs: whole(1, 300_000),
    maxConcurrent: whole(1, 10_000),
    maxQueued: whole(0, 100_000),
    breakerThreshold: whole(1, 1000),
    breakerHalfOpenAfterMs: whole(100, 3_600_000),
    maxResponseBytes: whole(1024, 1024 * 1024 * 1024),
  })
  .partial()
  .strict();
const policiesSchema = z.partialRecord(z.enum(POLICY_TARGETS), policySchema);

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const UPSTREAMS = [
  { key: 'matterRegistry', url: 'MATTER_REGISTRY_URL', token: undefined },
  { key: 'eCertificates', url: 'E_CERTIFICATES_URL', token: 'E_CERTIFICATES_TOKEN' },
  { key: 'dataCenter', url: 'DATA_CENTER_URL', token: 'DATA_CENTER_TOKEN' },
  { key: 'evaluation', url: 'EVALUATION_URL', token: 'EVALUATION_TOKEN' },
] as const;

export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean) => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };

  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  };
  const rate = (name: string, fallback: { count: number; perSeconds: number }, burst: number) => {
    const raw = text(name);
    if (raw === undefined) return { ...fallback, burst };
    if (raw.toLowerCase() === 'off') return null;
    const match = /^(\d+)\s*\/\s*(\d+)$/.exec(raw);
    const count = Number(match?.[1]);
    const perSeconds = Number(match?.[2]);
    if (!match || count < 1 || count > 1_000_000 || perSeconds < 1 || perSeconds > 86_400) {
      problems.push(`${name} must be "<count>/<seconds>" (count 1 to 1000000, seconds 1 to 86400) or "off", got "${raw}"`);
      return { ...fallback, burst };
    }
    return { count, perSeconds, burst };
  };

  const policies = (name: string): GatewayConfig['upstreamPolicies'] => {
    const raw = text(name);
    if (raw === undefined) return {};
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      problems.push(`${name} must be JSON, e.g. {"e-certificates":{"timeoutMs":2000,"retries":1}}`);
      return {};
    }
    const parsed = policiesSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problems.push(`${name}: ${issue.path.join('.') || '(root)'} ${issue.message} (keys: ${POLICY_TARGETS.join(', ')})`);
      return {};
    }
    return parsed.data as GatewayConfig['upstreamPolicies'];
  };

  const allowedHosts = (name: string): readonly AllowedHost[] | null => {
    const raw = text(name);
    if (raw === undefined) return null;
    const parsed = parseAllowedHosts(raw);
    for (const problem of parsed.problems) problems.push(`${name}: ${problem}`);
    return parsed.entries;
  };

  const anyUpstreamSet = UPSTREAMS.some((u) => text(u.url) !== undefined);
  let upstreams: GatewayConfig['upstreams'] = null;
  if (anyUpstreamSet) {
    const endpoints: Record<string, UpstreamEndpoint> = {};
    for (const upstream of UPSTREAMS) {
      const url = text(upstream.url);
      if (url === undefined) {
        problems.push(`${upstream.url} is required when any upstream URL is set (unset them all to use the sandbox)`);
        continue;
      }
      if (!isHttpUrl(url)) problems.push(`${upstream.url} must be an http(s) URL, got "${url}"`);
      const token = upstream.token ? text(upstream.token) : undefined;
      if (upstream.token && token === undefined) problems.push(`${upstream.token} is required with ${upstream.url}`);
      endpoints[upstream.key] = { url: url.replace(/\/+$/, ''), ...(token ? { token } : {}) };
    }
    upstreams = endpoints as NonNullable<GatewayConfig['upstreams']>;
  }

  const config: GatewayConfig = {
    port: integer('PORT', 4000, 0, 65535),
    host: text('HOST') ?? '0.0.0.0',
    upstreams,
    registryCacheTtlMs: integer('REGISTRY_CACHE_TTL_MS', 60_000, 0, 86_400_000),
    upstreamTimeoutMs: integer('UPSTREAM_TIMEOUT_MS', 3000, 50, 120_000),
    upstreamPolicies: policies('UPSTREAM_POLICIES'),
    maxBodyBytes: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    introspection: bool('INTROSPECTION', !anyUpstreamSet),
    dataDir: text('DATA_DIR') ?? './data',
    databaseUrl: null,
    jwt: {},
    secretsKey: text('SECRETS_KEY') ?? null,
    maxUploadBytes: integer('MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    connectorAllowedHosts: allowedHosts('CONNECTOR_ALLOWED_HOSTS'),
    receiptSeal: {
      signingKeyFile: text('RECEIPT_SIGNING_KEY_FILE') ?? null,
      previousKeyFiles: (text('RECEIPT_PREVIOUS_KEY_FILES') ?? '').split(',').map((f) => f.trim()).filter((f) => f !== ''),
      algorithm: null,
    },
    deferredMaterialDays: integer('DEFERRED_MATERIAL_DAYS', 5, 1, 60),
    publicBaseUrl: null,
    defaultWindowAddress: text('WINDOW_ADDRESS') ?? null,
    warningYellowAt: DEFAULT_YELLOW_AT,
    alertWebhook: null,
    followUpDeadlines: {
      contactDays: integer('FOLLOW_UP_CONTACT_DAYS', DEFAULT_FOLLOW_UP_DEADLINES.contactDays, 1, 365),
      closeDays: integer('FOLLOW_UP_CLOSE_DAYS', DEFAULT_FOLLOW_UP_DEADLINES.closeDays, 1, 365),
    },
    assistanceSessionHours: integer('ASSISTANCE_SESSION_HOURS', 2, 1, 12),
    subscriptions: {
      maxPerSubject: integer('MAX_SUBSCRIPTIONS_PER_SUBJECT', 5, 1, 1000),
      heartbeatMs: integer('SUBSCRIPTION_HEARTBEAT_MS', 15_000, 10, 300_000),
    },
    queryLimits: {
      maxDepth: integer('MAX_QUERY_DEPTH', 12, 1, 1000),
      maxAliases: integer('MAX_QUERY_ALIASES', 30, 0, 100_000),
      maxCost: integer('MAX_QUERY_COST', 5000, 1, 100_000_000),
      maxTokens: integer('MAX_QUERY_TOKENS', 2000, 100, 1_000_000),
    },
    trustedDocuments: choice('TRUSTED_DOCUMENTS', ['contract', 'off'] as const, 'off'),
    mutationRateLimit: rate('MUTATION_RATE_LIMIT', { count: 30, perSeconds: 60 }, integer('MUTATION_RATE_BURST', 10, 1, 100_000)),
    explorer: bool('EXPLORER', !anyUpstreamSet),
    dashboard: bool('DASHBOARD', true),
    citizenPage: bool('CITIZEN_PAGE', !anyUpstreamSet),
    windowPage: bool('WINDOW_PAGE', !anyUpstreamSet),
    metricsToken: text('METRICS_TOKEN') ?? null,
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    tracing: { tracesUrl: null, headers: {}, serviceName: text('OTEL_SERVICE_NAME') ?? 'one-thing-gateway' },
  };
  if (config.secretsKey !== null && !isKey(config.secretsKey)) {
    problems.push('SECRETS_KEY must be 32 bytes, written as 64 hex digits or base64');
  }
  if (anyUpstreamSet && config.secretsKey === null) {
    problems.push('SECRETS_KEY is required with real upstreams (it seals the departments\' connector tokens)');
  }
  const sealAlgorithm = text('RECEIPT_SEAL_ALGORITHM')?.toUpperCase();
  if (sealAlgorithm !== undefined) {
    if ((SEAL_ALGORITHMS as readonly string[]).includes(sealAlgorithm)) config.receiptSeal.algorithm = sealAlgorithm as SealAlgorithm;
    else problems.push(`RECEIPT_SEAL_ALGORITHM must be one of ${SEAL_ALGORITHMS.join(', ')}, got "${sealAlgorithm}"`);
  }
  const publicBaseUrl = text('PUBLIC_BASE_URL');
  if (publicBaseUrl !== undefined) {
    if (!isHttpUrl(publicBaseUrl)) problems.push(`PUBLIC_BASE_URL must be an http(s) URL, got "${publicBaseUrl}"`);
    config.publicBaseUrl = publicBaseUrl.replace(/\/+$/, '');
  }
  const yellowAt = text('CASE_WARNING_YELLOW_AT');
  if (yellowAt !== undefined) {
    const value = /^[0-9.]+$/.test(yellowAt) ? Number(yellowAt) : Number.NaN;
    const problem = yellowThresholdProblem(value);
    if (problem) problems.push(`CASE_WARNING_YELLOW_AT must be a fraction strictly between 0 and 1 (e.g. 0.8), got "${yellowAt}"`);
    else config.warningYellowAt = value;
  }
  const alertUrl = text('ALERT_WEBHOOK_URL');
  const alertSecret = text('ALERT_WEBHOOK_SECRET');
  if (alertUrl !== undefined) {
    if (!isHttpUrl(alertUrl)) problems.push(`ALERT_WEBHOOK_URL must be an http(s) URL, got "${alertUrl}"`);
    if (alertSecret === undefined) problems.push('ALERT_WEBHOOK_SECRET is required with ALERT_WEBHOOK_URL (it signs the alerts)');
    else if (alertSecret.length < 16) problems.push('ALERT_WEBHOOK_SECRET must be at least 16 characters long');
    else config.alertWebhook = { url: alertUrl, secret: alertSecret };
  } else if (alertSecret !== undefined) {
    problems.push('ALERT_WEBHOOK_SECRET is set but ALERT_WEBHOOK_URL is not: set both, or neither');
  }
  const followUpSettings = ['FOLLOW_UP_CONTACT_DAYS', 'FOLLOW_UP_CLOSE_DAYS'];
  if (!problems.some((p) => followUpSettings.some((name) => p.startsWith(name)))) {
    for (const problem of followUpDeadlineProblems(config.followUpDeadlines)) {
      problems.push(`FOLLOW_UP_CONTACT_DAYS / FOLLOW_UP_CLOSE_DAYS: ${problem.replace('contactDays', 'FOLLOW_UP_CONTACT_DAYS').replace('closeDays', 'FOLLOW_UP_CLOSE_DAYS')}`);
    }
  }
  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    config.databaseUrl = databaseUrl;
    if (config.receiptSeal.signingKeyFile === null) {
      problems.push('RECEIPT_SIGNING_KEY_FILE is required with DATABASE_URL (every instance must sign receipts with the same key)');
    }
  }
  const secret = text('JWT_SECRET');
  const publicKeyFile = text('JWT_PUBLIC_KEY_FILE');
  if (secret !== undefined && Buffer.byteLength(secret) < 32) problems.push('JWT_SECRET must be at least 32 bytes long');
  if (secret !== undefined && publicKeyFile !== undefined) problems.push('Set JWT_SECRET or JWT_PUBLIC_KEY_FILE, not both');
  if (anyUpstreamSet && secret === undefined && publicKeyFile === undefined) {
    problems.push('JWT_SECRET or JWT_PUBLIC_KEY_FILE is required with real upstreams (the identity service signs the tokens)');
  }
  const issuer = text('JWT_ISSUER');
  const audience = text('JWT_AUDIENCE');
  config.jwt = {
    ...(secret !== undefined ? { secret } : {}),
    ...(publicKeyFile !== undefined ? { publicKeyFile } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(audience !== undefined ? { audience } : {}),
  };
  if (config.metricsToken !== null && config.metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters long');
  const tracesEndpoint = text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const otlpEndpoint = text('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (tracesEndpoint !== undefined) {
    if (!isHttpUrl(tracesEndpoint)) problems.push(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL, got "${tracesEndpoint}"`);
    config.tracing.tracesUrl = tracesEndpoint;
  } else if (otlpEndpoint !== undefined) {
    if (!isHttpUrl(otlpEndpoint)) problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "${otlpEndpoint}"`);
    config.tracing.tracesUrl = `${otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  }
  for (const pair of (text('OTEL_EXPORTER_OTLP_HEADERS') ?? '').split(',').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas');
      break;
    }
    try {
      config.tracing.headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      problems.push(`OTEL_EXPORTER_OTLP_HEADERS: the value of ${key} is not valid percent-encoding`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function isKey(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  return Buffer.from(value, 'base64').length === 32;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
