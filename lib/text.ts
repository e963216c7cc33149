/**
 * The one rule for control characters in text (issue 10, item 5): NUL and
 * the other C0 control characters (U+0000–U+001F) have no place in anything
 * a person types, except tab and newline. No PostgreSQL text or jsonb value
 * can hold a NUL at all, and the others break logs, CSV exports and the
 * departments' forms.
 *
 * What clients send is refused at the edge (server/text-inputs.ts); what an
 * upstream hands back is cleaned of them on the way in
 * ({@link parseUpstreamJson}), since the gateway cannot ask it again.
 */

const CONTROL_CHARACTER = /[\u0000-\u0008\u000B-\u001F]/;
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F]/g;
/** How JSON text writes a control character: `\b`, `\f`, `\r` or `\u0000`–`\u001F` (tab and newline included, harmlessly). */
const ESCAPED_CONTROL_CHARACTER = /\\(?:[bfr]|u00[01][0-9A-Fa-f])/;

/** The first control character of `text` other than tab and newline, as `U+XXXX`, or null when there is none. */
export function findControlCharacter(text: string): string | null {
  const match = CONTROL_CHARACTER.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** `text` without its control characters (tab and newline are kept). */
export function stripControlCharacters(text: string): string {
  return CONTROL_CHARACTER.test(text) ? text.replace(CONTROL_CHARACTERS, '') : text;
}

/**
 * `JSON.parse` of an upstream's answer with every string — object keys
 * included — cleaned of control characters, so that a value an upstream
 * stored (a rating's comment, a department's reason) can be stored and
 * shown by the gateway. Throws like `JSON.parse` on text that is not JSON.
 */
export function parseUpstreamJson(text: string): unknown {
  // JSON cannot hold a control character unescaped, so an answer with none of these escapes has none to clean,
  // and the reviver (a call per value) is skipped. A false alarm (an escaped backslash before `b`) only costs the slow way.
  if (!ESCAPED_CONTROL_CHARACTER.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'string') return stripControlCharacters(value);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (!keys.some((key) => CONTROL_CHARACTER.test(key))) return value;
    return Object.fromEntries(keys.map((key) => [stripControlCharacters(key), (value as Record<string, unknown>)[key]]));
  });
}
