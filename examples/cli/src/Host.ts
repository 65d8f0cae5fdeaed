/**
 * What every command shares: the common options, the storage and key selection, who acts, and the
 * output (text or `--json`). Commands only decode their own arguments, call one service and print.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Accounts, Actor, Clinicore, Clinics, FieldCrypto } from "@clinicore/core"
import { ClinicorePg } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Options from "@effect/cli/Options"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** A mistake in how the CLI was called that its parser cannot see (a missing `--clinic`, a bad key). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** `--json` and `--db`, on every command. */
export const common = {
  json: Options.boolean("json").pipe(
    Options.withDescription("Machine-readable output: one JSON document on stdout, errors as JSON on stderr, no progress bars")
  ),
  db: Options.text("db").pipe(
    Options.withDescription(
      "SQLite database file (default: $CLINICORE_SQLITE_FILE, else $DATABASE_URL selects Postgres, else .tmp/clinicore.db)"
    ),
    Options.optional
  )
}

/** `--clinic` and `--as`, on every command that acts inside a clinic. */
export const scope = {
  ...common,
  clinic: Options.text("clinic").pipe(
    Options.withDescription("The clinic's slug (default: $CLINICORE_CLINIC)"),
    Options.optional
  ),
  as: Options.text("as").pipe(
    Options.withDescription("The email of the staff account acting (default: $CLINICORE_AS)"),
    Options.optional
  )
}

export interface Common {
  readonly json: boolean
  readonly db: Option.Option<string>
}

export interface Scope extends Common {
  readonly clinic: Option.Option<string>
  readonly as: Option.Option<string>
}

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === "" ? undefined : value
}

/** Where the data lives: an explicit `--db` file, else `DATABASE_URL`, else the default SQLite file. */
export type Target =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "pg"; readonly url: string }

export const target = (options: Common): Target => {
  if (Option.isSome(options.db)) return { _tag: "sqlite", filename: options.db.value }
  const url = env("DATABASE_URL")
  if (url !== undefined) return { _tag: "pg", url }
  return { _tag: "sqlite", filename: env("CLINICORE_SQLITE_FILE") ?? ".tmp/clinicore.db" }
}

/**
 * The master key: `CLINICORE_MASTER_KEY`. On SQLite, when it is missing, the key kept next to the
 * database file (`<file>.key`) is used, or made on first use, with a note on stderr; on Postgres it
 * is required (a database server's key belongs in its secret store, not on an operator's disk).
 */
const masterKey = (options: Common, where: Target): Effect.Effect<string, UsageError> =>
  Effect.suspend(() => {
    const fromEnv = env("CLINICORE_MASTER_KEY")
    if (fromEnv !== undefined) return Effect.succeed(fromEnv)
    if (where._tag === "pg") {
      return Effect.fail(new UsageError({ message: "CLINICORE_MASTER_KEY is required with DATABASE_URL (32 random bytes, base64)" }))
    }
    const keyFile = `${where.filename}.key`
    if (existsSync(keyFile)) return Effect.succeed(readFileSync(keyFile, "utf8").trim())
    const key = randomBytes(32).toString("base64")
    mkdirSync(dirname(resolve(keyFile)), { recursive: true })
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: "wx" })
    return Effect.as(
      notice(options, `no CLINICORE_MASTER_KEY: generated one and kept it in ${keyFile} (back it up; without it encrypted fields are lost)`),
      key
    )
  })

/** Every clinicore service over the selected storage. */
export const live = (options: Common) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const where = target(options)
    const key = yield* masterKey(options, where)
    const crypto = FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(key) } })
    const storage = where._tag === "pg"
      ? ClinicorePg.layer({
        url: Redacted.make(where.url),
        ownerUrl: env("DATABASE_OWNER_URL") === undefined ? undefined : Redacted.make(env("DATABASE_OWNER_URL")!)
      })
      : Layer.suspend(() => {
        mkdirSync(dirname(resolve(where.filename)), { recursive: true })
        return ClinicoreSqlite.layer({ filename: where.filename })
      })
    return Clinicore.layer.pipe(Layer.provideMerge(crypto), Layer.provideMerge(storage))
  }))

/** The services a command body may use. */
export type Services = Layer.Layer.Success<ReturnType<typeof live>>

/** Without `--clinic`: the installation's only clinic (listed by the platform), else a usage error. */
const onlyClinic = Effect.gen(function*() {
  const all = yield* Effect.flatMap(Clinics.Clinics, (c) => c.list()).pipe(Actor.asPlatform)
  if (all.length === 1) return all[0]!.slug
  return yield* new UsageError({
    message: `which clinic? give --clinic <slug> or set CLINICORE_CLINIC (${all.length === 0 ? "there is none yet: see init" : `${all.length} clinics: see clinic list`})`
  })
})

/**
 * Runs `body` as the staff account `--as` of the clinic `--clinic` (default: the only clinic), resolved by the library
 * (`Accounts.fromIdentity`): an unknown clinic or email is `Unauthenticated`, an account that is
 * not active is `Inactive`. Its permissions are checked and audited on every call like any user's.
 */
export const asStaff = (options: Scope) => <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const clinic = Option.getOrUndefined(options.clinic) ?? env("CLINICORE_CLINIC") ?? (yield* onlyClinic)
    const email = Option.getOrUndefined(options.as) ?? env("CLINICORE_AS")
    if (email === undefined) return yield* new UsageError({ message: "who acts? give --as <email> or set CLINICORE_AS" })
    const accounts = yield* Accounts.Accounts
    const principal = yield* accounts.fromIdentity({ clinic, email })
    return yield* Effect.provideService(body, Actor.Actor, principal)
  })

/** Human output: lines, or a table. */
export type Text = string | ReadonlyArray<string>

/** `Option`s as their value or `null` (their own `toJSON` gives `{ _id, _tag, value }`). */
const plainJson = (_key: string, value: unknown): unknown =>
  typeof value === "object" && value !== null && (value as { _id?: unknown })._id === "Option"
    ? ((value as { value?: unknown }).value ?? null)
    : value

/** Prints `value` as JSON with `--json`, else its human rendering. */
export const print = <A>(options: Common, value: A, text: (a: A) => Text): Effect.Effect<void> =>
  Effect.sync(() => {
    if (options.json) {
      process.stdout.write(`${JSON.stringify(value, plainJson)}\n`)
    } else {
      const out = text(value)
      process.stdout.write(typeof out === "string" ? `${out}\n` : out.length > 0 ? `${out.join("\n")}\n` : "")
    }
  })

/** A note for the operator on stderr (a JSON line with `--json`). */
export const notice = (options: Common, message: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(options.json ? `${JSON.stringify({ notice: message })}\n` : `note: ${message}\n`)
  })

/** Runs a command body with every service, mapping nothing: errors go to `main`'s exit codes. */
export const run = <A, E>(options: Common, body: Effect.Effect<A, E, Services>) => Effect.provide(body, live(options))

/** A fixed-width table of rows (strings only), for human output. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  if (rows.length === 0) return ["(none)"]
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(headers), ...rows.map(line)]
}

/** An instant for people: ISO 8601 in UTC, to the minute. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/:00\.000Z$/, "Z")

/** Instants given on the command line: epoch milliseconds or an ISO date-time with an offset (decoded by the library). */
export const instant = (raw: string): string | number => (/^-?\d+$/.test(raw) ? Number(raw) : raw)
