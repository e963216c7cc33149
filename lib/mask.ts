/**
 * Masking of personal identifiers in anything the gateway prints. Citizen ID
 * numbers (GB 11643, 18 characters) keep their region prefix and check
 * character only, which is enough to correlate log lines of one case without
 * revealing the person.
 */

const CITIZEN_ID = /(?<![0-9A-Za-z])(\d{6})\d{11}([\dXx])(?![0-9A-Za-z])/g;

/** `440514199001011234` → `440514***********4`. */
export function maskIdNumbers(text: string): string {
  return text.replace(CITIZEN_ID, (_match, region: string, check: string) => `${region}${'*'.repeat(11)}${check}`);
}
