import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError, Kind, parse, specifiedRules, validate, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import {
  DEFAULT_QUERY_LIMITS,
  hasMoreTokensThan,
  operationAliases,
  operationCost,
  operationDepth,
  queryLimitRules,
} from '../../server/limits.ts';
import { buildSchema } from '../../server/schema.ts';
import { CONTRACT_OPERATIONS_DIR } from '../../server/trusted-documents.ts';

const schema = buildSchema();

function measure(text: string) {
  const document = parse(text);
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const fragment = (name: string) => fragments.get(name);
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => ({
      name: operation.name?.value ?? null,
      depth: operationDepth(operation, fragment),
      aliases: operationAliases(operation, fragment),
      cost: operationCost(schema, operation, fragment),
    }));
}

/** Errors of the whole validation Apollo Server runs: graphql's rules and ours. */
const errorsOf = (text: string, limits = DEFAULT_QUERY_LIMITS) =>
  validate(schema, parse(text), [...specifiedRules, ...queryLimitRules(limits)]).map((e) => ({ message: e.message, extensions: e.extensions }));

/** `topic { matters { dependsOn { … code } } }`, `levels` fields deep. */
const nested = (levels: number) => {
  const k = levels - 3;
  return `{ topic(code: "X") { matters { ${'dependsOn { '.repeat(k)}code${' }'.repeat(k)} } } }`;
};

describe('the limits of the contract operations', () => {
  it('measures every front-end operation well inside the default limits', () => {
    const measured = readdirSync(CONTRACT_OPERATIONS_DIR)
      .filter((file) => file.endsWith('.graphql'))
      .flatMap((file) => measure(readFileSync(join(CONTRACT_OPERATIONS_DIR, file), 'utf8')));

    expect(Object.fromEntries(measured.map(({ name, ...rest }) => [name, rest]))).toEqual({
      TopicCatalog: { depth: 3, aliases: 0, cost: 110 },
      TopicGuide: { depth: 4, aliases: 0, cost: 111 },
      SituationPlan: { depth: 6, aliases: 0, cost: 1111 },
      SubmitApplication: { depth: 5, aliases: 0, cost: 67 },
      ApplicationStatus: { depth: 5, aliases: 0, cost: 312 },
      MyApplications: { depth: 6, aliases: 0, cost: 1303 },
      MyDataAccessLog: { depth: 5, aliases: 0, cost: 1201 },
      SupplementMaterials: { depth: 5, aliases: 0, cost: 54 },
      RateApplication: { depth: 3, aliases: 0, cost: 5 },
      RegisterConnector: { depth: 4, aliases: 0, cost: 13 },
      RemoveConnector: { depth: 2, aliases: 0, cost: 2 },
      Connectors: { depth: 3, aliases: 0, cost: 130 },
      DepartmentCases: { depth: 6, aliases: 0, cost: 1600 },
      AssessmentMetrics: { depth: 4, aliases: 0, cost: 499 },
    });
    // The defaults leave at least twice the room the contract needs.
    expect(Math.max(...measured.map((m) => m.depth)) * 2).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth);
    expect(Math.max(...measured.map((m) => m.cost)) * 3).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
  });

  it('passes every front-end operation through validation with the default limits', () => {
    for (const file of readdirSync(CONTRACT_OPERATIONS_DIR).filter((f) => f.endsWith('.graphql'))) {
      expect(errorsOf(readFileSync(join(CONTRACT_OPERATIONS_DIR, file), 'utf8'))).toEqual([]);
    }
  });
});

describe('the depth limit', () => {
  // Every deep path of the schema goes through lists: leave the cost out of these.
  const depthOnly = { ...DEFAULT_QUERY_LIMITS, maxCost: Number.MAX_SAFE_INTEGER };

  it('refuses an operation one level deeper than the limit, saying the limit', () => {
    expect(errorsOf(nested(13), depthOnly)).toEqual([
      {
        message: 'The operation is nested 13 levels deep; the limit is 12',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 12, actual: 13 },
      },
    ]);
  });

  it('accepts an operation exactly at the limit', () => {
    expect(errorsOf(nested(12), depthOnly)).toEqual([]);
  });

  it('counts the levels inside fragments and inline fragments', () => {
    const text = `
      query Deep { topic(code: "X") { ...A } }
      fragment A on Topic { matters { ... on Matter { dependsOn { ...B } } } }
      fragment B on Matter { dependsOn { dependsOn { code } } }`;

    expect(measure(text)).toEqual([{ name: 'Deep', depth: 6, aliases: 0, cost: expect.any(Number) }]);
    expect(errorsOf(text, { ...depthOnly, maxDepth: 5 }).map((e) => e.message)).toEqual([
      'Operation Deep is nested 6 levels deep; the limit is 5',
    ]);
  });

  it('survives fragment cycles, which graphql itself reports', () => {
    const text = 'query Q { topic(code: "X") { matters { ...A } } } fragment A on Matter { dependsOn { ...A } }';

    expect(errorsOf(text).map((e) => e.message)).toEqual(['Cannot spread fragment "A" within itself.']);
  });

  it('leaves introspection to the INTROSPECTION setting and graphql own introspection depth rule', () => {
    expect(measure('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toEqual([
      { name: null, depth: 0, aliases: 0, cost: 0 },
    ]);
  });
});

describe('the alias limit', () => {
  const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `t${i}: topic(code: "X") { code }`).join(' ')} }`;

  it('refuses more aliased fields than the limit', () => {
    expect(errorsOf(aliased(31))).toEqual([
      {
        message: 'The operation uses 31 aliases; the limit is 30',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 30, actual: 31 },
      },
    ]);
  });

  it('accepts the limit exactly', () => {
    expect(errorsOf(aliased(30))).toEqual([]);
  });

  it('counts a fragment every time it is spread', () => {
    const text = 'query Q { a: topic(code: "A") { ...F } b: topic(code: "B") { ...F } } fragment F on Topic { x: code y: name }';

    expect(measure(text)).toEqual([{ name: 'Q', depth: 2, aliases: 6, cost: 2 * (1 + 2) }]);
  });
});

describe('the cost limit', () => {
  it('multiplies list fields by ten and connections by their page size', () => {
    expect(measure('{ topics { code matters { code } } }')).toEqual([{ name: null, depth: 3, aliases: 0, cost: 10 * (1 + 1 + 10 * (1 + 1)) }]);
    expect(measure('{ me { applications(first: 5) { edges { node { id } } } } }')).toEqual([
      { name: null, depth: 5, aliases: 0, cost: 1 + 5 * (1 + 1 * (1 + 1 + 1)) },
    ]);
  });

  it('takes the page size a connection gets without `first`, the variable default, or the largest page for an unknown variable', () => {
    const [omitted, defaulted, unknown, huge] = [
      'query Q { me { applications { edges { cursor } } } }',
      'query Q($n: Int = 3) { me { applications(first: $n) { edges { cursor } } } }',
      'query Q($n: Int) { me { applications(first: $n) { edges { cursor } } } }',
      'query Q { me { applications(first: 1000000) { edges { cursor } } } }',
    ].map((text) => measure(text)[0]!.cost);

    expect({ omitted, defaulted, unknown, huge }).toEqual({ omitted: 1 + 20 * 3, defaulted: 1 + 3 * 3, unknown: 1 + 100 * 3, huge: 1 + 100 * 3 });
  });

  it('refuses an operation whose cost is above the limit, saying it', () => {
    const text = '{ topics { matters { dependsOn { dependsOn { dependsOn { code } } } } } }';

    expect(errorsOf(text)).toEqual([
      {
        message: 'The operation has a cost of 211110; the limit is 5000',
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: 5000, actual: 211110 },
      },
    ]);
  });

  it('does not count __typename, which clients add to every selection', () => {
    expect(measure('{ topics { __typename code } }')).toEqual(measure('{ topics { code } }'));
  });
});

describe('the token limit', () => {
  it('counts tokens as graphql’s parser does, comments left out', () => {
    const document = `# a comment of many words
{ ${'a '.repeat(1998)}}`; // the braces and 1998 names: 2000 tokens

    expect([hasMoreTokensThan(document, 2000), hasMoreTokensThan(document, 1999)]).toEqual([false, true]);
    expect(() => parse(document, { maxTokens: 2000 })).not.toThrow();
    expect(() => parse(document, { maxTokens: 1999 })).toThrow(/1999 tokens/);
  });

  it('leaves text that is not GraphQL to the parser to report', () => {
    expect(hasMoreTokensThan('{ "unterminated', 10)).toBe(false);
  });
});

describe('the settings of the limits', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('defaults to depth 12, 30 aliases, cost 5000 and 2000 tokens', () => {
    expect(loadConfig({}).queryLimits).toEqual({ maxDepth: 12, maxAliases: 30, maxCost: 5000, maxTokens: 2000 });
  });

  it('reads each limit from its variable', () => {
    expect(loadConfig({ MAX_QUERY_DEPTH: '8', MAX_QUERY_ALIASES: '0', MAX_QUERY_COST: '20000', MAX_QUERY_TOKENS: '500' }).queryLimits).toEqual({
      maxDepth: 8,
      maxAliases: 0,
      maxCost: 20000,
      maxTokens: 500,
    });
  });

  it('names the variable and the value of a bad limit', () => {
    expect(problemsOf({ MAX_QUERY_DEPTH: '0', MAX_QUERY_ALIASES: 'many', MAX_QUERY_COST: '-1', MAX_QUERY_TOKENS: '10' })).toEqual([
      'MAX_QUERY_DEPTH must be a whole number from 1 to 1000, got "0"',
      'MAX_QUERY_ALIASES must be a whole number from 0 to 100000, got "many"',
      'MAX_QUERY_COST must be a whole number from 1 to 100000000, got "-1"',
      'MAX_QUERY_TOKENS must be a whole number from 100 to 1000000, got "10"',
    ]);
  });
});
