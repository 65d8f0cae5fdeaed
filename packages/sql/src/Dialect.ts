/**
 * What differs between the SQL adapters at the value level: how instants and booleans are bound,
 * and how a driver error is classified. Each adapter provides one; the mapping of constraint
 * violations to domain errors therefore lives in one place per adapter.
 *
 * @since 0.1.0
 */
import type { SqlError } from "@effect/sql/SqlError"

/** @since 0.1.0 @category models */
export type Violation =
  | { readonly kind: "unique" | "foreign_key" | "exclusion" | "check"; readonly detail: string }
  | { readonly kind: "other" }

/** @since 0.1.0 @category models */
export interface Dialect {
  readonly name: "pg" | "sqlite"
  /** Binds an instant given in epoch milliseconds. */
  readonly instant: (epochMs: number) => unknown
  readonly bool: (value: boolean) => unknown
  /**
   * What to append to a `SELECT` of one row to hold it for the rest of the transaction (`FOR
   * UPDATE` on Postgres; nothing on SQLite, whose write transactions are already exclusive).
   */
  readonly lockRow: string
  /** Which constraint, if any, a failed statement violated. */
  readonly classify: (error: SqlError) => Violation
}
