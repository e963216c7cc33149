/**
 * Boots the real gateway (the same `bootGateway` as `npm start`) with the
 * sandbox on loopback, and talks to it over HTTP like a front-end would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootGateway, sandboxJwtSecret, type BootedGateway, type BootOptions } from '../../server/bootstrap.ts';
import { mintToken, type TokenClaims } from '../../server/identity.ts';
import { createLogger } from '../../lib/logger.ts';
import type { UpstreamCallRecord } from '../../connectors/http.ts';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }> };
}

export interface TestGateway extends BootedGateway {
  /** Every upstream call the gateway made, in order. */
  upstreamCalls: UpstreamCallRecord[];
  graphql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** The sandbox demo user of a role (the first one listed). */
  tokenOf(role: string): string;
  /** A token for anyone, signed like the sandbox's demo tokens. */
  mint(claims: TokenClaims): Promise<string>;
  /** Uploads a file as the token's subject (POST /uploads) and returns its fileRef. */
  upload(token: string, bytes: Buffer): Promise<string>;
  close(): Promise<void>;
}

export async function startTestGateway(
  env: Record<string, string> = {},
  options: Omit<BootOptions, 'env'> = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const upstreamCalls: UpstreamCallRecord[] = [];
  const booted = await bootGateway({
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    logger: options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    services: { onUpstreamCall: (record) => upstreamCalls.push(record), ...options.services },
    database: options.database ?? { dataDir: 'memory://' },
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.sandboxConnectors ? { sandboxConnectors: options.sandboxConnectors } : {}),
  });
  const endpoint = `${booted.gateway.url}/graphql`;
  return {
    ...booted,
    upstreamCalls,
    async graphql(query, variables, token) {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
    },
    mint: (claims) => mintToken(sandboxJwtSecret(dataDir), claims),
    async upload(token, bytes) {
      const response = await fetch(`${booted.gateway.url}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      if (response.status !== 201) throw new Error(`upload refused with HTTP ${response.status}`);
      return ((await response.json()) as { fileRef: string }).fileRef;
    },
    tokenOf(role) {
      const user = booted.demoUsers.find((u) => u.role === role);
      if (!user) throw new Error(`no demo user with role ${role}`);
      return user.token;
    },
    async close() {
      await booted.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
