/**
 * The SQLite storage adapter: one database file in WAL mode, foreign keys on, a busy timeout, and
 * the repositories of `@clinicore/sql`. Tenant isolation comes from the keys (every tenant key
 * starts with `clinic_id`) and from every query naming the clinic.
 *
 * @since 0.1.0
 */
import * as ReminderRepository from "@clinicore/sql/ReminderRepository"
import * as Repositories from "@clinicore/sql/Repositories"
import * as BillingRepository from "@clinicore/sql/BillingRepository"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import * as AnalyticsRepository from "@clinicore/sql/AnalyticsRepository"
import { AnalyticsStorage } from "@clinicore/core/AnalyticsStorage"
import { SessionStorage } from "@clinicore/core/Sessions"
import * as SessionRepository from "@clinicore/sql/SessionRepository"
import { type Dialect, orDieOnSqlError } from "@clinicore/sql/Dialect"
import { Storage } from "@clinicore/core/Storage"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Client from "./internal/client.js"
import foundation from "./migrations/0001_foundation.js"
import accessAudit from "./migrations/0002_access_audit.js"
import scheduling from "./migrations/0003_scheduling.js"
import versions from "./migrations/0004_versions.js"
import billing from "./migrations/0005_billing.js"
import reminders from "./migrations/0006_reminders.js"
import exportImport from "./migrations/0007_export_import.js"
import analytics from "./migrations/0008_analytics.js"
import sessions from "./migrations/0009_sessions.js"
import publicRequests from "./migrations/0012_public_requests.js"

/** @since 0.1.0 @category models */
export interface SqliteConfig {
  /** Path of the database file (created when missing). */
  readonly filename: string
  /** How long a writer waits for another connection's lock, in milliseconds. */
  readonly busyTimeoutMs?: number | undefined
}

/**
 * SQLite result codes that carry domain meaning: the one place this adapter maps them.
 *
 * @since 0.1.0 @category dialect
 */
export const dialect: Dialect = {
  name: "sqlite",
  instant: (ms) => ms,
  bool: (b) => (b ? 1 : 0),
  // A write transaction holds the database's one write lock already: nothing to add per row.
  lockRow: "",
  // BEGIN IMMEDIATE already makes every writer take its turn.
  serializeOccupants: () => Effect.void,
  busyOverlaps: (sql, alias, from, to) =>
    sql`(${sql.literal(alias)}.busy_start < ${to} AND ${from} < ${sql.literal(alias)}.busy_end)`,
  // Instants are stored as epoch milliseconds already.
  epochMs: (sql, column) => sql.literal(column),
  classify: (error) => {
    const cause = error.cause as { code?: string; message?: string } | undefined
    const detail = cause?.message ?? ""
    switch (cause?.code) {
      case "SQLITE_CONSTRAINT_UNIQUE":
      case "SQLITE_CONSTRAINT_PRIMARYKEY":
        return { kind: "unique", detail }
      case "SQLITE_CONSTRAINT_FOREIGNKEY":
        return { kind: "foreign_key", detail }
      // `RAISE(ABORT, …)` in a trigger. The overlap guards raise `clinicore_overlap:<constraint>`
      // (the Postgres constraint's name); any other trigger refusal is a check of its own.
      case "SQLITE_CONSTRAINT_TRIGGER":
        return detail.startsWith("clinicore_overlap:")
          ? { kind: "exclusion", detail: detail.slice("clinicore_overlap:".length) }
          : { kind: "check", detail }
      case "SQLITE_CONSTRAINT_CHECK":
        return { kind: "check", detail }
      default:
        return { kind: "other" }
    }
  }
}

/**
 * The adapter's migrations. `make` runs them with foreign keys off (0012 rebuilds a referenced
 * table) and checks every reference before turning them on; run them the same way elsewhere.
 *
 * @since 0.1.0 @category migrations
 */
export const migrations = Migrator.fromRecord({
  "0001_foundation": foundation,
  "0002_access_audit": accessAudit,
  "0003_scheduling": scheduling,
  "0004_versions": versions,
  "0005_billing": billing,
  "0006_reminders": reminders,
  "0007_export_import": exportImport,
  "0008_analytics": analytics,
  "0009_sessions": sessions,
  "0012_public_requests": publicRequests
})

/**
 * How dispatchers claim reminders on SQLite: no row locks, since a claim runs in a write
 * transaction that begins IMMEDIATE and so holds the database's single write lock; several
 * dispatchers (processes) take turns. There are no tenants to step outside of for the scan.
 *
 * @since 0.1.0 @category dialect
 */
export const reminderClaiming: ReminderRepository.Claiming = {
  lockClause: "",
  scan: (_sql, query) => query
}


/**
 * Builds the storage port over the `SqlClient` in context, after configuring the connection and
 * running the migrations.
 *
 * @since 0.1.0 @category constructors
 */
export const make = (config: { readonly busyTimeoutMs?: number | undefined } = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // `layer`'s client opens its connection with these already; repeated for any other client.
    yield* sql.unsafe(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(config.busyTimeoutMs ?? 5000))}`)
    yield* sql`PRAGMA synchronous = NORMAL`
    // Foreign keys off while migrating (outside any transaction: SQLite ignores the pragma inside
    // one), so that a migration can rebuild a table others reference (0012); every reference is
    // checked before they are on again.
    yield* sql`PRAGMA foreign_keys = OFF`
    yield* Migrator.make({})({ loader: migrations })
    const broken = yield* sql`PRAGMA foreign_key_check`
    if (broken.length > 0) return yield* Effect.dieMessage(`migrations left broken references: ${JSON.stringify(broken.slice(0, 5))}`)
    yield* sql`PRAGMA foreign_keys = ON`
    const repositories = yield* Repositories.make(dialect)
    const reminders = yield* ReminderRepository.make(dialect, reminderClaiming)
    return Storage.of({
      ...repositories,
      reminders,
      allClinics: () =>
        Effect.orDie(sql`SELECT * FROM clinics ORDER BY name, slug`).pipe(
          Effect.map((rows) => rows.map((row) => Repositories.toClinicRow(row).clinic))
        ),
      clinicBySlug: (slug) =>
        Effect.orDie(sql`SELECT * FROM clinics WHERE slug = ${slug}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), Repositories.toClinicRow))
        ),
      transaction: () => (self) => orDieOnSqlError(sql.withTransaction(self))
    })
  })

/**
 * Storage on a SQLite file, plus the raw `SqlClient` for a host's own queries. Each layer opens
 * one connection; several layers (or processes) on one file write one transaction at a time:
 * transactions begin IMMEDIATE and wait up to `busyTimeoutMs` for the write lock.
 *
 * @since 0.1.0 @category layers
 */
export const layer = (
  config: SqliteConfig
): Layer.Layer<Storage | BillingStorage | AnalyticsStorage | SessionStorage | SqlClient.SqlClient, SqlError | Migrator.MigrationError | ConfigError> =>
  Layer.effect(Storage, make(config)).pipe(
    Layer.merge(Layer.effect(BillingStorage, BillingRepository.make(dialect))),
    Layer.merge(Layer.effect(AnalyticsStorage, AnalyticsRepository.make(dialect))),
    Layer.merge(Layer.effect(SessionStorage, SessionRepository.make(dialect))),
    Layer.provideMerge(Client.layer({ filename: config.filename, busyTimeoutMs: config.busyTimeoutMs ?? 5000 }))
  )

/**
 * Reads `CLINICORE_SQLITE_FILE` (default `clinicore.db`).
 *
 * @since 0.1.0 @category layers
 */
export const layerConfig = (
  filename: Config.Config<string> = Config.withDefault(Config.string("CLINICORE_SQLITE_FILE"), "clinicore.db")
): Layer.Layer<Storage | BillingStorage | AnalyticsStorage | SessionStorage | SqlClient.SqlClient, SqlError | Migrator.MigrationError | ConfigError> =>
  Layer.unwrapEffect(Effect.map(filename, (filename) => layer({ filename })))
