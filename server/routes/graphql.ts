/**
 * GET and POST /graphql through Apollo Server: the body read with our limits
 * and strict UTF-8, trusted documents admitted first when on, the personal
 * data read by the request stored before the answer leaves.
 */
import type { IncomingMessage } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { GatewayError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { createContext, type GatewayContext, type Viewer } from '../context.ts';
import { requestError } from '../errors.ts';
import { HttpError, decodeUtf8, errorBody, readBody, sendJson } from '../http.ts';
import { rememberClientAddress } from '../rate-limit.ts';
import type { GatewayServices } from '../services.ts';
import type { TrustedDocuments } from '../trusted-documents.ts';
import type { Route } from './route.ts';

export interface GraphQLRouteDeps {
  apollo: ApolloServer<GatewayContext>;
  services: GatewayServices;
  /** The contract's operations only (TRUSTED_DOCUMENTS=contract), or null for any document. */
  trusted: TrustedDocuments | null;
  /** Who calls, from the request's bearer token and assistance session. */
  identify(req: IncomingMessage): Promise<Viewer>;
  logger: Logger;
}

export function graphqlRoute({ apollo, services, trusted, identify, logger }: GraphQLRouteDeps): Route {
  return {
    method: '*',
    path: '/graphql',
    async handle(req, res, { requestId, url }) {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      let body: unknown;
      if (req.method === 'POST') {
        const text = decodeUtf8(await readBody(req, services.config.maxBodyBytes));
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
        }
      }
      let search = url.search;
      if (trusted) {
        // Trusted documents: only the contract's operations (server/trusted-documents.ts).
        const admission = trusted.admit({ method: req.method ?? 'GET', body, search });
        if (!admission.ok) return sendJson(res, admission.status, errorBody(admission.code, admission.message));
        ({ body, search } = admission);
      }
      const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search, body };
      let context: GatewayContext | undefined;
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: request,
        context: async () => {
          try {
            return (context = rememberClientAddress(createContext(services, requestId, await identify(req)), req.socket.remoteAddress));
          } catch (error) {
            // Apollo Server takes the status of a failed context (401 for a bad token) from the GraphQLError.
            throw error instanceof GatewayError ? requestError(error) : error;
          }
        },
      });
      try {
        // Every read of personal data is stored before any of it leaves the gateway (DESIGN: the access log).
        await context?.reads?.flush();
      } catch (error) {
        logger.error({ err: error, requestId }, 'the access log could not be written: the answer is withheld');
        return sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
      }
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    },
  };
}
