/**
 * Probes a topic's online address (网上申办地址) for the routine guide check
 * (usecases/guide-check.ts): one GET through connectors/http.ts
 * (`UpstreamClient.probe`), one client per origin for as long as the prober
 * lives, so a run's probes of one portal share connections and
 * {@link UrlProber.close} leaves no socket behind.
 *
 * @module
 */
import { UpstreamError, UpstreamTimeoutError } from '../../lib/errors.ts';
import { DestinationRefusedError, type EgressPolicy } from '../egress.ts';
import { UpstreamClient } from '../http.ts';

/** The outcome of one GET of an online address. */
export interface UrlProbeResult {
  /** It answered 2xx or 3xx within the deadline. */
  reachable: boolean;
  /** The HTTP status it answered; null when no answer came. */
  status: number | null;
  /** Milliseconds until the answer's headers, or until giving up. */
  latencyMs: number;
  /** Why it is not reachable, in words (`HTTP 404`, `no answer within 5000 ms`, …); null when reachable. */
  error: string | null;
}

export interface UrlProberOptions {
  /**
   * Where an online address may be reached (connectors/egress.ts); a refused
   * one is unreachable without a connection. Default: anywhere its URL says.
   */
  egress?: EgressPolicy;
}

/** Body bytes read (and discarded) after the answer's headers; a longer body's connection is dropped. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

/** Probes online addresses; close it when done (see the module comment). */
export class UrlProber {
  readonly #clients = new Map<string, UpstreamClient>();
  readonly #egress: EgressPolicy | undefined;
  #closed = false;

  constructor(options: UrlProberOptions = {}) {
    this.#egress = options.egress;
  }

  /**
   * GETs `url` once, without following redirects, and says whether it
   * answered 2xx or 3xx within `timeoutMs` (connecting and the answer's
   * headers included). The body is read and discarded within what is left of
   * the deadline. Every failure is an unreachable result with the reason in
   * words; it throws only once the prober is closed. A server that never answers costs `timeoutMs`, no
   * more. Bound to its prober, so it can be handed over as a function.
   */
  readonly probe = async (url: string, timeoutMs: number): Promise<UrlProbeResult> => {
    if (this.#closed) throw new Error('the URL prober is closed');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { reachable: false, status: null, latencyMs: 0, error: 'not a valid URL' };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { reachable: false, status: null, latencyMs: 0, error: `not an http(s) address (${parsed.protocol})` };
    }
    const started = performance.now();
    try {
      const { status, headersMs } = await this.#clientFor(parsed.origin, timeoutMs).probe({
        path: `${parsed.pathname}${parsed.search}`,
        headers: { accept: 'text/html,*/*', 'user-agent': 'one-thing-gateway guide check' },
        discardBytes: DISCARD_LIMIT_BYTES,
        settlesAt: 'headers',
      });
      const reachable = status >= 200 && status < 400;
      return { reachable, status, latencyMs: Math.round(headersMs), error: reachable ? null : `HTTP ${status}` };
    } catch (error) {
      return { reachable: false, status: null, latencyMs: Math.round(performance.now() - started), error: describeFailure(error) };
    }
  };

  /** Closes every connection; probing afterwards throws. */
  async close(): Promise<void> {
    this.#closed = true;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }

  #clientFor(origin: string, timeoutMs: number): UpstreamClient {
    // Keyed by the deadline too: it also bounds connecting, which is the client's.
    const key = `${timeoutMs} ${origin}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = new UpstreamClient({
        upstream: 'online-address',
        baseUrl: origin,
        policy: { timeoutMs, retries: 0 },
        ...(this.#egress ? { egress: this.#egress } : {}),
      });
      this.#clients.set(key, client);
    }
    return client;
  }
}

/** Runs `use` with a prober of its own, closed after, whatever becomes of `use`: a guide check run's probes, say. */
export async function withUrlProber<T>(use: (prober: UrlProber) => Promise<T>, options: UrlProberOptions = {}): Promise<T> {
  const prober = new UrlProber(options);
  try {
    return await use(prober);
  } finally {
    await prober.close();
  }
}

/** {@link UrlProber.probe} with a prober of its own: for a single look. */
export function probeUrl(url: string, timeoutMs: number, options: UrlProberOptions = {}): Promise<UrlProbeResult> {
  return withUrlProber((prober) => prober.probe(url, timeoutMs), options);
}

function describeFailure(error: unknown): string {
  if (error instanceof UpstreamTimeoutError) return `no answer within ${error.deadlineMs} ms`;
  const cause = error instanceof UpstreamError ? error.cause : error;
  if (cause instanceof DestinationRefusedError) {
    return cause.reason === 'HOST_NOT_RESOLVED' ? 'host name not found' : `address not allowed (${cause.message})`;
  }
  const e = cause as { code?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed without an answer';
  if ((typeof code === 'string' && code.startsWith('ERR_TLS')) || code === 'CERT_HAS_EXPIRED' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `TLS failure (${code})`;
  }
  return code ? `request failed (${code})` : 'request failed';
}
