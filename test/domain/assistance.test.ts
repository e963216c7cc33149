import { describe, expect, it } from 'vitest';
import {
  codeFromInput,
  codeHash,
  codeMatches,
  codeRefusal,
  consentChoiceProblems,
  inPersonProblems,
  lockedOut,
  qrPayloadOf,
  sessionRefusal,
} from '../../domain/assistance.ts';

const NOW = new Date('2026-11-26T02:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

describe('assistance codes', () => {
  it('reads a code from the six digits or from the scanned QR payload, and nothing else', () => {
    expect(codeFromInput(' 012345 ')).toBe('012345');
    expect(codeFromInput(qrPayloadOf('012345'))).toBe('012345');
    expect(codeFromInput('12345')).toBeNull();
    expect(codeFromInput('onething-assist:1:12345a')).toBeNull();
  });

  it('matches a code against its salted hash only', () => {
    const hash = codeHash('salt', '012345');
    expect(codeMatches('salt', hash, '012345')).toBe(true);
    expect(codeMatches('salt', hash, '012346')).toBe(false);
    expect(codeMatches('other', hash, '012345')).toBe(false);
  });

  it('refuses an unknown, a used and an expired code, and a used one stays used after it expires', () => {
    expect(codeRefusal(null, NOW)).toBe('ASSISTANCE_CODE_UNKNOWN');
    expect(codeRefusal({ expiresAt: minutes(5), redeemedAt: null }, NOW)).toBeNull();
    expect(codeRefusal({ expiresAt: minutes(5), redeemedAt: minutes(-1) }, NOW)).toBe('ASSISTANCE_CODE_USED');
    expect(codeRefusal({ expiresAt: NOW, redeemedAt: null }, NOW)).toBe('ASSISTANCE_CODE_EXPIRED');
    expect(codeRefusal({ expiresAt: minutes(-5), redeemedAt: minutes(-8) }, NOW)).toBe('ASSISTANCE_CODE_USED');
  });

  it('locks out the fifth failure within ten minutes, not older ones', () => {
    expect(lockedOut([minutes(-1), minutes(-2), minutes(-3), minutes(-4)], NOW)).toBe(false);
    expect(lockedOut([minutes(-1), minutes(-2), minutes(-3), minutes(-4), minutes(-5)], NOW)).toBe(true);
    expect(lockedOut([minutes(-1), minutes(-2), minutes(-3), minutes(-4), minutes(-10)], NOW)).toBe(false);
  });
});

describe('consent in person', () => {
  it('needs a valid ID number, a name and the ID card checked', () => {
    expect(inPersonProblems({ idNumber: '440514199403120356', name: '陈晓明', idCardVerified: true })).toEqual([]);
    expect(inPersonProblems({ idNumber: '440514199403120357', name: '', idCardVerified: false }).map((p) => p.code)).toEqual([
      'INVALID_ID_NUMBER',
      'REQUIRED',
      'ID_CARD_NOT_VERIFIED',
    ]);
  });

  it('takes exactly one way of consent', () => {
    expect(consentChoiceProblems({ code: '012345' })).toEqual([]);
    expect(consentChoiceProblems({}).map((p) => p.code)).toEqual(['CONSENT_REQUIRED']);
    expect(consentChoiceProblems({ code: '012345', inPerson: {} }).map((p) => p.code)).toEqual(['ONE_CONSENT_ONLY']);
  });
});

describe('assistance sessions', () => {
  const session = { staffId: 'W0012', topicCode: 'CN-YJS-XSECS', expiresAt: minutes(120), endedAt: null };

  it('are for their own staff member, until ended or expired', () => {
    expect(sessionRefusal(session, 'W0012', NOW)).toBeNull();
    expect(sessionRefusal(null, 'W0012', NOW)).toBe('ASSISTANCE_SESSION_UNKNOWN');
    expect(sessionRefusal(session, 'W0077', NOW)).toBe('ASSISTANCE_SESSION_NOT_YOURS');
    expect(sessionRefusal({ ...session, endedAt: minutes(-1) }, 'W0012', NOW)).toBe('ASSISTANCE_SESSION_ENDED');
    expect(sessionRefusal(session, 'W0012', minutes(120))).toBe('ASSISTANCE_SESSION_EXPIRED');
  });
});
