import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { SecretBox, SecretBoxError } from '../../lib/secrets.ts';

const KEY = randomBytes(32);

/** The error `fn` throws, for assertions on its code and message. */
function thrown(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error('expected a SecretBoxError, nothing was thrown');
}

/** `sealed` with one character of its `index`-th dot-separated part changed. */
function alter(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index]!;
  parts[index] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
  return parts.join('.');
}

describe('SecretBox', () => {
  it('unseals what it sealed, including non-ASCII and empty text', () => {
    const box = new SecretBox(KEY);
    for (const secret of ['tok-abc.123', '审批系统令牌🔑', '']) {
      expect(box.unseal(box.seal(secret))).toBe(secret);
    }
  });

  it('seals one value twice into two different texts of the versioned format, none containing the secret', () => {
    const box = new SecretBox(KEY);
    const first = box.seal('department-token');
    const second = box.seal('department-token');

    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
    expect(first).not.toContain('department-token');
    expect(first).not.toContain(Buffer.from('department-token').toString('base64url'));
  });

  it('accepts the key as hex, base64 or base64url text, all meaning the same key', () => {
    const sealed = new SecretBox(KEY).seal('s');
    for (const text of [KEY.toString('hex'), KEY.toString('base64'), KEY.toString('base64url'), ` ${KEY.toString('hex').toUpperCase()}\n`]) {
      expect(SecretBox.fromKey(text).unseal(sealed)).toBe('s');
    }
    expect(SecretBox.fromKey(SecretBox.generateKey())).toBeInstanceOf(SecretBox);
  });

  it('refuses a key that is not 32 bytes, without repeating it in the message', () => {
    for (const text of ['', 'short', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'z'.repeat(64)]) {
      const error = thrown(() => SecretBox.fromKey(text));
      expect(error.code).toBe('BAD_KEY');
      if (text.length > 5) expect(error.message).not.toContain(text);
    }
    expect(thrown(() => new SecretBox(randomBytes(16))).code).toBe('BAD_KEY');
  });

  it('refuses to unseal with another key, saying the key is not the one the data was sealed with', () => {
    const sealed = new SecretBox(KEY).seal('department-token');
    const error = thrown(() => new SecretBox(randomBytes(32)).unseal(sealed));

    expect(error.code).toBe('WRONG_KEY');
    expect(error.message).toMatch(/SECRETS_KEY/);
    expect(error.message).not.toContain('department-token');
  });

  it('refuses a sealed text whose IV, tag or ciphertext was altered', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('department-token');
    for (const part of [2, 3, 4]) {
      expect(thrown(() => box.unseal(alter(sealed, part))).code).toBe('TAMPERED');
    }
  });

  it('refuses a sealed text moved to another place than the associated data it was sealed for', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('department-token', 'connector:a:token');

    expect(box.unseal(sealed, 'connector:a:token')).toBe('department-token');
    expect(thrown(() => box.unseal(sealed, 'connector:b:token')).code).toBe('TAMPERED');
    expect(thrown(() => box.unseal(sealed)).code).toBe('TAMPERED');
  });

  it('refuses text that is not a sealed value as malformed', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('x');
    for (const text of ['', 'plain-token', sealed.replace(/^v1/, 'v9'), sealed.split('.').slice(0, 4).join('.'), `${sealed}.extra`, sealed.replace(/\.[^.]+\./, '.###.')]) {
      expect(thrown(() => box.unseal(text)).code).toBe('MALFORMED');
    }
  });
});
