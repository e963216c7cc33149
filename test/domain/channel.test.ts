import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../domain/answers.ts';
import { selfServiceChannel } from '../../domain/channel.ts';

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
};

describe('the channel a client submits from', () => {
  it('is PC when the client names none', () => {
    expect(selfServiceChannel(undefined)).toBe('PC');
    expect(selfServiceChannel(null)).toBe('PC');
  });

  it('is taken as given for the phone, a PC page and a kiosk', () => {
    expect(['PC', 'MOBILE', 'KIOSK'].map(selfServiceChannel)).toEqual(['PC', 'MOBILE', 'KIOSK']);
  });

  it('is never the window: only the gateway records window-assisted applications', () => {
    expect(problemsOf(() => selfServiceChannel('WINDOW'))).toEqual([
      { field: 'channel', code: 'CHANNEL_NOT_SELF_SERVICE', message: expect.stringContaining('window staff') },
    ]);
  });

  it('is refused when it is not a channel at all', () => {
    expect(problemsOf(() => selfServiceChannel('HOTLINE'))).toEqual([
      { field: 'channel', code: 'INVALID_CHANNEL', message: 'channel must be one of PC, MOBILE, KIOSK' },
    ]);
  });
});
