import { parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { TokenBucketLimiter, rootFieldCount } from '../../server/rate-limit.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('a token bucket of 30 per minute with a burst of 10', () => {
  const make = () => {
    const time = clock();
    return { time, limiter: new TokenBucketLimiter({ count: 30, perSeconds: 60, burst: 10, now: time.now }) };
  };

  it('lets a new caller take the whole burst at once, then asks it to wait for the next token', () => {
    const { limiter } = make();

    const taken = Array.from({ length: 10 }, () => limiter.take('subject:A'));

    expect(taken.map((r) => r.allowed)).toEqual(Array(10).fill(true));
    expect(limiter.take('subject:A')).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('refills one token every two seconds, never beyond the burst', () => {
    const { limiter, time } = make();
    for (let i = 0; i < 10; i++) limiter.take('subject:A');

    time.advance(2000);
    expect(limiter.take('subject:A')).toEqual({ allowed: true, remaining: 0 });
    time.advance(10 * 60_000);
    expect(limiter.take('subject:A')).toEqual({ allowed: true, remaining: 9 });
  });

  it('keeps each caller in its own bucket', () => {
    const { limiter } = make();
    for (let i = 0; i < 10; i++) limiter.take('subject:A');

    expect(limiter.take('subject:B')).toEqual({ allowed: true, remaining: 9 });
    expect(limiter.take('address:127.0.0.1').allowed).toBe(true);
  });

  it('takes several tokens at once, all or nothing, and says how long until there are enough', () => {
    const { limiter } = make();

    expect(limiter.take('subject:A', 8)).toEqual({ allowed: true, remaining: 2 });
    expect(limiter.take('subject:A', 5)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(limiter.take('subject:A', 2)).toEqual({ allowed: true, remaining: 0 });
  });

  it('never allows more at once than the burst', () => {
    expect(make().limiter.take('subject:A', 11)).toEqual({ allowed: false, retryAfterSeconds: null });
  });

  it('holds a bounded number of buckets, forgetting the least recently seen first', () => {
    const time = clock();
    const limiter = new TokenBucketLimiter({ count: 30, perSeconds: 60, burst: 10, maxKeys: 100, now: time.now });

    for (let i = 0; i < 1000; i++) limiter.take(`address:10.0.${Math.floor(i / 256)}.${i % 256}`);

    expect(limiter.size).toBe(100);
  });

  it('drops a bucket once it would be full again, which changes nothing for its caller', () => {
    const { limiter, time } = make();
    limiter.take('subject:A', 10);

    time.advance(20_001);

    expect(limiter.size).toBe(0);
    expect(limiter.take('subject:A', 10)).toEqual({ allowed: true, remaining: 0 });
  });
});

describe('rootFieldCount', () => {
  const count = (text: string) => {
    const document = parse(text);
    return rootFieldCount(document.definitions[0] as OperationDefinitionNode, document);
  };

  it('counts every root field of a mutation, aliases and fragments included, and not __typename', () => {
    expect(count('mutation { a: removeConnector(id: "1") { removedId } b: removeConnector(id: "2") { removedId } __typename }')).toBe(2);
    expect(count('mutation M { ...F ... on Mutation { removeConnector(id: "3") { removedId } } } fragment F on Mutation { removeConnector(id: "4") { removedId } }')).toBe(2);
  });
});

describe('the settings of the mutation rate limit', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('defaults to 30 mutations a minute with a burst of 10', () => {
    expect(loadConfig({}).mutationRateLimit).toEqual({ count: 30, perSeconds: 60, burst: 10 });
  });

  it('reads "<count>/<seconds>" and the burst, and can be turned off', () => {
    expect(loadConfig({ MUTATION_RATE_LIMIT: '100/3600', MUTATION_RATE_BURST: '20' }).mutationRateLimit).toEqual({ count: 100, perSeconds: 3600, burst: 20 });
    expect(loadConfig({ MUTATION_RATE_LIMIT: 'off' }).mutationRateLimit).toBeNull();
  });

  it('names the variable and the value of a bad setting', () => {
    expect(problemsOf({ MUTATION_RATE_LIMIT: '30 per minute', MUTATION_RATE_BURST: '0' })).toEqual([
      'MUTATION_RATE_BURST must be a whole number from 1 to 100000, got "0"',
      'MUTATION_RATE_LIMIT must be "<count>/<seconds>" (count 1 to 1000000, seconds 1 to 86400) or "off", got "30 per minute"',
    ]);
    expect(problemsOf({ MUTATION_RATE_LIMIT: '0/60' })).toEqual([
      'MUTATION_RATE_LIMIT must be "<count>/<seconds>" (count 1 to 1000000, seconds 1 to 86400) or "off", got "0/60"',
    ]);
  });
});

describe('the mutation rate limit of a running gateway', () => {
  let gateway: TestGateway;
  const FATHER = '440514199403120356';
  const MOTHER = '440514199608250285';

  beforeAll(async () => {
    gateway = await startTestGateway({ MUTATION_RATE_LIMIT: '1/60', MUTATION_RATE_BURST: '3' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const rate = (token: string, applicationId = 'OT20260101NOTMINE000') =>
    gateway.graphql(contractOperation('RateApplication'), { input: { applicationId, grade: 5, channel: 'PC' } }, token);

  it('refuses the mutation past the burst with HTTP 429, Retry-After and RATE_LIMITED, running nothing', async () => {
    const token = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
    const allowed = [await rate(token), await rate(token), await rate(token)];
    gateway.upstreamCalls.length = 0;

    const refused = await rate(token);

    expect(allowed.map((r) => [r.status, r.body.errors?.[0]?.extensions?.code])).toEqual(Array(3).fill([200, 'BAD_USER_INPUT']));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.body).toEqual({
      errors: [{ message: 'Too many requests; try again later', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 60 } }],
    });
    expect(gateway.upstreamCalls).toEqual([]);
  });

  it('leaves other callers and every query alone', async () => {
    const mother = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });
    const father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });

    const other = await rate(mother);
    const query = await gateway.graphql(contractOperation('MyApplications'), { first: 1 }, father);

    expect(other.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(query.status).toBe(200);
    expect(query.body.errors).toBeUndefined();
  });

  it('counts each aliased mutation of one operation, refusing more than the burst at once as bad input', async () => {
    const token = await gateway.mint({ sub: '440514196505180137', name: '郑伟雄', role: 'APPLICANT' });
    const many = `mutation { ${[1, 2, 3, 4].map((i) => `r${i}: rateApplication(input: { applicationId: "X${i}", grade: 5, channel: PC }) { evaluation { grade } }`).join(' ')} }`;

    const { status, body } = await gateway.graphql(many, {}, token);

    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: 'One operation may run at most 3 mutations',
        extensions: {
          code: 'BAD_USER_INPUT',
          problems: [{ field: 'mutation', code: 'TOO_MANY_MUTATIONS', message: 'the operation has 4 mutations; at most 3 are allowed' }],
        },
      },
    ]);
  });
});
