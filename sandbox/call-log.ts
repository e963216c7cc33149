/**
 * Records every HTTP request the simulators receive, so that tests can count
 * the upstream calls one gateway request causes (the metric gateway
 * benchmarks compare).
 */
import type { SystemName } from './systems.ts';

export interface RecordedCall {
  system: SystemName;
  method: string;
  /** Path and query string exactly as sent, e.g. `/api/v1/matters?codes=A,B`. */
  path: string;
}

export interface CallLog {
  /** Calls since start or the last `reset()`, oldest first; all systems when `system` is omitted. */
  list(system?: SystemName): RecordedCall[];
  /**
   * How many calls `system` (or every system) received, counting only those
   * whose `"<METHOD> <path>"` matches `pattern` when given,
   * e.g. `count('matterRegistry', /^GET \/api\//)` to leave out health checks.
   */
  count(system?: SystemName, pattern?: RegExp): number;
  reset(): void;
}

export class CallRecorder implements CallLog {
  #calls: RecordedCall[] = [];

  record(call: RecordedCall): void {
    this.#calls.push(call);
  }

  list(system?: SystemName): RecordedCall[] {
    return this.#calls.filter((call) => system === undefined || call.system === system);
  }

  count(system?: SystemName, pattern?: RegExp): number {
    return this.list(system).filter((call) => pattern === undefined || pattern.test(`${call.method} ${call.path}`)).length;
  }

  reset(): void {
    this.#calls = [];
  }
}
