/**
 * The paging arguments of the list fields (`first`, `after`), checked before
 * the store is asked, so that each problem is named on its own field and
 * both at once.
 */
import { BadUserInputError, type InputProblem } from '../lib/errors.ts';

/** Items of a page when `first` is not given (the schema's default too). */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * `first` (default {@link DEFAULT_PAGE_SIZE}) and `after` checked: `first`
 * at least 0 (a larger page than the store serves is cut to its maximum),
 * `after` a cursor `isCursor` accepts.
 * @throws BadUserInputError listing the problems of both.
 */
export function checkedPage(
  args: { first?: number | null; after?: string | null },
  isCursor: (cursor: string) => boolean,
): { first: number; after: string | null } {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  const after = args.after ?? null;
  const problems: InputProblem[] = [];
  if (!Number.isSafeInteger(first) || first < 0) {
    problems.push({ field: 'first', code: 'OUT_OF_RANGE', message: `first must be a whole number of at least 0, got ${first}` });
  }
  if (after !== null && !isCursor(after)) {
    problems.push({ field: 'after', code: 'BAD_CURSOR', message: 'after must be the endCursor of a previous page' });
  }
  if (problems.length > 0) throw new BadUserInputError(problems.map((p) => p.message).join('; '), problems);
  return { first, after };
}
