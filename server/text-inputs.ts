/**
 * Text inputs, checked once at the edge (issue 10, item 5): every string a
 * client sends in an operation's arguments — inline literals and variable
 * values alike, through nested input objects and lists, whatever the
 * argument's scalar (String, ID, DateTime…) — is refused when it holds a
 * control character other than tab and newline (the rule of `lib/text.ts`).
 *
 * It runs as an Apollo plugin at `didResolveOperation`, after parsing and
 * validation and before execution, so before any resolver, upstream call or
 * SQL statement: resolvers never see such a string and need no checks of
 * their own. (A validation rule alone could not do it: validation sees the
 * document, never the variables, and Apollo caches its result per document.)
 *
 * The refusal is one BAD_USER_INPUT (HTTP 400) listing every offending
 * string as a problem `{ field, code: INVALID_CHARACTER, message }`, where
 * `field` is the path from the variable or the argument, written like
 * graphql's own coercion errors: `input.form[3].value`, `id`.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isLeafType,
  isListType,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { BadUserInputError, type InputProblem } from '../lib/errors.ts';
import { requestError } from './errors.ts';
import { findControlCharacter } from '../lib/text.ts';

export const INVALID_CHARACTER = 'INVALID_CHARACTER';

function problemAt(field: string, character: string): InputProblem {
  return {
    field,
    code: INVALID_CHARACTER,
    message: `${field} contains the control character ${character}; text may hold tab and newline, no other control characters`,
  };
}

const child = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`);

/** Problems of an inline literal of input type `type` (variables inside it are checked with the variables). */
function literalProblems(value: ValueNode, type: GraphQLInputType, path: string, problems: InputProblem[]): void {
  const nullable = getNullableType(type);
  if (value.kind === Kind.VARIABLE || value.kind === Kind.NULL) return;
  if (isListType(nullable)) {
    if (value.kind === Kind.LIST) value.values.forEach((item, index) => literalProblems(item, nullable.ofType, child(path, index), problems));
    else literalProblems(value, nullable.ofType, path, problems);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (value.kind !== Kind.OBJECT) return;
    const fields = nullable.getFields();
    for (const field of value.fields) {
      const definition = fields[field.name.value];
      if (definition) literalProblems(field.value, definition.type, child(path, field.name.value), problems);
    }
    return;
  }
  if (isLeafType(nullable) && value.kind === Kind.STRING) {
    const character = findControlCharacter(value.value);
    if (character) problems.push(problemAt(path, character));
  }
}

/** Problems of a variable's value (as sent, before coercion) of input type `type`. */
function valueProblems(value: unknown, type: GraphQLInputType, path: string, problems: InputProblem[]): void {
  const nullable = getNullableType(type);
  if (value === null || value === undefined) return;
  if (isListType(nullable)) {
    if (Array.isArray(value)) value.forEach((item, index) => valueProblems(item, nullable.ofType, child(path, index), problems));
    else valueProblems(value, nullable.ofType, path, problems);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return;
    const fields = nullable.getFields();
    for (const [key, fieldValue] of Object.entries(value)) {
      const definition = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (definition) valueProblems(fieldValue, definition.type, child(path, key), problems);
    }
    return;
  }
  if (isLeafType(nullable) && typeof value === 'string') {
    const character = findControlCharacter(value);
    if (character) problems.push(problemAt(path, character));
  }
}

/**
 * Every string of the operation's arguments holding a control character
 * other than tab and newline: variable values (or their defaults, when not
 * sent) by the variables' declared types, then inline literals of the
 * document's field and directive arguments by the arguments' types.
 */
export function controlCharacterProblems(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) continue;
    const name = definition.variable.name.value;
    if (variables && Object.hasOwn(variables, name)) valueProblems(variables[name], type, name, problems);
    else if (definition.defaultValue) literalProblems(definition.defaultValue, type, name, problems);
  }
  problems.push(...literalProblemsOf(schema, document));
  return problems;
}

// Apollo hands every request of one query text the same parsed document (its document store), so the walk
// through the document's literals, the same for each of them, is done once per document.
const literalsChecked = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly InputProblem[]>>();

/** Problems of the inline literals of the document's field and directive arguments, by the arguments' types. */
function literalProblemsOf(schema: GraphQLSchema, document: DocumentNode): readonly InputProblem[] {
  let bySchema = literalsChecked.get(schema);
  if (!bySchema) literalsChecked.set(schema, (bySchema = new WeakMap()));
  const known = bySchema.get(document);
  if (known) return known;
  const problems: InputProblem[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument) literalProblems(node.value, argument.type, node.name.value, problems);
        return false;
      },
      // Default values were checked with the variables, and only when they are used.
      VariableDefinition: () => false,
    }),
  );
  bySchema.set(document, problems);
  return problems;
}

/** The Apollo plugin refusing, before execution, any operation whose arguments hold a control character. */
export function textInputPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const problems = controlCharacterProblems(schema, document, operation, request.variables);
          if (problems.length === 0) return;
          // Refused before execution: a request error, with its HTTP status (Apollo would answer 500 without one).
          throw requestError(
            new BadUserInputError(
              `The request holds control characters in ${problems.length === 1 ? problems[0]!.field : `${problems.length} places`}; only tab and newline are allowed in text`,
              problems,
            ),
          );
        },
      };
    },
  };
}
