/**
 * Per-request loaders of registry data. They de-duplicate the keys one
 * GraphQL request asks for and hand them to the process-wide cache in one
 * batch, so a query over many matters costs one registry call per 50
 * uncached matters, however many fields ask.
 */
import DataLoader from 'dataloader';
import type { CachedMatterRegistry } from './cache.ts';
import type { CertificateType, Department, Matter, Topic } from './models.ts';

export interface RegistryLoaders {
  matter: DataLoader<string, Matter | null>;
  topic: DataLoader<string, Topic | null>;
  department: DataLoader<string, Department | null>;
  certificateType: DataLoader<string, CertificateType | null>;
}

export function createRegistryLoaders(registry: CachedMatterRegistry): RegistryLoaders {
  return {
    matter: new DataLoader((codes) => registry.mattersByCode(codes)),
    topic: new DataLoader((codes) => Promise.all(codes.map((code) => registry.topic(code)))),
    department: new DataLoader(async (codes) => {
      const byCode = new Map((await registry.departments()).map((d) => [d.code, d]));
      return codes.map((code) => byCode.get(code) ?? null);
    }),
    certificateType: new DataLoader(async (codes) => {
      const byCode = new Map((await registry.certificateTypes()).map((t) => [t.code, t]));
      return codes.map((code) => byCode.get(code) ?? null);
    }),
  };
}
