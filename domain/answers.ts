/**
 * Typing of the applicant's answers to a topic's guidance questions
 * (DESIGN.md, "Guidance and plan", rule 1).
 *
 * The front-end sends every answer as text (`AnswerInput`); each answer is
 * typed by its question: SINGLE → the option value, MULTI → an array of option
 * values, BOOLEAN → true/false, NUMBER → number. Anything else is bad input,
 * and every problem is reported at once, naming the question concerned.
 */
import type { Question } from '../connectors/matter-registry/models.ts';
import { InvalidInputError, type InputProblem } from '../lib/errors.ts';

/** A typed answer: SINGLE → string, MULTI → string[], BOOLEAN → boolean, NUMBER → number. */
export type AnswerValue = string | string[] | boolean | number;

/** Typed answers keyed by question id. Only answered questions have a key. */
export type TypedAnswers = Readonly<Record<string, AnswerValue>>;

/**
 * One answer as the front-end sends it (GraphQL `AnswerInput`): exactly one
 * value for SINGLE, BOOLEAN (`"true"`/`"false"`) and NUMBER (decimal text);
 * any number of distinct option values for MULTI (none = "none of these").
 */
export interface RawAnswer {
  questionId: string;
  values: readonly string[];
}

/*
 * One problem of the input is an `InputProblem`: `field` locates it
 * (`answers.<questionId>`); `code` is machine-readable: UNKNOWN_QUESTION,
 * DUPLICATE_ANSWER, WRONG_VALUE_COUNT, NOT_AN_OPTION, DUPLICATE_VALUE,
 * NOT_A_BOOLEAN, NOT_A_NUMBER, OUT_OF_RANGE. `InvalidInputError` carries
 * every problem found; both live with the gateway's other errors.
 */
export { InvalidInputError, type InputProblem };

/**
 * Plain decimal text: optional minus sign, digits, optional fraction
 * (`-1`, `2.5`, `007`). Rejects exponents, hex, `Infinity`, `NaN`, `+1`,
 * `.5`, `1.` and blank text. Surrounding whitespace is tolerated.
 */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Parses NUMBER answer text; `null` when it is not plain decimal text or
 * does not fit a finite double.
 */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return null;
  return n === 0 ? 0 : n; // normalise -0
}

const quote = (v: string): string => JSON.stringify(v);

/**
 * Validates every raw answer against the topic's questions and returns the
 * typed answers. Visibility is not considered here: an answer to a hidden
 * question must still be valid (it is ignored later by the plan).
 *
 * @throws InvalidInputError listing every problem of every answer.
 */
export function typeAnswers(questions: readonly Question[], raw: readonly RawAnswer[]): TypedAnswers {
  const byId = new Map<string, Question>();
  for (const q of questions) if (!byId.has(q.id)) byId.set(q.id, q);

  const typed: Record<string, AnswerValue> = {};
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const reportedDuplicate = new Set<string>();

  for (const answer of raw) {
    const id = answer.questionId;
    const field = `answers.${id}`;
    const problem = (code: string, message: string): void => {
      problems.push({ field, code, message });
    };

    const question = byId.get(id);
    if (!question) {
      problem('UNKNOWN_QUESTION', `question ${quote(id)} is not a question of this topic`);
      continue;
    }
    if (seen.has(id)) {
      if (!reportedDuplicate.has(id)) {
        reportedDuplicate.add(id);
        problem('DUPLICATE_ANSWER', `question ${quote(id)} is answered more than once`);
      }
      continue;
    }
    seen.add(id);

    const values = answer.values;
    if (question.type === 'MULTI') {
      const options = new Set((question.options ?? []).map((o) => o.value));
      const notOptions = values.filter((v) => !options.has(v));
      const duplicates = values.filter((v, i) => values.indexOf(v) !== i);
      if (notOptions.length > 0) {
        problem(
          'NOT_AN_OPTION',
          `${notOptions.map(quote).join(', ')} ${notOptions.length === 1 ? 'is not an option' : 'are not options'} of question ${quote(id)}`,
        );
      }
      if (duplicates.length > 0) {
        problem('DUPLICATE_VALUE', `question ${quote(id)} has ${[...new Set(duplicates)].map(quote).join(', ')} more than once`);
      }
      if (notOptions.length === 0 && duplicates.length === 0) typed[id] = [...values];
      continue;
    }

    if (values.length !== 1) {
      problem('WRONG_VALUE_COUNT', `question ${quote(id)} takes exactly one value, got ${values.length}`);
      continue;
    }
    const value = values[0] as string;

    switch (question.type) {
      case 'SINGLE': {
        const isOption = (question.options ?? []).some((o) => o.value === value);
        if (isOption) typed[id] = value;
        else problem('NOT_AN_OPTION', `${quote(value)} is not an option of question ${quote(id)}`);
        break;
      }
      case 'BOOLEAN': {
        if (value === 'true') typed[id] = true;
        else if (value === 'false') typed[id] = false;
        else problem('NOT_A_BOOLEAN', `question ${quote(id)} takes "true" or "false", got ${quote(value)}`);
        break;
      }
      case 'NUMBER': {
        const n = parseDecimal(value);
        if (n === null) {
          problem('NOT_A_NUMBER', `question ${quote(id)} takes a decimal number, got ${quote(value)}`);
          break;
        }
        const min = question.min ?? null;
        const max = question.max ?? null;
        if ((min !== null && n < min) || (max !== null && n > max)) {
          const range = `[${min ?? '-∞'}, ${max ?? '+∞'}]`;
          problem('OUT_OF_RANGE', `question ${quote(id)} takes a number in ${range}, got ${value.trim()}`);
          break;
        }
        typed[id] = n;
        break;
      }
    }
  }

  if (problems.length > 0) throw new InvalidInputError(problems);
  return typed;
}

/**
 * The answers that can be typed, and the problems of the others: for a
 * check that goes on past bad answers (a submission lists every problem at
 * once). An answer is left out when its question has any problem, so a
 * question answered twice counts as unanswered.
 */
export function readableAnswers(
  questions: readonly Question[],
  raw: readonly RawAnswer[],
): { readable: RawAnswer[]; problems: readonly InputProblem[] } {
  try {
    typeAnswers(questions, raw);
    return { readable: [...raw], problems: [] };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const unreadable = new Set(error.problems.map((p) => p.field));
    return { readable: raw.filter((a) => !unreadable.has(`answers.${a.questionId}`)), problems: error.problems };
  }
}
