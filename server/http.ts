/** Small helpers for the gateway's plain node:http endpoints. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../lib/errors.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the whole body, refusing (413) as soon as it grows past `limitBytes`.
 * The request is paused, not destroyed, so the 413 still reaches the client;
 * answer with `connection: close` so the rest of the upload is never read.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${limitBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Decodes UTF-8 strictly: a body with invalid byte sequences is refused, not silently repaired. */
export function decodeUtf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid UTF-8');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** The body of a non-GraphQL error answer, shaped like a GraphQL error so clients handle one format. */
export function errorBody(code: ErrorCode, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}
