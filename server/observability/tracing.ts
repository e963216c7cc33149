/**
 * OpenTelemetry traces: one span per GraphQL operation, one child span per
 * upstream call, exported over OTLP/HTTP (JSON) when an endpoint is
 * configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
 *
 * Without an endpoint no SDK is loaded or started: spans come from the
 * OpenTelemetry API's tracer, which does nothing unless the process
 * registered an SDK of its own (e.g. `node --import` of an auto-
 * instrumentation), whose export is then used instead.
 *
 * The SDK is per gateway instance (its own provider, never registered
 * globally), so that several gateways in one process (the tests) do not
 * share spans.
 *
 * @module
 */
import { hostname } from 'node:os';
import { trace, type Tracer } from '@opentelemetry/api';

export interface TracingSettings {
  /** Full URL of the OTLP/HTTP traces endpoint (`…/v1/traces`); null = no export. */
  tracesUrl: string | null;
  /** Extra headers of the export requests (OTEL_EXPORTER_OTLP_HEADERS), e.g. an API key. */
  headers: Record<string, string>;
  /** `service.name` of the spans (OTEL_SERVICE_NAME). */
  serviceName: string;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Whether this gateway exports spans itself. */
  readonly exporting: boolean;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'one-thing-gateway';

export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.tracesUrl) {
    return { tracer: trace.getTracer(TRACER_NAME), exporting: false, flush: async () => {}, shutdown: async () => {} };
  }
  // Loaded only when exporting: a gateway without an endpoint never pays for the SDK.
  const [{ TracerProvider, BatchSpanProcessor }, { resourceFromAttributes }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporter = new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis: 5000 });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.instance.id': `${hostname()}:${process.pid}`,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 2000, exportTimeoutMillis: 5000 })],
  });
  let stopped: Promise<void> | undefined;
  return {
    tracer: provider.getTracer(TRACER_NAME),
    exporting: true,
    flush: () => provider.forceFlush().catch(() => undefined),
    shutdown: () => (stopped ??= provider.shutdown().catch(() => undefined)),
  };
}
