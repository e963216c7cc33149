import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { matchRoute, PAGE_METHODS, type Route } from '../../server/routes/route.ts';

const request = (method: string, accept = '') => ({ method, headers: { accept } }) as unknown as IncomingMessage;
const url = (path: string) => new URL(path, 'http://gateway');
const route = (name: string, fields: Omit<Route, 'handle'>): Route & { name: string } => ({ name, ...fields, handle: () => undefined });

const routes = [
  route('explorer', { method: PAGE_METHODS, path: '/graphql', accepts: (req) => String(req.headers.accept).includes('text/html') }),
  route('graphql', { method: '*', path: '/graphql' }),
  route('webhook', { method: ['POST'], path: /^\/webhooks\/case-status\/([^/]+)$/ }),
];
const nameOf = (method: string, path: string, accept?: string) => {
  const match = matchRoute(routes, request(method, accept), url(path));
  return match && { name: (match.route as (typeof routes)[number]).name, params: match.params };
};

describe('the router', () => {
  it('answers with the first route whose method, path and condition match', () => {
    expect(nameOf('GET', '/graphql', 'text/html')).toEqual({ name: 'explorer', params: [] });
    expect(nameOf('GET', '/graphql')).toEqual({ name: 'graphql', params: [] });
    expect(nameOf('POST', '/graphql', 'text/html')).toEqual({ name: 'graphql', params: [] });
  });

  it('hands a pattern route the groups of its path as they are written', () => {
    expect(nameOf('POST', '/webhooks/case-status/%E5%8D%AB%E5%81%A5')).toEqual({ name: 'webhook', params: ['%E5%8D%AB%E5%81%A5'] });
  });

  it('finds no route for another method or a path that only begins like one', () => {
    expect([nameOf('GET', '/webhooks/case-status/x'), nameOf('POST', '/webhooks/case-status/x/y'), nameOf('GET', '/graphql/')]).toEqual([null, null, null]);
  });
});
