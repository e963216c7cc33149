/**
 * The per-request context every resolver receives: who is asking, the
 * process-wide services, and this request's own loaders (which never outlive
 * the request, so one caller's data cannot reach another's).
 */
import type { Logger } from '../lib/logger.ts';
import { createRegistryLoaders, type RegistryLoaders } from '../connectors/matter-registry/loaders.ts';
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
}

export interface GatewayContext {
  requestId: string;
  viewer: Viewer;
  services: GatewayServices;
  loaders: RequestLoaders;
  logger: Logger;
}

export function createContext(services: GatewayServices, requestId: string, viewer: Viewer): GatewayContext {
  return {
    requestId,
    viewer,
    services,
    loaders: { registry: createRegistryLoaders(services.registry) },
    logger: services.logger.child({ requestId }),
  };
}

export const isAdmin = (viewer: Viewer) => viewer.kind === 'user' && viewer.role === 'ADMIN';
