/**
 * Supervision across regions (复制推广): thin resolvers over the cross-region
 * use cases. Who may call them is decided in server/authorization.ts.
 */
import type { Resolvers } from './__generated__/types.ts';
import { regionReplicationBacklog } from '../usecases/cross-region.ts';

export const supervisionResolvers: Resolvers = {
  Query: {
    replicationBacklog: (_root, { region }, { services }) =>
      regionReplicationBacklog({ registry: services.registry }, { region }),
  },
  ReplicationCandidate: {
    claimingDepartment: (candidate, _args, ctx) =>
      candidate.claimingDepartment ? ctx.loaders.registry.department.load(candidate.claimingDepartment) : null,
  },
};
