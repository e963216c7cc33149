import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { describe, expect, it, onTestFinished } from 'vitest';

import { UnauthenticatedError } from '../../lib/errors.ts';
import type { Role } from '../../server/context.ts';
import { handleUpload, sniffMediaType } from '../../server/uploads.ts';
import type { Database } from '../../store/database.ts';
import { ownedFileRefs, readUpload } from '../../store/uploads.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const TOKENS: Record<string, { subject: string; role: Role }> = {
  'Bearer token-a': { subject: 'applicant-a', role: 'APPLICANT' },
  'Bearer token-b': { subject: 'applicant-b', role: 'APPLICANT' },
  'Bearer staff': { subject: 'staff-1', role: 'DEPARTMENT_STAFF' },
};

async function identify(authorization: string | undefined) {
  if (authorization === 'Bearer expired') throw new UnauthenticatedError('The token has expired');
  return (authorization === undefined ? undefined : TOKENS[authorization]) ?? null;
}

/** A node:http server around handleUpload, closed after the test. */
async function startUploads(db: Database, maxBytes?: number): Promise<string> {
  const server = createServer((req, res) => {
    handleUpload(req, res, { db, identify, ...(maxBytes === undefined ? {} : { maxBytes }) }).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/uploads`;
}

async function upload(url: string, body: Uint8Array, headers: Record<string, string> = { authorization: 'Bearer token-a' }) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const errorBody = (code: string, message: unknown = expect.any(String)) => ({ errors: [{ message, extensions: { code } }] });

// ---------------------------------------------------------------- sample files

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(32, 7), Buffer.from([0xff, 0xd9])]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0]), Buffer.from('This program cannot be run in DOS mode.')]);
const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-1.7</body></html>');

/**
 * A ZIP archive of stored (uncompressed) entries. With `dataDescriptor`,
 * sizes follow each entry's data instead of being in its local header, as
 * streaming zip writers do.
 */
function zip(entries: Array<[name: string, content: string]>, options: { dataDescriptor?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = 0; // not checked by the gateway
    const flags = options.dataDescriptor ? 0x08 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt32LE(options.dataDescriptor ? 0 : crc, 14);
    local.writeUInt32LE(options.dataDescriptor ? 0 : data.length, 18);
    local.writeUInt32LE(options.dataDescriptor ? 0 : data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const parts = [local, nameBytes, data];
    if (options.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(data.length, 12);
      parts.push(descriptor);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    const localBytes = Buffer.concat(parts);
    locals.push(localBytes);
    offset += localBytes.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const OFD_XML = '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>';
const OFD = zip([['OFD.xml', OFD_XML], ['Doc_0/Document.xml', '<ofd:Document/>']]);
const OFD_LATER_ENTRY = zip([['Doc_0/Document.xml', '<ofd:Document/>'], ['Doc_0/Pages/Page_0/Content.xml', '<c/>'], ['OFD.xml', OFD_XML]]);
const OFD_STREAMED = zip([['Doc_0/Document.xml', '<ofd:Document/>'], ['OFD.xml', OFD_XML]], { dataDescriptor: true });
const DOCX = zip([['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>']]);

describe('recognising file types by their content', () => {
  it('recognises PDF, JPEG, PNG and OFD (a ZIP with OFD.xml, wherever the entry is)', () => {
    expect(sniffMediaType(PDF)).toBe('application/pdf');
    expect(sniffMediaType(JPEG)).toBe('image/jpeg');
    expect(sniffMediaType(PNG)).toBe('image/png');
    expect(sniffMediaType(OFD)).toBe('application/ofd');
    expect(sniffMediaType(OFD_LATER_ENTRY)).toBe('application/ofd');
    expect(sniffMediaType(OFD_STREAMED)).toBe('application/ofd');
  });

  it('recognises nothing else: executables, HTML, other ZIPs, truncated signatures, empty files', () => {
    for (const bytes of [EXE, HTML, DOCX, Buffer.from('%PDF'), PNG.subarray(0, 7), Buffer.from([0xff, 0xd8]), Buffer.alloc(0), OFD.subarray(0, 20)]) {
      expect(sniffMediaType(bytes)).toBeNull();
    }
  });
});

describe.each(backends.map((b) => [b.kind, b] as const))('POST /uploads on the %s database', (_kind, backend) => {
  it('accepts each accepted type, answering 201 with its content address, type and size, and stores its bytes', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);
    const samples: Array<[Buffer, string]> = [
      [PDF, 'application/pdf'],
      [JPEG, 'image/jpeg'],
      [PNG, 'image/png'],
      [OFD, 'application/ofd'],
    ];
    for (const [bytes, mediaType] of samples) {
      // The declared Content-Type does not matter: the content decides.
      const answer = await upload(url, bytes, { authorization: 'Bearer token-a', 'content-type': 'application/octet-stream' });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({ fileRef: `sha256:${sha256(bytes)}`, mediaType, size: bytes.length });
      const stored = await readUpload(db, sha256(bytes));
      expect(stored).toMatchObject({ mediaType, size: bytes.length });
      expect(stored!.content.equals(bytes)).toBe(true);
    }
  });

  it('refuses an executable or an HTML page whatever it claims to be, with 415, storing nothing', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);
    for (const [bytes, claimed] of [
      [EXE, 'application/pdf'],
      [HTML, 'image/png'],
      [DOCX, 'application/ofd'],
      [Buffer.alloc(0), 'application/pdf'],
    ] as const) {
      const answer = await upload(url, bytes, { authorization: 'Bearer token-a', 'content-type': claimed });
      expect(answer.status).toBe(415);
      expect(answer.body).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE', expect.stringMatching(/PDF, OFD, JPEG or PNG/)));
    }
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('tells a browser form upload to send the raw file instead, with 415, storing nothing', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);
    const form = new FormData();
    form.append('file', new Blob([PDF], { type: 'application/pdf' }), '出生医学证明.pdf');

    const response = await fetch(url, { method: 'POST', body: form, headers: { authorization: 'Bearer token-a' } });

    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 415,
      body: errorBody(
        'UNSUPPORTED_MEDIA_TYPE',
        'The body is a multipart form: send the raw bytes of the file itself as the body instead (no form, no field name)',
      ),
    });
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses callers without a valid token with 401, before reading the file', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);
    for (const headers of [{}, { authorization: 'Bearer forged' }, { authorization: 'Basic dXNlcjpwdw==' }] as Array<Record<string, string>>) {
      const answer = await upload(url, PDF, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.body).toEqual(errorBody('UNAUTHENTICATED'));
    }
    expect((await upload(url, PDF, { authorization: 'Bearer expired' })).body).toEqual(
      errorBody('UNAUTHENTICATED', 'The token has expired'),
    );
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses a signed-in caller who is not an applicant with 403 and stores nothing', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);

    const answer = await upload(url, PDF, { authorization: 'Bearer staff' });

    expect([answer.status, answer.body]).toEqual([403, errorBody('FORBIDDEN', 'Only applicants upload materials; this token is not an applicant’s')]);
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses other methods than POST with 405', async () => {
    const db = await openFresh(backend);
    const response = await fetch(await startUploads(db), { headers: { authorization: 'Bearer token-a' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual(errorBody('METHOD_NOT_ALLOWED'));
  });

  it('accepts a file of exactly maxBytes', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db, 4096);
    const bytes = Buffer.concat([PDF, Buffer.alloc(4096 - PDF.length, 0x20)]);
    expect((await upload(url, bytes)).status).toBe(201);
  });

  it('refuses a declared oversized body with 413 as soon as the headers arrive, without waiting for the body', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db, 64 * 1024);
    // 10 MiB announced, 1 KiB sent: the answer must come anyway.
    const answer = await partialUpload(url, { 'content-length': String(10 * 1024 * 1024) }, [Buffer.concat([PDF, Buffer.alloc(1024)])]);

    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toEqual(errorBody('PAYLOAD_TOO_LARGE', expect.stringMatching(/65536 bytes/)));
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses a chunked body with 413 as soon as it grows past maxBytes, without reading the rest', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db, 64 * 1024);
    // 96 KiB sent in chunks, then the request is held open: the answer must come before it ends.
    const chunks = [PDF, ...Array.from({ length: 6 }, () => Buffer.alloc(16 * 1024, 0x20))];
    const answer = await partialUpload(url, { 'transfer-encoding': 'chunked' }, chunks);

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual(errorBody('PAYLOAD_TOO_LARGE'));
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 0 }]);
  });

  it('stores a file uploaded by two owners once, owned by both, and never lets a third owner claim it', async () => {
    const db = await openFresh(backend);
    const url = await startUploads(db);
    const fromA = await upload(url, PDF, { authorization: 'Bearer token-a' });
    const fromB = await upload(url, PDF, { authorization: 'Bearer token-b' });
    const onlyA = await upload(url, PNG, { authorization: 'Bearer token-a' });

    expect([fromA.status, fromB.status, onlyA.status]).toEqual([201, 201, 201]);
    expect(fromB.body).toEqual(fromA.body);
    expect((await db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual([{ n: 2 }]);
    const pdfRef = fromA.body.fileRef as string;
    const pngRef = onlyA.body.fileRef as string;
    expect(await ownedFileRefs(db, 'applicant-a', [pdfRef, pngRef])).toEqual([pdfRef, pngRef]);
    expect(await ownedFileRefs(db, 'applicant-b', [pdfRef, pngRef])).toEqual([pdfRef]);
    expect(await ownedFileRefs(db, 'applicant-c', [pdfRef, pngRef])).toEqual([]);
  });
});

/**
 * Sends the headers and `chunks`, then holds the request open (never ending
 * it), and resolves with the answer: it can only come before the body ends.
 */
function partialUpload(
  url: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<{ status: number; headers: IncomingHttpHeaders; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: 'Bearer token-a', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.flushHeaders();
    for (const chunk of chunks) req.write(chunk);
  });
}
