/**
 * One autocannon run, in a process of its own so that generating the load
 * does not take the gateway's event loop. Gets its settings from bench/main.ts
 * over IPC and sends back the summary.
 */
import autocannon from 'autocannon';

export interface LoadSettings {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadSummary {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

process.once('message', async (settings: LoadSettings) => {
  const result = await autocannon({
    url: settings.url,
    method: 'POST',
    headers: settings.headers,
    body: settings.body,
    connections: settings.connections,
    duration: settings.durationSeconds,
    timeout: 30,
  });
  const summary: LoadSummary = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.send!(summary, () => process.disconnect());
});
