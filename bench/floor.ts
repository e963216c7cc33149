/**
 * The FLOOR build of the benchmark: the least a server can do for the same
 * operation on this stack — node:http, undici, the same database — with no
 * GraphQL and no framework. It is the physical limit the gateway is compared
 * with, not a product.
 *
 * For each operation it replays what the gateway did for one such request
 * (recorded by bench/trace.ts from a real query alone): the same upstream
 * requests, byte for byte (method, path, headers, body; a fresh
 * `X-Request-Id`), in the same rounds (a round starts when the previous one
 * has answered), and the same access-log rows for the signed-in caller. Per
 * request it still does what any server must: read and parse the JSON body,
 * verify the bearer token (HS256, jose, as the gateway does), read the
 * application and its cases from the database when the operation is about an
 * application (and check the caller owns it; the reads of concurrent
 * requests batched into one statement, as the gateway's are), parse every
 * upstream answer and send one JSON answer. It computes nothing else: no
 * plan, no exemption, no status merge.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { TokenVerifier } from '../server/identity.ts';
import { AccessLog } from '../store/access-log.ts';
import type { Queryable } from '../store/database.ts';
import { createStoreBatches } from '../store/loaders.ts';
import { p50 } from './timing.ts';

export interface FloorCall {
  origin: string;
  method: string;
  path: string;
  headers: string[];
  body: string | null;
}

/** What the floor does for one operation, recorded from the gateway. */
export interface FloorScript {
  operation: string;
  /** The upstream requests, round by round. */
  rounds: FloorCall[][];
  /** The access-log rows the gateway wrote for one request; actor, role and request id come from the request. */
  accessLog: Array<{ subject: string; system: string; items: string[]; purpose: string }>;
  /** Reads `variables.id`'s application and cases first (ApplicationStatus). */
  readsApplication: boolean;
}

export interface FloorServer {
  url: string;
  /** Requests answered since the start. */
  readonly answered: number;
  setScript(script: FloorScript): void;
  script(operation: string): FloorScript | undefined;
  close(): Promise<void>;
}

/** Sends a recorded upstream request again, with `requestId` as its `X-Request-Id`; its parsed JSON answer. */
export async function sendRecorded(call: FloorCall, requestId: string, dispatcher: Dispatcher): Promise<unknown> {
  const headers: string[] = [];
  for (let i = 0; i < call.headers.length; i += 2) {
    if (call.headers[i]!.toLowerCase() !== 'x-request-id') headers.push(call.headers[i]!, call.headers[i + 1]!);
  }
  headers.push('x-request-id', requestId);
  const response = await request(call.origin + call.path, {
    method: call.method as Dispatcher.HttpMethod,
    headers,
    body: call.body ?? undefined,
    dispatcher,
  });
  const text = await response.body.text();
  return text === '' ? null : JSON.parse(text);
}

/**
 * The critical path of recorded rounds, measured: the median time, over
 * `times` replays one after another, of sending each round's requests in
 * parallel with bare undici, one round after the other — what the upstreams
 * alone take for one query, with nothing of a server around the calls. In ms.
 */
export async function timeRounds(rounds: readonly FloorCall[][], times: number): Promise<number> {
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const replay = async () => {
    const requestId = randomUUID();
    for (const round of rounds) await Promise.all(round.map((call) => sendRecorded(call, requestId, dispatcher)));
  };
  try {
    // One untimed replay opens the connections, so that the timed ones are on warm keep-alive connections, as the gateway's are.
    return await p50(times, replay, 1);
  } finally {
    await dispatcher.close();
  }
}

const OPERATION_NAME = /\b(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/;

export async function startFloor(options: { db: Queryable; verifier: TokenVerifier; host?: string }): Promise<FloorServer> {
  const { db, verifier } = options;
  const accessLog = new AccessLog(db);
  // Reads batched across concurrent requests, as the gateway's are: any server would, so the floor does too.
  const batches = createStoreBatches(db);
  const scripts = new Map<string, FloorScript>();
  // One keep-alive pool per upstream origin, like the gateway's.
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  let answered = 0;

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query?: string; operationName?: string; variables?: Record<string, unknown> };
    const viewer = await verifier.identify(req.headers.authorization);
    if (viewer.kind !== 'user') return { status: 401, body: { errors: [{ message: 'sign in' }] } };
    const name = payload.operationName ?? OPERATION_NAME.exec(payload.query ?? '')?.[1];
    const script = name ? scripts.get(name) : undefined;
    if (!script) return { status: 400, body: { errors: [{ message: `the floor has no script for ${name}` }] } };
    const requestId = randomUUID();
    const data: Record<string, unknown> = {};
    if (script.readsApplication) {
      const id = String(payload.variables?.id ?? '');
      const application = await batches.application.load(id);
      if (!application || application.applicant !== viewer.subject) return { status: 200, body: { data: { application: null } } };
      data.application = application;
      data.cases = await batches.casesOf.load(id);
    }
    const answers: unknown[] = [];
    for (const round of script.rounds) answers.push(...(await Promise.all(round.map((call) => sendRecorded(call, requestId, dispatcher)))));
    data.upstream = answers;
    await accessLog.record(
      script.accessLog.map((row) => ({ ...row, actor: viewer.subject, actorRole: viewer.role, requestId })),
    );
    return { status: 200, body: { data } };
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req).then(
      ({ status, body }) => {
        answered++;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get answered() {
      return answered;
    },
    setScript: (script) => void scripts.set(script.operation, script),
    script: (operation) => scripts.get(operation),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
    },
  };
}
