/**
 * Trusted documents (TRUSTED_DOCUMENTS=contract): the gateway serves only
 * the operations of the front-end contract (../shared/contract/operations),
 * listed in the committed manifest `server/trusted-documents.json`, and
 * refuses every other document before it is validated or executed.
 *
 * The manifest is Apollo's persisted query manifest format
 * (`{ format: "apollo-persisted-query-manifest", version: 1, operations:
 * [{ id, name, type, body }] }`): `body` is the operation (with the
 * fragments it uses) printed by graphql's `print`, `id` the SHA-256 of that
 * body in lowercase hex. It is generated from the contract by
 * `npm run trusted-documents` (`-- --check` fails when it is out of date) and
 * read at start, so a production gateway does not need ../shared.
 *
 * What front-end teams ship: the same manifest, with Apollo Client's
 * persisted-query link fed from it
 * (`createPersistedQueryLink(generatePersistedQueryIdsFromManifest(...))`),
 * which sends only `extensions.persistedQuery.sha256Hash` (and
 * `operationName`), by POST or by GET. Such a request gets the manifest's
 * body; an unknown hash answers PERSISTED_QUERY_NOT_FOUND (HTTP 200, the
 * answer Apollo's link expects before it retries with the full text).
 * Clients that send the full text are also served when the text, normalised
 * (parsed and printed again: whitespace, commas and comments do not
 * matter), is a manifest operation; any other document answers
 * OPERATION_NOT_TRUSTED (HTTP 400). A hash a client computed over its own
 * spelling of a trusted operation is remembered (bounded) when it sends that
 * text with it, so its next hash-only request is served too.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';

export const MANIFEST_PATH = fileURLToPath(new URL('./trusted-documents.json', import.meta.url));
export const CONTRACT_OPERATIONS_DIR = fileURLToPath(new URL('../../shared/contract/operations/', import.meta.url));

export interface ManifestOperation {
  /** SHA-256 of `body`, lowercase hex. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The operation and the fragments it uses, printed by graphql's `print`. */
  body: string;
}

export interface TrustedManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Fragments an operation (or fragment) spreads, transitively, by name. */
function usedFragments(root: DefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`fragment ${name} is not defined in the contract`);
        if (used.has(name)) return;
        used.set(name, fragment);
        walk(fragment);
      },
    });
  walk(root);
  return [...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

/** The manifest of every named operation in the `.graphql` files of `dir`, sorted by name. */
export function buildManifest(dir = CONTRACT_OPERATIONS_DIR): TrustedManifest {
  const definitions = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .flatMap((file) => parse(readFileSync(join(dir, file), 'utf8'), { noLocation: true }).definitions);
  const fragments = new Map(
    definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const operations = definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation): ManifestOperation => {
      if (!operation.name) throw new Error('every contract operation must have a name');
      const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...usedFragments(operation, fragments)] };
      const body = print(document);
      return { id: sha256(body), name: operation.name.value, type: operation.operation, body };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const names = operations.map((o) => o.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new Error(`the contract has two operations named ${duplicate}`);
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

export const serializeManifest = (manifest: TrustedManifest) => `${JSON.stringify(manifest, null, 2)}\n`;

/** Reads and checks a manifest file: its format, and that every id is the hash of its body. */
export function loadManifest(path = MANIFEST_PATH): TrustedManifest {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as TrustedManifest;
  if (manifest?.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new Error(`${path} is not an apollo-persisted-query-manifest version 1`);
  }
  for (const operation of manifest.operations) {
    if (typeof operation.body !== 'string' || operation.id !== sha256(operation.body)) {
      throw new Error(`${path}: the id of operation ${operation.name} is not the SHA-256 of its body`);
    }
  }
  return manifest;
}

/** What to do with one GraphQL HTTP request. */
export type Admission =
  /** Serve it, with this body (POST) and query string (GET): a hash-only request gets the manifest's text. */
  | { ok: true; body: unknown; search: string }
  | { ok: false; status: number; code: 'PERSISTED_QUERY_NOT_FOUND' | 'OPERATION_NOT_TRUSTED'; message: string };

export interface TrustedDocumentsOptions {
  /** Token limit when parsing a full-text document to normalise it. Default 2000. */
  maxTokens?: number;
  /** Client-computed hashes of trusted operations remembered at most. Default 1000. */
  maxClientHashes?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class TrustedDocuments {
  private readonly byId: Map<string, ManifestOperation>;
  private readonly clientHashes: LRUCache<string, string>;
  private readonly maxTokens: number;

  constructor(manifest: TrustedManifest, options: TrustedDocumentsOptions = {}) {
    this.byId = new Map(manifest.operations.map((o) => [o.id, o]));
    this.maxTokens = options.maxTokens ?? 2000;
    this.clientHashes = new LRUCache({ max: options.maxClientHashes ?? 1000 });
  }

  /** The trusted operation a document text stands for, or null. */
  operationOf(query: string): ManifestOperation | null {
    const exact = this.byId.get(sha256(query));
    if (exact) return exact;
    let normalized: string;
    try {
      normalized = print(parse(query, { noLocation: true, maxTokens: this.maxTokens }));
    } catch {
      return null;
    }
    return this.byId.get(sha256(normalized)) ?? null;
  }

  /** Decides on a request (`body` as parsed JSON, `search` the URL's query string with its `?`). */
  admit(request: { method: string; body: unknown; search: string }): Admission {
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = JSON.parse(params.get('extensions') ?? 'null');
      } catch {
        extensions = null;
      }
      const decision = this.decide(params.get('query') ?? undefined, extensions);
      if (!decision.ok) return decision;
      if (decision.query !== undefined) params.set('query', decision.query);
      return { ok: true, body: request.body, search: decision.query !== undefined ? `?${params}` : request.search };
    }
    // Not a single request object (a batch, or nothing): Apollo Server refuses those itself.
    if (!isRecord(request.body)) return { ok: true, body: request.body, search: request.search };
    const query = typeof request.body.query === 'string' ? request.body.query : undefined;
    const decision = this.decide(query, request.body.extensions);
    if (!decision.ok) return decision;
    return {
      ok: true,
      body: decision.query !== undefined ? { ...request.body, query: decision.query } : request.body,
      search: request.search,
    };
  }

  private decide(
    query: string | undefined,
    extensions: unknown,
  ): { ok: true; query?: string } | Extract<Admission, { ok: false }> {
    const persisted = isRecord(extensions) && isRecord(extensions.persistedQuery) ? extensions.persistedQuery : undefined;
    const hash = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
    if (query === undefined || query === '') {
      if (hash === undefined) return { ok: true }; // no document at all: Apollo Server answers that
      const text = this.byId.get(hash)?.body ?? this.clientHashes.get(hash);
      if (text === undefined) {
        return { ok: false, status: 200, code: 'PERSISTED_QUERY_NOT_FOUND', message: 'PersistedQueryNotFound' };
      }
      return { ok: true, query: text };
    }
    const operation = this.operationOf(query);
    if (!operation) {
      return {
        ok: false,
        status: 400,
        code: 'OPERATION_NOT_TRUSTED',
        message: 'Only the operations of the front-end contract are served here (trusted documents)',
      };
    }
    // The client's own hash of its own spelling, checked like Apollo Server checks it, for its next hash-only request.
    if (hash !== undefined && hash === sha256(query) && !this.byId.has(hash)) this.clientHashes.set(hash, query);
    return { ok: true };
  }
}

/** `npm run trusted-documents` writes the manifest; `-- --check` only says whether it is up to date. */
function main(args: readonly string[]): number {
  const expected = serializeManifest(buildManifest());
  let current: string | null = null;
  try {
    current = readFileSync(MANIFEST_PATH, 'utf8');
  } catch {
    current = null;
  }
  if (args.includes('--check')) {
    if (current === expected) {
      process.stdout.write(`${MANIFEST_PATH} is up to date\n`);
      return 0;
    }
    process.stderr.write(`${MANIFEST_PATH} differs from the contract operations: run npm run trusted-documents and commit it\n`);
    return 1;
  }
  writeFileSync(MANIFEST_PATH, expected);
  const count = (JSON.parse(expected) as TrustedManifest).operations.length;
  process.stdout.write(`${current === expected ? 'unchanged' : 'wrote'} ${MANIFEST_PATH} (${count} operations)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
