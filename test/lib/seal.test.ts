import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Seal, SealKeyError, generateSigningKeyPem, readPublicKey, readSigningKey, type SealAlgorithm } from '../../lib/seal.ts';

const HAVE_OPENSSL = existsSync('/usr/bin/openssl');
if (!HAVE_OPENSSL) process.stderr.write('seal interoperability checks SKIPPED: /usr/bin/openssl is absent\n');
const dir = mkdtempSync(join(tmpdir(), 'seal-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECEIPT = '{"reference":"OT20261126ABCDEFGHJK","materials":[{"code":"M-SFZ","provision":"UPLOADED"}],"申请人":"陈晓明"}';

/** A changed byte: the character at `at` replaced by another of the same alphabet. */
const changed = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

describe.each<SealAlgorithm>(['SM2-SM3', 'ES256'])('a %s seal key', (algorithm) => {
  const key = readSigningKey(generateSigningKeyPem(algorithm));

  it('verifies its own signature, and nothing with a changed byte of the content or of the signature', () => {
    const signature = key.sign(RECEIPT);
    expect([
      key.verify(RECEIPT, signature),
      key.verify(RECEIPT.replace('UPLOADED', 'DEFERRED'), signature),
      key.verify(RECEIPT, changed(signature, 10)),
      key.verify(RECEIPT, signature.slice(1)),
      key.verify(RECEIPT, 'not a signature'),
    ]).toEqual([true, false, false, false, false]);
  });

  it('has an id derived from its public key, the same from the public PEM', () => {
    const publicKey = readPublicKey(key.publicKeyPem);
    expect([key.algorithm, publicKey.algorithm, publicKey.kid]).toEqual([algorithm, algorithm, key.kid]);
    expect(key.kid).toMatch(algorithm === 'SM2-SM3' ? /^sm2-[0-9a-f]{16}$/ : /^es256-[0-9a-f]{16}$/);
    expect(publicKey.verify(RECEIPT, key.sign(RECEIPT))).toBe(true);
    expect(readPublicKey(key.publicKeyPem).kid).not.toBe(readSigningKey(generateSigningKeyPem(algorithm)).kid);
  });
});

describe.skipIf(!HAVE_OPENSSL)('keys and signatures interoperate with OpenSSL', () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** r‖s (base64url) as the DER signature OpenSSL expects. */
  const der = (signature: string) => {
    const rs = Buffer.from(signature, 'base64url');
    const integer = (bytes: Buffer) => {
      let b = bytes;
      while (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) b = b.subarray(1);
      if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
      return Buffer.concat([Buffer.from([2, b.length]), b]);
    };
    const body = Buffer.concat([integer(rs.subarray(0, 32)), integer(rs.subarray(32))]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  };

  it('reads an SM2 key made by openssl genpkey, and openssl verifies its SM2/SM3 signature', () => {
    const keyFile = join(dir, 'sm2.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', keyFile);
    const key = readSigningKey(readFileSync(keyFile, 'utf8'));
    writeFileSync(join(dir, 'sm2.pub.pem'), key.publicKeyPem);
    writeFileSync(join(dir, 'data'), RECEIPT);
    writeFileSync(join(dir, 'sm2.sig'), der(key.sign(RECEIPT)));

    const verified = openssl('pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'sm2.pub.pem'), '-rawin', '-digest', 'sm3',
      '-pkeyopt', 'distid:1234567812345678', '-in', join(dir, 'data'), '-sigfile', join(dir, 'sm2.sig'));
    expect([key.algorithm, verified.trim()]).toEqual(['SM2-SM3', 'Signature Verified Successfully']);
    expect(readPublicKey(openssl('pkey', '-in', keyFile, '-pubout')).kid).toBe(key.kid);
  });

  it('reads a P-256 key made by openssl genpkey, and openssl verifies its ECDSA signature', () => {
    const keyFile = join(dir, 'p256.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile);
    const key = readSigningKey(readFileSync(keyFile, 'utf8'));
    writeFileSync(join(dir, 'p256.pub.pem'), key.publicKeyPem);
    writeFileSync(join(dir, 'data'), RECEIPT);
    writeFileSync(join(dir, 'p256.sig'), der(key.sign(RECEIPT)));

    const verified = openssl('dgst', '-sha256', '-verify', join(dir, 'p256.pub.pem'), '-signature', join(dir, 'p256.sig'), join(dir, 'data'));
    expect([key.algorithm, verified.trim()]).toEqual(['ES256', 'Verified OK']);
  });

  it('refuses keys of other kinds, saying what it expected', () => {
    const rsa = openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024');
    expect(() => readSigningKey(rsa)).toThrow(SealKeyError);
    expect(() => readSigningKey(openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'))).toThrow(
      'the key is neither an SM2 nor a P-256 key',
    );
  });
});

describe('a seal', () => {
  it('refuses text that is no key', () => {
    expect(() => readSigningKey('hello')).toThrow('expected an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)');
    expect(() => readPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(SealKeyError);
  });

  it('signs with its current key and still verifies what earlier keys signed, publishing them all', () => {
    const old = readSigningKey(generateSigningKeyPem('ES256'));
    const oldSignature = old.sign(RECEIPT);
    const rotated = new Seal(readSigningKey(generateSigningKeyPem('SM2-SM3')), [readPublicKey(old.publicKeyPem)]);

    const signed = rotated.sign(RECEIPT);
    expect([
      signed.algorithm,
      rotated.key(signed.kid)!.verify(RECEIPT, signed.signature),
      rotated.key(old.kid)!.verify(RECEIPT, oldSignature),
      rotated.key('es256-0000000000000000'),
    ]).toEqual(['SM2-SM3', true, true, undefined]);
    expect(rotated.published().map(({ kid, algorithm, status }) => ({ kid, algorithm, status }))).toEqual([
      { kid: old.kid, algorithm: 'ES256', status: 'previous' },
      { kid: signed.kid, algorithm: 'SM2-SM3', status: 'current' },
    ]);
  });
});
