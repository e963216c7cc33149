/**
 * `POST /uploads`: an applicant hands in a material's file and gets the
 * `fileRef` to cite in `submitApplication` / `supplementMaterials`.
 *
 * - Authenticated: a bearer token is required (401 otherwise), of an
 *   APPLICANT (403 for staff, evaluators and administrators: only applicants
 *   hand in materials), and the file is recorded as the caller's (`sub`):
 *   only its uploader may cite it.
 * - The body is the file's raw bytes; the Content-Type header and any file
 *   name are ignored. A multipart form is refused (415) with a message
 *   saying to send the file itself.
 * - At most `maxBytes` (default 10 MiB): a larger declared Content-Length is
 *   refused with 413 before anything is read, and a body that grows past the
 *   limit is refused with 413 as soon as it does, without reading the rest
 *   (the connection is closed).
 * - The type is decided by the content alone (magic bytes): PDF, OFD (a ZIP
 *   with an `OFD.xml` entry, the national standard GB/T 33190), JPEG or PNG;
 *   anything else, an empty body included, is refused with 415.
 * - Stored content-addressed (`store/uploads.ts`); the answer is
 *   `201 { fileRef: "sha256:<hex>", mediaType, size }`.
 *
 * Errors are answered as `errorBody(code, message)` JSON. The handler answers
 * every expected outcome itself; an unexpected failure (the database down) is
 * thrown for the server's catch-all, which logs it and answers 500.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnauthenticatedError, type ErrorCode } from '../lib/errors.ts';

import type { Database } from '../store/database.ts';
import { ForbiddenError } from '../lib/errors.ts';
import { storeUpload } from '../store/uploads.ts';
import type { Role } from './context.ts';
import { errorBody, sendJson } from './http.ts';

/** Largest upload by default: 10 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** The media types accepted, by their content's signature. */
export type UploadMediaType = 'application/pdf' | 'application/ofd' | 'image/jpeg' | 'image/png';

export const ACCEPTED_UPLOAD_TYPES: readonly UploadMediaType[] = ['application/pdf', 'application/ofd', 'image/jpeg', 'image/png'];

export interface UploadDeps {
  db: Database;
  /** Largest accepted body in bytes. Default {@link DEFAULT_MAX_UPLOAD_BYTES}. */
  maxBytes?: number;
  /**
   * Who calls, from the Authorization header value: `{ subject, role }` (the
   * token's `sub` and `role`), or null for no or an invalid token. May also
   * throw the gateway's UnauthenticatedError (as `TokenVerifier.identify`
   * does); that is a 401 too.
   */
  identify(authorization: string | undefined): Promise<{ subject: string; role: Role } | null>;
  /** Told after a file is stored for the caller (window staff record what they upload for a citizen). Default: nothing. */
  onStored?(fileRef: string): Promise<void>;
}

/** The 201 answer. */
export interface UploadAnswer {
  fileRef: string;
  mediaType: UploadMediaType;
  size: number;
}

/** Handles one request to `/uploads`; see the module comment. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, deps: UploadDeps): Promise<void> {
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (req.method !== 'POST') {
    return refuse(req, res, 405, 'METHOD_NOT_ALLOWED', 'Upload a file with POST /uploads', { allow: 'POST' });
  }

  let caller: { subject: string; role: Role } | null;
  try {
    caller = await deps.identify(req.headers.authorization);
  } catch (error) {
    if (error instanceof ForbiddenError) return refuse(req, res, 403, 'FORBIDDEN', error.message);
    if (!isUnauthenticated(error)) throw error;
    return refuse(req, res, 401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer' });
  }
  if (!caller || caller.subject === '') {
    return refuse(req, res, 401, 'UNAUTHENTICATED', 'A valid bearer token is required to upload files', {
      'www-authenticate': 'Bearer',
    });
  }
  if (caller.role !== 'APPLICANT') {
    return refuse(req, res, 403, 'FORBIDDEN', 'Only applicants upload materials; this token is not an applicant’s');
  }

  const tooLarge = () =>
    refuse(req, res, 413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes, the most accepted`);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return tooLarge();

  const body = await readLimited(req, maxBytes);
  if (body === 'too_large') return tooLarge();
  if (body === 'aborted') return; // the client went away: nobody to answer

  const mediaType = sniffMediaType(body);
  if (mediaType === null) {
    return refuse(
      req,
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      body.length === 0
        ? 'The body is empty: send the bytes of a PDF, OFD, JPEG or PNG file'
        : isMultipart(req, body)
          ? 'The body is a multipart form: send the raw bytes of the file itself as the body instead (no form, no field name)'
          : 'The file is not a PDF, OFD, JPEG or PNG file (its type is read from its content, not its name or Content-Type)',
    );
  }
  const stored = await storeUpload(deps.db, { owner: caller.subject, content: body, mediaType });
  await deps.onStored?.(stored.fileRef);
  const answer: UploadAnswer = { fileRef: stored.fileRef, mediaType, size: stored.size };
  sendJson(res, 201, answer);
}

/**
 * Answers an error; when the request body was not read to its end, asks for
 * the connection to be closed so that the rest of the body is not read.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  sendJson(res, status, errorBody(code, message), req.complete ? headers : { ...headers, connection: 'close' });
}

/** A browser form's upload (`multipart/form-data`), by its Content-Type or by the start of its body. */
function isMultipart(req: IncomingMessage, body: Buffer): boolean {
  if (/^\s*multipart\//i.test(req.headers['content-type'] ?? '')) return true;
  const start = body.subarray(0, 1024).toString('latin1');
  return start.startsWith('--') && /content-disposition:\s*form-data/i.test(start);
}

function isUnauthenticated(error: unknown): error is UnauthenticatedError {
  return error instanceof UnauthenticatedError;
}

/**
 * The whole body, or `'too_large'` as soon as it grows past `limit` (reading
 * stops there), or `'aborted'` when the client went away.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too_large' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAborted);
      req.off('close', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the 413 goes out with Connection: close.
        req.pause();
        chunks.length = 0;
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks, size));
    const onAborted = () => finish('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAborted);
    req.on('close', onAborted);
  });
}

// ---------------------------------------------------------------- content types

const PDF = Buffer.from('%PDF-', 'latin1');
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_LOCAL_HEADER = 0x04034b50;
const ZIP_CENTRAL_HEADER = 0x02014b50;
const ZIP_END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** How far into an archive local file headers are followed. */
const OFD_SCAN_BYTES = 1024 * 1024;
const OFD_SCAN_ENTRIES = 256;

const startsWith = (bytes: Uint8Array, signature: Uint8Array) =>
  bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);

/**
 * The media type of a file from its first bytes, or null when it is none of
 * the accepted ones: PDF (`%PDF-`), JPEG (`FF D8 FF`), PNG (its 8-byte
 * signature), OFD (a ZIP archive, `PK\x03\x04`, one of whose entries is
 * `OFD.xml` at the root).
 */
export function sniffMediaType(bytes: Uint8Array): UploadMediaType | null {
  if (startsWith(bytes, PDF)) return 'application/pdf';
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (startsWith(bytes, PNG)) return 'image/png';
  if (isOfdArchive(bytes)) return 'application/ofd';
  return null;
}

const isOfdEntry = (name: string) => name.replace(/^\.?\//, '').toLowerCase() === 'ofd.xml';

/**
 * Whether a ZIP archive has an `OFD.xml` entry: follows the local file
 * headers from the start (the first MiB, at most 256 entries). When an entry's
 * size is only given after its data (a data descriptor) the headers cannot be
 * followed further, and the central directory at the end is read instead.
 */
export function isOfdArchive(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : -1);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : -1);
  const name = (at: number, length: number) =>
    at + length <= bytes.length ? Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('latin1') : null;
  if (u32(0) !== ZIP_LOCAL_HEADER) return false;

  let offset = 0;
  for (let entries = 0; entries < OFD_SCAN_ENTRIES && offset < OFD_SCAN_BYTES; entries++) {
    if (u32(offset) !== ZIP_LOCAL_HEADER) return false; // the central directory (or junk): no OFD.xml before it
    const flags = u16(offset + 6);
    const compressedSize = u32(offset + 18);
    const nameLength = u16(offset + 26);
    const extraLength = u16(offset + 28);
    if (nameLength < 0 || extraLength < 0 || compressedSize < 0) return false;
    const entryName = name(offset + 30, nameLength);
    if (entryName === null) return false;
    if (isOfdEntry(entryName)) return true;
    const sizeUnknown = (flags & 0x08) !== 0 && compressedSize === 0;
    if (sizeUnknown || compressedSize === 0xffffffff) return centralDirectoryHasOfd(bytes, view, name);
    offset += 30 + nameLength + extraLength + compressedSize;
  }
  return false;
}

function centralDirectoryHasOfd(
  bytes: Uint8Array,
  view: DataView,
  name: (at: number, length: number) => string | null,
): boolean {
  // The end record is 22 bytes plus a comment of at most 65535.
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let end = bytes.length - 22; end >= lowest; end--) {
    if (view.getUint32(end, true) !== ZIP_END_OF_CENTRAL_DIRECTORY) continue;
    const entries = view.getUint16(end + 10, true);
    let offset = view.getUint32(end + 16, true);
    for (let i = 0; i < Math.min(entries, 65535); i++) {
      if (offset + 46 > bytes.length || view.getUint32(offset, true) !== ZIP_CENTRAL_HEADER) return false;
      const nameLength = view.getUint16(offset + 28, true);
      const extraLength = view.getUint16(offset + 30, true);
      const commentLength = view.getUint16(offset + 32, true);
      const entryName = name(offset + 46, nameLength);
      if (entryName === null) return false;
      if (isOfdEntry(entryName)) return true;
      offset += 46 + nameLength + extraLength + commentLength;
    }
    return false;
  }
  return false;
}
