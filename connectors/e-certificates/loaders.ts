/**
 * Per-request loaders of e-certificates: every holder one request asks for,
 * for one purpose and one set of certificate types, goes to the library in
 * one search (100 holders per call). Each holder read is logged before the
 * certificates are returned.
 */
import DataLoader from 'dataloader';
import { chunk, groupBy } from '../../lib/collections.ts';
import type { PersonalReadContext } from '../personal-read.ts';
import { HOLDERS_PER_SEARCH, type ECertificatesClient } from './client.ts';
import type { Certificate } from './models.ts';

export interface CertificateQuery {
  holderId: string;
  /** Only these types are asked for (least privilege); sorted. */
  typeCodes: readonly string[];
  purpose: string;
}

export interface CertificateLoaders {
  /** The holder's certificates of the asked types, any status. */
  byHolder: DataLoader<CertificateQuery, Certificate[], string>;
  /** One certificate by id (for result certificates of the applicant's own cases). */
  byId: DataLoader<{ id: string; purpose: string }, Certificate | null, string>;
}

const batchKey = (q: CertificateQuery) => `${q.purpose}\u0000${q.typeCodes.join(',')}`;

export function createCertificateLoaders(client: ECertificatesClient, reads: PersonalReadContext): CertificateLoaders {
  const byHolder = new DataLoader<CertificateQuery, Certificate[], string>(
    async (queries) => {
      const results = new Map<string, Certificate[]>();
      await Promise.all(
        [...groupBy(queries, batchKey).values()].map(async (group) => {
          const { purpose, typeCodes } = group[0]!;
          const holders = [...new Set(group.map((q) => q.holderId))];
          for (const holderIds of chunk(holders, HOLDERS_PER_SEARCH)) {
            const found = await client.search(holderIds, typeCodes, { purpose, operator: reads.operator });
            await reads.recordReads(
              holderIds.map((subject) => ({ subject, system: 'e-certificates', items: typeCodes.length ? typeCodes : ['*'], purpose })),
            );
            for (const holderId of holderIds) {
              // The library may answer more than was asked; keep only what was asked for.
              const own = found.filter((c) => c.holderId === holderId && (typeCodes.length === 0 || typeCodes.includes(c.typeCode)));
              results.set(`${batchKey({ holderId, typeCodes, purpose })}\u0000${holderId}`, own);
            }
          }
        }),
      );
      return queries.map((q) => results.get(`${batchKey(q)}\u0000${q.holderId}`) ?? []);
    },
    { cacheKeyFn: (q) => `${batchKey(q)}\u0000${q.holderId}` },
  );

  const byId = new DataLoader<{ id: string; purpose: string }, Certificate | null, string>(
    (keys) =>
      Promise.all(
        keys.map(async ({ id, purpose }) => {
          const certificate = await client.certificate(id, { purpose, operator: reads.operator });
          if (certificate) {
            await reads.recordReads([
              { subject: certificate.holderId, system: 'e-certificates', items: [certificate.typeCode], purpose },
            ]);
          }
          return certificate;
        }),
      ),
    { cacheKeyFn: (k) => `${k.purpose}\u0000${k.id}` },
  );

  return { byHolder, byId };
}
