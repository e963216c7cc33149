import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { PROBLEM_TEXTS, problemText } from '../../domain/problem-texts.ts';
import { assessReadiness } from '../../domain/readiness.ts';
import { matter, registry, topic, topicMatter } from './fixtures.ts';

describe('the problem texts', () => {
  it('name every problem readiness can report', () => {
    const matters = registry(matter('LOW', { onlineDepth: 2 }));
    const unreachable = { reachable: false, checkedAt: '2025-06-15T08:00:00+08:00' };
    const worst = topic({ status: 'DRAFT', name: '开办餐饮店', questions: [], guideUrl: null, matters: [topicMatter('LOW'), topicMatter('X')] });
    const reported = [
      ...assessReadiness({ ...worst, onlineUrl: null }, matters, unreachable).problems,
      ...assessReadiness(worst, matters, unreachable).problems,
    ];

    expect(reported.filter((code) => problemText(code) === null)).toEqual([]);
    expect(new Set(reported)).toEqual(
      new Set(['NOT_PUBLISHED', 'NAME_NOT_STANDARD', 'NO_GUIDANCE', 'UNKNOWN_MATTER', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE', 'NO_ONLINE_URL', 'ONLINE_URL_UNREACHABLE']),
    );
  });

  it('look a problem with a detail up by its code', () => {
    expect(problemText('FORM_FIELD_TYPE_CONFLICT:child.birthDate')).toEqual(PROBLEM_TEXTS.FORM_FIELD_TYPE_CONFLICT);
    expect(problemText('NOT_A_CODE')).toBeNull();
  });

  it("are the README's, code by code", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('Problem codes, with the Chinese texts')).split('\n\n').slice(0, 2).join('\n');
    const rows = [...section.matchAll(/^\| `([A-Z_]+)(?::[^`]*)?` \| ([^|]+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim()]);

    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(PROBLEM_TEXTS).map(([code, text]) => [code, text.title])),
    );
  });
});
