/**
 * One autocannon run, in a process of its own so that generating the load
 * does not take the gateway's event loop. Gets its settings from bench/main.ts
 * over IPC and sends back the summary. Several URLs (gateway instances) share
 * the connections round-robin, as a load balancer would.
 */
import autocannon from 'autocannon';

export interface LoadSettings {
  urls: string[];
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead of after `durationSeconds` (a fixed amount of work). */
  amount?: number;
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
    // autocannon takes an array of URLs too, though its types say string.
    url: settings.urls as unknown as string,
    method: 'POST',
    headers: settings.headers,
    body: settings.body,
    connections: settings.connections,
    ...(settings.amount ? { amount: settings.amount } : { duration: settings.durationSeconds }),
    timeout: 30,
  });
  const summary: LoadSummary = {
    requests: result.requests.total,
    // With `amount`, autocannon's per-second average counts the last partial second as a whole one.
    requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.send!(summary, () => process.disconnect());
});
