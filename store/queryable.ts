/**
 * What runs SQL: an open database or a transaction. Its own module so that
 * the migrations (`./migrate.ts`) and the database (`./database.ts`), which
 * runs them, both depend on it and not on each other.
 */
export interface Queryable {
  /**
   * Runs one SQL statement with parameters `$1..$n`.
   * @returns the rows (plain objects; store/database.ts lists the value types)
   *   and `rowCount`: rows returned, or rows affected by INSERT/UPDATE/DELETE
   *   without RETURNING (0 for other statements).
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}
