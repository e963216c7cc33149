/**
 * The per-request context every resolver receives: who is asking, the
 * process-wide services, and this request's own loaders (which never outlive
 * the request, so one caller's data cannot reach another's).
 */
import type { Logger } from '../lib/logger.ts';
import { createRegistryLoaders, type RegistryLoaders } from '../connectors/matter-registry/loaders.ts';
import { createCertificateLoaders, type CertificateLoaders } from '../connectors/e-certificates/loaders.ts';
import { createDataCenterLoaders, type DataCenterLoaders } from '../connectors/data-center/loaders.ts';
import type { PersonalDataRead, PersonalReadContext } from '../connectors/personal-read.ts';
import { createStoreLoaders, type StoreLoaders } from '../store/loaders.ts';
import { createApprovalLoaders, type ApprovalLoaders } from '../connectors/approval/loaders.ts';
import { RequestReads } from '../store/access-log.ts';
import type { GatewayServices } from './services.ts';

export type Role = 'APPLICANT' | 'DEPARTMENT_STAFF' | 'EVALUATOR' | 'ADMIN';

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      /** Citizen ID number or unified social credit code (the token's `sub`). */
      subject: string;
      name: string;
      role: Role;
      /** Department code, for DEPARTMENT_STAFF. */
      department?: string;
    };

export interface RequestLoaders {
  registry: RegistryLoaders;
  store: StoreLoaders;
  /** Case statuses as the departments see them now. */
  approval: ApprovalLoaders;
}

/** Loaders of personal data; they exist only for a signed-in caller and only for this request. */
export interface PersonalLoaders {
  certificates: CertificateLoaders;
  dataCenter: DataCenterLoaders;
}

export interface GatewayContext {
  requestId: string;
  viewer: Viewer;
  services: GatewayServices;
  loaders: RequestLoaders;
  /** `null` for anonymous callers: they never cause a personal look-up. */
  personal: PersonalLoaders | null;
  /** This request's reads of personal data, to store before its answer leaves (server/app.ts); null for anonymous callers. */
  reads: RequestReads | null;
  logger: Logger;
}

export function createContext(services: GatewayServices, requestId: string, viewer: Viewer): GatewayContext {
  let personal: PersonalLoaders | null = null;
  let reads: RequestReads | null = null;
  if (viewer.kind === 'user') {
    const requestReads = new RequestReads(services.accessLog);
    reads = requestReads;
    const context: PersonalReadContext = {
      operator: viewer.subject,
      recordReads: (entries: readonly PersonalDataRead[]) =>
        requestReads.add(entries.map((entry) => ({ ...entry, actor: viewer.subject, actorRole: viewer.role, requestId }))),
    };
    personal = {
      certificates: createCertificateLoaders(services.eCertificates, context),
      dataCenter: createDataCenterLoaders(services.dataCenter, context),
    };
  }
  return {
    requestId,
    viewer,
    services,
    loaders: {
      registry: createRegistryLoaders(services.registry),
      store: createStoreLoaders(services.db),
      approval: createApprovalLoaders(services.connectors, services.approvalClients),
    },
    personal,
    reads,
    logger: services.logger.child({ requestId }),
  };
}

export const isAdmin = (viewer: Viewer) => viewer.kind === 'user' && viewer.role === 'ADMIN';
