/**
 * The ports of the request-scoped use cases, from one request's context:
 * the process-wide services and this request's own loaders. The one place
 * that knows both sides; the use cases see only the narrow ports.
 */
import type { CaseStatusDeps } from '../usecases/case-status.ts';
import type { PersonalPlanDeps } from '../usecases/personal-plan.ts';
import type { RegisterConnectorDeps } from '../usecases/register-connector.ts';
import type { SubmitApplicationDeps } from '../usecases/submit-application.ts';
import type { SupplementDeps } from '../usecases/supplement-materials.ts';
import type { GatewayContext } from './context.ts';

export function personalPlanDeps(ctx: GatewayContext): PersonalPlanDeps {
  return { personal: ctx.personal };
}

export function submitApplicationDeps(ctx: GatewayContext): SubmitApplicationDeps {
  return { ...ctx.services.submission, ...personalPlanDeps(ctx) };
}

export function supplementDeps(ctx: GatewayContext): SupplementDeps {
  return ctx.services.submission;
}

export function caseStatusDeps(ctx: GatewayContext): CaseStatusDeps {
  return {
    db: ctx.services.db,
    records: {
      application: (id) => ctx.loaders.store.application.load(id),
      // The shared batcher keeps nothing: the read after recording sees what was recorded.
      cases: (applicationId) => ctx.services.storeBatches.casesOf.load(applicationId),
    },
    remoteCases: ctx.loaders.approval.caseStatus,
    onCasesChanged: (applicationId, cases) => ctx.loaders.store.casesOf.clear(applicationId).prime(applicationId, cases),
    wakeDelivery: () => ctx.services.delivery.wake(),
    logger: ctx.logger,
  };
}

export function registerConnectorDeps(ctx: GatewayContext): RegisterConnectorDeps {
  const { services } = ctx;
  return { matters: ctx.loaders.registry.matter, destinations: services.egress, connectors: services.connectors, health: services.health };
}
