/**
 * What "the same submission" means for an idempotency key (DESIGN.md,
 * "Applications", rule 2; issue 10, item 5). Sending a key again with the
 * same request returns the first application — a retry after a lost answer
 * is always safe. The same key with a *different* request is a client bug
 * the applicant must hear about, not a silent answer with the first
 * application (as the IETF Idempotency-Key draft has it).
 *
 * Requests are compared by a fingerprint of their canonical form: the topic,
 * the answers, the form values, the uploads, the deferred materials and the
 * delivery method. Lists whose order carries no meaning (answers by
 * question, a MULTI answer's values, form values by key, uploads, deferred
 * materials) are sorted first, so a retry that sends them in another order
 * is still the same request.
 *
 * Pure functions: no GraphQL, no HTTP, no database.
 */
import { createHash } from 'node:crypto';
import type { InputProblem } from './answers.ts';

/** The parts of a submission that make it the request it is. */
export interface SubmissionForFingerprint {
  topicCode: string;
  answers: readonly { questionId: string; values: readonly string[] }[];
  form: readonly { key: string; value?: string | null }[];
  uploads: readonly { materialCode: string; fileRef: string }[];
  deferredMaterials: readonly string[];
  deliveryMethod: string;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byEntries = (a: readonly string[], b: readonly string[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = byText(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
};

/** SHA-256 (hex) of the submission's canonical form. */
export function submissionFingerprint(request: SubmissionForFingerprint): string {
  const canonical = {
    topicCode: request.topicCode,
    answers: request.answers
      .map((a) => [a.questionId, ...[...a.values].sort(byText)])
      .sort(byEntries),
    form: request.form.map((f) => [f.key, f.value ?? null] as const).sort((a, b) => byText(a[0], b[0]) || byText(a[1] ?? '', b[1] ?? '')),
    uploads: request.uploads.map((u) => [u.materialCode, u.fileRef]).sort(byEntries),
    deferredMaterials: [...new Set(request.deferredMaterials)].sort(byText),
    deliveryMethod: request.deliveryMethod,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** Whether a request with fingerprint `fingerprint` may take the application stored under its key with `stored` (null: stored before fingerprints were kept). */
export function isSameSubmission(stored: string | null, fingerprint: string): boolean {
  return stored === null || stored === fingerprint;
}

/** 1–100 printable ASCII characters: a key a client can send in any header or log line unchanged. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,100}$/;

/** The BAD_IDEMPOTENCY_KEY problem of a key that is not 1–100 printable ASCII characters; null for a usable key. */
export function idempotencyKeyProblem(key: string): InputProblem | null {
  if (IDEMPOTENCY_KEY.test(key)) return null;
  return { field: 'idempotencyKey', code: 'BAD_IDEMPOTENCY_KEY', message: 'idempotencyKey must be 1–100 printable ASCII characters' };
}
