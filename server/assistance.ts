/**
 * Who a request acts as when window staff send an assistance session with
 * their own token (帮办代办): the header names the session, the token names
 * the staff member, and together they make the request act for the citizen
 * (usecases/assistance.ts decides whether they may).
 */
import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from '../lib/errors.ts';
import { assistedViewer, type AssistanceDeps } from '../usecases/assistance.ts';
import type { Viewer } from './context.ts';
import type { GatewayServices } from './services.ts';

/** The request header that carries the assistance session's id. */
export const ASSISTANCE_SESSION_HEADER = 'x-assistance-session';

const SESSION_ID = /^[0-9a-f-]{36}$/;

/** The assistance use cases' view of the gateway's services. */
export function assistanceDeps(services: GatewayServices): AssistanceDeps {
  return {
    db: services.db,
    topicPublished: async (code) => (await services.registry.topic(code))?.status === 'PUBLISHED',
    sessionMs: services.config.assistanceSessionHours * 60 * 60 * 1000,
  };
}

/**
 * The viewer of a request: the token's, or — with an assistance session
 * header — the citizen the staff member acts for.
 * @throws UnauthenticatedError for a bad token; ForbiddenError (HTTP 403) for a session the caller may not use.
 */
export async function identifyCaller(
  services: GatewayServices,
  authorization: string | undefined,
  sessionHeader: IncomingMessage['headers'][string],
): Promise<Viewer> {
  const viewer = await services.verifier.identify(authorization);
  if (sessionHeader === undefined || sessionHeader === '') return viewer;
  const sessionId = Array.isArray(sessionHeader) ? null : sessionHeader.trim().toLowerCase();
  if (sessionId === null || !SESSION_ID.test(sessionId)) {
    throw new ForbiddenError('X-Assistance-Session must be one session id, as startAssistance answered it', 'ASSISTANCE_SESSION_UNKNOWN');
  }
  return assistedViewer(assistanceDeps(services), viewer, { sessionId });
}
