/**
 * What every repository is built from: the client, the dialect, and the wrappers they share.
 */
import { Conflict } from "@clinicore/core/Errors"
import type { ClinicId } from "@clinicore/core/Ids"
import type * as Storage from "@clinicore/core/Storage"
import type { Window } from "@clinicore/core/Page"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { Dialect } from "../Dialect.js"
import { type Handlers, makeGuard } from "./guard.js"
import { nonZero, orDie, type Row } from "./rows.js"

/** @internal */
export interface Context {
  readonly sql: SqlClient.SqlClient
  readonly dialect: Dialect
  /** Maps the violations that carry domain meaning; any other SQL failure is a defect. */
  readonly guard: <A>(effect: Effect.Effect<A, SqlError>, on?: Handlers) => Effect.Effect<A, Conflict>
  /**
   * Statements as one unit, in a savepoint when a transaction is already open: either all of
   * them are written or none, and after a violation the enclosing transaction can still run the
   * follow-up query that names the conflict (Postgres aborts the whole transaction otherwise). A
   * failure to begin or end the unit itself is an `SqlError`.
   */
  readonly atomically: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E | SqlError>
  /** ` LIMIT … OFFSET …` for a page; nothing for the library's own unbounded reads. */
  readonly page: (window: Window) => Fragment
  /** Every row of `table` in the clinic, only the active (or inactive) ones when asked, by name. */
  readonly byName: (
    table: "doctors" | "services" | "rooms",
    clinicId: ClinicId,
    filter: { readonly active?: boolean | undefined } & Window
  ) => Effect.Effect<ReadonlyArray<Row>>
  /**
   * How many rows of each `[kind, table, column]` reference an entity by `column` (each table has
   * `clinic_id`), in one statement: only the kinds with a count above zero.
   */
  readonly dependents: (referrers: Referrers) => (clinicId: ClinicId, id: string) => Effect.Effect<Storage.Dependents>
  /** Deletes the entity `id` of `table`; rows that still reference it refuse with their counts. */
  readonly remove: (
    table: string,
    dependents: (clinicId: ClinicId, id: string) => Effect.Effect<Storage.Dependents>
  ) => (clinicId: ClinicId, id: string) => Effect.Effect<void, Conflict>
}

/** ` LIMIT … OFFSET …` for a page; nothing for the library's own unbounded reads. */
export const pageClause = (sql: SqlClient.SqlClient, w: Window): Fragment =>
  w.limit === undefined ? sql.literal("") : sql` LIMIT ${w.limit} OFFSET ${w.offset ?? 0}`

/** The tables whose rows reference an entity, as `[kind, table, column]`. */
export type Referrers = ReadonlyArray<readonly [kind: string, table: string, column: string]>

/** @internal */
export const make = (sql: SqlClient.SqlClient, dialect: Dialect): Context => {
  const guard = makeGuard(dialect)
  const atomically: Context["atomically"] = (effect) => sql.withTransaction(effect)
  const page: Context["page"] = (w) => pageClause(sql, w)
  const dependents: Context["dependents"] = (referrers) => (clinicId, id) =>
    referrers.length === 0 ? Effect.succeed({}) : orDie(sql`SELECT ${
      sql.csv(referrers.map(([kind, table, column]) =>
        sql`(SELECT count(*) FROM ${sql.literal(table)} WHERE clinic_id = ${clinicId} AND ${sql.literal(column)} = ${id}) AS ${
          sql.literal(kind)
        }`
      ))
    }`).pipe(Effect.map(nonZero))
  const remove: Context["remove"] = (table, dependents) => (clinicId, id) =>
    guard(atomically(sql`DELETE FROM ${sql.literal(table)} WHERE clinic_id = ${clinicId} AND id = ${id}`), {
      foreignKey: () => hasDependents(dependents(clinicId, id))
    }).pipe(Effect.asVoid)
  const byName: Context["byName"] = (table, clinicId, filter) =>
    orDie(sql`SELECT * FROM ${sql.literal(table)} WHERE ${
      sql.and([
        sql`clinic_id = ${clinicId}`,
        ...(filter.active === undefined ? [] : [sql`active = ${dialect.bool(filter.active)}`])
      ])
    } ORDER BY name, id${page(filter)}`)
  return { sql, dialect, guard, atomically, page, byName, dependents, remove }
}

/** The refusal to delete a row that others still reference, with their counts. */
export const hasDependents = (counts: Effect.Effect<Storage.Dependents>) =>
  Effect.map(counts, (c) => new Conflict({ reason: { _tag: "has_dependents", counts: c } }))
