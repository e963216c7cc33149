/**
 * Uploaded files (`uploads`, `upload_owners` in
 * `store/migrations/002_applications.sql`): content-addressed by SHA-256, the
 * bytes in the database so that every gateway instance can serve every file.
 *
 * A file is stored once however many people upload it; each uploader gets an
 * owner row, and an applicant may refer only to files it uploaded itself
 * ({@link ownedFileRefs}), so knowing another person's file reference (its
 * hash) is not enough to use that file.
 *
 * A file is referred to as `sha256:<64 lowercase hex digits>` (the approval
 * contract's `fileRef`).
 *
 * @module
 */
import { createHash } from 'node:crypto';

import type { Database, Queryable } from './database.ts';

/** What an upload is known by, as returned to the uploader. */
export interface StoredUpload {
  /** `sha256:<hex>`. */
  fileRef: string;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  mediaType: string;
  /** Size in bytes. */
  size: number;
}

/** A stored file with its bytes. */
export interface UploadContent extends StoredUpload {
  content: Buffer;
  /** When the bytes were first stored. */
  createdAt: Date;
}

const FILE_REF = /^sha256:([0-9a-f]{64})$/;
const HEX = /^[0-9a-f]{64}$/;

/** The `fileRef` of a digest. */
export const fileRefOf = (sha256: string): string => `sha256:${sha256}`;

/** The lowercase hex digest of a `sha256:<hex>` reference, or null when `ref` is not one (case matters). */
export function parseFileRef(ref: string): string | null {
  return FILE_REF.exec(ref)?.[1] ?? null;
}

/** Lowercase hex SHA-256 of `content`. */
export const sha256Hex = (content: Uint8Array): string => createHash('sha256').update(content).digest('hex');

/**
 * Stores `content` (unless a file with the same hash is stored already: then
 * only the owner row is added) and records `owner` as one of its uploaders.
 * Storing the same file for the same owner again changes nothing.
 * `mediaType` is the checked type of the content (see `server/uploads.ts`).
 */
export async function storeUpload(
  db: Database,
  upload: { owner: string; content: Uint8Array; mediaType: string },
): Promise<StoredUpload> {
  if (upload.owner === '') throw new RangeError('an upload needs an owner');
  const content = Buffer.isBuffer(upload.content) ? upload.content : Buffer.from(upload.content);
  const sha256 = sha256Hex(content);
  const size = content.length;
  await db.transaction(async (tx) => {
    // Skip sending megabytes the database already has; ON CONFLICT covers a concurrent first upload.
    const existing = await tx.query('SELECT 1 FROM uploads WHERE sha256 = $1', [sha256]);
    if (existing.rows.length === 0) {
      await tx.query(
        `INSERT INTO uploads (sha256, media_type, size_bytes, content) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING`,
        [sha256, upload.mediaType, size, content],
      );
    }
    await tx.query(
      'INSERT INTO upload_owners (sha256, owner) VALUES ($1, $2) ON CONFLICT (owner, sha256) DO NOTHING',
      [sha256, upload.owner],
    );
  });
  return { fileRef: fileRefOf(sha256), sha256, mediaType: upload.mediaType, size };
}

/**
 * The references among `refs` that `owner` uploaded, in the order given,
 * without duplicates. Anything that is not a well-formed `sha256:<hex>`
 * reference, or that someone else uploaded, is left out.
 */
export async function ownedFileRefs(db: Queryable, owner: string, refs: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(refs.filter((ref) => parseFileRef(ref) !== null))];
  if (wanted.length === 0) return [];
  const { rows } = await db.query<{ sha256: string }>(
    'SELECT sha256 FROM upload_owners WHERE owner = $1 AND sha256 = ANY($2::text[])',
    [owner, wanted.map((ref) => parseFileRef(ref)!)],
  );
  const owned = new Set(rows.map((row) => fileRefOf(row.sha256)));
  return wanted.filter((ref) => owned.has(ref));
}

/**
 * A stored file with its bytes, by lowercase hex digest or `sha256:<hex>`
 * reference; null when there is none. It does not check ownership: callers
 * serving files to users must check it ({@link ownedFileRefs}) first.
 */
export async function readUpload(db: Queryable, sha256OrRef: string): Promise<UploadContent | null> {
  const sha256 = HEX.test(sha256OrRef) ? sha256OrRef : parseFileRef(sha256OrRef);
  if (sha256 === null) return null;
  const { rows } = await db.query<{ media_type: string; size_bytes: number; content: Uint8Array; created_at: Date }>(
    'SELECT media_type, size_bytes, content, created_at FROM uploads WHERE sha256 = $1',
    [sha256],
  );
  const row = rows[0];
  if (!row) return null;
  // PostgreSQL (pg) gives a Buffer, the embedded database a Uint8Array: one type for callers.
  const content = Buffer.isBuffer(row.content)
    ? row.content
    : Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength);
  return { fileRef: fileRefOf(sha256), sha256, mediaType: row.media_type, size: row.size_bytes, content, createdAt: row.created_at };
}
