import { createHash, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { ownedFileRefs, parseFileRef, readUpload, storeUpload } from '../../store/uploads.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const pdf = (text: string) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(text), Buffer.from([0, 0xff, 0x80])]);
const refOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('file references', () => {
  it('parses only sha256: followed by 64 lowercase hex digits', () => {
    const hex = 'ab'.repeat(32);
    expect(parseFileRef(`sha256:${hex}`)).toBe(hex);
    for (const ref of [hex, `sha256:${hex.toUpperCase()}`, `sha256:${hex}0`, `md5:${hex}`, `sha256:${hex} `, '']) {
      expect(parseFileRef(ref)).toBeNull();
    }
  });
});

describe.each(backends.map((b) => [b.kind, b] as const))('uploads on the %s database', (_kind, backend) => {
  it('stores a file by its SHA-256 and gives back the same bytes, byte for byte', async () => {
    const db = await openFresh(backend);
    const content = Buffer.concat([pdf('birth certificate'), randomBytes(4096)]);
    const stored = await storeUpload(db, { owner: 'applicant-1', content, mediaType: 'application/pdf' });

    expect(stored).toEqual({ fileRef: refOf(content), sha256: refOf(content).slice(7), mediaType: 'application/pdf', size: content.length });
    const read = await readUpload(db, stored.sha256);
    expect(read).toEqual({ ...stored, content, createdAt: expect.any(Date) });
    expect(Buffer.isBuffer(read!.content)).toBe(true);
    expect(await readUpload(db, stored.fileRef)).toEqual(read);
    expect(await readUpload(db, refOf(Buffer.from('never stored')))).toBeNull();
    expect(await readUpload(db, 'not-a-digest')).toBeNull();
  });

  it('stores the same file uploaded by two owners once, owned by both', async () => {
    const db = await openFresh(backend);
    const content = pdf('marriage certificate');
    const first = await storeUpload(db, { owner: 'applicant-1', content, mediaType: 'application/pdf' });
    const second = await storeUpload(db, { owner: 'applicant-2', content, mediaType: 'application/pdf' });
    const again = await storeUpload(db, { owner: 'applicant-1', content, mediaType: 'application/pdf' });

    expect(second).toEqual(first);
    expect(again).toEqual(first);
    expect((await db.query('SELECT sha256 FROM uploads')).rows).toEqual([{ sha256: first.sha256 }]);
    expect((await db.query('SELECT owner FROM upload_owners ORDER BY owner')).rows).toEqual([
      { owner: 'applicant-1' },
      { owner: 'applicant-2' },
    ]);
    expect(await ownedFileRefs(db, 'applicant-1', [first.fileRef])).toEqual([first.fileRef]);
    expect(await ownedFileRefs(db, 'applicant-2', [first.fileRef])).toEqual([first.fileRef]);
  });

  it("tells which of the given references an owner uploaded, never another owner's file", async () => {
    const db = await openFresh(backend);
    const mine = await storeUpload(db, { owner: 'applicant-1', content: pdf('mine'), mediaType: 'application/pdf' });
    const theirs = await storeUpload(db, { owner: 'applicant-2', content: pdf('theirs'), mediaType: 'application/pdf' });
    const unknown = refOf(Buffer.from('nobody uploaded this'));

    expect(
      await ownedFileRefs(db, 'applicant-1', [theirs.fileRef, mine.fileRef, unknown, mine.fileRef, 'sha256:zz', mine.sha256]),
    ).toEqual([mine.fileRef]);
    expect(await ownedFileRefs(db, 'applicant-2', [mine.fileRef])).toEqual([]);
    expect(await ownedFileRefs(db, 'applicant-3', [mine.fileRef, theirs.fileRef])).toEqual([]);
    expect(await ownedFileRefs(db, 'applicant-1', [])).toEqual([]);
  });
});
