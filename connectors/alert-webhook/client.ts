/**
 * The operator's alert receiver (ALERT_WEBHOOK_URL): one POST per alert, the
 * JSON body signed like the departments' status webhooks (hex HMAC-SHA256 of
 * the exact bytes in `X-Signature`, delivery/webhooks.ts), with
 * `Idempotency-Key: <alert id>` so that a receiver seeing an alert again
 * (a retry after a lost answer) can tell. Any 2xx is taken; the answer's
 * body is ignored.
 *
 * Through the one HTTP seam (connectors/http.ts) with its deadline and
 * breaker; not retried there (a POST): the alert outbox retries with backoff.
 */
import { z } from 'zod';
import { webhookSignature } from '../../delivery/webhooks.ts';
import { UpstreamClient, type UpstreamCallRecord, type UpstreamPolicy } from '../http.ts';

export interface AlertWebhookOptions {
  /** The receiver's URL, path included. */
  url: string;
  /** Key of the HMAC-SHA256 signature. */
  secret: string;
  /** Deadline and breaker; `timeoutMs` default 3000. */
  policy?: Partial<UpstreamPolicy>;
  onCall?: (record: UpstreamCallRecord) => void;
}

/** The body of an alert as the receiver gets it. */
export type AlertBody = Record<string, unknown>;

export class AlertWebhookClient {
  readonly http: UpstreamClient;
  readonly #path: string;
  readonly #secret: string;

  constructor(options: AlertWebhookOptions) {
    const url = new URL(options.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#secret = options.secret;
    this.http = new UpstreamClient({
      upstream: 'alert-webhook',
      baseUrl: url.origin,
      policy: { ...options.policy, retries: 0 },
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
  }

  /**
   * Posts one alert. @throws an `UpstreamError` when the receiver does not
   * answer 2xx in time.
   */
  async send(alertId: string, body: AlertBody): Promise<void> {
    // UpstreamClient sends JSON.stringify(body): the same bytes as signed here.
    const signature = webhookSignature(this.#secret, JSON.stringify(body));
    await this.http.send({
      method: 'POST',
      path: this.#path,
      headers: { 'x-signature': signature, 'idempotency-key': alertId },
      body,
      schema: z.unknown(),
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
