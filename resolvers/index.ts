import type { Resolvers } from './__generated__/types.ts';
import { applyFieldRules } from '../server/authorization.ts';
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

/** Every resolver of the schema, merged by type. */
export function buildResolvers(): Resolvers {
  const parts: Resolvers[] = [catalogueResolvers, planResolvers, meResolvers, applicationResolvers, connectorResolvers, assessmentResolvers, supervisionResolvers, documentResolvers, followUpResolvers, assistanceResolvers, liveResolvers];
  const merged: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) merged[type] = { ...merged[type], ...fields };
  }
  return applyFieldRules({ ...(merged as Resolvers), DateTime, Date: DateScalar });
}
