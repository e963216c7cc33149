import { GraphQLError, locatedError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  BadUserInputError,
  ERROR_CODES,
  InvalidInputError,
  MAX_LISTED_PROBLEMS,
  QueryTooComplexError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
} from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { extensionsOf, formatError, requestError } from '../../server/errors.ts';
import { tokenLimitRefusal } from '../../server/limits.ts';

function recordingFormatError() {
  const lines: Record<string, unknown>[] = [];
  const format = formatError(createLogger({ level: 'error', destination: { write: (line) => lines.push(JSON.parse(line)) } }));
  return { format, lines };
}

/** What Apollo Server hands to `formatError` for an error thrown by the resolver of `path`. */
function thrownByResolver(error: unknown, path: (string | number)[]) {
  const located = locatedError(error, undefined, path);
  return { formatted: located.toJSON(), error: located };
}

describe('BadUserInputError', () => {
  it('lists every problem of an ordinary request', () => {
    const error = new BadUserInputError('two problems', [
      { field: 'answers.a', code: 'UNKNOWN_QUESTION', message: 'no question a' },
      { field: 'form.b', code: 'REQUIRED', message: 'b is required' },
    ]);

    expect(extensionsOf(error)).toEqual({
      code: 'BAD_USER_INPUT',
      problems: [
        { field: 'answers.a', code: 'UNKNOWN_QUESTION', message: 'no question a' },
        { field: 'form.b', code: 'REQUIRED', message: 'b is required' },
      ],
    });
  });

  it('lists the first hundred problems of a flood and counts the rest', () => {
    const problems = Array.from({ length: 10_000 }, (_, i) => ({ field: `answers.q${i}`, code: 'UNKNOWN_QUESTION', message: `no question q${i}` }));

    const error = new BadUserInputError('x'.repeat(100_000), problems);

    expect((extensionsOf(error).problems as unknown[]).length).toBe(MAX_LISTED_PROBLEMS);
    expect(extensionsOf(error).problemsOmitted).toBe(10_000 - MAX_LISTED_PROBLEMS);
    expect(error.message.length).toBeLessThan(2100);
  });

  it('is what the domain throws as InvalidInputError, whose message names every field', () => {
    const error = new InvalidInputError([{ field: 'answers.kind', code: 'NOT_AN_OPTION', message: 'not one of the options' }]);

    expect(error).toBeInstanceOf(BadUserInputError);
    expect([error.name, error.code, error.message]).toEqual(['InvalidInputError', 'BAD_USER_INPUT', 'Invalid input: answers.kind: not one of the options']);
  });
});

describe('formatError', () => {
  it('shows a typed error from a resolver with its code, its problems and where it happened', () => {
    const { format, lines } = recordingFormatError();
    const thrown = new InvalidInputError([{ field: 'answers.kind', code: 'NOT_AN_OPTION', message: 'not one of the options' }]);
    const { formatted, error } = thrownByResolver(thrown, ['topic', 'plan']);

    expect(format(formatted, error)).toEqual({
      message: 'Invalid input: answers.kind: not one of the options',
      path: ['topic', 'plan'],
      extensions: { code: 'BAD_USER_INPUT', problems: [{ field: 'answers.kind', code: 'NOT_AN_OPTION', message: 'not one of the options' }] },
    });
    expect(lines).toEqual([]);
  });

  it('names the upstream and its HTTP status, never its body', () => {
    const { format } = recordingFormatError();
    const { formatted, error } = thrownByResolver(new UpstreamRejectedError('approval:WJJ-440514', 422, 'MATTER_NOT_HANDLED', 'secret detail'), ['submitApplication']);

    expect(format(formatted, error)).toEqual({
      message: 'approval:WJJ-440514 refused the request (HTTP 422)',
      path: ['submitApplication'],
      extensions: { code: 'UPSTREAM_REJECTED', upstream: 'approval:WJJ-440514', upstreamStatus: 422 },
    });
  });

  it('gives a refused query limit its own code although Apollo files it as a validation error', () => {
    const { format } = recordingFormatError();
    const limit = new QueryTooComplexError('depth', 12, 13, 'The operation is nested 13 levels deep; the limit is 12');
    const apolloError = new GraphQLError(limit.message, { originalError: limit, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

    expect(format({ message: limit.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, apolloError)).toEqual({
      message: 'The operation is nested 13 levels deep; the limit is 12',
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 12, actual: 13 },
    });
  });

  it('tells a document refused for its tokens from one that is not GraphQL', () => {
    const parseOptions = { parseRefusal: (source: string) => tokenLimitRefusal(source, 2000) };
    const refusal = (text: string) => {
      try {
        parse(text, { maxTokens: 2000 });
      } catch (error) {
        const apolloError = new GraphQLError((error as GraphQLError).message, {
          source: (error as GraphQLError).source,
          positions: (error as GraphQLError).positions,
          originalError: error as GraphQLError,
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        });
        return formatError(createLogger({ level: 'silent' }), parseOptions)(apolloError.toJSON(), apolloError);
      }
      throw new Error('expected a parse error');
    };

    expect(refusal(`{ ${'a '.repeat(3000)} }`)).toEqual({
      message: 'The document has more than 2000 tokens; the limit is 2000',
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 2000 },
    });
    expect(refusal('{ topics {')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('keeps GraphQL’s own errors, giving a bad variable its problem', () => {
    const { format } = recordingFormatError();
    const syntax = new GraphQLError('Syntax Error: Expected Name, found <EOF>.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });

    expect(format(syntax.toJSON(), syntax)).toEqual({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('masks any other error as INTERNAL_SERVER_ERROR and logs the real one', () => {
    const { format, lines } = recordingFormatError();
    const { formatted, error } = thrownByResolver(new TypeError('cannot read properties of undefined (reading "code")'), ['me', 'applications']);

    expect(format(formatted, error)).toEqual({ message: 'Internal server error', path: ['me', 'applications'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(lines.map((line) => [line.msg, (line.err as { message: string }).message])).toEqual([
      ['unexpected error while resolving', 'cannot read properties of undefined (reading "code")'],
    ]);
  });
});

describe('requestError', () => {
  it('answers a bad token with 401 and WWW-Authenticate', () => {
    const error = requestError(new UnauthenticatedError('The token has expired'));

    expect([error.message, error.extensions]).toEqual([
      'The token has expired',
      { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } },
    ]);
  });

  it('answers a rate-limited request with 429 and Retry-After, and a refused one with 400', () => {
    expect(requestError(new RateLimitedError(7)).extensions).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 7,
      http: { status: 429, headers: new Map([['retry-after', '7']]) },
    });
    expect(requestError(new QueryTooComplexError('tokens', 2000, null, 'too many')).extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'tokens',
      max: 2000,
      http: { status: 400 },
    });
  });

  it('leaves the status alone for an upstream failure', () => {
    expect(requestError(new UpstreamTimeoutError('evaluation', 3000)).extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', upstream: 'evaluation' });
  });
});

describe('the list of error codes', () => {
  it('holds QUERY_TOO_COMPLEX and the HTTP routes’ codes, once each', () => {
    expect(ERROR_CODES).toContain('QUERY_TOO_COMPLEX');
    expect(ERROR_CODES).toEqual(expect.arrayContaining(['BAD_REQUEST', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE']));
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
