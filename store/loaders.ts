/**
 * Per-request loaders of the gateway's own records, so a page of
 * applications costs one query for all their cases, not one per application.
 */
import DataLoader from 'dataloader';
import {
  casesOfApplications,
  evaluationsOf,
  findApplications,
  materialsOf,
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

export function createStoreLoaders(db: Queryable): StoreLoaders {
  return {
    application: new DataLoader(async (ids) => {
      const found = await findApplications(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    casesOf: new DataLoader(async (ids) => {
      const byApplication = await casesOfApplications(db, ids);
      return ids.map((id) => byApplication.get(id) ?? []);
    }),
    materialsOf: new DataLoader((ids) => Promise.all(ids.map((id) => materialsOf(db, id)))),
    evaluationOf: new DataLoader(async (ids) => {
      const found = await evaluationsOf(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    onlineUrlCheckOf: new DataLoader(async (codes) => {
      const found = await latestOnlineUrlCheck(db, codes);
      return codes.map((code) => found.get(code) ?? null);
    }),
    submissionSessionOf: new DataLoader(async (ids) => {
      const found = await submissionSessions(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
