/**
 * A registry that is down, slow past its deadline or answering garbage:
 * typed errors on the affected fields, never a crash or a hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultSetting } from '../../sandbox/index.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function guideWithRegistryFault(fault: FaultSetting) {
  gateway = await startTestGateway({ UPSTREAM_TIMEOUT_MS: '300' });
  gateway.sandbox!.faults.set('matterRegistry', fault);
  return gateway.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' });
}

describe('a failing matter registry', () => {
  it.each([
    ['down', { kind: 'down' }, { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503 }],
    ['slow past the deadline', { kind: 'slow', delayMs: 2000 }, { code: 'UPSTREAM_TIMEOUT' }],
    ['answering malformed JSON', { kind: 'malformedJson' }, { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200 }],
    ['answering JSON of the wrong shape', { kind: 'wrongShape' }, { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200 }],
    ['closing the connection mid-body', { kind: 'resetMidBody' }, { code: 'UPSTREAM_UNAVAILABLE' }],
    ['never answering', { kind: 'hang' }, { code: 'UPSTREAM_TIMEOUT' }],
  ] as const)('yields a typed error on the topic when it is %s', async (_name, fault, extensions) => {
    const { status, body } = await guideWithRegistryFault(fault);

    expect(status).toBe(200);
    expect(body.data).toEqual({ topic: null });
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining('matter-registry'),
        locations: expect.any(Array),
        path: ['topic'],
        extensions: { ...extensions, upstream: 'matter-registry' },
      },
    ]);
  });

  it('keeps the rest of the answer when only the departments cannot be read', async () => {
    gateway = await startTestGateway({ UPSTREAM_TIMEOUT_MS: '300' });
    // Warm the cache with the topic and its matters, then break the registry.
    await gateway.graphql('query { topic(code: "CN-YJS-XSECS") { matters { code } } }');
    gateway.sandbox!.faults.set('matterRegistry', { kind: 'down' });

    const { body } = await gateway.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' });

    expect(body.data.topic.name).toBe('新生儿出生一件事');
    expect(body.data.topic.leadDepartment).toBeNull();
    expect(body.data.topic.matters).toHaveLength(6);
    expect(body.data.topic.matters.every((m: any) => m.department === null)).toBe(true);
    expect(new Set(body.errors!.map((e) => e.extensions!.code))).toEqual(new Set(['UPSTREAM_UNAVAILABLE']));
    expect(body.errors!.map((e) => e.path)).toContainEqual(['topic', 'leadDepartment']);
  });

  it('recovers as soon as the registry answers again', async () => {
    await guideWithRegistryFault({ kind: 'down', times: 3 });

    const { body } = await gateway!.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' });

    expect(body.errors).toBeUndefined();
    expect(body.data.topic.code).toBe('CN-YJS-XSECS');
  });
});
