import { describe, expect, it } from 'vitest';
import { assessReadiness, followsNamingStandard } from '../../domain/readiness.ts';
import { matter, registry, topic, topicMatter } from './fixtures.ts';

const matters = registry(matter('A', { onlineDepth: 3 }), matter('B', { onlineDepth: 4 }), matter('LOW', { onlineDepth: 2 }));
const ready = topic({ matters: [topicMatter('A'), topicMatter('B')] });
const reachable = { reachable: true, checkedAt: '2025-06-15T08:00:00+08:00' };
const unreachable = { reachable: false, checkedAt: '2025-06-15T08:00:00+08:00' };

describe('followsNamingStandard', () => {
  it.each(['我要开办餐饮店', '新生儿出生一件事', '  我要办证  ', '企业信息变更一件事 ', '我要'])('accepts %j', (name) => {
    expect(followsNamingStandard(name)).toBe(true);
  });

  it.each(['开办餐饮店', '一件事：新生儿出生', '新生儿出生一件事办理', '', '  ', '我 要开店'])('rejects %j', (name) => {
    expect(followsNamingStandard(name)).toBe(false);
  });
});

describe('assessReadiness', () => {
  it('finds a complete topic guidable and online-processable', () => {
    expect(assessReadiness(ready, matters, reachable)).toEqual({ guidable: true, onlineProcessable: true, problems: [] });
  });

  it('does not fail online processing for an online URL not checked yet', () => {
    expect(assessReadiness(ready, matters, null)).toEqual({ guidable: true, onlineProcessable: true, problems: [] });
  });

  it.each([
    ['a draft topic', { status: 'DRAFT' as const }, 'NOT_PUBLISHED'],
    ['a retired topic', { status: 'RETIRED' as const }, 'NOT_PUBLISHED'],
    ['a non-standard name', { name: '开办餐饮店' }, 'NAME_NOT_STANDARD'],
    ['no guidance question', { questions: [] }, 'NO_GUIDANCE'],
    ['a matter unknown to the registry', { matters: [topicMatter('A'), topicMatter('X')] }, 'UNKNOWN_MATTER'],
    ['no guide URL', { guideUrl: null }, 'NO_GUIDE_URL'],
    ['an absent guide URL', { guideUrl: undefined }, 'NO_GUIDE_URL'],
    ['a blank guide URL', { guideUrl: '  ' }, 'NO_GUIDE_URL'],
  ])('finds a topic with %s neither guidable nor online-processable', (_, change, problem) => {
    expect(assessReadiness({ ...ready, ...change }, matters, reachable)).toEqual({
      guidable: false,
      onlineProcessable: false,
      problems: [problem],
    });
  });

  it.each([
    ['a matter below online depth 3', { matters: [topicMatter('A'), topicMatter('LOW')] }, reachable, 'MATTER_NOT_ONLINE'],
    ['no online URL', { onlineUrl: null }, null, 'NO_ONLINE_URL'],
    ['a blank online URL', { onlineUrl: '' }, reachable, 'NO_ONLINE_URL'],
    ['an unreachable online URL', {}, unreachable, 'ONLINE_URL_UNREACHABLE'],
  ])('finds a topic with %s guidable but not online-processable', (_, change, check, problem) => {
    expect(assessReadiness({ ...ready, ...change }, matters, check)).toEqual({
      guidable: true,
      onlineProcessable: false,
      problems: [problem],
    });
  });

  it('reports matters that depend on each other in a cycle, without a crash and without changing the verdicts', () => {
    const cyclic = { ...ready, matters: [topicMatter('A', { dependsOn: ['B'] }), topicMatter('B', { dependsOn: ['A'] })] };

    expect(assessReadiness(cyclic, matters, reachable)).toEqual({
      guidable: true,
      onlineProcessable: true,
      problems: ['DEPENDENCY_CYCLE'],
    });
  });

  it('finds no cycle in a topic listing a matter before the matter it depends on', () => {
    const reordered = { ...ready, matters: [topicMatter('A', { dependsOn: ['B'] }), topicMatter('B')] };

    expect(assessReadiness(reordered, matters, reachable).problems).toEqual([]);
  });

  it('reports only a missing online URL when the stale check of a removed URL failed', () => {
    expect(assessReadiness({ ...ready, onlineUrl: null }, matters, unreachable).problems).toEqual(['NO_ONLINE_URL']);
  });

  it('lists every problem once, in the stable order', () => {
    const broken = topic({
      status: 'DRAFT',
      name: '开店',
      questions: [],
      guideUrl: null,
      onlineUrl: 'https://example.gov.cn/apply',
      matters: [topicMatter('X'), topicMatter('LOW'), topicMatter('Y'), topicMatter('LOW2')],
    });
    const withLow2 = new Map([...matters, ['LOW2', matter('LOW2', { onlineDepth: 1 })]]);
    expect(assessReadiness(broken, withLow2, unreachable)).toEqual({
      guidable: false,
      onlineProcessable: false,
      problems: [
        'NOT_PUBLISHED',
        'NAME_NOT_STANDARD',
        'NO_GUIDANCE',
        'UNKNOWN_MATTER',
        'NO_GUIDE_URL',
        'MATTER_NOT_ONLINE',
        'ONLINE_URL_UNREACHABLE',
      ],
    });
  });

  it('reports the online problems of a topic that is not guidable', () => {
    expect(assessReadiness({ ...ready, name: 'x', onlineUrl: null }, matters, null)).toEqual({
      guidable: false,
      onlineProcessable: false,
      problems: ['NAME_NOT_STANDARD', 'NO_ONLINE_URL'],
    });
  });
});
