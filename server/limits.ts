/**
 * Limits on what one GraphQL operation may ask, so that a single request
 * cannot make the gateway (or the upstreams behind it) do unbounded work:
 *
 * - depth (MAX_QUERY_DEPTH, default 12): levels of nested fields. The
 *   deepest contract operation (SituationPlan, DepartmentCases) is 6 deep;
 * - aliases (MAX_QUERY_ALIASES, default 30): aliased fields in the
 *   operation, fragments included (aliases are how one request asks the same
 *   expensive field many times);
 * - cost (MAX_QUERY_COST, default 5000): a static estimate of the fields the
 *   answer can hold (see {@link operationCost}); the costliest contract
 *   operation (SituationPlan) costs 1101, MyApplications and DepartmentCases
 *   at most ~1300 with the largest page;
 * - tokens (MAX_QUERY_TOKENS, default 2000): lexical tokens of the document,
 *   enforced by graphql's own parser (Apollo's `parseOptions.maxTokens`), so
 *   a huge document is refused before it is even parsed into an AST;
 *   {@link tokenLimitRefusal} tells that refusal from other syntax errors.
 *   The largest contract operation has about 200.
 *
 * Depth, aliases and cost are GraphQL validation rules, added through
 * Apollo's `validationRules`: they run once per document (Apollo caches
 * validated documents), never per variable values. Every refusal has
 * `extensions.code` QUERY_TOO_COMPLEX (HTTP 400) with `extensions.limit`
 * (`depth` | `aliases` | `cost` | `tokens`), `extensions.max` and, but for
 * tokens, `extensions.actual`: each refusal is a {@link QueryTooComplexError},
 * which `formatError` presents with its own code although Apollo files every
 * validation error under GRAPHQL_VALIDATION_FAILED.
 *
 * Introspection (`__schema`, `__type`) is left out of depth and cost: whether
 * it is allowed at all is INTROSPECTION's decision, and graphql's own
 * MaxIntrospectionDepthRule already bounds its nesting.
 */
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldMap,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { QueryTooComplexError, type LimitKind } from '../lib/errors.ts';
import { MAX_PAGE } from '../store/applications.ts';
import { extensionsOf } from './errors.ts';

export type { LimitKind };

export interface QueryLimits {
  /** Levels of nested fields (MAX_QUERY_DEPTH). */
  maxDepth: number;
  /** Aliased fields per operation, fragments included (MAX_QUERY_ALIASES). */
  maxAliases: number;
  /** Static cost per operation (MAX_QUERY_COST). */
  maxCost: number;
  /** Lexical tokens per document (MAX_QUERY_TOKENS). */
  maxTokens: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = { maxDepth: 12, maxAliases: 30, maxCost: 5000, maxTokens: 2000 };

export interface CostOptions {
  /** Multiplier of a list field that takes no `first` argument. Default 10. */
  listFactor?: number;
  /**
   * The largest page any `first` argument can get (the store caps pages at
   * this), used for a `first` given as a variable without default: the
   * document is validated once for all variable values, so the worst case
   * counts. Default {@link MAX_PAGE}.
   */
  maxPage?: number;
}

/** A refused operation, reported to graphql's validation; Apollo keeps the typed error as its `originalError`. */
function refusal(node: OperationDefinitionNode, limit: LimitKind, max: number, actual: number, message: string): GraphQLError {
  const error = new QueryTooComplexError(limit, max, actual, message);
  return new GraphQLError(message, { nodes: [node], originalError: error, extensions: extensionsOf(error) });
}

const operationLabel = (node: OperationDefinitionNode) => (node.name ? `Operation ${node.name.value}` : 'The operation');

/** Fragments of the document by name, as the validation context knows them. */
type FragmentLookup = (name: string) => FragmentDefinitionNode | null | undefined;

/** Nesting depth of the operation's fields (a top-level scalar field is 1). */
export function operationDepth(operation: OperationDefinitionNode, fragment: FragmentLookup): number {
  const visiting = new Set<string>();
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const selection of set.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          if (isIntrospection(selection)) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet));
          break;
        case Kind.INLINE_FRAGMENT:
          deepest = Math.max(deepest, depthOf(selection.selectionSet));
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const definition = fragment(name);
          // A cycle is reported by NoFragmentCyclesRule; here it only must not recurse forever.
          if (!definition || visiting.has(name)) break;
          visiting.add(name);
          deepest = Math.max(deepest, depthOf(definition.selectionSet));
          visiting.delete(name);
          break;
        }
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet);
}

/** Aliased fields of the operation, counting a fragment each time it is spread. */
export function operationAliases(operation: OperationDefinitionNode, fragment: FragmentLookup): number {
  const visiting = new Set<string>();
  const count = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += (selection.alias ? 1 : 0) + count(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += count(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const definition = fragment(name);
        if (!definition || visiting.has(name)) continue;
        visiting.add(name);
        total += count(definition.selectionSet);
        visiting.delete(name);
      }
    }
    return total;
  };
  return count(operation.selectionSet);
}

/**
 * Static cost of an operation: what the answer can hold, in fields.
 *
 * - a leaf field (scalar or enum, lists of them included) costs 1; `__typename` 0;
 * - an object field costs `multiplier × (1 + cost of its selection)`;
 * - the multiplier of a field with a `first` argument is that page size (its
 *   literal value, else the variable's default, else `maxPage`; when the
 *   argument is omitted, its schema default): a connection;
 * - a list field inside such a connection (`edges`) is already counted by the
 *   page: multiplier 1; any other list field has `listFactor`;
 * - everything else has multiplier 1.
 *
 * Unknown fields (reported by other rules) cost 1.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragment: FragmentLookup,
  options: CostOptions = {},
): number {
  const listFactor = options.listFactor ?? 10;
  const maxPage = options.maxPage ?? MAX_PAGE;
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  /** The page a `first` argument asks for; `omitted` is what the resolver uses without one. */
  const pageSize = (value: ValueNode | undefined, omitted: number): number => {
    const literal = value?.kind === Kind.VARIABLE ? defaults.get(value.name.value) : value;
    if (literal === undefined) return value === undefined ? omitted : maxPage;
    if (literal.kind === Kind.INT) return Math.min(Math.max(Number(literal.value), 0), maxPage);
    if (literal.kind === Kind.NULL) return omitted;
    return maxPage;
  };

  const visiting = new Set<string>();
  const costOf = (set: SelectionSetNode | undefined, parentType: GraphQLNamedType | undefined, inPage: boolean): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          total = Math.min(Number.MAX_SAFE_INTEGER, total + fieldCost(selection, parentType, inPage));
          break;
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          total += costOf(selection.selectionSet, condition ?? parentType, inPage);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const definition = fragment(name);
          if (!definition || visiting.has(name)) break;
          visiting.add(name);
          total += costOf(definition.selectionSet, schema.getType(definition.typeCondition.name.value) ?? parentType, inPage);
          visiting.delete(name);
          break;
        }
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parentType: GraphQLNamedType | undefined, inPage: boolean): number => {
    if (node.name.value === '__typename') return 0;
    if (isIntrospection(node)) return 0;
    const fields: GraphQLFieldMap<unknown, unknown> | undefined =
      parentType && (isObjectType(parentType) || isInterfaceType(parentType)) ? parentType.getFields() : undefined;
    const field = fields?.[node.name.value];
    if (!field) return 1;
    const named = getNamedType(field.type);
    if (isLeafType(named)) return 1;
    const firstArgument = field.args.find((arg) => arg.name === 'first');
    let multiplier = 1;
    let paged = false;
    if (firstArgument) {
      const given = node.arguments?.find((arg) => arg.name.value === 'first');
      const omitted = typeof firstArgument.defaultValue === 'number' ? Math.min(firstArgument.defaultValue, maxPage) : maxPage;
      multiplier = pageSize(given?.value, omitted);
      paged = true;
    } else if (isListType(getNullableType(field.type))) {
      multiplier = inPage ? 1 : listFactor;
    }
    const childType = isAbstractType(named) || isObjectType(named) || isInterfaceType(named) ? named : undefined;
    // Saturates rather than running into floating-point exponents: anything this large is refused anyway.
    return Math.min(Number.MAX_SAFE_INTEGER, multiplier * (1 + costOf(node.selectionSet, childType, paged)));
  };

  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  return costOf(operation.selectionSet, root ?? undefined, false);
}

function isIntrospection(node: FieldNode): boolean {
  return node.name.value === '__schema' || node.name.value === '__type';
}

const fragmentsOf = (context: ValidationContext): FragmentLookup => (name) => context.getFragment(name);

/** Refuses operations nested deeper than `max` levels. */
export function depthLimitRule(max: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = operationDepth(node, fragmentsOf(context));
      if (depth > max) {
        context.reportError(
          refusal(node, 'depth', max, depth, `${operationLabel(node)} is nested ${depth} levels deep; the limit is ${max}`),
        );
      }
    },
  });
}

/** Refuses operations with more than `max` aliased fields. */
export function aliasLimitRule(max: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const aliases = operationAliases(node, fragmentsOf(context));
      if (aliases > max) {
        context.reportError(
          refusal(node, 'aliases', max, aliases, `${operationLabel(node)} uses ${aliases} aliases; the limit is ${max}`),
        );
      }
    },
  });
}

/** Refuses operations whose static cost ({@link operationCost}) is above `max`. */
export function costLimitRule(max: number, options: CostOptions = {}): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(node) {
      const cost = operationCost(context.getSchema(), node, fragmentsOf(context), options);
      if (cost > max) {
        context.reportError(
          refusal(node, 'cost', max, cost, `${operationLabel(node)} has a cost of ${cost}; the limit is ${max}`),
        );
      }
    },
  });
}

/** The three validation rules for Apollo's `validationRules`. */
export function queryLimitRules(limits: QueryLimits, options: CostOptions = {}): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), costLimitRule(limits.maxCost, options)];
}

/** Whether `query` has more than `max` lexical tokens; counting stops there. Unlexable text is left to the parser to report. */
export function hasMoreTokensThan(query: string, max: number): boolean {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    // Counted as graphql's parser counts for `maxTokens`: every token but the end, comments skipped.
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > max) return true;
    }
  } catch (error) {
    if (error instanceof GraphQLError) return false;
    throw error;
  }
  return false;
}

/**
 * The refusal behind a parse error of a document over the token limit
 * (graphql's parser stops at `maxTokens`, Apollo reports GRAPHQL_PARSE_FAILED),
 * or null when the document failed to parse for another reason.
 */
export function tokenLimitRefusal(source: string, maxTokens: number): QueryTooComplexError | null {
  if (!hasMoreTokensThan(source, maxTokens)) return null;
  return new QueryTooComplexError('tokens', maxTokens, null, `The document has more than ${maxTokens} tokens; the limit is ${maxTokens}`);
}
