/**
 * Fault injection: makes one simulated system misbehave the way real
 * upstreams do, so resilience tests can prove the gateway copes.
 *
 * Faults apply to API calls (paths under `/api/`). `/health` follows only
 * the `down` fault, and health checks do not use up a fault's `times`.
 * The registry's `/portal/` pages are never affected: they stand for a
 * separate web portal and have their own unreachable pages.
 */
import type { SystemName } from './systems.ts';

export type Fault =
  /** 503 Service Unavailable, before the request is processed. */
  | { kind: 'down' }
  /** The given status with an `{code, message}` body, before the request is processed. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** The normal answer, after an extra delay in milliseconds. */
  | { kind: 'slow'; delayMs: number }
  /** The request is processed (side effects happen), but the body is cut in half: invalid JSON with a consistent Content-Length. */
  | { kind: 'malformedJson' }
  /** The request is processed, but the body is valid JSON of a shape no contract allows. */
  | { kind: 'wrongShape' }
  /** The request is processed; half the body is written, then the socket is destroyed. */
  | { kind: 'resetMidBody' }
  /** The request is never answered (nor processed); the connection stays open until the sandbox closes. */
  | { kind: 'hang' };

/** A fault, optionally limited to the next `times` API calls (default: until cleared). */
export type FaultSetting = Fault & { times?: number };

export interface FaultControl {
  /** Makes `system` misbehave from its next API call on; `null` restores normal service. */
  set(system: SystemName, fault: FaultSetting | null): void;
  /** Restores normal service everywhere. */
  clear(): void;
}

export class FaultRegistry implements FaultControl {
  readonly #active = new Map<SystemName, FaultSetting>();
  readonly #known: ReadonlySet<SystemName>;

  constructor(systems: Iterable<SystemName>) {
    this.#known = new Set(systems);
  }

  set(system: SystemName, fault: FaultSetting | null): void {
    // Throwing on unknown names catches typos that would silently leave a test fault-free.
    if (!this.#known.has(system)) throw new Error(`Unknown sandbox system: ${system}`);
    if (fault === null) {
      this.#active.delete(system);
      return;
    }
    checkFault(fault);
    this.#active.set(system, { ...fault });
  }

  clear(): void {
    this.#active.clear();
  }

  /** The fault for an API call to `system`, using up one of its `times`. */
  takeForApiCall(system: SystemName): Fault | null {
    const fault = this.#active.get(system);
    if (!fault) return null;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.#active.delete(system);
    }
    return fault;
  }

  /** Whether `/health` of `system` must answer 503. */
  isDown(system: SystemName): boolean {
    return this.#active.get(system)?.kind === 'down';
  }
}

function checkFault(fault: FaultSetting): void {
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) {
    throw new Error(`Fault times must be a positive integer, got ${fault.times}`);
  }
  if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 100 && fault.status <= 599)) {
    throw new Error(`Fault status must be an HTTP status code, got ${fault.status}`);
  }
  if (fault.kind === 'slow' && !(fault.delayMs >= 0)) {
    throw new Error(`Fault delayMs must be >= 0, got ${fault.delayMs}`);
  }
}
