import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPem, readSigningKey } from '../../lib/seal.ts';
import { loadConfig } from '../../server/config.ts';
import { loadSeal } from '../../server/seal.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-config-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the receipt seal at start', () => {
  it('keeps a generated key under DATA_DIR and signs with the same one after a restart', () => {
    const dataDir = tempDir();
    const first = loadSeal(loadConfig({ DATA_DIR: dataDir }));
    const again = loadSeal(loadConfig({ DATA_DIR: dataDir }));
    expect([first.signingKey.algorithm, again.signingKey.kid, readdirSync(join(dataDir, 'receipt-keys'))]).toEqual([
      'ES256',
      first.signingKey.kid,
      ['receipt-seal-es256.pem'],
    ]);
  });

  it('uses the key file it is given, with the earlier public keys', () => {
    const dir = tempDir();
    const current = join(dir, 'current.pem');
    const previous = join(dir, 'previous.pem');
    writeFileSync(current, generateSigningKeyPem('SM2-SM3'));
    writeFileSync(previous, readSigningKey(generateSigningKeyPem('ES256')).publicKeyPem);

    const seal = loadSeal(loadConfig({ DATA_DIR: dir, RECEIPT_SIGNING_KEY_FILE: current, RECEIPT_PREVIOUS_KEY_FILES: previous }));
    expect(seal.published().map((k) => [k.algorithm, k.status])).toEqual([
      ['ES256', 'previous'],
      ['SM2-SM3', 'current'],
    ]);
  });

  it('stops with the variable and the file named when a key cannot be used', () => {
    const dir = tempDir();
    const notAKey = join(dir, 'not-a-key.pem');
    const p256 = join(dir, 'p256.pem');
    writeFileSync(notAKey, 'hello');
    writeFileSync(p256, generateSigningKeyPem('ES256'));

    expect(() => loadSeal(loadConfig({ RECEIPT_SIGNING_KEY_FILE: join(dir, 'missing.pem') }))).toThrow(
      `RECEIPT_SIGNING_KEY_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
    expect(() => loadSeal(loadConfig({ RECEIPT_SIGNING_KEY_FILE: p256, RECEIPT_PREVIOUS_KEY_FILES: notAKey }))).toThrow(
      `RECEIPT_PREVIOUS_KEY_FILES: ${notAKey} is not usable: expected a PEM public key (-----BEGIN PUBLIC KEY-----) or private key`,
    );
    expect(() => loadSeal(loadConfig({ RECEIPT_SIGNING_KEY_FILE: p256, RECEIPT_SEAL_ALGORITHM: 'SM2-SM3' }))).toThrow(
      'RECEIPT_SEAL_ALGORITHM is SM2-SM3, but the key in RECEIPT_SIGNING_KEY_FILE is for ES256',
    );
  });
});
