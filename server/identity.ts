/**
 * Who is calling: the bearer JWT issued by the provincial identity service,
 * verified with jose. No token = an anonymous caller; a token that is
 * expired, malformed, wrongly signed, missing a claim or with a `sub` that
 * is not a non-empty string = UNAUTHENTICATED
 * (never silently anonymous, or a broken login would look like a logout).
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { SignJWT, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload, type CryptoKey } from 'jose';
import { UnauthenticatedError } from '../lib/errors.ts';
import { ROLES, type Role, type Viewer } from '../domain/actor.ts';

export interface IdentitySettings {
  /** Shared HS256 secret (JWT_SECRET), at least 32 bytes. */
  secret?: string;
  /** PEM public key for RS256 or ES256 tokens (contents of JWT_PUBLIC_KEY_FILE). */
  publicKeyPem?: string;
  /** Required `iss` claim (JWT_ISSUER), when set. */
  issuer?: string;
  /** Required `aud` claim (JWT_AUDIENCE), when set. */
  audience?: string;
}

export interface TokenVerifier {
  /** The viewer for an Authorization header value (absent = anonymous). */
  identify(authorization: string | undefined): Promise<Viewer>;
}

export async function createTokenVerifier(settings: IdentitySettings): Promise<TokenVerifier> {
  let key: Uint8Array | CryptoKey;
  let algorithms: string[];
  if (settings.publicKeyPem) {
    const algorithm = publicKeyType(settings.publicKeyPem) === 'ec' ? 'ES256' : 'RS256';
    key = await importSPKI(settings.publicKeyPem, algorithm);
    algorithms = [algorithm];
  } else if (settings.secret) {
    key = new TextEncoder().encode(settings.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('createTokenVerifier needs a secret or a public key');
  }

  // A client sends the same token with every request: verifying its signature again each time (WebCrypto, a few
  // percent of a request's CPU) tells nothing new until it expires. Only verified tokens are kept, never longer
  // than their `exp` or VERIFIED_TOKEN_TTL_MS.
  const verified = new LRUCache<string, { viewer: Viewer; expiresAt: number }>({ max: VERIFIED_TOKENS, ttl: VERIFIED_TOKEN_TTL_MS });
  return {
    async identify(authorization) {
      if (authorization === undefined || authorization.trim() === '') return { kind: 'anonymous' };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>"');
      const known = verified.get(match[1]!);
      if (known && Date.now() < known.expiresAt) return known.viewer;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1]!, key, {
          algorithms,
          ...(settings.issuer ? { issuer: settings.issuer } : {}),
          ...(settings.audience ? { audience: settings.audience } : {}),
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired');
        throw new UnauthenticatedError('The token is not valid');
      }
      // Frozen: one object answers every request with this token.
      const viewer = Object.freeze(viewerFromClaims(payload));
      verified.set(match[1]!, { viewer, expiresAt: payload.exp! * 1000 });
      return viewer;
    },
  };
}

/** Most verified tokens remembered at once (least recently used go first). */
const VERIFIED_TOKENS = 10_000;
/** Longest a verified token is trusted without checking its signature again, in milliseconds. */
const VERIFIED_TOKEN_TTL_MS = 60_000;

function viewerFromClaims(payload: JWTPayload): Viewer {
  const role = payload.role;
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) {
    throw new UnauthenticatedError('The token has no valid role claim');
  }
  // jose checks that `sub` is present, not that it is a string: a number or a blank would become nobody's (or anybody's) subject.
  const subject = payload.sub as unknown;
  if (typeof subject !== 'string' || subject.trim() === '') {
    throw new UnauthenticatedError('The token has no valid sub claim');
  }
  const name = typeof payload.name === 'string' ? payload.name : '';
  if (role === 'DEPARTMENT_STAFF') {
    if (typeof payload.dept !== 'string' || payload.dept === '') {
      throw new UnauthenticatedError('A department staff token needs a dept claim');
    }
    return { kind: 'user', subject, name, role, department: payload.dept };
  }
  if (role === 'WINDOW_STAFF') {
    if (typeof payload.hall !== 'string' || payload.hall.trim() === '') {
      throw new UnauthenticatedError('A window staff token needs a hall claim');
    }
    return { kind: 'user', subject, name, role, hall: payload.hall };
  }
  return { kind: 'user', subject, name, role: role as Role };
}

/** `ec`, `rsa`, …; undefined for text Node cannot read as a public key, which `importSPKI` then refuses with its own message. */
function publicKeyType(pem: string): string | undefined {
  try {
    return createPublicKey(pem).asymmetricKeyType;
  } catch {
    return undefined;
  }
}

export interface TokenClaims {
  sub: string;
  name?: string;
  role: Role;
  dept?: string;
  /** Service-hall code, for WINDOW_STAFF. */
  hall?: string;
}

/** Mints an HS256 token, for the sandbox's demo users and `npm run token`. */
export async function mintToken(
  secret: string,
  claims: TokenClaims,
  options: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({
    name: claims.name,
    role: claims.role,
    ...(claims.dept ? { dept: claims.dept } : {}),
    ...(claims.hall ? { hall: claims.hall } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

export function readPublicKey(path: string): string {
  return readFileSync(path, 'utf8');
}
