/**
 * Evaluation of the registry's conditions (`showIf`, `appliesIf`,
 * `requiredIf`): JSON Logic over the typed answers (DESIGN.md, "Guidance and
 * plan", rule 2).
 */
import jsonLogic from 'json-logic-js';
import type { TypedAnswers } from './answers.ts';

/** The outcome of one condition. `error` is set when the rule is not valid JSON Logic. */
export interface ConditionResult {
  holds: boolean;
  error?: string;
}

/**
 * Finds the first structural defect of a rule that json-logic-js would not
 * throw on but silently treat as data: an object that does not have exactly
 * one key (the operator). `null` when the rule is well-formed.
 */
function structuralDefect(rule: unknown, path: string): string | null {
  if (Array.isArray(rule)) {
    for (const [i, item] of rule.entries()) {
      const defect = structuralDefect(item, `${path}[${i}]`);
      if (defect) return defect;
    }
    return null;
  }
  if (rule !== null && typeof rule === 'object') {
    const keys = Object.keys(rule);
    if (keys.length !== 1) {
      return `not a JSON Logic rule at ${path}: an operation has exactly one operator key, found ${keys.length}`;
    }
    const op = keys[0] as string;
    return structuralDefect((rule as Record<string, unknown>)[op], `${path}.${op}`);
  }
  return null;
}

/**
 * Evaluates a JSON Logic condition over typed answers.
 *
 * - `null`/`undefined` condition → holds.
 * - An unanswered question reads as `null` (`{"var": "x"}` on a missing key
 *   gives null; inherited object properties such as `constructor` are never
 *   visible to a rule).
 * - Truthiness follows JSON Logic (an empty array is falsy).
 * - An invalid rule (unknown operator, malformed operation, evaluation
 *   throws) → `{ holds: true, error }`, so that a registry data error never
 *   crashes a plan or silently drops a matter; the caller reports `error` as
 *   a problem of the topic.
 */
export function evaluateCondition(condition: unknown, answers: TypedAnswers): ConditionResult {
  if (condition === null || condition === undefined) return { holds: true };

  const defect = structuralDefect(condition, '$');
  if (defect) return { holds: true, error: defect };

  const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(answers)) {
    data[key] = Array.isArray(value) ? [...value] : value;
  }

  try {
    const result: unknown = jsonLogic.apply(condition as jsonLogic.RulesLogic, data);
    return { holds: jsonLogic.truthy(result) };
  } catch (e) {
    return { holds: true, error: e instanceof Error ? e.message : String(e) };
  }
}
