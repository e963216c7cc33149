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
import type { GatewayServices } from './services.ts';
import type { FollowApplicationDeps } from '../usecases/follow-application.ts';

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
  logger: Logger;
  /** Only on the live status stream (server/subscriptions.ts): what the subscription reads from and where it resumes. */
  live?: LiveStreamContext;
}

export interface LiveStreamContext {
  deps: FollowApplicationDeps;
  /** The Last-Event-ID the client sent; null when none. */
  lastEventId: string | null;
  /** The id of the event being sent now, for the SSE `id:` field. */
  sendingEventId: string | null;
}

export function createContext(services: GatewayServices, requestId: string, viewer: Viewer): GatewayContext {
  let personal: PersonalLoaders | null = null;
  if (viewer.kind === 'user') {
    const reads: PersonalReadContext = {
      operator: viewer.subject,
      recordReads: (entries: readonly PersonalDataRead[]) =>
        services.accessLog.record(
          entries.map((entry) => ({ ...entry, actor: viewer.subject, actorRole: viewer.role, requestId })),
        ),
    };
    personal = {
      certificates: createCertificateLoaders(services.eCertificates, reads),
      dataCenter: createDataCenterLoaders(services.dataCenter, reads),
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
    logger: services.logger.child({ requestId }),
  };
}

export const isAdmin = (viewer: Viewer) => viewer.kind === 'user' && viewer.role === 'ADMIN';
