/**
 * What differs between the SQL adapters below the repositories: how instants and booleans are
 * bound, how a busy interval is compared, how overlapping writers are made to take turns, and how
 * a driver error is classified. Each adapter provides one; the mapping of constraint violations
 * to domain errors therefore lives in one place per adapter.
 *
 * @since 0.1.0
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import * as Effect from "effect/Effect"

/** @since 0.1.0 @category models */
export type Violation =
  | { readonly kind: "unique" | "foreign_key" | "exclusion" | "check"; readonly detail: string }
  /**
   * The statement lost a race that the database resolved by aborting it (a deadlock between
   * writers waiting on each other's rows); running it again decides it.
   */
  | { readonly kind: "retry" }
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
  /**
   * A condition that holds when the busy interval `[busy_start, busy_end)` of the row aliased
   * `alias` overlaps `[from, to)` (half-open: touching intervals do not overlap). Written the way
   * the adapter's overlap guard is indexed, so the query can use that index.
   */
  readonly busyOverlaps: (sql: SqlClient, alias: string, from: number, to: number) => Fragment
  /**
   * The instant held in `column` (a trusted column reference, never input) as whole epoch
   * milliseconds: an integer that can be subtracted, summed and divided with truncation
   * (analytics' booked time and local days).
   */
  readonly epochMs: (sql: SqlClient, column: string) => Fragment
  /**
   * Runs first in the transaction (or savepoint) that writes a blocking appointment, given one
   * key per occupant (doctor, patient, rooms). It must make writers that share an occupant take
   * turns whenever the database could otherwise make them wait on each other's uncommitted rows
   * (a deadlock, not an answer). It decides nothing: the overlap guard still does.
   */
  readonly serializeOccupants: (sql: SqlClient, keys: ReadonlyArray<string>) => Effect.Effect<void, SqlError>
  /** Which constraint, if any, a failed statement violated. */
  readonly classify: (error: SqlError) => Violation
}

/**
 * Turns the SQL failures left after the repositories mapped the ones with domain meaning into
 * defects, keeping the effect's own errors.
 *
 * @since 0.1.0 @category errors
 */
export const orDieOnSqlError = <A, E, R>(self: Effect.Effect<A, E | SqlError, R>): Effect.Effect<A, E, R> =>
  Effect.catchIf(self, (e): e is SqlError => e instanceof SqlError, Effect.die) as Effect.Effect<A, E, R>
