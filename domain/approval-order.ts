/**
 * The order of approval of a topic's matters (DESIGN.md, "Exemptions" rule 1,
 * "Plan summary", "Applications" rule 3). The topic's list is the order of
 * display only: a matter is approved after every matter it depends on through
 * `dependsOn`, directly or through other matters; the list decides only
 * between matters neither of which depends on the other.
 *
 * This is the one home of that order. The plan asks it whether a producer's
 * result can stand for a needing matter's material (INTERNAL_RESULT), the
 * summary asks it for the longest chain of committed days, and the cases of
 * an application wait for the prerequisites it keeps (delivery releases a
 * case only when they are approved).
 *
 * A `dependsOn` cycle is a registry data error. It is reported and never
 * followed: walking the matters in list order and each matter's `dependsOn`
 * in its order, the dependency that would close a cycle is dropped, so no
 * case ever waits for itself, however the registry is wrong.
 */

/** A matter as the order sees it: its code and the codes it `dependsOn`. */
export interface OrderedMatter {
  code: string;
  dependsOn?: readonly string[] | null;
}

export class ApprovalOrder {
  /** Matter codes in list order, each once. */
  readonly codes: readonly string[];
  /** Each cycle found, as the path that closes it: `[a, b, …, a]`. */
  readonly cycles: readonly (readonly string[])[];
  readonly #position: ReadonlyMap<string, number>;
  readonly #prerequisites: ReadonlyMap<string, readonly string[]>;
  /** Every matter each one depends on, directly or transitively, along the kept prerequisites. */
  readonly #dependencies: ReadonlyMap<string, ReadonlySet<string>>;
  /** Result waits recorded by {@link recordResultWait}: needing matter → producers. */
  readonly #resultWaits = new Map<string, Set<string>>();

  private constructor(
    codes: string[],
    prerequisites: Map<string, string[]>,
    cycles: string[][],
  ) {
    this.codes = codes;
    this.cycles = cycles;
    this.#position = new Map(codes.map((code, i) => [code, i] as const));
    this.#prerequisites = prerequisites;
    const dependencies = new Map<string, Set<string>>();
    const collect = (code: string): Set<string> => {
      const known = dependencies.get(code);
      if (known) return known;
      const all = new Set<string>();
      for (const dep of prerequisites.get(code) ?? []) {
        all.add(dep);
        for (const further of collect(dep)) all.add(further);
      }
      dependencies.set(code, all);
      return all;
    };
    codes.forEach(collect);
    this.#dependencies = dependencies;
  }

  /**
   * The order of `matters` (list order). A `dependsOn` code that is not one
   * of `matters` is ignored (a prerequisite that does not apply is not
   * awaited); a code listed twice counts once, with its first `dependsOn`.
   */
  static of(matters: readonly OrderedMatter[]): ApprovalOrder {
    const declared = new Map<string, readonly string[]>();
    for (const m of matters) if (!declared.has(m.code)) declared.set(m.code, m.dependsOn ?? []);
    const codes = [...declared.keys()];

    const prerequisites = new Map<string, string[]>();
    const cycles: string[][] = [];
    const path: string[] = [];
    const visit = (code: string): void => {
      if (prerequisites.has(code)) return;
      path.push(code);
      const kept: string[] = [];
      for (const dep of new Set(declared.get(code))) {
        if (!declared.has(dep)) continue;
        const onPath = path.indexOf(dep);
        if (onPath >= 0) {
          cycles.push([...path.slice(onPath), dep]);
          continue;
        }
        visit(dep);
        kept.push(dep);
      }
      path.pop();
      prerequisites.set(code, kept);
    };
    codes.forEach(visit);
    return new ApprovalOrder(codes, prerequisites, cycles);
  }

  /** The matters `code` directly depends on, in its `dependsOn` order, without those that would close a cycle. */
  prerequisitesOf(code: string): readonly string[] {
    return this.#prerequisites.get(code) ?? [];
  }

  /** Whether `later` depends on `earlier` through `dependsOn`, directly or through other matters. */
  dependsOn(later: string, earlier: string): boolean {
    return this.#dependencies.get(later)?.has(earlier) === true;
  }

  /**
   * Whether `later` is approved after `earlier` (DESIGN.md, "Exemptions"
   * rule 1): it depends on `earlier`, or neither depends on the other and
   * `earlier` comes first in the topic's list. False for a matter and itself
   * and for a code that is not in the order.
   */
  comesAfter(later: string, earlier: string): boolean {
    const laterAt = this.#position.get(later);
    const earlierAt = this.#position.get(earlier);
    if (laterAt === undefined || earlierAt === undefined || later === earlier) return false;
    if (this.dependsOn(later, earlier)) return true;
    if (this.dependsOn(earlier, later)) return false;
    return earlierAt < laterAt;
  }

  /**
   * Whether `later` may wait for the result of `earlier`: it comes after it,
   * and `earlier` does not already wait for `later` through prerequisites and
   * the result waits recorded so far. Matters that are independent of each
   * other follow the list pairwise, which on its own could make three matters
   * wait for each other's results in a circle; this keeps every wait acyclic.
   */
  mayAwaitResult(later: string, earlier: string): boolean {
    return this.comesAfter(later, earlier) && !this.#awaits(earlier, later);
  }

  /** Records that `later` waits for the result of `earlier` (check {@link mayAwaitResult} first). */
  recordResultWait(later: string, earlier: string): void {
    const producers = this.#resultWaits.get(later) ?? new Set<string>();
    producers.add(earlier);
    this.#resultWaits.set(later, producers);
  }

  /**
   * The longest chain of `days` along the kept prerequisites (parallel
   * approval: independent matters overlap); 0 for no matter.
   */
  longestChain(days: (code: string) => number): number {
    const finish = new Map<string, number>();
    const finishOf = (code: string): number => {
      const known = finish.get(code);
      if (known !== undefined) return known;
      const before = Math.max(0, ...this.prerequisitesOf(code).map(finishOf));
      const total = before + days(code);
      finish.set(code, total);
      return total;
    };
    return Math.max(0, ...this.codes.map(finishOf));
  }

  /** Whether `from` waits for `to`, through prerequisites and recorded result waits. */
  #awaits(from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const code = stack.pop()!;
      for (const next of [...this.prerequisitesOf(code), ...(this.#resultWaits.get(code) ?? [])]) {
        if (next === to) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  }
}
