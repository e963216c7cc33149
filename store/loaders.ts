/**
 * Per-request loaders of the gateway's own records, so a page of
 * applications costs one query for all their cases, not one per application.
 */
import DataLoader from 'dataloader';
import {
  casesOfApplications,
  evaluationsOf,
  findApplications,
  materialsOfApplications,
  type ApplicationRecord,
  type CaseRecord,
  type EvaluationRecord,
  type MaterialRecord,
} from './applications.ts';
import { submissionSessions, type AssistanceSessionRecord } from './assistance.ts';
import type { Queryable } from './database.ts';
import { latestOnlineUrlCheck, type CheckedOnlineUrl } from './guide-checks.ts';

export interface StoreLoaders {
  application: DataLoader<string, ApplicationRecord | null>;
  casesOf: DataLoader<string, CaseRecord[]>;
  materialsOf: DataLoader<string, MaterialRecord[]>;
  evaluationOf: DataLoader<string, EvaluationRecord | null>;
  /** The latest routine check of a topic's online address, by topic code. */
  onlineUrlCheckOf: DataLoader<string, CheckedOnlineUrl | null>;
  /** The assistance session an application was submitted in, by application id; null when the applicant submitted it. */
  submissionSessionOf: DataLoader<string, AssistanceSessionRecord | null>;
}

/** The process-wide batchers: the same loaders as a request's, with no cache (see {@link createStoreBatches}). */
export type StoreBatches = StoreLoaders;

/** Batches across requests collect until the I/O callbacks of the turn have run. */
const batchAcrossRequests = { cache: false, batchScheduleFn: (callback: () => void) => setImmediate(callback) } as const;

/**
 * Process-wide batchers of the same reads, with no cache: the loads of all
 * requests in one turn of the event loop go into one statement. A statement's
 * fixed cost dominates on the embedded database, so concurrent status
 * queries share four statements instead of paying four each. Nothing is
 * kept between batches, so no request ever sees another's answer from here;
 * each request's own loaders (below) cache for that request alone, and
 * authorization stays with the caller of each load.
 */
export function createStoreBatches(db: Queryable): StoreBatches {
  const keyed =
    <V>(read: (keys: readonly string[]) => Promise<Map<string, V>>, missing: () => V) =>
    async (keys: readonly string[]) => {
      const found = await read(keys);
      return keys.map((key) => found.get(key) ?? missing());
    };
  return {
    application: new DataLoader(keyed((ids) => findApplications(db, ids), () => null), batchAcrossRequests),
    casesOf: new DataLoader(keyed((ids) => casesOfApplications(db, ids), () => []), batchAcrossRequests),
    materialsOf: new DataLoader(keyed((ids) => materialsOfApplications(db, ids), () => []), batchAcrossRequests),
    evaluationOf: new DataLoader(keyed((ids) => evaluationsOf(db, ids), () => null), batchAcrossRequests),
    onlineUrlCheckOf: new DataLoader(keyed((codes) => latestOnlineUrlCheck(db, codes), () => null), batchAcrossRequests),
    submissionSessionOf: new DataLoader(keyed((ids) => submissionSessions(db, ids), () => null), batchAcrossRequests),
  };
}

/** One request's loaders: cached for the request, reading through the process-wide `batches`. */
export function createStoreLoaders(batches: StoreBatches): StoreLoaders {
  const through = <V>(shared: DataLoader<string, V>) => new DataLoader<string, V>((keys) => shared.loadMany(keys));
  return {
    application: through(batches.application),
    casesOf: through(batches.casesOf),
    materialsOf: through(batches.materialsOf),
    evaluationOf: through(batches.evaluationOf),
    onlineUrlCheckOf: through(batches.onlineUrlCheckOf),
    submissionSessionOf: through(batches.submissionSessionOf),
  };
}
