/**
 * The receipt seal's keys at start: the files named by configuration, or,
 * without RECEIPT_SIGNING_KEY_FILE, keys kept under DATA_DIR/receipt-keys/
 * (generated on first start, one per algorithm; switching
 * RECEIPT_SEAL_ALGORITHM makes the other one a previous key, so what it
 * signed still verifies).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Seal, SealKeyError, generateSigningKeyPem, readPublicKey, readSigningKey, type SealAlgorithm } from '../lib/seal.ts';
import type { GatewayConfig } from './config.ts';

const fileNameOf = (algorithm: SealAlgorithm) => `receipt-seal-${algorithm === 'SM2-SM3' ? 'sm2' : 'es256'}.pem`;

function read<T>(file: string, what: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof SealKeyError) throw new Error(`${what}: ${file} is not usable: ${error.message}`);
    throw error;
  }
}

/** @throws Error naming the variable and the file when a key cannot be read. */
export function loadSeal(config: GatewayConfig): Seal {
  const { signingKeyFile, previousKeyFiles, algorithm } = config.receiptSeal;
  const previous = previousKeyFiles.map((file) => read(file, 'RECEIPT_PREVIOUS_KEY_FILES', readPublicKey));
  if (signingKeyFile !== null) {
    const signing = read(signingKeyFile, 'RECEIPT_SIGNING_KEY_FILE', readSigningKey);
    if (algorithm !== null && signing.algorithm !== algorithm) {
      throw new Error(`RECEIPT_SEAL_ALGORITHM is ${algorithm}, but the key in RECEIPT_SIGNING_KEY_FILE is for ${signing.algorithm}`);
    }
    return new Seal(signing, previous);
  }
  const dir = join(config.dataDir, 'receipt-keys');
  const current = join(dir, fileNameOf(algorithm ?? 'ES256'));
  if (!existsSync(current)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(current, generateSigningKeyPem(algorithm ?? 'ES256'), { mode: 0o600 });
  }
  const kept = readdirSync(dir)
    .filter((name) => name.endsWith('.pem') && join(dir, name) !== current)
    .map((name) => read(join(dir, name), 'receipt key', readPublicKey));
  return new Seal(read(current, 'receipt key', readSigningKey), [...kept, ...previous]);
}
