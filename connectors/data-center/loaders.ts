/**
 * Per-request loaders of the data center: persons, enterprises and dataset
 * availability, each endpoint asked once per batch for all its keys. Every
 * subject read is logged, with the items read, before the data is returned.
 */
import DataLoader from 'dataloader';
import { chunk, groupBy } from '../../lib/collections.ts';
import type { PersonalReadContext } from '../personal-read.ts';
import { SUBJECTS_PER_QUERY, type DataCenterClient } from './client.ts';
import type { Enterprise, Person } from './models.ts';

export interface RecordQuery {
  id: string;
  purpose: string;
  /** The fields the caller will use, for the access log, e.g. `person.householdAddress`. */
  items: readonly string[];
}

export interface AvailabilityQuery {
  dataset: string;
  subjectId: string;
  purpose: string;
}

export interface DataCenterLoaders {
  person: DataLoader<RecordQuery, Person | null, string>;
  enterprise: DataLoader<RecordQuery, Enterprise | null, string>;
  /** `false` also when the center does not know the dataset. */
  available: DataLoader<AvailabilityQuery, boolean, string>;
}

const recordKey = (q: RecordQuery) => `${q.purpose}\u0000${q.id}`;

function recordLoader<T>(
  reads: PersonalReadContext,
  fetch: (ids: string[], purpose: string) => Promise<T[]>,
  idOf: (record: T) => string,
) {
  return new DataLoader<RecordQuery, T | null, string>(
    async (queries) => {
      const found = new Map<string, T>();
      await Promise.all(
        [...groupBy(queries, (q) => q.purpose)].map(async ([purpose, group]) => {
          const ids = [...new Set(group.map((q) => q.id))];
          for (const part of chunk(ids, SUBJECTS_PER_QUERY)) {
            const records = await fetch(part, purpose);
            const known = new Set(records.map(idOf));
            const itemsBySubject = new Map<string, Set<string>>();
            for (const q of group) {
              if (!known.has(q.id)) continue;
              const items = itemsBySubject.get(q.id) ?? new Set<string>();
              q.items.forEach((item) => items.add(item));
              itemsBySubject.set(q.id, items);
            }
            await reads.recordReads(
              [...itemsBySubject].map(([subject, items]) => ({ subject, system: 'data-center', items: [...items].sort(), purpose })),
            );
            for (const record of records) found.set(`${purpose}\u0000${idOf(record)}`, record);
          }
        }),
      );
      return queries.map((q) => found.get(recordKey(q)) ?? null);
    },
    { cacheKeyFn: recordKey },
  );
}

export function createDataCenterLoaders(client: DataCenterClient, reads: PersonalReadContext): DataCenterLoaders {
  const person = recordLoader<Person>(
    reads,
    (ids, purpose) => client.persons(ids, { purpose, operator: reads.operator }),
    (p) => p.idNumber,
  );
  const enterprise = recordLoader<Enterprise>(
    reads,
    (ids, purpose) => client.enterprises(ids, { purpose, operator: reads.operator }),
    (e) => e.creditCode,
  );
  const available = new DataLoader<AvailabilityQuery, boolean, string>(
    async (queries) => {
      const answers = new Map<string, boolean>();
      const key = (dataset: string, subjectId: string, purpose: string) => `${purpose}\u0000${dataset}\u0000${subjectId}`;
      await Promise.all(
        [...groupBy(queries, (q) => `${q.purpose}\u0000${q.dataset}`).values()].map(async (group) => {
          const { dataset, purpose } = group[0]!;
          const subjects = [...new Set(group.map((q) => q.subjectId))];
          for (const part of chunk(subjects, SUBJECTS_PER_QUERY)) {
            const items = (await client.availability(dataset, part, { purpose, operator: reads.operator })) ?? [];
            await reads.recordReads(part.map((subject) => ({ subject, system: 'data-center', items: [`dataset:${dataset}`], purpose })));
            for (const item of items) {
              if (part.includes(item.subjectId)) answers.set(key(dataset, item.subjectId, purpose), item.available);
            }
          }
        }),
      );
      return queries.map((q) => answers.get(key(q.dataset, q.subjectId, q.purpose)) ?? false);
    },
    { cacheKeyFn: (q) => `${q.purpose}\u0000${q.dataset}\u0000${q.subjectId}` },
  );
  return { person, enterprise, available };
}
