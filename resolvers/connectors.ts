/**
 * Department administrators connect their approval systems at run time.
 * Tokens go in and are never shown again; every connector reports health.
 */
import { BadUserInputError } from '../lib/errors.ts';
import { CENTRAL_CONNECTORS } from '../server/services.ts';
import { mayReadHealthDetails } from '../server/authorization.ts';
import { registerConnectorDeps } from '../server/usecase-deps.ts';
import { registerConnector } from '../usecases/register-connector.ts';
import type { Resolvers } from './__generated__/types.ts';
import type { ConnectorView } from './models.ts';

const CENTRAL_KINDS = {
  matterRegistry: 'MATTER_REGISTRY',
  eCertificates: 'E_CERTIFICATES',
  dataCenter: 'DATA_CENTER',
  evaluation: 'EVALUATION',
} as const;

export const connectorResolvers: Resolvers = {
  Query: {
    connectors: async (_root, _args, ctx) => {
      const { viewer, services } = ctx;
      const own = viewer.kind === 'user' && viewer.role === 'DEPARTMENT_STAFF' ? viewer.department : null;
      const approval: ConnectorView[] = (await services.connectors.list())
        .filter((c) => own === null || c.departmentCode === own)
        .map((record) => ({ kind: 'APPROVAL', id: record.id, departmentCode: record.departmentCode, baseUrl: record.baseUrl, matterCodes: record.matterCodes, timeoutMs: record.timeoutMs }));
      if (own !== null) return approval;
      const central: ConnectorView[] = Object.entries(CENTRAL_CONNECTORS).map(([key, id]) => ({
        kind: CENTRAL_KINDS[key as keyof typeof CENTRAL_KINDS],
        id,
        departmentCode: null,
        baseUrl: services.upstreams[key as keyof typeof CENTRAL_KINDS].url,
        matterCodes: [],
        timeoutMs: services.config.upstreamTimeoutMs,
      }));
      return [...central, ...approval];
    },
  },
  Mutation: {
    registerConnector: async (_root, { input }, ctx) => {
      const connector = await registerConnector(
        registerConnectorDeps(ctx),
        { subject: ctx.viewer.kind === 'user' ? ctx.viewer.subject : 'unknown' },
        input,
      );
      ctx.logger.info({ connectorId: connector.id, departmentCode: connector.departmentCode, baseUrl: connector.baseUrl }, 'connector registered');
      return {
        connector: { kind: 'APPROVAL', id: connector.id, departmentCode: connector.departmentCode, baseUrl: connector.baseUrl, matterCodes: connector.matterCodes, timeoutMs: connector.timeoutMs },
      };
    },
    removeConnector: async (_root, { id }, ctx) => {
      const record = await ctx.services.connectors.find(id);
      const viewer = ctx.viewer;
      const mayManage = record && viewer.kind === 'user' && (viewer.role === 'ADMIN' || viewer.department === record.departmentCode);
      if (!record || !mayManage) {
        // Another department's connector is reported like a missing one.
        throw new BadUserInputError(`No connector ${id}`, [{ field: 'id', code: 'UNKNOWN_CONNECTOR', message: `no connector with id ${id}` }]);
      }
      await ctx.services.connectors.remove(id);
      ctx.logger.info({ connectorId: id, departmentCode: record.departmentCode }, 'connector removed');
      return { removedId: id };
    },
  },
  Connector: {
    department: (connector, _args, ctx) => (connector.departmentCode ? ctx.loaders.registry.department.load(connector.departmentCode) : null),
    health: (connector, _args, ctx) => {
      const health = ctx.services.health.healthOf(connector.id);
      return mayReadHealthDetails(ctx.viewer, connector.departmentCode) ? health : { ...health, latencyMs: null, lastError: null };
    },
  },
};
