/**
 * Direct database access for tests, bypassing the library and its tenancy (a superuser on
 * Postgres, the same file on SQLite). Each adapter's test setup provides it; the conformance suite
 * uses it to count rows, tamper with stored values, and insert rows the library would refuse.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/** @since 0.1.0 @category models */
export interface RawAccess {
  readonly dialect: "pg" | "sqlite"
  /**
   * Runs one statement outside any tenant scope. Placeholders are written `?`; the adapter turns
   * them into its own.
   */
  readonly execute: (sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<Record<string, unknown>>>
  /** Binds an instant given in epoch milliseconds the way this database stores it. */
  readonly instant: (epochMs: number) => unknown
  /**
   * Which constraint, if any, a failed statement violated, as the adapter's dialect classifies the
   * driver error `execute` dies with (say `{ kind: "exclusion", detail: "appointments_doctor_overlap" }`).
   */
  readonly classify: (error: unknown) => { readonly kind: string; readonly detail?: string }
}

/** @since 0.1.0 @category tags */
export const RawAccess: Context.Tag<RawAccess, RawAccess> = Context.GenericTag<RawAccess>("@clinicore/testing/RawAccess")
