/**
 * Metrics, traces, access logs and request ids (server/observability/):
 * a gateway configured with "real" upstreams (the sandbox started here, the
 * matter registry behind a recording proxy), an OTLP/HTTP receiver on
 * loopback, and a logger whose lines the tests read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UpstreamClient } from '../../connectors/http.ts';
import { createLogger } from '../../lib/logger.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { bootGateway, type BootedGateway } from '../../server/bootstrap.ts';
import { loadConfig } from '../../server/config.ts';
import { mintToken } from '../../server/identity.ts';
import { createObservability } from '../../server/observability/index.ts';
import { runInRequestScope } from '../../server/observability/context.ts';
import { GatewayMetrics, MAX_OPERATION_NAMES, routeOf } from '../../server/observability/metrics.ts';
import { startTracing } from '../../server/observability/tracing.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestServer, type TestServer } from '../support/http-server.ts';
import { newbornAnswers } from '../support/newborn.ts';

const JWT_SECRET = 'observability-test-secret-of-32-bytes!!';
const ID_NUMBER = '440514199403120356';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/** A loopback OTLP/HTTP receiver: keeps every span POSTed to /v1/traces. */
async function startOtlpReceiver() {
  const spans: OtlpSpan[] = [];
  const posts: Array<{ path: string; contentType: string | undefined }> = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    posts.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};

describe('a gateway with metrics, traces and access logs', () => {
  let sandbox: Sandbox;
  let proxy: TestServer;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let booted: BootedGateway;
  let dataDir: string;
  const lines: Array<Record<string, any>> = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    // The matter registry behind a proxy that keeps the headers it was sent.
    proxy = await startTestServer(async (req, res) => {
      const upstream = await fetch(`${sandbox.urls.matterRegistry}${req.url}`, { method: req.method });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    receiver = await startOtlpReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-observability-'));
    booted = await bootGateway({
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        MATTER_REGISTRY_URL: proxy.url,
        E_CERTIFICATES_URL: sandbox.urls.eCertificates,
        E_CERTIFICATES_TOKEN: sandbox.tokens.eCertificates,
        DATA_CENTER_URL: sandbox.urls.dataCenter,
        DATA_CENTER_TOKEN: sandbox.tokens.dataCenter,
        EVALUATION_URL: sandbox.urls.evaluation,
        EVALUATION_TOKEN: sandbox.tokens.evaluation,
        JWT_SECRET,
        SECRETS_KEY: 'cd'.repeat(32),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'gateway-under-test',
      },
      logger: createLogger({ level: 'debug', destination: { write: (line) => void lines.push(JSON.parse(line)) } }),
      database: { dataDir: 'memory://' },
    });
  });
  afterAll(async () => {
    await booted?.stop();
    await Promise.all([proxy?.close(), receiver?.close(), sandbox?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const graphql = async (operation: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${booted.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: contractOperation(operation), operationName: operation, variables }),
    });
    return { response, body: (await response.json()) as any };
  };

  // First: the registry cache is still empty, so the operation calls the registry.
  it('exports a span per GraphQL operation and a child span per upstream call over OTLP/HTTP', async () => {
    const { body } = await graphql('TopicGuide', { code: 'CN-YJS-KCG' }, { 'x-request-id': 'span-0001' });
    expect(body.data.topic.code).toBe('CN-YJS-KCG');
    const deadline = Date.now() + 10_000;
    let operation: OtlpSpan | undefined;
    while (Date.now() < deadline) {
      operation = receiver.spans.find((s) => s.name === 'query TopicGuide');
      if (operation && receiver.spans.some((s) => s.parentSpanId === operation!.spanId)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(receiver.posts[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/json' });
    expect(operation).toBeDefined();
    expect(attribute(operation!, 'graphql.operation.name')).toBe('TopicGuide');
    expect(attribute(operation!, 'graphql.operation.type')).toBe('query');
    expect(attribute(operation!, 'gateway.request_id')).toBe('span-0001');
    expect(attribute(operation!, 'gateway.outcome')).toBe('ok');
    const children = receiver.spans.filter((s) => s.parentSpanId === operation!.spanId);
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) {
      expect(child.traceId).toBe(operation!.traceId);
      expect(child.kind).toBe(3); // CLIENT
      expect(attribute(child, 'peer.service')).toBe('matter-registry');
      expect(attribute(child, 'http.response.status_code')).toBe(200);
    }
    expect(children.map((c) => attribute(c, 'url.path'))).toContain('/api/v1/topics/CN-YJS-KCG');
    // The upstream saw the trace context of the operation.
    const traced = proxy.requests.find((r) => r.url === '/api/v1/topics/CN-YJS-KCG' && r.headers['x-request-id'] === 'span-0001');
    expect(traced?.headers.traceparent).toMatch(new RegExp(`^00-${operation!.traceId}-[0-9a-f]{16}-01$`));
  });

  it('sends the request id to the upstreams as X-Request-Id and returns it', async () => {
    const before = proxy.requests.length;
    const { response, body } = await graphql('TopicCatalog', { region: '440514' }, { 'x-request-id': 'trace-me-0001' });
    expect(body.errors).toBeUndefined();
    expect(response.headers.get('x-request-id')).toBe('trace-me-0001');
    const registryCalls = proxy.requests.slice(before).filter((r) => r.url.startsWith('/api/v1/'));
    expect(registryCalls.length).toBeGreaterThan(0);
    for (const call of registryCalls) expect(call.headers['x-request-id']).toBe('trace-me-0001');
    // The health checks are no request's: they carry none.
    const health = proxy.requests.filter((r) => r.url === '/health');
    for (const call of health) expect(call.headers['x-request-id']).toBeUndefined();
  });

  it('writes one access log line per request, without the token or the variables', async () => {
    const token = await mintToken(JWT_SECRET, { sub: ID_NUMBER, name: '陈晓明', role: 'APPLICANT' });
    lines.length = 0;
    // An applicant's plan: the personal look-ups are never cached, so upstream calls are made.
    const { response, body } = await graphql(
      'SituationPlan',
      { code: 'CN-YJS-XSECS', answers: newbornAnswers(['VACCINATION']), form: [{ key: 'child.name', value: 'SECRET-FORM-VALUE' }] },
      { authorization: `Bearer ${token}`, 'x-request-id': 'access-log-0001' },
    );
    expect(body.data.topic.plan.complete).toBe(true);
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      requestId: 'access-log-0001',
      method: 'POST',
      path: '/graphql',
      operation: 'SituationPlan',
      status: 200,
    });
    expect(typeof access[0]!.durationMs).toBe('number');
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[1]!);
    expect(everything).not.toContain('SECRET-FORM-VALUE');
    expect(everything).not.toContain(ID_NUMBER);
    // Upstream calls are logged (at debug) with the request's id.
    expect(lines.some((l) => l.msg === 'upstream call' && l.requestId === 'access-log-0001')).toBe(true);
  });

  it('logs the path without its query string', async () => {
    lines.length = 0;
    const response = await fetch(`${booted.gateway.url}/graphql?query=${encodeURIComponent('{ topics { code } }')}&token=abc`);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const access = lines.find((l) => l.msg === 'request')!;
    expect(access.path).toBe('/graphql');
    expect(JSON.stringify(lines.filter((l) => l.msg === 'request'))).not.toContain('token=abc');
  });

  it('counts the operations, their outcomes and the upstream calls at /metrics', async () => {
    await graphql('TopicGuide', { code: 'CN-YJS-XSECS' });
    await graphql('SituationPlan', { code: 'CN-YJS-XSECS', answers: [{ questionId: 'ageMonths', values: ['999'] }] });
    expect((await graphql('TopicCatalog', {}, { authorization: 'Bearer not-a-valid-token' })).response.status).toBe(401);
    const response = await fetch(`${booted.gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^gateway_graphql_requests_total\{operation="TopicGuide",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^gateway_graphql_requests_total\{operation="SituationPlan",outcome="BAD_USER_INPUT"\} [1-9]/m);
    expect(text).toMatch(/^gateway_graphql_requests_total\{operation="\(unknown\)",outcome="UNAUTHENTICATED"\} [1-9]/m);
    expect(text).toMatch(/^gateway_graphql_request_duration_seconds_bucket\{le="\+Inf",operation="TopicGuide"\} [1-9]/m);
    expect(text).toMatch(/^gateway_upstream_calls_total\{system="matter-registry",status="200",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^gateway_upstream_call_duration_seconds_count\{system="matter-registry",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^gateway_registry_cache_hits_total [1-9]/m);
    expect(text).toMatch(/^gateway_registry_cache_misses_total [1-9]/m);
    expect(text).toMatch(/^gateway_upstream_circuit_state\{system="matter-registry"\} 0$/m);
    expect(text).toMatch(/^gateway_outbox_depth\{kind="case"\} 0$/m);
    expect(text).toMatch(/^gateway_http_requests_total\{route="graphql",method="POST",status="200"\} [1-9]/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe('the request id on upstream calls', () => {
  it('is added to calls made in a request scope, and to no other', async () => {
    const server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const client = new UpstreamClient({ upstream: 'matter-registry', baseUrl: server.url });
    try {
      // Installed by createObservability; here directly.
      await createObservability({ metricsToken: null, tracing: { tracesUrl: null, headers: {}, serviceName: 'x' } }, createLogger({ level: 'silent' }));
      await runInRequestScope({ requestId: 'scoped-42', startedAt: 0 }, () => client.get('/a', z.object({ ok: z.boolean() })));
      await client.get('/b', z.object({ ok: z.boolean() }));
      await runInRequestScope({ requestId: 'scoped-43', startedAt: 0 }, () =>
        client.send({ method: 'GET', path: '/c', headers: { 'x-request-id': 'set-by-caller' }, schema: z.object({ ok: z.boolean() }) }),
      );
      expect(server.requests.map((r) => [r.url, r.headers['x-request-id']])).toEqual([
        ['/a', 'scoped-42'],
        ['/b', undefined],
        ['/c', 'set-by-caller'],
      ]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('GatewayMetrics', () => {
  const logger = createLogger({ level: 'silent' });

  it('keeps the counts of each instance apart', async () => {
    const a = new GatewayMetrics(logger);
    const b = new GatewayMetrics(logger);
    a.graphqlRequest('TopicCatalog', 'ok', 0.01);
    a.upstreamCall({ upstream: 'evaluation', method: 'GET', path: '/x', status: 503, durationMs: 12, outcome: 'unavailable' });
    const textA = (await a.render()).body;
    const textB = (await b.render()).body;
    expect(textA).toMatch(/gateway_graphql_requests_total\{operation="TopicCatalog",outcome="ok"\} 1/);
    expect(textA).toMatch(/gateway_upstream_calls_total\{system="evaluation",status="503",outcome="unavailable"\} 1/);
    expect(textB).not.toMatch(/gateway_graphql_requests_total\{/);
  });

  it('bounds the operation names a client can create series with', () => {
    const metrics = new GatewayMetrics(logger);
    expect(metrics.operationLabel(undefined)).toBe('(anonymous)');
    expect(metrics.operationLabel('not a name!')).toBe('(invalid)');
    expect(metrics.operationLabel('x'.repeat(65))).toBe('(invalid)');
    for (let i = 0; i < MAX_OPERATION_NAMES; i++) expect(metrics.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(metrics.operationLabel('OneTooMany')).toBe('other');
    expect(metrics.operationLabel('Op7')).toBe('Op7');
  });

  it('labels routes from a fixed set', () => {
    expect(['/graphql', '/readyz', '/webhooks/case-status/WJJ', '/assets/x/y.js', '/dashboard', '/', '/etc/passwd'].map(routeOf)).toEqual([
      'graphql',
      'readyz',
      'webhooks',
      'assets',
      'dashboard',
      'explorer',
      'other',
    ]);
  });
});

describe('METRICS_TOKEN', () => {
  it('is required as a bearer token when set', async () => {
    const config = loadConfig({ METRICS_TOKEN: 'a-metrics-token-of-some-length' });
    const observability = await createObservability(config, createLogger({ level: 'silent' }));
    const server = createServer((req, res) => void observability.handleMetrics(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: 'Bearer a-metrics-token-of-some-length' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('gateway_graphql_requests_total');
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('must not be short', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });
});

describe('tracing settings', () => {
  it('export nothing and start no SDK without an endpoint', async () => {
    const tracing = await startTracing(loadConfig({}).tracing);
    expect(tracing.exporting).toBe(false);
    const span = tracing.tracer.startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('read the OTLP endpoint, headers and service name like the OpenTelemetry SDKs', () => {
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,tenant=one',
        OTEL_SERVICE_NAME: 'gw',
      }).tracing,
    ).toEqual({ tracesUrl: 'http://collector:4318/v1/traces', headers: { 'x-api-key': 'abc=', tenant: 'one' }, serviceName: 'gw' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/traces' }).tracing.tracesUrl).toBe('https://c.example/traces');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
  });
});
