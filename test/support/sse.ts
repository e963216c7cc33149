/**
 * A Server-Sent Events client for the tests, over real HTTP with fetch: the
 * way a phone's EventSource talks to /graphql/stream (GET, query and
 * variables in the URL, Last-Event-ID on reconnection).
 */
export interface SseEvent {
  /** The `id:` field, or null. */
  id: string | null;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** SSE comments received so far (heartbeats), without the colon. */
  comments: string[];
  /** Resolves once the server ended the stream. */
  ended: Promise<void>;
  /** The body when the answer was not a stream. */
  text: string | null;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: SseStream = {
    status: response.status,
    events: [],
    comments: [],
    ended: Promise.resolve(),
    text: null,
    close: () => abort.abort(),
  };
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    stream.text = await response.text();
    return stream;
  }
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              stream.comments.push(line.slice(1).trim());
              continue;
            }
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (fields.event) stream.events.push({ id: fields.id ?? null, event: fields.event, data: fields.data ? JSON.parse(fields.data) : null });
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return stream;
}

/** The URL of a GraphQL subscription over SSE (GET, as EventSource sends it). */
export function subscriptionUrl(baseUrl: string, query: string, variables: Record<string, unknown>): string {
  const params = new URLSearchParams({ query, variables: JSON.stringify(variables) });
  return `${baseUrl}/graphql/stream?${params}`;
}
