/**
 * Starting the whole gateway: configuration → (sandbox, when no upstream is
 * configured) → services → HTTP server. Used by `npm start` and by the
 * integration tests, so the tests boot exactly what users run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/index.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { startGateway, type RunningGateway } from './app.ts';
import { loadConfig, type GatewayConfig } from './config.ts';
import { createTokenVerifier, mintToken, readPublicKey, type TokenClaims } from './identity.ts';
import { createServices, type GatewayServices, type ServiceOptions, type UpstreamEndpoints } from './services.ts';
import { openDatabase, type DatabaseOptions } from '../store/database.ts';
import { SecretBox } from '../lib/secrets.ts';
import { loadSeal } from './seal.ts';
import { createObservability, type Observability } from './observability/index.ts';
import { SandboxConnectors, type SandboxConnectorOptions } from './sandbox-connectors.ts';

export interface BootOptions {
  /** Environment to read the configuration from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Options of the sandbox, when it is started. */
  sandbox?: SandboxOptions;
  services?: ServiceOptions;
  /** Where the database is, overriding DATABASE_URL / DATA_DIR (tests use an in-memory one). */
  database?: DatabaseOptions;
  /** Lease timing of the sandbox's connector registrations, when the sandbox is started. */
  sandboxConnectors?: SandboxConnectorOptions;
}

export interface DemoUser extends TokenClaims {
  token: string;
}

export interface BootedGateway {
  config: GatewayConfig;
  gateway: RunningGateway;
  /** The sandbox, when no upstream URL was configured. */
  sandbox: Sandbox | null;
  /** The sandbox's departments as connectors (whose system serves each), when the sandbox is started. */
  sandboxConnectors: SandboxConnectors | null;
  /** Ready-made tokens for the sandbox's demo users (empty with real upstreams). */
  demoUsers: DemoUser[];
  services: GatewayServices;
  stop(): Promise<void>;
}

/** A secret generated once and kept beside the sandbox's data (never in the repository). */
function sandboxSecret(dataDir: string, name: string, make: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = make();
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** The sandbox signs its demo tokens with a secret kept beside its data, so `npm run token` can mint more. */
export function sandboxJwtSecret(dataDir: string): string {
  return sandboxSecret(dataDir, 'sandbox-jwt-secret', () => randomBytes(32).toString('base64url'));
}

export async function bootGateway(options: BootOptions = {}): Promise<BootedGateway> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger();
  const seal = loadSeal(config);
  if (config.upstreams && !config.receiptSeal.signingKeyFile) {
    logger.warn({ kid: seal.signingKey.kid }, 'receipts are signed with a key generated under DATA_DIR/receipt-keys; set RECEIPT_SIGNING_KEY_FILE to use your own');
  }

  let sandbox: Sandbox | null = null;
  let endpoints: UpstreamEndpoints;
  if (config.upstreams) {
    endpoints = config.upstreams;
  } else {
    sandbox = await startSandbox(options.sandbox);
    endpoints = {
      matterRegistry: { url: sandbox.urls.matterRegistry },
      eCertificates: { url: sandbox.urls.eCertificates, token: sandbox.tokens.eCertificates },
      dataCenter: { url: sandbox.urls.dataCenter, token: sandbox.tokens.dataCenter },
      evaluation: { url: sandbox.urls.evaluation, token: sandbox.tokens.evaluation },
    };
  }

  const jwtSecret = config.jwt.secret ?? (config.jwt.publicKeyFile ? undefined : sandboxJwtSecret(config.dataDir));
  const verifier = await createTokenVerifier({
    ...(jwtSecret ? { secret: jwtSecret } : {}),
    ...(config.jwt.publicKeyFile ? { publicKeyPem: readPublicKey(config.jwt.publicKeyFile) } : {}),
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });

  const secrets = SecretBox.fromKey(
    config.secretsKey ?? sandboxSecret(config.dataDir, 'sandbox-secrets-key', () => SecretBox.generateKey()),
  );
  let gateway: RunningGateway;
  let services: GatewayServices;
  let demoUsers: DemoUser[];
  let sandboxConnectors: SandboxConnectors | null = null;
  // Metrics, traces and logs see every upstream call (besides options.services.onUpstreamCall).
  let observability: Observability | undefined;
  try {
    observability = await createObservability(config, logger);
    const db = await openDatabase(
      options.database ?? (config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'db') }),
    );
    services = createServices(config, endpoints, db, logger, verifier, secrets, seal, {
      ...options.services,
      onUpstreamCall: observability.upstreamHook(options.services?.onUpstreamCall),
    });
    try {
      if (sandbox) {
        sandboxConnectors = new SandboxConnectors(services, sandbox.departments, options.sandboxConnectors);
        await sandboxConnectors.claimNow();
      }
      demoUsers = sandbox && jwtSecret ? await sandboxDemoUsers(jwtSecret, config) : [];
      gateway = await startGateway(services, {
        observability,
        demoApplicants: demoUsers.filter((u) => u.role === 'APPLICANT').map((u) => ({ name: u.name ?? u.sub, subject: u.sub, token: u.token })),
        demoStaff: demoUsers.filter((u) => u.role === 'WINDOW_STAFF').map((u) => ({ name: u.name ?? u.sub, staffId: u.sub, hall: u.hall ?? '', token: u.token })),
      });
      services.egress.reserveOwnPort(Number(new URL(gateway.url).port));
      services.start();
      sandboxConnectors?.start();
    } catch (error) {
      await sandboxConnectors?.stop().catch(() => undefined);
      await services.close();
      throw error;
    }
  } catch (error) {
    await observability?.shutdown();
    await sandbox?.close();
    throw error;
  }

  sandbox?.setWebhookTarget((departmentCode) => `${gateway.url}/webhooks/case-status/${encodeURIComponent(departmentCode)}`);

  return {
    config,
    gateway,
    sandbox,
    sandboxConnectors,
    demoUsers,
    services,
    async stop() {
      // First: from now on this instance's simulators are going away, and other instances may take their departments over.
      await sandboxConnectors?.stop().catch((error: unknown) => logger.warn({ err: error }, 'sandbox connectors not released'));
      await gateway.stop();
      await sandbox?.close();
    },
  };
}

function issuerAndAudience(config: GatewayConfig) {
  return {
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  };
}

/** The sandbox's demo users with their tokens, minted before the gateway starts so that its citizen page can offer them. */
async function sandboxDemoUsers(jwtSecret: string, config: GatewayConfig): Promise<DemoUser[]> {
  const users: DemoUser[] = [];
  for (const claims of await sandboxDemoClaims()) {
    users.push({ ...claims, token: await mintToken(jwtSecret, claims, { expiresIn: '30d', ...issuerAndAudience(config) }) });
  }
  return users;
}

/** One user of each role, from the sandbox's demo persons and departments. */
async function sandboxDemoClaims(): Promise<TokenClaims[]> {
  const { loadSandboxData } = await import('../sandbox/index.ts');
  const data = await loadSandboxData();
  const applicant = data.persons.find((p) => p.spouseIdNumber) ?? data.persons[0];
  const enterprise = data.enterprises[0];
  const department = data.departments.find((d) => data.matters.some((m) => m.department === d.code));
  const claims: TokenClaims[] = [];
  if (applicant) claims.push({ sub: applicant.idNumber, name: applicant.name, role: 'APPLICANT' });
  if (enterprise) claims.push({ sub: enterprise.creditCode, name: enterprise.name, role: 'APPLICANT' });
  if (department) claims.push({ sub: 'staff-001', name: `${department.name}窗口人员`, role: 'DEPARTMENT_STAFF', dept: department.code });
  claims.push({ sub: 'window-001', name: '潮南区政务服务中心一件事窗口', role: 'WINDOW_STAFF', hall: 'CN-HALL-440514' });
  claims.push({ sub: 'evaluator-001', name: '第三方评估员', role: 'EVALUATOR' });
  claims.push({ sub: 'admin-001', name: '区政务服务数据管理局管理员', role: 'ADMIN' });
  return claims;
}
