import type { Resolvers } from './__generated__/types.ts';
import { catalogueResolvers } from './catalogue.ts';
import { applicationResolvers } from './applications.ts';
import { assistanceResolvers } from './assistance.ts';
import { assessmentResolvers } from './assessment.ts';
import { connectorResolvers } from './connectors.ts';
import { documentResolvers } from './documents.ts';
import { meResolvers } from './me.ts';
import { planResolvers } from './plan.ts';
import { DateScalar, DateTime } from './scalars.ts';
import { supervisionResolvers } from './supervision.ts';
import { followUpResolvers } from './follow-ups.ts';
import { liveResolvers } from './live.ts';

/** Every resolver map of the schema; `makeExecutableSchema` merges them by type. */
export function resolverMaps(): Resolvers[] {
  return [catalogueResolvers, planResolvers, meResolvers, applicationResolvers, connectorResolvers, assessmentResolvers, supervisionResolvers, documentResolvers, followUpResolvers, assistanceResolvers, liveResolvers, { DateTime, Date: DateScalar }];
}
