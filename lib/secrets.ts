/**
 * Sealing of short secrets the gateway must store but never show: the bearer
 * tokens of departments' approval systems and their webhook secrets.
 *
 * AES-256-GCM (node:crypto) with a random 12-byte IV per seal. A sealed value
 * is one line of text, safe in any text column:
 *
 *     v1.<keyId>.<iv>.<tag>.<ciphertext>      (each part base64url, no padding)
 *
 * - `v1` names the format, so a later one can be introduced beside it.
 * - `keyId` is the first 6 bytes of SHA-256 of the key. It reveals nothing
 *   usable about a random 256-bit key, and lets {@link SecretBox.unseal} say
 *   "sealed with another key" (SECRETS_KEY changed) instead of the less
 *   helpful "wrong key or altered" that GCM alone can tell.
 * - `tag` is GCM's 16-byte authentication tag: any change to the IV, the
 *   ciphertext, the tag or the associated data makes unsealing fail.
 *
 * Optional associated data binds a sealed value to its place (for example
 * `connector:<id>:token`), so that a sealed value copied into another row or
 * column does not unseal there.
 *
 * The key is 32 random bytes, given as base64, base64url or hex text: the
 * caller reads it from the SECRETS_KEY environment variable (in sandbox mode
 * it may use {@link SecretBox.generateKey}; secrets sealed with a generated
 * key are unreadable after a restart, which is fine for throwaway data).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a key or a sealed value was refused. */
export type SecretBoxErrorCode =
  /** The key is not 32 bytes of base64, base64url or hex. */
  | 'BAD_KEY'
  /** The text is not a sealed value of a known format. */
  | 'MALFORMED'
  /** The value was sealed with another key (SECRETS_KEY changed, or is not the one of this database). */
  | 'WRONG_KEY'
  /** The key is right but the value (or its associated data) was altered: authentication failed. */
  | 'TAMPERED';

/** A key or sealed value the box cannot use; `code` says why. The message never contains secret material. */
export class SecretBoxError extends Error {
  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 6;
const ALGORITHM = 'aes-256-gcm';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;
const BASE64URL_PART = /^[A-Za-z0-9_-]*$/;

const keyIdOf = (key: Buffer): string =>
  createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES).toString('base64url');

/**
 * Seals and unseals short secrets with one AES-256-GCM key.
 *
 * @example
 * const box = SecretBox.fromKey(process.env.SECRETS_KEY!);
 * const sealed = box.seal(token, `connector:${id}:token`);
 * box.unseal(sealed, `connector:${id}:token`) === token; // true
 */
export class SecretBox {
  readonly #key: Buffer;
  /** Identifies the key in sealed values (see the module comment); not secret. */
  readonly keyId: string;

  /**
   * @param key exactly 32 bytes; copied, so the caller may wipe its own copy.
   * @throws SecretBoxError `BAD_KEY` when the key is not 32 bytes long.
   */
  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError('BAD_KEY', `The secrets key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(this.#key);
  }

  /**
   * A box for a key given as text: 64 hex digits, or 32 bytes in base64 or
   * base64url (43 characters, with or without the final `=`). Surrounding
   * whitespace is ignored.
   * @throws SecretBoxError `BAD_KEY` for anything else (the message does not repeat the key).
   */
  static fromKey(text: string): SecretBox {
    const trimmed = text.trim();
    if (HEX_KEY.test(trimmed)) return new SecretBox(Buffer.from(trimmed, 'hex'));
    if (BASE64_KEY.test(trimmed)) {
      const normalised = trimmed.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      const bytes = Buffer.from(normalised, 'base64url');
      if (bytes.length === KEY_BYTES && bytes.toString('base64url') === normalised) return new SecretBox(bytes);
    }
    throw new SecretBoxError(
      'BAD_KEY',
      `The secrets key must be ${KEY_BYTES} random bytes written as 64 hex digits or as base64 ` +
        `(for example the output of \`openssl rand -base64 32\`); got ${trimmed.length} characters that are neither`,
    );
  }

  /** A new random key as base64 text, for {@link SecretBox.fromKey} (sandbox mode, or to print for an operator). */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  /**
   * Seals `plaintext` (UTF-8) with a fresh random IV: sealing one value twice
   * gives two different texts.
   * @param associatedData authenticated but not encrypted; the same text must be given to unseal.
   */
  seal(plaintext: string, associatedData?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv, tag, ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * The plaintext of a value {@link SecretBox.seal}ed with this key and the same associated data.
   * @throws SecretBoxError `MALFORMED` (not a sealed value), `WRONG_KEY` (sealed
   *   with another key) or `TAMPERED` (altered, or other associated data).
   */
  unseal(sealed: string, associatedData?: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION || !parts.every((part) => BASE64URL_PART.test(part))) {
      throw new SecretBoxError('MALFORMED', `Not a sealed secret of format ${VERSION}`);
    }
    const [, keyId, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('MALFORMED', `Not a sealed secret of format ${VERSION} (bad IV or tag length)`);
    }
    const expectedId = Buffer.from(this.keyId);
    const givenId = Buffer.from(keyId);
    if (givenId.length !== expectedId.length || !timingSafeEqual(givenId, expectedId)) {
      throw new SecretBoxError(
        'WRONG_KEY',
        `The secret was sealed with another key (key id ${keyId}, this key is ${this.keyId}): ` +
          'SECRETS_KEY is not the key this data was sealed with',
      );
    }
    const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'TAMPERED',
        'The sealed secret failed authentication: it was altered, or belongs to another record',
      );
    }
  }
}
