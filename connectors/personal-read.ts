/**
 * What every read of personal data carries: on whose behalf, why, and the
 * duty to write the access log before the data is handed out. Loaders built
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
   * Writes the reads to the access log. Awaited before the data is returned:
   * when the log cannot be written, the data is not handed out.
   */
  recordReads(reads: readonly PersonalDataRead[]): Promise<void>;
}

export { chunk, groupBy } from '../lib/collections.ts';
