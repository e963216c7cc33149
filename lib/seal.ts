/**
 * The gateway's electronic seal (电子印章): signatures over what it issues,
 * with SM2 and SM3 (GB/T 32918, the national algorithms of GB/T 38540) or
 * ECDSA P-256 with SHA-256.
 *
 * Keys are PEM files as OpenSSL writes them — PKCS#8 private keys
 * (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2`, or
 * `…:P-256`) and SPKI public keys (`openssl pkey -pubout`); the algorithm
 * follows the key's curve. SM2 keys are read here, not by node:crypto, which
 * cannot export them. A key's id is derived from its public key, so the same
 * key has the same id on every instance and no one has to name it.
 *
 * Signatures are r‖s (64 bytes), base64url: short enough for a QR code.
 * SM2 signs with the default distinguishing identifier 1234567812345678
 * (GB/T 35276).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { sm2 } from 'sm-crypto';

/** `ES256` = ECDSA P-256 with SHA-256; `SM2-SM3` = SM2 with SM3. */
export type SealAlgorithm = 'ES256' | 'SM2-SM3';

export const SEAL_ALGORITHMS: readonly SealAlgorithm[] = ['ES256', 'SM2-SM3'];

/** A public key of the seal, able to check signatures. */
export interface SealPublicKey {
  /** `es256-<16 hex>` or `sm2-<16 hex>`: the start of SHA-256 over the uncompressed public point. */
  kid: string;
  algorithm: SealAlgorithm;
  /** Uncompressed public point 04‖x‖y, hex (what SM2 software usually exchanges). */
  publicKeyHex: string;
  /** SubjectPublicKeyInfo PEM. */
  publicKeyPem: string;
  /** Whether `signature` (base64url r‖s) is this key's signature over `data`. Never throws. */
  verify(data: string, signature: string): boolean;
}

/** A signing key of the seal. */
export interface SealSigningKey extends SealPublicKey {
  /** The base64url r‖s signature over `data` (UTF-8). */
  sign(data: string): string;
}

export class SealKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealKeyError';
  }
}

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_P256 = '2a8648ce3d030107'; // 1.2.840.10045.3.1.7
const OID_SM2 = '2a811ccf5501822d'; // 1.2.156.10197.1.301

interface Der {
  tag: number;
  content: Buffer;
}

/** Reads the DER elements one after another in `bytes`. */
function derElements(bytes: Buffer): Der[] {
  const elements: Der[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at++]!;
    let length = bytes[at++];
    if (length === undefined) throw new SealKeyError('truncated DER');
    if (length & 0x80) {
      const octets = length & 0x7f;
      if (octets === 0 || octets > 3 || at + octets > bytes.length) throw new SealKeyError('unsupported DER length');
      length = 0;
      for (let i = 0; i < octets; i++) length = length * 256 + bytes[at++]!;
    }
    if (at + length > bytes.length) throw new SealKeyError('truncated DER');
    elements.push({ tag, content: bytes.subarray(at, at + length) });
    at += length;
  }
  return elements;
}

function only(bytes: Buffer, tag: number, what: string): Der[] {
  const [outer] = derElements(bytes);
  if (!outer || outer.tag !== tag) throw new SealKeyError(`not ${what}`);
  return derElements(outer.content);
}

function pemBody(pem: string, label: string): Buffer | null {
  const match = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(pem);
  return match ? Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64') : null;
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** The curve named by an AlgorithmIdentifier: id-ecPublicKey with a named curve, or the SM2 OID on its own. */
function curveOf(algorithmIdentifier: Der): SealAlgorithm {
  const [algorithm, parameter] = derElements(algorithmIdentifier.content).map((e) => e.content.toString('hex'));
  const curve = algorithm === OID_EC_PUBLIC_KEY ? parameter : algorithm;
  if (curve === OID_SM2) return 'SM2-SM3';
  if (curve === OID_P256) return 'ES256';
  throw new SealKeyError('the key is neither an SM2 nor a P-256 key');
}

const SM2_ALGORITHM_IDENTIFIER = Buffer.from(`301306072a8648ce3d020106082a811ccf5501822d`, 'hex');

function sm2Spki(publicKeyHex: string): Buffer {
  return Buffer.concat([Buffer.from('3059', 'hex'), SM2_ALGORITHM_IDENTIFIER, Buffer.from('034200', 'hex'), Buffer.from(publicKeyHex, 'hex')]);
}

function sm2Pkcs8(privateKeyHex: string, publicKeyHex: string): Buffer {
  const ecPrivateKey = Buffer.concat([
    Buffer.from('306b0201010420', 'hex'),
    Buffer.from(privateKeyHex.padStart(64, '0'), 'hex'),
    Buffer.from('a144034200', 'hex'),
    Buffer.from(publicKeyHex, 'hex'),
  ]);
  return Buffer.concat([Buffer.from('308187020100', 'hex'), SM2_ALGORITHM_IDENTIFIER, Buffer.from('046d', 'hex'), ecPrivateKey]);
}

const kidOf = (algorithm: SealAlgorithm, publicKeyHex: string) =>
  `${algorithm === 'SM2-SM3' ? 'sm2' : 'es256'}-${createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 16)}`;

const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

function sm2PublicKey(publicKeyHex: string): SealPublicKey {
  if (!/^04[0-9a-f]{128}$/.test(publicKeyHex) || !sm2.verifyPublicKey(publicKeyHex)) {
    throw new SealKeyError('the SM2 public key is not a point of the curve');
  }
  return {
    kid: kidOf('SM2-SM3', publicKeyHex),
    algorithm: 'SM2-SM3',
    publicKeyHex,
    publicKeyPem: pem('PUBLIC KEY', sm2Spki(publicKeyHex)),
    verify(data, signature) {
      if (!SIGNATURE.test(signature)) return false;
      const rs = Buffer.from(signature, 'base64url').toString('hex');
      try {
        return sm2.doVerifySignature(data, rs, publicKeyHex, { hash: true });
      } catch {
        return false;
      }
    },
  };
}

function es256PublicKey(key: KeyObject): SealPublicKey {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new SealKeyError('the key is not a P-256 key');
  const publicKeyHex = `04${Buffer.from(jwk.x, 'base64url').toString('hex')}${Buffer.from(jwk.y, 'base64url').toString('hex')}`;
  return {
    kid: kidOf('ES256', publicKeyHex),
    algorithm: 'ES256',
    publicKeyHex,
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    verify(data, signature) {
      if (!SIGNATURE.test(signature)) return false;
      return verify('sha256', Buffer.from(data, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    },
  };
}

/**
 * A signing key from a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
 * @throws SealKeyError when it is not an unencrypted SM2 or P-256 private key.
 */
export function readSigningKey(text: string): SealSigningKey {
  const der = pemBody(text, 'PRIVATE KEY');
  if (!der) throw new SealKeyError('expected an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)');
  const [, algorithmIdentifier, privateKey] = only(der, 0x30, 'a PKCS#8 private key');
  if (!algorithmIdentifier || !privateKey) throw new SealKeyError('not a PKCS#8 private key');
  const algorithm = curveOf(algorithmIdentifier);
  if (algorithm === 'ES256') {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const publicKey = es256PublicKey(createPublicKey(key));
    return {
      ...publicKey,
      sign: (data) => sign('sha256', Buffer.from(data, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    };
  }
  const [, d] = only(privateKey.content, 0x30, 'an EC private key');
  if (!d || d.tag !== 0x04 || d.content.length === 0 || d.content.length > 32) throw new SealKeyError('not an SM2 private key');
  const privateKeyHex = d.content.toString('hex').padStart(64, '0');
  const publicKeyHex = sm2.getPublicKeyFromPrivateKey(privateKeyHex);
  const publicKey = sm2PublicKey(publicKeyHex);
  return {
    ...publicKey,
    sign: (data) => Buffer.from(sm2.doSignature(data, privateKeyHex, { hash: true, publicKey: publicKeyHex }), 'hex').toString('base64url'),
  };
}

/**
 * A public key from an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), or the public
 * half of a PKCS#8 private key PEM.
 * @throws SealKeyError when it is neither, or not an SM2 or P-256 key.
 */
export function readPublicKey(text: string): SealPublicKey {
  if (pemBody(text, 'PRIVATE KEY')) {
    const { sign: _sign, ...publicKey } = readSigningKey(text);
    return publicKey;
  }
  const der = pemBody(text, 'PUBLIC KEY');
  if (!der) throw new SealKeyError('expected a PEM public key (-----BEGIN PUBLIC KEY-----) or private key');
  const [algorithmIdentifier, point] = only(der, 0x30, 'a public key');
  if (!algorithmIdentifier || !point || point.tag !== 0x03) throw new SealKeyError('not a public key');
  if (curveOf(algorithmIdentifier) === 'ES256') return es256PublicKey(createPublicKey({ key: der, format: 'der', type: 'spki' }));
  return sm2PublicKey(point.content.subarray(1).toString('hex'));
}

/** A new private key as PKCS#8 PEM, for the sandbox (production keys are made and kept by the operator). */
export function generateSigningKeyPem(algorithm: SealAlgorithm): string {
  if (algorithm === 'ES256') {
    return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  const { privateKey, publicKey } = sm2.generateKeyPairHex();
  return pem('PRIVATE KEY', sm2Pkcs8(privateKey, publicKey));
}

/** The keys a verifier needs, as published at the well-known URL. */
export interface PublishedKey {
  kid: string;
  algorithm: SealAlgorithm;
  /** `current` signs what is issued now; `previous` keys only verify what they signed before a rotation. */
  status: 'current' | 'previous';
  publicKeyHex: string;
  publicKeyPem: string;
}

/**
 * The seal in use: one current signing key, and the public keys of earlier
 * ones, which still verify what they signed (rotation never invalidates an
 * issued document).
 */
export class Seal {
  private readonly keys = new Map<string, SealPublicKey>();

  constructor(
    readonly signingKey: SealSigningKey,
    previousKeys: readonly SealPublicKey[] = [],
  ) {
    for (const key of previousKeys) this.keys.set(key.kid, key);
    this.keys.set(signingKey.kid, signingKey);
  }

  sign(data: string): { kid: string; algorithm: SealAlgorithm; signature: string } {
    return { kid: this.signingKey.kid, algorithm: this.signingKey.algorithm, signature: this.signingKey.sign(data) };
  }

  /** The key of an id, or undefined when the seal does not know it. */
  key(kid: string): SealPublicKey | undefined {
    return this.keys.get(kid);
  }

  published(): PublishedKey[] {
    return [...this.keys.values()].map((key) => ({
      kid: key.kid,
      algorithm: key.algorithm,
      status: key.kid === this.signingKey.kid ? 'current' : 'previous',
      publicKeyHex: key.publicKeyHex,
      publicKeyPem: key.publicKeyPem,
    }));
  }
}
