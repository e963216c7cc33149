import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, mintToken } from '../../server/identity.ts';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const MOTHER = '44051419900307002X';

const failureOf = async (authorization: string, settings = { secret: SECRET }) => {
  const verifier = await createTokenVerifier(settings);
  const error = await verifier.identify(authorization).catch((e: unknown) => e);
  return { code: (error as any).code, message: (error as Error).message };
};

describe('token verification', () => {
  it('treats a request without a token as anonymous', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET });

    expect(await verifier.identify(undefined)).toEqual({ kind: 'anonymous' });
  });

  it('reads the subject, name and role of a valid token', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET });
    const token = await mintToken(SECRET, { sub: MOTHER, name: '林美玲', role: 'APPLICANT' });

    expect(await verifier.identify(`Bearer ${token}`)).toEqual({ kind: 'user', subject: MOTHER, name: '林美玲', role: 'APPLICANT' });
  });

  it('reads the department of a staff token and refuses one without it', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET });
    const staff = await mintToken(SECRET, { sub: 'staff-1', name: '窗口', role: 'DEPARTMENT_STAFF', dept: 'WJJ-440514' });
    const noDept = await mintToken(SECRET, { sub: 'staff-1', name: '窗口', role: 'DEPARTMENT_STAFF' });

    expect(await verifier.identify(`Bearer ${staff}`)).toEqual({
      kind: 'user',
      subject: 'staff-1',
      name: '窗口',
      role: 'DEPARTMENT_STAFF',
      department: 'WJJ-440514',
    });
    expect(await failureOf(`Bearer ${noDept}`)).toEqual({ code: 'UNAUTHENTICATED', message: 'A department staff token needs a dept claim' });
  });

  it('refuses an expired token as UNAUTHENTICATED', async () => {
    const expired = await new SignJWT({ role: 'APPLICANT' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(MOTHER)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));

    expect(await failureOf(`Bearer ${expired}`)).toEqual({ code: 'UNAUTHENTICATED', message: 'The token has expired' });
  });

  it('refuses a token signed with another key, a malformed token and a token without a role', async () => {
    const forged = await mintToken('another-secret-of-at-least-32-bytes!!', { sub: MOTHER, role: 'ADMIN' });
    const noRole = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(MOTHER)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));

    expect(await failureOf(`Bearer ${forged}`)).toEqual({ code: 'UNAUTHENTICATED', message: 'The token is not valid' });
    expect(await failureOf('Bearer not.a.token')).toEqual({ code: 'UNAUTHENTICATED', message: 'The token is not valid' });
    expect(await failureOf(`Basic ${Buffer.from('a:b').toString('base64')}`)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The Authorization header must be "Bearer <token>"',
    });
    expect(await failureOf(`Bearer ${noRole}`)).toEqual({ code: 'UNAUTHENTICATED', message: 'The token has no valid role claim' });
  });

  it.each([
    ['a number', 12345],
    ['an empty string', ''],
    ['blank', '   '],
    ['an object', { id: MOTHER }],
  ])('refuses a token whose sub is %s', async (_what, sub) => {
    const token = await new SignJWT({ role: 'APPLICANT', sub: sub as string })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));

    expect(await failureOf(`Bearer ${token}`)).toEqual({ code: 'UNAUTHENTICATED', message: 'The token has no valid sub claim' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: MOTHER, role: 'ADMIN', exp: 9999999999 })).toString('base64url');

    expect(await failureOf(`Bearer ${header}.${payload}.`)).toEqual({ code: 'UNAUTHENTICATED', message: 'The token is not valid' });
  });

  it('checks issuer and audience when configured', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET, issuer: 'https://id.gd.gov.cn', audience: 'one-thing' });
    const right = await mintToken(SECRET, { sub: MOTHER, role: 'APPLICANT' }, { issuer: 'https://id.gd.gov.cn', audience: 'one-thing' });
    const wrong = await mintToken(SECRET, { sub: MOTHER, role: 'APPLICANT' }, { issuer: 'https://evil.example', audience: 'one-thing' });

    expect((await verifier.identify(`Bearer ${right}`)).kind).toBe('user');
    await expect(verifier.identify(`Bearer ${wrong}`)).rejects.toThrow('The token is not valid');
  });

  it.each([
    ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('verifies %s tokens with a public key', async (alg, generate) => {
    const { publicKey, privateKey } = generate();
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signingKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), alg);
    const token = await new SignJWT({ role: 'EVALUATOR', name: '评估员' })
      .setProtectedHeader({ alg })
      .setSubject('evaluator-1')
      .setExpirationTime('1h')
      .sign(signingKey);
    const verifier = await createTokenVerifier({ publicKeyPem });

    expect(await verifier.identify(`Bearer ${token}`)).toEqual({ kind: 'user', subject: 'evaluator-1', name: '评估员', role: 'EVALUATOR' });
    await expect(verifier.identify(`Bearer ${await mintToken(SECRET, { sub: 'x', role: 'ADMIN' })}`)).rejects.toThrow('The token is not valid');
  });
});

describe('a token seen before', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is refused once it expires, although it was accepted before', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET });
    const token = await mintToken(SECRET, { sub: MOTHER, name: '林美玲', role: 'APPLICANT' }, { expiresIn: '10m' });
    expect((await verifier.identify(`Bearer ${token}`)).kind).toBe('user');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    const error = await verifier.identify(`Bearer ${token}`).catch((e: unknown) => e);

    expect((error as Error).message).toBe('The token has expired');
  });

  it('is accepted again only as the very same token: a forged signature on its claims is still refused', async () => {
    const verifier = await createTokenVerifier({ secret: SECRET });
    const token = await mintToken(SECRET, { sub: MOTHER, name: '林美玲', role: 'APPLICANT' });
    await verifier.identify(`Bearer ${token}`);

    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const error = await verifier.identify(`Bearer ${forged}`).catch((e: unknown) => e);

    expect((error as any).code).toBe('UNAUTHENTICATED');
    expect(await verifier.identify(`Bearer ${token}`)).toEqual({ kind: 'user', subject: MOTHER, name: '林美玲', role: 'APPLICANT' });
  });
});
