/**
 * Pushes the approval simulators' case changes to the gateway as signed
 * caseStatusChanged webhooks. Best effort, like the real systems: polling
 * GET /api/v1/cases stays authoritative, so failed deliveries are dropped.
 *
 * One unref'd timer polls every approval system for changes, which keeps the
 * case clock lazy and lets the process exit without closing the sandbox.
 */
import { createHmac } from 'node:crypto';
import type { ApprovalSystem, CaseView } from './approval.ts';

/** A webhook receiver that does not answer within this is given up on. */
const DELIVERY_TIMEOUT_MS = 5000;

export interface WebhookSource {
  system: ApprovalSystem;
  webhookSecret: string;
}

export type WebhookTarget = (departmentCode: string) => string;

export class WebhookDispatcher {
  readonly #sources: readonly WebhookSource[];
  readonly #timer: NodeJS.Timeout;
  readonly #shutdown = new AbortController();
  /** Per department, the tail of its delivery chain: deliveries go one at a time so receivers see changes in order. */
  readonly #chains = new Map<string, Promise<void>>();
  #target: WebhookTarget | null = null;

  constructor(sources: readonly WebhookSource[], pollMs: number) {
    this.#sources = sources;
    this.#timer = setInterval(() => this.#poll(), pollMs).unref();
  }

  setTarget(target: WebhookTarget | null): void {
    this.#target = target;
  }

  /** Stops polling and aborts the deliveries in flight. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#shutdown.abort();
    await Promise.all(this.#chains.values());
  }

  #poll(): void {
    for (const { system, webhookSecret } of this.#sources) {
      // Changes are taken even with no target, so a target set later is not flooded with old news.
      const changes = system.takeChanges();
      const target = this.#target;
      if (target === null || changes.length === 0) continue;
      const departmentCode = system.departmentCode;
      const tail = this.#chains.get(departmentCode) ?? Promise.resolve();
      const next = changes.reduce(
        (chain, change) => chain.then(() => this.#deliver(target, departmentCode, webhookSecret, change)),
        tail,
      );
      this.#chains.set(departmentCode, next);
    }
  }

  async #deliver(target: WebhookTarget, departmentCode: string, secret: string, change: CaseView): Promise<void> {
    if (this.#shutdown.signal.aborted) return;
    // An own controller rather than AbortSignal.any/timeout, whose timeout did not abort fetch on Node 20.
    const abort = new AbortController();
    const stop = () => abort.abort();
    const timer = setTimeout(stop, DELIVERY_TIMEOUT_MS);
    this.#shutdown.signal.addEventListener('abort', stop);
    try {
      const body = JSON.stringify(change);
      const response = await fetch(target(departmentCode), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Signature': createHmac('sha256', secret).update(body).digest('hex') },
        body,
        signal: abort.signal,
      });
      await response.body?.cancel();
    } catch {
      // Best effort: the receiver's failure is its own; it can poll.
    } finally {
      clearTimeout(timer);
      this.#shutdown.signal.removeEventListener('abort', stop);
    }
  }
}
