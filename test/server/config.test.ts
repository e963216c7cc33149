import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const upstreamEnv = {
  MATTER_REGISTRY_URL: 'https://registry.example.gov.cn/',
  E_CERTIFICATES_URL: 'https://certs.example.gov.cn',
  E_CERTIFICATES_TOKEN: 'c-token',
  DATA_CENTER_URL: 'https://data.example.gov.cn',
  DATA_CENTER_TOKEN: 'd-token',
  EVALUATION_URL: 'https://hcp.example.gov.cn',
  EVALUATION_TOKEN: 'e-token',
  JWT_SECRET: 'a-shared-secret-of-at-least-32-bytes!',
  SECRETS_KEY: 'ab'.repeat(32),
};

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('loadConfig', () => {
  it('uses the sandbox and port 4000 when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      upstreams: null,
      registryCacheTtlMs: 60_000,
      upstreamTimeoutMs: 3000,
      upstreamPolicies: {},
      maxBodyBytes: 1024 * 1024,
      introspection: true,
      dataDir: './data',
      databaseUrl: null,
      jwt: {},
      secretsKey: null,
      maxUploadBytes: 10 * 1024 * 1024,
      connectorAllowedHosts: null,
      receiptSeal: { signingKeyFile: null, previousKeyFiles: [], algorithm: null },
      deferredMaterialDays: 5,
      publicBaseUrl: null,
      defaultWindowAddress: null,
      warningYellowAt: 0.8,
      alertWebhook: null,
      followUpDeadlines: { contactDays: 1, closeDays: 15 },
      assistanceSessionHours: 2,
      subscriptions: { maxPerSubject: 5, heartbeatMs: 15_000 },
      queryLimits: { maxDepth: 12, maxAliases: 30, maxCost: 5000, maxTokens: 2000 },
      trustedDocuments: 'off',
      mutationRateLimit: { count: 30, perSeconds: 60, burst: 10 },
      explorer: true,
      dashboard: true,
      citizenPage: true,
      windowPage: true,
      metricsToken: null,
      shutdownGraceMs: 10000,
      tracing: { tracesUrl: null, headers: {}, serviceName: 'one-thing-gateway' },
    });
  });

  it('reads every upstream with its token and turns introspection off', () => {
    const config = loadConfig({ ...upstreamEnv, PORT: '8080' });

    expect(config.port).toBe(8080);
    expect(config.introspection).toBe(false);
    expect(config.upstreams).toEqual({
      matterRegistry: { url: 'https://registry.example.gov.cn' },
      eCertificates: { url: 'https://certs.example.gov.cn', token: 'c-token' },
      dataCenter: { url: 'https://data.example.gov.cn', token: 'd-token' },
      evaluation: { url: 'https://hcp.example.gov.cn', token: 'e-token' },
    });
  });

  it('lists every missing upstream setting at once when only some are set', () => {
    expect(problemsOf({ MATTER_REGISTRY_URL: 'http://127.0.0.1:4101', E_CERTIFICATES_URL: 'http://127.0.0.1:4102' })).toEqual([
      'E_CERTIFICATES_TOKEN is required with E_CERTIFICATES_URL',
      'DATA_CENTER_URL is required when any upstream URL is set (unset them all to use the sandbox)',
      'EVALUATION_URL is required when any upstream URL is set (unset them all to use the sandbox)',
      "SECRETS_KEY is required with real upstreams (it seals the departments' connector tokens)",
      'JWT_SECRET or JWT_PUBLIC_KEY_FILE is required with real upstreams (the identity service signs the tokens)',
    ]);
  });

  it('names the variable and the value of a bad setting', () => {
    expect(problemsOf({ PORT: 'eighty' })).toEqual(['PORT must be a whole number from 0 to 65535, got "eighty"']);
    expect(problemsOf({ ...upstreamEnv, MATTER_REGISTRY_URL: 'ftp://registry' })).toEqual([
      'MATTER_REGISTRY_URL must be an http(s) URL, got "ftp://registry"',
    ]);
    expect(problemsOf({ ...upstreamEnv, DATA_CENTER_URL: 'not a url' })).toEqual([
      'DATA_CENTER_URL must be an http(s) URL, got "not a url"',
    ]);
    expect(problemsOf({ INTROSPECTION: 'maybe' })).toEqual(['INTROSPECTION must be true or false, got "maybe"']);
  });

  it('reads the database URL and the token verification settings', () => {
    const config = loadConfig({
      ...upstreamEnv,
      DATABASE_URL: 'postgres://gateway@db.internal/gateway',
      RECEIPT_SIGNING_KEY_FILE: '/run/secrets/receipt-seal.pem',
      JWT_ISSUER: 'https://id.gd.gov.cn',
      JWT_AUDIENCE: 'one-thing',
    });

    expect(config.databaseUrl).toBe('postgres://gateway@db.internal/gateway');
    expect(config.jwt).toEqual({
      secret: 'a-shared-secret-of-at-least-32-bytes!',
      issuer: 'https://id.gd.gov.cn',
      audience: 'one-thing',
    });
  });

  it('refuses a short secret, two key sources and a database URL of another kind', () => {
    expect(problemsOf({ JWT_SECRET: 'short', JWT_PUBLIC_KEY_FILE: '/keys/id.pem', DATABASE_URL: 'mysql://x', SECRETS_KEY: 'too-short' })).toEqual([
      'SECRETS_KEY must be 32 bytes, written as 64 hex digits or base64',
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
      'RECEIPT_SIGNING_KEY_FILE is required with DATABASE_URL (every instance must sign receipts with the same key)',
      'JWT_SECRET must be at least 32 bytes long',
      'Set JWT_SECRET or JWT_PUBLIC_KEY_FILE, not both',
    ]);
  });

  it('reads resilience policies per upstream and names a bad one', () => {
    expect(
      loadConfig({ UPSTREAM_POLICIES: '{"e-certificates":{"timeoutMs":2000,"retries":1},"approval":{"breakerThreshold":3}}' })
        .upstreamPolicies,
    ).toEqual({ 'e-certificates': { timeoutMs: 2000, retries: 1 }, approval: { breakerThreshold: 3 } });
    expect(problemsOf({ UPSTREAM_POLICIES: '{"e-certificates":{"retries":-1}}' })).toEqual([
      'UPSTREAM_POLICIES: e-certificates.retries Too small: expected number to be >=0 (keys: matter-registry, e-certificates, data-center, evaluation, approval)',
    ]);
    expect(problemsOf({ UPSTREAM_POLICIES: 'retries=1' })).toEqual([
      'UPSTREAM_POLICIES must be JSON, e.g. {"e-certificates":{"timeoutMs":2000,"retries":1}}',
    ]);
  });

  it('reads where connectors may connect, and names every entry it cannot read', () => {
    expect(loadConfig({ CONNECTOR_ALLOWED_HOSTS: '*.gov.cn, 10.0.0.0/8' }).connectorAllowedHosts).toEqual([
      { kind: 'suffix', suffix: 'gov.cn' },
      { kind: 'range', range: expect.anything(), text: '10.0.0.0/8' },
    ]);
    expect(problemsOf({ CONNECTOR_ALLOWED_HOSTS: 'https://sp.gov.cn, 10.0.0.0/40' })).toEqual([
      'CONNECTOR_ALLOWED_HOSTS: "https://sp.gov.cn" is not a host name, *.wildcard, IP address or CIDR range',
      'CONNECTOR_ALLOWED_HOSTS: "10.0.0.0/40" is not a host name, *.wildcard, IP address or CIDR range',
    ]);
  });

  it('reads the receipt seal, the public address and the default window', () => {
    const config = loadConfig({
      RECEIPT_SIGNING_KEY_FILE: '/run/secrets/seal-2027.pem',
      RECEIPT_PREVIOUS_KEY_FILES: '/run/secrets/seal-2026.pub.pem, /run/secrets/seal-2025.pub.pem',
      RECEIPT_SEAL_ALGORITHM: 'sm2-sm3',
      DEFERRED_MATERIAL_DAYS: '10',
      PUBLIC_BASE_URL: 'https://ythfw.example.gov.cn/',
      WINDOW_ADDRESS: '潮南区政务服务中心一楼综合窗口',
    });

    expect([config.receiptSeal, config.deferredMaterialDays, config.publicBaseUrl, config.defaultWindowAddress]).toEqual([
      {
        signingKeyFile: '/run/secrets/seal-2027.pem',
        previousKeyFiles: ['/run/secrets/seal-2026.pub.pem', '/run/secrets/seal-2025.pub.pem'],
        algorithm: 'SM2-SM3',
      },
      10,
      'https://ythfw.example.gov.cn',
      '潮南区政务服务中心一楼综合窗口',
    ]);
  });

  it('names a bad seal algorithm, deferral period and public address', () => {
    expect(problemsOf({ RECEIPT_SEAL_ALGORITHM: 'RSA', DEFERRED_MATERIAL_DAYS: '0', PUBLIC_BASE_URL: 'ythfw.example.gov.cn' })).toEqual([
      'DEFERRED_MATERIAL_DAYS must be a whole number from 1 to 60, got "0"',
      'RECEIPT_SEAL_ALGORITHM must be one of ES256, SM2-SM3, got "RSA"',
      'PUBLIC_BASE_URL must be an http(s) URL, got "ythfw.example.gov.cn"',
    ]);
  });

  it('explains the problems in the error message', () => {
    expect(() => loadConfig({ PORT: '99999' })).toThrow(
      'Invalid configuration:\n  - PORT must be a whole number from 0 to 65535, got "99999"',
    );
  });

  it('reads the supervision settings, with 0.8, no alert webhook and 1 / 15 working days by default', () => {
    expect(loadConfig({})).toMatchObject({ warningYellowAt: 0.8, alertWebhook: null, followUpDeadlines: { contactDays: 1, closeDays: 15 } });
    expect(
      loadConfig({
        CASE_WARNING_YELLOW_AT: '0.75',
        ALERT_WEBHOOK_URL: 'https://alerts.example.gov.cn/hooks/one-thing',
        ALERT_WEBHOOK_SECRET: 'an-alert-secret-0123',
        FOLLOW_UP_CONTACT_DAYS: '2',
        FOLLOW_UP_CLOSE_DAYS: '10',
      }),
    ).toMatchObject({
      warningYellowAt: 0.75,
      alertWebhook: { url: 'https://alerts.example.gov.cn/hooks/one-thing', secret: 'an-alert-secret-0123' },
      followUpDeadlines: { contactDays: 2, closeDays: 10 },
    });
  });

  it('stops on a warning threshold outside (0, 1), naming the variable', () => {
    for (const value of ['0', '1', '1.5', '-0.2', 'eighty']) {
      expect(problemsOf({ CASE_WARNING_YELLOW_AT: value })).toEqual([
        `CASE_WARNING_YELLOW_AT must be a fraction strictly between 0 and 1 (e.g. 0.8), got "${value}"`,
      ]);
    }
  });

  it('stops on an alert webhook without its secret, and on follow-up deadlines that do not fit', () => {
    expect(problemsOf({ ALERT_WEBHOOK_URL: 'https://alerts.example.gov.cn/h' })).toEqual([
      'ALERT_WEBHOOK_SECRET is required with ALERT_WEBHOOK_URL (it signs the alerts)',
    ]);
    expect(problemsOf({ ALERT_WEBHOOK_SECRET: 'an-alert-secret-0123' })).toEqual([
      'ALERT_WEBHOOK_SECRET is set but ALERT_WEBHOOK_URL is not: set both, or neither',
    ]);
    expect(problemsOf({ FOLLOW_UP_CONTACT_DAYS: '5', FOLLOW_UP_CLOSE_DAYS: '3' })).toEqual([
      'FOLLOW_UP_CONTACT_DAYS / FOLLOW_UP_CLOSE_DAYS: FOLLOW_UP_CLOSE_DAYS (3) must not be shorter than FOLLOW_UP_CONTACT_DAYS (5)',
    ]);
  });
});
