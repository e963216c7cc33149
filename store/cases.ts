/**
 * The outbox and the case status used to live here; they are now
 * `store/outbox.ts` and `store/case-status.ts`. This re-export keeps
 * imports written on branches made before the split compiling until they
 * are merged; new code imports the two modules directly.
 *
 * @deprecated import from `./outbox.ts` or `./case-status.ts`.
 * @module
 */
export * from './case-status.ts';
export * from './outbox.ts';
