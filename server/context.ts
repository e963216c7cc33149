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
import type { Viewer } from '../domain/actor.ts';
import type { FollowApplicationDeps } from '../usecases/follow-application.ts';

export type { Role, Viewer } from '../domain/actor.ts';
export type { AssistedBy } from '../domain/assistance.ts';

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
  let reads: RequestReads | null = null;
  // Window staff outside an assistance session see no personal data at all.
  if (viewer.kind === 'user' && viewer.role !== 'WINDOW_STAFF') {
    const reader = readerOf(viewer);
    const requestReads = new RequestReads(services.accessLog);
    reads = requestReads;
    const context: PersonalReadContext = {
      operator: viewer.subject,
      recordReads: (entries: readonly PersonalDataRead[]) => requestReads.add(entries.map((entry) => ({ ...entry, ...reader, requestId }))),
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
      store: createStoreLoaders(services.storeBatches),
      approval: createApprovalLoaders(services.connectors, services.approvalClients),
    },
    personal,
    reads,
    logger: services.logger.child({ requestId }),
  };
}

/** Who the access log names as the reader: the staff member in an assistance session, the caller otherwise. */
function readerOf(viewer: Extract<Viewer, { kind: 'user' }>) {
  const assisted = viewer.assistedBy;
  if (!assisted) return { actor: viewer.subject, actorRole: viewer.role };
  return { actor: assisted.staffId, actorRole: 'WINDOW_STAFF', hall: assisted.hall, consent: assisted.consent };
}

export { isAdmin } from '../domain/actor.ts';
