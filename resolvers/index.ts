import type { Resolvers } from './__generated__/types.ts';
import { catalogueResolvers } from './catalogue.ts';
import { planResolvers } from './plan.ts';
import { DateScalar, DateTime } from './scalars.ts';

/** Every resolver of the schema, merged by type. */
export function buildResolvers(): Resolvers {
  const parts: Resolvers[] = [catalogueResolvers, planResolvers];
  const merged: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) merged[type] = { ...merged[type], ...fields };
  }
  return { ...(merged as Resolvers), DateTime, Date: DateScalar };
}
