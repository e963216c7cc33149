/**
 * A variable whose value cannot be taken as its declared type (a bad
 * `DateTime`, a string for an `Int`, a required one missing) is reported by
 * graphql-js as one error per variable, with its reason in the message only.
 * Here that error gets the `extensions.problems` every other bad input has,
 * one problem on the variable or on the place inside it: `from`, or
 * `input.answers[0].values`.
 *
 * @module
 */
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';

import type { InputProblem } from '../lib/errors.ts';

/** The problem of a variable-coercion error, or null for any other error. */
export function variableProblem(error: unknown): InputProblem | null {
  if (!(error instanceof GraphQLError)) return null;
  const definition = error.nodes?.[0];
  if (definition?.kind !== Kind.VARIABLE_DEFINITION) return null;
  const name = definition.variable.name.value;
  const cause = error.originalError;
  // `Variable "$x" got invalid value … [at "x.path"]; <reason>`: the reason is the cause's message.
  if (cause && cause !== error && error.message.endsWith(`; ${cause.message}`)) {
    const prefix = error.message.slice(0, -(cause.message.length + 2));
    const field = /\bat "([^"]+)"$/.exec(prefix)?.[1] ?? name;
    return { field, code: 'INVALID_VALUE', message: cause.message };
  }
  // Not provided, or null for a non-null type.
  return { field: name, code: 'REQUIRED', message: error.message };
}

/** `formatted` with the problem of its variable-coercion error listed, when it is one and lists none yet. */
export function withVariableProblem(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (formatted.extensions?.code !== 'BAD_USER_INPUT' || formatted.extensions.problems) return formatted;
  const problem = variableProblem(error);
  return problem ? { ...formatted, extensions: { ...formatted.extensions, problems: [problem] } } : formatted;
}
