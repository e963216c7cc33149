/**
 * Who a request acts for, as the use cases see it: the verified token's
 * subject and role (server/identity.ts makes one from a bearer token), or
 * nobody. Use cases decide on these facts alone, so they never need the
 * server's request context.
 */
import type { AssistedBy } from './assistance.ts';

export type Role = 'APPLICANT' | 'DEPARTMENT_STAFF' | 'EVALUATOR' | 'ADMIN' | 'WINDOW_STAFF';

export const ROLES: readonly Role[] = ['APPLICANT', 'DEPARTMENT_STAFF', 'EVALUATOR', 'ADMIN', 'WINDOW_STAFF'];

export interface SignedInUser {
  kind: 'user';
  /** Citizen ID number or unified social credit code (the token's `sub`). */
  subject: string;
  name: string;
  role: Role;
  /** Department code, for DEPARTMENT_STAFF. */
  department?: string;
  /** Service-hall code, for WINDOW_STAFF. */
  hall?: string;
  /**
   * Set when window staff act for the citizen: the viewer is then the
   * citizen (subject, name, role APPLICANT) and this names the staff member.
   */
  assistedBy?: AssistedBy;
}

export type Viewer = { kind: 'anonymous' } | SignedInUser;

/** The caller a use case acts for. */
export type Actor = Viewer;

export const isAdmin = (viewer: Viewer) => viewer.kind === 'user' && viewer.role === 'ADMIN';

/** The signed-in applicant, or null for anyone else (anonymous callers, staff, evaluators, administrators). */
export function applicantOf(actor: Actor): SignedInUser | null {
  return actor.kind === 'user' && actor.role === 'APPLICANT' ? actor : null;
}
