import { Conflict } from "@clinicore/core/Errors"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { Dialect } from "../Dialect.js"

/** What a violation means here: a domain error (possibly found by a follow-up query), or `undefined` for a defect. */
export type OnViolation = (detail: string) => Effect.Effect<Conflict> | Conflict | undefined

export interface Handlers {
  readonly unique?: OnViolation
  readonly foreignKey?: OnViolation
  readonly exclusion?: OnViolation
}

/**
 * Maps the violations that carry domain meaning; any other SQL failure is a defect. Handlers
 * receive the violated constraint (Postgres) or the driver's message (SQLite).
 */
export const makeGuard = (dialect: Dialect) =>
<A>(effect: Effect.Effect<A, SqlError>, on: Handlers = {}): Effect.Effect<A, Conflict> =>
  Effect.catchAll(effect, (error) => {
    const v = dialect.classify(error)
    const handler = v.kind === "unique"
      ? on.unique
      : v.kind === "foreign_key"
      ? on.foreignKey
      : v.kind === "exclusion"
      ? on.exclusion
      : undefined
    const mapped = v.kind === "other" || v.kind === "retry" ? undefined : handler?.(v.detail)
    if (mapped === undefined) return Effect.die(error)
    return Effect.isEffect(mapped) ? Effect.flatMap(mapped, Effect.fail) : Effect.fail(mapped)
  })

/** A reference to a row that is not in the clinic (or nowhere): the same error either way. */
export const crossClinic = (field: string) => new Conflict({ reason: { _tag: "cross_clinic_reference", field } })
