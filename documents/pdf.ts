/**
 * What the gateway's printable documents share: pdfkit with Noto Sans SC
 * from the installed @fontsource/noto-sans-sc package (nothing is
 * downloaded at run time; pdfkit embeds only the glyphs used), headings,
 * label/value rows, bullet lists, a QR code drawn as vectors, and the page
 * footer.
 *
 * The font's simplified-Chinese file covers GB 2312 and more (about 7,900
 * characters); a rarer character (生僻字, common in names) is taken from the
 * package's other subset files, so a name prints as written rather than as
 * empty boxes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { woffToSfnt } from './woff.ts';

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc')), 'files');

export type Weight = 'regular' | 'bold';

const PRIMARY: Record<Weight, string> = {
  regular: join(FONT_DIR, 'noto-sans-sc-chinese-simplified-400-normal.woff'),
  bold: join(FONT_DIR, 'noto-sans-sc-chinese-simplified-700-normal.woff'),
};

const fonts = new Map<string, { data: Buffer; has(codePoint: number): boolean }>();

/** A font file of the package as plain OpenType, decompressed once per process. */
function fontOf(file: string) {
  let font = fonts.get(file);
  if (!font) {
    const data = woffToSfnt(readFileSync(file));
    const parsed = fontkit.create(data);
    if (!('hasGlyphForCodePoint' in parsed)) throw new Error(`${file} is a font collection, not a font`);
    font = { data, has: (codePoint) => parsed.hasGlyphForCodePoint(codePoint) };
    fonts.set(file, font);
  }
  return font;
}

/** The package's other subset files (`[21]`, `latin`, …) and the code points each covers. */
let subsets: Array<{ name: string; ranges: Array<[number, number]> }> | null = null;

function subsetFiles() {
  if (subsets) return subsets;
  const table = JSON.parse(readFileSync(join(FONT_DIR, '..', 'unicode.json'), 'utf8')) as Record<string, string>;
  subsets = Object.entries(table).map(([name, ranges]) => ({
    name: name.replace(/^\[(\d+)\]$/, '$1'),
    ranges: ranges.split(',').map((range) => {
      const [from, to] = range.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(from!, 16), parseInt(to ?? from!, 16)] as [number, number];
    }),
  }));
  return subsets;
}

/** The subset file that has a code point, or null when no file of the package has it. */
function fallbackFile(codePoint: number, weight: Weight): string | null {
  const subset = subsetFiles().find((s) => s.ranges.some(([from, to]) => codePoint >= from && codePoint <= to));
  if (!subset) return null;
  const file = join(FONT_DIR, `noto-sans-sc-${subset.name}-${weight === 'bold' ? 700 : 400}-normal.woff`);
  return existsSync(file) ? file : null;
}

export interface TextOptions extends PDFKit.Mixins.TextOptions {
  weight?: Weight;
  size?: number;
  color?: string;
}

/** A PDF being written, with the fonts registered. */
export class Printable {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private readonly registered = new Set<string>();

  constructor(info: { title: string; subject: string }) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 56, bottom: 64, left: 56, right: 56 },
      bufferPages: true,
      info: { Title: info.title, Subject: info.subject, Author: '“一件事”集成服务网关', Creator: 'one-thing-gateway' },
      lang: 'zh-CN',
      displayTitle: true,
    });
    this.done = new Promise((resolve, reject) => {
      this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.font(PRIMARY.regular);
  }

  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  get left(): number {
    return this.doc.page.margins.left;
  }

  private font(file: string): string {
    if (!this.registered.has(file)) {
      this.doc.registerFont(file, fontOf(file).data);
      this.registered.add(file);
    }
    return file;
  }

  /** The text split into runs of one font each: the primary font where it has the glyph, a subset file where not. */
  private runs(text: string, weight: Weight): Array<{ font: string; text: string }> {
    const primary = this.font(PRIMARY[weight]);
    const runs: Array<{ font: string; text: string }> = [];
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      const inPrimary = codePoint < 0x20 || fontOf(primary).has(codePoint);
      const file = inPrimary ? primary : (fallbackFile(codePoint, weight) ?? primary);
      const last = runs.at(-1);
      if (last && last.font === file) last.text += char;
      else runs.push({ font: this.font(file), text: char });
    }
    return runs;
  }

  /** Writes text at the cursor (or at x, y), wrapping within the margins unless told otherwise. */
  text(text: string, options: TextOptions = {}, x?: number, y?: number): this {
    const { weight = 'regular', size = 10.5, color = '#1a1a1a', ...rest } = options;
    this.doc.fontSize(size).fillColor(color);
    const runs = this.runs(text, weight);
    runs.forEach((run, i) => {
      this.doc.font(run.font);
      const continued = i < runs.length - 1 || rest.continued === true;
      if (i === 0 && x !== undefined) this.doc.text(run.text, x, y, { ...rest, continued });
      else this.doc.text(run.text, { ...rest, continued });
    });
    return this;
  }

  /** Starts a new page when less than `height` points are left. */
  keep(height: number): this {
    if (this.doc.y + height > this.doc.page.height - this.doc.page.margins.bottom) this.doc.addPage();
    return this;
  }

  title(text: string, subtitle?: string): this {
    this.text(text, { weight: 'bold', size: 20, align: 'center' });
    if (subtitle) this.doc.moveDown(0.2), this.text(subtitle, { size: 13, align: 'center', color: '#333333' });
    this.doc.moveDown(0.6);
    return this;
  }

  heading(text: string): this {
    this.keep(60);
    this.doc.moveDown(0.6);
    const y = this.doc.y;
    this.doc.rect(this.left, y, 3, 15).fill('#b3282d');
    this.text(text, { weight: 'bold', size: 13 }, this.left + 9, y - 1);
    this.doc.moveDown(0.3);
    this.doc.x = this.left;
    return this;
  }

  /** Label and value side by side, the value wrapping in its own column. */
  row(label: string, value: string, labelWidth = 96): this {
    this.keep(20);
    const y = this.doc.y;
    this.text(label, { size: 10.5, color: '#555555', width: labelWidth }, this.left, y);
    const afterLabel = this.doc.y;
    this.text(value, { size: 10.5, width: this.width - labelWidth }, this.left + labelWidth, y);
    this.doc.y = Math.max(this.doc.y, afterLabel) + 3;
    this.doc.x = this.left;
    return this;
  }

  /** A numbered or marked item with an optional grey second line. */
  item(marker: string, text: string, detail?: string, options: { weight?: Weight } = {}): this {
    this.keep(detail ? 34 : 20);
    const y = this.doc.y;
    this.text(marker, { size: 10.5, width: 22 }, this.left, y);
    this.text(text, { size: 10.5, width: this.width - 22, ...(options.weight ? { weight: options.weight } : {}) }, this.left + 22, y);
    if (detail) this.text(detail, { size: 9, color: '#666666', width: this.width - 22 }, this.left + 22);
    this.doc.y += 3;
    this.doc.x = this.left;
    return this;
  }

  /** A framed note, e.g. a warning. */
  note(text: string, color = '#b3282d'): this {
    this.keep(40);
    this.doc.moveDown(0.3);
    const y = this.doc.y;
    const height = this.doc.fontSize(10.5).heightOfString(text, { width: this.width - 20 }) + 12;
    this.doc.rect(this.left, y, this.width, height).lineWidth(1).stroke(color);
    this.text(text, { size: 10.5, color, width: this.width - 20 }, this.left + 10, y + 6);
    this.doc.y = y + height + 4;
    this.doc.x = this.left;
    return this;
  }

  /** A QR code of `text`, `size` points wide, drawn as vector squares at (x, y). */
  qr(text: string, x: number, y: number, size: number): this {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const quiet = 4;
    const cell = size / (modules.size + 2 * quiet);
    this.doc.rect(x, y, size, size).fill('#ffffff');
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) {
        if (modules.get(row, col)) this.doc.rect(x + (col + quiet) * cell, y + (row + quiet) * cell, cell, cell);
      }
    }
    this.doc.fill('#000000');
    return this;
  }

  /** Writes the footer and page numbers on every page and finishes the file. */
  finish(footer: string): Promise<Buffer> {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const bottom = this.doc.page.height - this.doc.page.margins.bottom;
      // Writing inside the bottom margin would start a new page; lift the margin while the footer is written.
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      this.text(`${footer}　　第 ${i + 1} 页 / 共 ${range.count} 页`, { size: 8, color: '#888888', width: this.width, align: 'center', lineBreak: false }, this.left, bottom + 24);
      this.doc.page.margins.bottom = margin;
    }
    this.doc.end();
    return this.done;
  }
}

/** `2026-11-26 09:30` in China time. */
export function chinaDateTime(instant: Date): string {
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}
