/**
 * Who may resolve which field: every rule of DESIGN.md "Access and personal
 * data" in one table, applied by wrapping the schema's resolvers when it is
 * built. Resolvers themselves contain no role checks; what they do contain is
 * scoping by the caller's own subject (an applicant's `application(id)` is
 * looked up among its own applications only).
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../lib/errors.ts';
import type { GatewayContext, Role, Viewer } from './context.ts';
import { requireSessionTopic } from '../usecases/assistance.ts';

/** Who is looking at an application-like object: its applicant, or a department whose cases it holds. */
export type Audience = { kind: 'applicant' } | { kind: 'department'; departmentCode: string };

export type Rule = (viewer: Viewer, parent: unknown, args: Record<string, any>) => void;

const requireRole =
  (...roles: Role[]): Rule =>
  (viewer) => {
    if (viewer.kind !== 'user') throw new UnauthenticatedError();
    if (!roles.includes(viewer.role)) throw new ForbiddenError(`Only ${roles.join(' or ')} may do this`);
  };

/** What only the citizen may do themselves: window staff acting for them (帮办代办) may not. */
const notInAssistance: Rule = (viewer) => {
  if (viewer.kind === 'user' && viewer.assistedBy) {
    throw new ForbiddenError('Window staff may not do this for the citizen in an assistance session', 'ASSISTANCE_NOT_ALLOWED');
  }
};

const both =
  (...rules: Rule[]): Rule =>
  (viewer, parent, args) => {
    for (const rule of rules) rule(viewer, parent, args);
  };

/** Assisted requests stay within the session's one topic (usecases/assistance.ts). */
const sessionTopic =
  (topicOf: (parent: unknown, args: Record<string, any>) => string): Rule =>
  (viewer, parent, args) =>
    requireSessionTopic(viewer, topicOf(parent, args));

/** Fields of an application that only its applicant may see (personal data, how materials were provided). */
const applicantOnly: Rule = (_viewer, parent) => {
  // An application carries its audience; a case carries the application it belongs to.
  const view = parent as { audience?: Audience; application?: { audience?: Audience } };
  const audience = view.audience ?? view.application?.audience;
  if (audience?.kind !== 'applicant') throw new ForbiddenError('Only the applicant may see this');
};

/** ADMIN for any department; DEPARTMENT_STAFF only for the department of their token. */
const ownDepartment =
  (departmentOf: (args: Record<string, any>) => string): Rule =>
  (viewer, parent, args) => {
    requireRole('ADMIN', 'DEPARTMENT_STAFF')(viewer, parent, args);
    if (viewer.kind === 'user' && viewer.role === 'DEPARTMENT_STAFF' && viewer.department !== departmentOf(args)) {
      throw new ForbiddenError('Department staff may only manage their own department');
    }
  };

/**
 * Whether a viewer may read a connector's health details (`lastError`,
 * `latencyMs`): ADMIN, and for a department's connector its own staff.
 * Others see the status only: an error text such as "connection refused"
 * would tell them about another network's ports.
 * @param departmentCode the connector's department; null for a province-wide upstream.
 */
export function mayReadHealthDetails(viewer: Viewer, departmentCode: string | null): boolean {
  if (viewer.kind !== 'user') return false;
  if (viewer.role === 'ADMIN') return true;
  return viewer.role === 'DEPARTMENT_STAFF' && departmentCode !== null && viewer.department === departmentCode;
}

/** `Type.field` → the rule checked before its resolver runs. */
export const FIELD_RULES: Readonly<Record<string, Rule>> = {
  'Query.application': requireRole('APPLICANT'),
  'Query.departmentCases': requireRole('DEPARTMENT_STAFF'),
  'Mutation.submitApplication': both(requireRole('APPLICANT'), sessionTopic((_parent, args) => args.input?.topicCode)),
  'Mutation.supplementMaterials': requireRole('APPLICANT'),
  'Query.connectors': requireRole('ADMIN', 'DEPARTMENT_STAFF'),
  'Query.metrics': requireRole('EVALUATOR', 'ADMIN'),
  'Query.replicationBacklog': requireRole('EVALUATOR', 'ADMIN'),
  'Mutation.rateApplication': both(requireRole('APPLICANT'), notInAssistance),
  'Topic.plan': sessionTopic((topic) => (topic as { code: string }).code),
  'Mutation.grantAssistance': both(requireRole('APPLICANT'), notInAssistance),
  'Mutation.startAssistance': requireRole('WINDOW_STAFF'),
  'Mutation.endAssistance': requireRole('WINDOW_STAFF'),
  'Me.assistance': notInAssistance,
  'Me.dataAccessLog': notInAssistance,
  'Me.applications': notInAssistance,
  'Query.followUps': requireRole('ADMIN', 'DEPARTMENT_STAFF'),
  'Mutation.followUpStep': requireRole('ADMIN', 'DEPARTMENT_STAFF'),
  'Mutation.registerConnector': ownDepartment((args) => args.input?.departmentCode),
  'Mutation.removeConnector': requireRole('ADMIN', 'DEPARTMENT_STAFF'),
  'Application.materials': applicantOnly,
  'Application.evaluation': applicantOnly,
  'Application.receipt': applicantOnly,
  'Case.result': applicantOnly,
};

type ResolverMap = Record<string, Record<string, unknown>>;
type FieldResolver = GraphQLFieldResolver<unknown, GatewayContext>;

/** `inner`, called only once `rule` let the viewer through. */
function guarded(rule: Rule, inner: FieldResolver): FieldResolver {
  return (parent, args, ctx, info) => {
    rule(ctx.viewer, parent, args as Record<string, any>);
    return inner(parent, args, ctx, info);
  };
}

/** Wraps every resolver named in `rules` (default resolvers included) with its rule. */
export function applyFieldRules<T extends object>(resolvers: T, rules: Readonly<Record<string, Rule>> = FIELD_RULES): T {
  const wrapped = { ...(resolvers as ResolverMap) };
  for (const [path, rule] of Object.entries(rules)) {
    const [type, field] = path.split('.') as [string, string];
    const fields = { ...wrapped[type] };
    fields[field] = guarded(rule, (fields[field] as FieldResolver | undefined) ?? defaultFieldResolver);
    wrapped[type] = fields;
  }
  return wrapped as T;
}

/** The schema with every field named in `rules` (default resolvers included) checked by its rule first. */
export function withFieldRules(schema: GraphQLSchema, rules: Readonly<Record<string, Rule>> = FIELD_RULES): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const rule = rules[`${typeName}.${fieldName}`];
      return rule ? { ...config, resolve: guarded(rule, (config.resolve as FieldResolver | undefined) ?? defaultFieldResolver) } : config;
    },
  });
}
