/**
 * Masking of personal identifiers in anything the gateway prints. Citizen ID
 * numbers (GB 11643, 18 characters) keep their region prefix and check
 * character only, which is enough to correlate log lines of one case without
 * revealing the person.
 *
 * The boundaries are digits only: an ID number right after a letter is still
 * one, as in a percent-encoded path (`%0A440514…`), a JSON escape (`\n440514…`)
 * or a case number (`SP440514…`). A longer run of digits is not an ID number,
 * except where its first digits end an escape (`%20440514…`, `\u0020440514…`).
 */

const CITIZEN_ID = /(?<=^|\D|%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})(\d{6})\d{11}([\dXx])(?!\d)/g;

/** `440514199001011234` → `440514***********4`. */
export function maskIdNumbers(text: string): string {
  return text.replace(CITIZEN_ID, (_match, region: string, check: string) => `${region}${'*'.repeat(11)}${check}`);
}
