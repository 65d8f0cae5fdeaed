/**
 * The settings this adapter's row-level security policies read — the tenant (`clinic_id`), a slug
 * lookup (`slug`) and the reminders' cross-clinic scan (`scan`) — set for one transaction, each
 * with its proof: HMAC-SHA256 over `"<name>=<value>"` with the installation's tenant key. The key
 * lives in `clinicore_private.tenant_key`, which only the schema's owner can read; the adapter reads
 * it over the owner's connection when it starts. A runtime-role session that sets a setting
 * without the proof (SQL injected into a host, say) sees and writes nothing.
 *
 * Use `set` for a host's own queries over the runtime role's `SqlClient`, inside a transaction.
 *
 * @since 0.1.0
 */
import { createHmac } from "node:crypto"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/** @since 0.1.0 @category models */
export type Setting = "clinic_id" | "slug" | "scan"

/** @since 0.1.0 @category models */
export interface Tenancy {
  /** Sets `clinicore.<name>` and its proof until the current transaction ends. */
  readonly set: (name: Setting, value: string) => Effect.Effect<void, SqlError>
  /** The proof of `name = value`, for a host that sets `clinicore.<name>_proof` itself. */
  readonly proof: (name: Setting, value: string) => string
}

/** @since 0.1.0 @category tags */
export const Tenancy: Context.Tag<Tenancy, Tenancy> = Context.GenericTag<Tenancy>("@clinicore/sql-pg/Tenancy")

/**
 * Reads the installation's tenant key. Only the owner role can: run it over the owner's connection.
 *
 * @since 0.1.0 @category constructors
 */
export const readKey: Effect.Effect<Uint8Array, SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.map(sql<{ readonly key: Uint8Array }>`SELECT key FROM clinicore_private.tenant_key`, (rows) => rows[0]!.key)
)

/** The proof of `name = value` under `key`: what `clinicore_setting` recomputes in Postgres. */
export const proof = (key: Uint8Array, name: Setting, value: string): string =>
  createHmac("sha256", key).update(`${name}=${value}`).digest("hex")

/**
 * Settings over the `SqlClient` in context, proven with `key`.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (key: Uint8Array): Effect.Effect<Tenancy, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    // Proofs of recent values (a clinic id each): computed once, bounded.
    const proofs = new Map<string, string>()
    const proven = (name: Setting, value: string) => {
      const k = `${name}=${value}`
      let p = proofs.get(k)
      if (p === undefined) {
        if (proofs.size >= 10_000) proofs.clear()
        p = proof(key, name, value)
        proofs.set(k, p)
      }
      return p
    }
    return Tenancy.of({
      proof: proven,
      // is_local = true: both end with the transaction (commit or rollback), so a connection
      // returned to the pool carries no tenant. One statement: no extra round trip for the proof.
      set: (name, value) =>
        Effect.asVoid(sql`SELECT set_config(${sql.literal(`'clinicore.${name}'`)}, ${value}, true),
          set_config(${sql.literal(`'clinicore.${name}_proof'`)}, ${proven(name, value)}, true)`)
    })
  })
