/**
 * WOFF 1.0 → plain OpenType/TrueType (SFNT), once per font file.
 *
 * fontkit reads WOFF, but inflates a table again on every access, in pure
 * JavaScript; embedding a few hundred CJK glyphs then takes a minute. The
 * same font decompressed once with zlib embeds in milliseconds.
 */
import { inflateSync } from 'node:zlib';

const WOFF_SIGNATURE = 0x774f4646; // 'wOFF'

/** The SFNT font inside a WOFF file. @throws Error when `woff` is not a WOFF 1.0 font. */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.length < 44 || woff.readUInt32BE(0) !== WOFF_SIGNATURE) throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const entry = {
      tag: woff.readUInt32BE(at),
      offset: woff.readUInt32BE(at + 4),
      compLength: woff.readUInt32BE(at + 8),
      origLength: woff.readUInt32BE(at + 12),
      checksum: woff.readUInt32BE(at + 16),
    };
    const stored = woff.subarray(entry.offset, entry.offset + entry.compLength);
    const data = entry.compLength < entry.origLength ? inflateSync(stored) : stored;
    if (data.length !== entry.origLength) throw new Error('a WOFF table does not inflate to its declared length');
    return { ...entry, data };
  });

  // SFNT header: version, numTables, searchRange, entrySelector, rangeShift.
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const headerLength = 12 + numTables * 16;
  const padded = (length: number) => (length + 3) & ~3;
  const total = tables.reduce((sum, t) => sum + padded(t.origLength), headerLength);
  const sfnt = Buffer.alloc(total);
  sfnt.writeUInt32BE(flavor, 0);
  sfnt.writeUInt16BE(numTables, 4);
  sfnt.writeUInt16BE(searchRange, 6);
  sfnt.writeUInt16BE(entrySelector, 8);
  sfnt.writeUInt16BE(numTables * 16 - searchRange, 10);
  let offset = headerLength;
  tables.forEach((table, i) => {
    const at = 12 + i * 16;
    sfnt.writeUInt32BE(table.tag, at);
    sfnt.writeUInt32BE(table.checksum, at + 4);
    sfnt.writeUInt32BE(offset, at + 8);
    sfnt.writeUInt32BE(table.origLength, at + 12);
    table.data.copy(sfnt, offset);
    offset += padded(table.origLength);
  });
  return sfnt;
}
