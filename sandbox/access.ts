/**
 * Access rules shared by the simulators: the bearer token configured for the
 * gateway, and the purpose/operator headers the personal-data systems demand.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError, type SimRequest } from './http.ts';

/** A fresh random secret; generated per sandbox start so none lives in the repository. */
export function newSecret(): string {
  return randomBytes(24).toString('hex');
}

/** 401 unless the request carries `Authorization: Bearer <token>`. */
export function requireBearer(request: SimRequest, token: string): void {
  const presented = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(presented), digest(token))) {
    throw new HttpError(401, 'UNAUTHORIZED', 'A valid bearer token is required', { 'WWW-Authenticate': 'Bearer' });
  }
}

/** 400 unless X-Purpose and X-Operator say why and for whom personal data is read. */
export function requireAccessHeaders(request: SimRequest): void {
  for (const name of ['x-purpose', 'x-operator']) {
    const value = request.headers[name];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new HttpError(400, 'MISSING_HEADER', `The ${name} header is required`);
    }
  }
}

