import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectorResolvers } from '../../resolvers/connectors.ts';
import { applyFieldRules, FIELD_RULES, mayReadHealthDetails, withFieldRules } from '../../server/authorization.ts';
import type { GatewayContext, Viewer } from '../../server/context.ts';

const applicant: Viewer = { kind: 'user', subject: '44051419900307002X', name: '林美玲', role: 'APPLICANT' };
const staff: Viewer = { kind: 'user', subject: 'staff-1', name: '窗口', role: 'DEPARTMENT_STAFF', department: 'WJJ-440514' };
const evaluator: Viewer = { kind: 'user', subject: 'ev-1', name: '评估员', role: 'EVALUATOR' };
const admin: Viewer = { kind: 'user', subject: 'admin-1', name: '管理员', role: 'ADMIN' };

const resolvers = applyFieldRules({
  Query: { application: () => 'application', connectors: () => 'connectors', departmentCases: () => 'cases' },
  Mutation: { registerConnector: () => 'registered', submitApplication: () => 'submitted' },
  Application: { materials: () => 'materials' },
});

const call = (type: string, field: string, viewer: Viewer, parent: unknown = {}, args: Record<string, unknown> = {}) => {
  const resolver = (resolvers as any)[type][field];
  try {
    return resolver(parent, args, { viewer } as GatewayContext, {});
  } catch (error) {
    return (error as any).code;
  }
};

describe('field rules', () => {
  it('asks an anonymous caller to sign in and refuses the wrong role', () => {
    expect(call('Query', 'application', { kind: 'anonymous' })).toBe('UNAUTHENTICATED');
    expect(call('Query', 'application', evaluator)).toBe('FORBIDDEN');
    expect(call('Query', 'application', applicant)).toBe('application');
    expect(call('Mutation', 'submitApplication', staff)).toBe('FORBIDDEN');
  });

  it('lets department staff see their department cases and connectors, never an application by id', () => {
    expect(call('Query', 'departmentCases', staff)).toBe('cases');
    expect(call('Query', 'departmentCases', applicant)).toBe('FORBIDDEN');
    expect(call('Query', 'connectors', staff)).toBe('connectors');
    expect(call('Query', 'application', staff)).toBe('FORBIDDEN');
  });

  it('lets staff register a connector for their own department only, and an administrator for any', () => {
    const own = { input: { departmentCode: 'WJJ-440514' } };
    const other = { input: { departmentCode: 'SCJGJ-440514' } };

    expect(call('Mutation', 'registerConnector', staff, {}, own)).toBe('registered');
    expect(call('Mutation', 'registerConnector', staff, {}, other)).toBe('FORBIDDEN');
    expect(call('Mutation', 'registerConnector', admin, {}, other)).toBe('registered');
    expect(call('Mutation', 'registerConnector', evaluator, {}, own)).toBe('FORBIDDEN');
  });

  it('shows an application materials to its applicant audience only', () => {
    expect(call('Application', 'materials', applicant, { audience: { kind: 'applicant' } })).toBe('materials');
    expect(call('Application', 'materials', staff, { audience: { kind: 'department', departmentCode: 'WJJ-440514' } })).toBe('FORBIDDEN');
  });

  it('keeps evaluators away from everything personal', () => {
    // Aggregates and public catalogue data only; the limits of window staff's assistance sessions leave everyone else as they are.
    const forEvaluators = new Set(['Query.metrics', 'Query.replicationBacklog', 'Topic.plan', 'Me.assistance', 'Me.dataAccessLog', 'Me.applications']);
    const personal = Object.keys(FIELD_RULES).filter((path) => !forEvaluators.has(path));
    expect(personal.length).toBeGreaterThan(5);
    for (const path of personal) {
      const [type, field] = path.split('.') as [string, string];
      const wrapped = applyFieldRules({ [type]: { [field]: () => 'data' } });
      const result = (() => {
        try {
          return (wrapped as any)[type][field]({ audience: { kind: 'department', departmentCode: 'X' } }, { input: {} }, { viewer: evaluator }, {});
        } catch (error) {
          return (error as any).code;
        }
      })();
      expect(result, path).toBe('FORBIDDEN');
    }
  });
});

describe('case results', () => {
  it('shows a case result to the applicant of its application only', () => {
    const wrapped = applyFieldRules({ Case: { result: () => 'result' } });
    const run = (viewer: Viewer, audience: unknown) => {
      try {
        return (wrapped as any).Case.result({ application: { audience } }, {}, { viewer }, {});
      } catch (error) {
        return (error as any).code;
      }
    };

    expect(run(applicant, { kind: 'applicant' })).toBe('result');
    expect(run(staff, { kind: 'department', departmentCode: 'WJJ-440514' })).toBe('FORBIDDEN');
  });
});

describe('connector health details', () => {
  const down = { status: 'DOWN', latencyMs: 12, checkedAt: '2025-03-01T02:00:00.000Z', lastError: 'connection refused' } as const;
  const healthSeenBy = (viewer: Viewer, departmentCode: string | null) =>
    (connectorResolvers.Connector as any).health(
      { id: 'c-1', kind: departmentCode ? 'APPROVAL' : 'DATA_CENTER', departmentCode, baseUrl: 'http://10.0.0.9', matterCodes: [], timeoutMs: 3000 },
      {},
      { viewer, services: { health: { healthOf: () => ({ ...down }) } } },
    );

  it('are for administrators and the staff of the connector\'s own department', () => {
    expect(mayReadHealthDetails(admin, 'WJJ-440514')).toBe(true);
    expect(mayReadHealthDetails(admin, null)).toBe(true);
    expect(mayReadHealthDetails(staff, 'WJJ-440514')).toBe(true);
    expect(mayReadHealthDetails(staff, 'SCJGJ-440514')).toBe(false);
    expect(mayReadHealthDetails(staff, null)).toBe(false);
    expect(mayReadHealthDetails(evaluator, 'WJJ-440514')).toBe(false);
    expect(mayReadHealthDetails({ kind: 'anonymous' }, 'WJJ-440514')).toBe(false);
  });

  it('show others the status only, so an error text never tells them about another network', () => {
    expect(healthSeenBy(staff, 'WJJ-440514')).toEqual(down);
    expect(healthSeenBy(staff, 'SCJGJ-440514')).toEqual({ status: 'DOWN', latencyMs: null, checkedAt: '2025-03-01T02:00:00.000Z', lastError: null });
    expect(healthSeenBy(staff, null)).toEqual({ status: 'DOWN', latencyMs: null, checkedAt: '2025-03-01T02:00:00.000Z', lastError: null });
  });
});

describe('field rules on the built schema', () => {
  it('check a field before its resolver and a default-resolved field alike, leaving the other fields alone', async () => {
    const schema = withFieldRules(
      makeExecutableSchema({
        typeDefs: 'type Query { application: String, connectors: String, topics: [String!]! }',
        resolvers: [{ Query: { application: () => 'application' } }, { Query: { topics: () => ['T1'] } }],
      }),
    );
    const ask = async (viewer: Viewer) => {
      const result = await graphql({ schema, source: '{ application connectors topics }', rootValue: { connectors: 'connectors' }, contextValue: { viewer } });
      return [result.data, result.errors?.map((e) => `${e.path?.join('.')} ${e.originalError && (e.originalError as any).code}`)];
    };

    expect(await ask(applicant)).toEqual([{ application: 'application', connectors: null, topics: ['T1'] }, ['connectors FORBIDDEN']]);
    expect(await ask(admin)).toEqual([{ application: null, connectors: 'connectors', topics: ['T1'] }, ['application FORBIDDEN']]);
  });
});
