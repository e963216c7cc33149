/**
 * Looking at PDFs the way a person would, with poppler-utils: the pages
 * rendered to PNG (left in test-results/ to be looked at), the text a reader
 * sees, the embedded fonts, and the QR code read back from the rendered
 * page. Tests skip, saying why, when poppler-utils is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jsqr from 'jsqr';

// jsqr is CommonJS: its module.exports is the decoder, which also carries itself as `default`.
const jsQR = (jsqr as unknown as { default: (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null }).default;

export const HAVE_POPPLER = ['pdftoppm', 'pdftotext', 'pdffonts'].every((tool) => existsSync(`/usr/bin/${tool}`));
export const POPPLER_SKIP_REASON = 'SKIPPED: poppler-utils (pdftoppm, pdftotext, pdffonts) is absent (apt-get install -y poppler-utils)';
if (!HAVE_POPPLER) process.stderr.write(`PDF rendering checks ${POPPLER_SKIP_REASON}\n`);

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

function withFile<T>(pdf: Buffer, run: (file: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    return run(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every page as a PNG at 100 dpi under test-results/<name>-<n>.png; the paths, in page order. */
export function renderPages(pdf: Buffer, name: string): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const old of readdirSync(RESULTS_DIR).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))) rmSync(join(RESULTS_DIR, old));
  withFile(pdf, (file) => execFileSync('pdftoppm', ['-png', '-r', '100', file, join(RESULTS_DIR, name)]));
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => join(RESULTS_DIR, f));
}

/** The text a reader sees, in the order it was written, white space removed (CJK text has none, and lines wrap anywhere). */
export function readableText(pdf: Buffer): string {
  return withFile(pdf, (file) => execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })).replace(/\s+/g, '');
}

/** `pdffonts` rows: name, whether embedded. */
export function fontsOf(pdf: Buffer): Array<{ name: string; embedded: boolean }> {
  const lines = withFile(pdf, (file) => execFileSync('pdffonts', [file], { encoding: 'utf8' })).trim().split('\n').slice(2);
  return lines.map((line) => {
    const columns = line.trim().split(/\s+/);
    return { name: columns[0]!, embedded: columns.at(-5) === 'yes' };
  });
}

/** The text of the QR code on the first page, read from the page rendered at 200 dpi; null when none is found. */
export function qrTextOnFirstPage(pdf: Buffer): string | null {
  return withFile(pdf, (file, dir) => {
    execFileSync('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-singlefile', file, join(dir, 'page')]);
    const ppm = readFileSync(join(dir, 'page.ppm'));
    // Binary PPM: "P6 <width> <height> <maxval>" then RGB bytes.
    const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 64).toString('latin1'));
    if (!header) throw new Error('pdftoppm did not write a binary PPM');
    const width = Number(header[1]);
    const height = Number(header[2]);
    const rgb = ppm.subarray(header[0].length);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgba[i * 4] = rgb[i * 3]!;
      rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
      rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
      rgba[i * 4 + 3] = 255;
    }
    return jsQR(rgba, width, height)?.data ?? null;
  });
}
