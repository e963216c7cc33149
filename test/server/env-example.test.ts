/**
 * `.env.example` lists every variable the gateway reads, each with its
 * default: server/config.ts is the source of truth, so the file is checked
 * against it.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../server/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** `NAME=value` lines as set, `# NAME=` lines as listed but unset. */
function parseExample(text: string): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const line of text.split('\n')) {
    const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (assignment) set[assignment[1]!] = assignment[2]!;
    const commented = /^# ([A-Z][A-Z0-9_]*)=$/.exec(line);
    if (commented) unset.push(commented[1]!);
  }
  return { set, unset };
}

/** The variable names server/config.ts reads, and LOG_LEVEL (lib/logger.ts). */
function variablesRead(): string[] {
  const source = read('server/config.ts');
  const names = [
    ...source.matchAll(/\b[a-zA-Z]+\('([A-Z][A-Z0-9_]*)'/g),
    ...source.matchAll(/\b(?:url|token): '([A-Z][A-Z0-9_]*)'/g),
    ...read('lib/logger.ts').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g),
  ].map((match) => match[1]!);
  return [...new Set(names)].sort();
}

describe('.env.example', () => {
  const example = parseExample(read('.env.example'));

  it('lists every variable the gateway reads, once', () => {
    const listed = [...Object.keys(example.set), ...example.unset];

    expect(listed.sort()).toEqual(variablesRead());
  });

  it('gives each set variable its default value', () => {
    const { LOG_LEVEL, ...settings } = example.set;

    expect(loadConfig(settings)).toEqual(loadConfig({}));
    expect(LOG_LEVEL).toBe('info');
  });
});
