/**
 * The shape of one HTTP route of the gateway and the small router that picks
 * one (server/app.ts): the first route whose method, path and `accepts`
 * match answers the request.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  /** The request id (X-Request-Id), also in every log line of the request. */
  requestId: string;
  /** The request's URL, parsed against a placeholder origin. */
  url: URL;
  /** The capture groups of a pattern path, as they appear in the path (not decoded); empty for a string path. */
  params: readonly string[];
}

export interface Route {
  /** The methods answered, or '*' for a route that answers (or refuses) every method itself. */
  method: '*' | readonly string[];
  /** The exact path, or a pattern the whole path must match. */
  path: string | RegExp;
  /** A further condition on the request (e.g. a browser asking for HTML); default: none. */
  accepts?: (req: IncomingMessage, url: URL) => boolean;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> | void;
}

/** Methods of a page: GET and HEAD. */
export const PAGE_METHODS: readonly string[] = ['GET', 'HEAD'];

/** The route that answers the request and the capture groups of its path, or null when none does. */
export function matchRoute(routes: readonly Route[], req: IncomingMessage, url: URL): { route: Route; params: string[] } | null {
  const method = req.method ?? 'GET';
  for (const route of routes) {
    if (route.method !== '*' && !route.method.includes(method)) continue;
    let params: string[];
    if (typeof route.path === 'string') {
      if (url.pathname !== route.path) continue;
      params = [];
    } else {
      const match = route.path.exec(url.pathname);
      if (!match) continue;
      params = match.slice(1).map((group) => group ?? '');
    }
    if (route.accepts && !route.accepts(req, url)) continue;
    return { route, params };
  }
  return null;
}
