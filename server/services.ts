/**
 * The process-wide parts of the gateway: connector clients with their
 * caches, configuration and logger. Built once at start, closed at shutdown.
 */
import type { UpstreamCallRecord, UpstreamPolicy } from '../connectors/http.ts';
import { CachedMatterRegistry } from '../connectors/matter-registry/cache.ts';
import { MatterRegistryClient } from '../connectors/matter-registry/client.ts';
import type { Logger } from '../lib/logger.ts';
import type { GatewayConfig, UpstreamEndpoint } from './config.ts';
import type { TokenVerifier } from './identity.ts';

export interface UpstreamEndpoints {
  matterRegistry: UpstreamEndpoint;
  eCertificates: UpstreamEndpoint;
  dataCenter: UpstreamEndpoint;
  evaluation: UpstreamEndpoint;
}

export interface GatewayServices {
  config: GatewayConfig;
  logger: Logger;
  registry: CachedMatterRegistry;
  verifier: TokenVerifier;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Told about every upstream call, for metrics and tests. */
  onUpstreamCall?: (record: UpstreamCallRecord) => void;
}

export function createServices(
  config: GatewayConfig,
  endpoints: UpstreamEndpoints,
  logger: Logger,
  verifier: TokenVerifier,
  options: ServiceOptions = {},
): GatewayServices {
  const policy: Partial<UpstreamPolicy> = { timeoutMs: config.upstreamTimeoutMs };
  const onCall = (record: UpstreamCallRecord) => {
    options.onUpstreamCall?.(record);
    if (record.outcome !== 'ok') logger.warn({ upstreamCall: record }, 'upstream call failed');
  };
  const registryClient = new MatterRegistryClient({ baseUrl: endpoints.matterRegistry.url, policy, onCall });
  const registry = new CachedMatterRegistry(registryClient, { ttlMs: config.registryCacheTtlMs });
  return {
    config,
    logger,
    registry,
    verifier,
    async close() {
      await registryClient.close();
    },
  };
}
