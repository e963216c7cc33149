/**
 * What every read of personal data carries: on whose behalf, why, and the
 * duty to record it in the access log as soon as the data is in hand. Loaders built
 * from it live for one GraphQL request only, so one caller's personal data
 * never sits in a cache another caller can reach.
 */

/** One entry of the personal-data access log, as the connectors report it. */
export interface PersonalDataRead {
  /** The data subject: citizen ID number or credit code. */
  subject: string;
  system: 'e-certificates' | 'data-center';
  /** What was read, e.g. certificate type codes or `person.householdAddress`. */
  items: readonly string[];
  purpose: string;
}

export interface PersonalReadContext {
  /** The subject on whose behalf the gateway reads (X-Operator). */
  operator: string;
  /**
   * Records the reads for the access log, before the data is returned. The
   * gateway stores a request's reads before its answer leaves and sends no
   * data when they cannot be stored (store/access-log.ts `RequestReads`).
   */
  recordReads(reads: readonly PersonalDataRead[]): void | Promise<void>;
}
