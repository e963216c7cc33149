/**
 * The benchmark's processes, driven from bench/main.ts and bench/scale.ts:
 * child processes with an IPC channel (the sandbox, the load generator) and
 * gateway instances (bench/gateway-process.ts), and a GraphQL call over HTTP.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Build, BootRequest, ProcessStats, ReadyInfo } from './gateway-process.ts';

export const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface Child<T> {
  process: ChildProcess;
  first: Promise<T>;
}

/** Forks `file` (relative to bench/) with tsx; `first` is its first message. */
export function start<T>(file: string, env: Record<string, string> = {}): Child<T> {
  const child = fork(here(file), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { process: child, first };
}

/**
 * Node's flags for a gateway process: those of the production start (README,
 * "Build and start"), or BENCH_GATEWAY_FLAGS (space-separated) to compare others.
 */
const GATEWAY_NODE_FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean);

/** A gateway instance in its own process, driven over IPC. */
export class Instance {
  readonly process: ChildProcess;
  ready!: ReadyInfo;
  #next = 0;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  /** `profileDir`: write a V8 CPU profile of the instance there when it exits. */
  constructor(readonly build: Build, profileDir?: string) {
    // --profile DIR: a V8 CPU profile of every instance, written to DIR when it exits (open it in Chrome DevTools).
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    // graphql-js and Apollo skip their development-time checks in production, as a production start should.
    const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' };
    this.process = fork(here('./gateway-process.ts'), [], { execArgv: [...GATEWAY_NODE_FLAGS, '--import', 'tsx', ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result);
    });
    this.process.once('exit', (code) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`the ${build} gateway process exited with ${code}`));
      this.#pending.clear();
    });
  }

  call<T>(type: string, fields: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, type, ...fields });
    });
  }

  async boot(request: BootRequest): Promise<this> {
    this.ready = await this.call<ReadyInfo>('boot', { request });
    return this;
  }

  stats = () => this.call<ProcessStats>('stats');

  async close(): Promise<void> {
    if (this.process.exitCode !== null) return;
    await this.call('close').catch(() => undefined);
    await new Promise((resolve) => (this.process.exitCode !== null ? resolve(null) : this.process.once('exit', resolve)));
  }
}

export type Answer = { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

/** One GraphQL request. With undici's `request` rather than `fetch`: a warm `fetch` costs the client a millisecond more, which would count as the gateway's overhead alone. */
export async function graphql(endpoint: string, query: string, variables: Record<string, unknown>, token: string, requestId?: string): Promise<Answer> {
  const response = await request(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.body.json()) as Answer;
}

