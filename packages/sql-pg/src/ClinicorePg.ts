/**
 * The PostgreSQL storage adapter: the repositories of `@clinicore/sql` over a `PgClient`, with
 * row-level security underneath them. Migrations run as the owner role; the runtime role only
 * reads and writes, and every transaction names its clinic with a transaction-local setting that
 * the policies compare with, so a pooled connection never carries a tenant into the next one.
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
import type { ClinicId } from "@clinicore/core/Ids"
import { Storage } from "@clinicore/core/Storage"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Config from "effect/Config"
import type { ConfigError } from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import foundation from "./migrations/0001_foundation.js"
import accessAudit from "./migrations/0002_access_audit.js"
import scheduling from "./migrations/0003_scheduling.js"
import versions from "./migrations/0004_versions.js"
import billing from "./migrations/0005_billing.js"
import reminders from "./migrations/0006_reminders.js"
import analytics from "./migrations/0008_analytics.js"
import exportImport from "./migrations/0007_export_import.js"
import sessions from "./migrations/0009_sessions.js"
import platformScan from "./migrations/0010_platform_scan.js"
import tenantProof from "./migrations/0011_tenant_proof.js"
import publicRequests from "./migrations/0012_public_requests.js"
import * as Tenancy from "./Tenancy.js"

/** @since 0.1.0 @category models */
export interface PgConfig {
  /** Connection URL of the runtime role: not the owner, not a superuser, no BYPASSRLS. */
  readonly url: Redacted.Redacted<string>
  /**
   * Connection URL of the role that owns the schema. When given, migrations run as this role and
   * it grants the runtime role what it needs; when absent, `url` runs the migrations too (row-level
   * security is forced, so it still applies to that role).
   */
  readonly ownerUrl?: Redacted.Redacted<string> | undefined
  /** Size of the runtime connection pool. */
  readonly maxConnections?: number | undefined
}

/**
 * PostgreSQL SQLSTATEs that carry domain meaning: the one place this adapter maps them. The
 * repositories tell constraints apart by name, so the detail is the violated constraint.
 *
 * @since 0.1.0 @category dialect
 */
export const dialect: Dialect = {
  name: "pg",
  instant: (ms) => new Date(ms),
  bool: (b) => b,
  // Holds the row until commit: concurrent writers queue on it (the audit chain's head).
  lockRow: "FOR UPDATE",
  // The very expression the exclusion constraints index, so the lookup can use their GiST indexes.
  busyOverlaps: (sql, alias, from, to) =>
    sql`tstzrange(${sql.literal(alias)}.busy_start, ${sql.literal(alias)}.busy_end, '[)')
      && tstzrange(${new Date(from)}::timestamptz, ${new Date(to)}::timestamptz, '[)')`,
  // Whole milliseconds (instants are stored with millisecond precision), so division truncates.
  // `date_part` (double precision) rather than `extract` (numeric): the same value, much cheaper
  // per row.
  epochMs: (sql, column) => sql.literal(`(date_part('epoch', ${column}) * 1000)::bigint`),
  // Two transactions inserting overlapping rows at once each find the other's uncommitted row
  // while checking an exclusion constraint and wait for it: a deadlock, broken only after
  // deadlock_timeout by aborting one (and again when that one retries while the other is still
  // checking). Transaction-level advisory locks on the occupants, taken in one global order, make
  // such writers queue instead; the second then meets a committed row and fails at once (23P01).
  serializeOccupants: (sql, keys) =>
    keys.length === 0
      ? Effect.void
      : Effect.asVoid(sql`SELECT pg_advisory_xact_lock(k) FROM (
          SELECT DISTINCT hashtextextended(key, 0) AS k FROM unnest(ARRAY[${sql.csv(keys.map((k) => sql`${k}`))}]::text[]) AS key
          ORDER BY k
        ) AS occupants`),
  classify: (error) => {
    const cause = error.cause as { code?: string; constraint?: string } | undefined
    const detail = cause?.constraint ?? ""
    switch (cause?.code) {
      case "23505":
        return { kind: "unique", detail }
      case "23503":
        return { kind: "foreign_key", detail }
      case "23P01":
        return { kind: "exclusion", detail }
      case "23514":
        return { kind: "check", detail }
      // Two writers of overlapping rows can each wait for the other's row under the exclusion
      // constraints; Postgres aborts one of them, which is safe to run again.
      case "40P01":
        return { kind: "retry" }
      default:
        return { kind: "other" }
    }
  }
}

/** @since 0.1.0 @category migrations */
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
  "0010_platform_scan": platformScan,
  "0011_tenant_proof": tenantProof,
  "0012_public_requests": publicRequests
})

/**
 * How dispatchers claim reminders on Postgres: `FOR UPDATE SKIP LOCKED`, so workers on several
 * hosts each take rows no other holds and never wait for one another; and the clinics with due
 * reminders are found in a transaction that names no tenant and sets `clinicore.scan` (the
 * `reminders_due_scan` policy), of which only clinic ids are read.
 *
 * @since 0.1.0 @category dialect
 */
export const reminderClaiming = (tenancy: Tenancy.Tenancy): ReminderRepository.Claiming => ({
  lockClause: "FOR UPDATE SKIP LOCKED",
  scan: (sql, query) => sql.withTransaction(Effect.zipRight(tenancy.set("scan", "due_reminders"), query))
})

/**
 * The tenant of the innermost `transaction` on this fiber. Lets a nested call for the same clinic
 * join without setting it again, and one for another clinic hand the outer tenant back when done.
 */
const currentTenant = FiberRef.unsafeMake<Option.Option<ClinicId>>(Option.none())

/**
 * Builds the storage port over the `SqlClient` in context. It does not migrate: on Postgres the
 * runtime role must not be able to change the schema, so `layer` migrates over the owner's
 * connection first.
 *
 * @since 0.1.0 @category constructors
 */
export const make: Effect.Effect<Storage, never, SqlClient.SqlClient | Tenancy.Tenancy> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tenancy = yield* Tenancy.Tenancy
  const repositories = yield* Repositories.make(dialect)
  const reminders = yield* ReminderRepository.make(dialect, reminderClaiming(tenancy))

  // Transaction-local, with its proof (`Tenancy`): a connection returned to the pool carries no
  // tenant, and a session that sets one without the proof sees nothing.
  const setTenant = (clinicId: string) => tenancy.set("clinic_id", clinicId)

  const transaction = (clinicId: ClinicId) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function*() {
      const outer = yield* FiberRef.get(currentTenant)
      // Already this clinic's: a savepoint, so a failure inside undoes only the inner work.
      if (Option.contains(outer, clinicId)) return yield* sql.withTransaction(self)
      const inClinic = Effect.zipRight(setTenant(clinicId), Effect.locally(self, currentTenant, Option.some(clinicId)))
      const nested = Option.isSome(yield* Effect.serviceOption(SqlClient.TransactionConnection))
      if (!nested) return yield* sql.withTransaction(inClinic)
      // A savepoint that is released keeps a local setting, one rolled back drops it: only the
      // success path has to give the outer transaction its own tenant back.
      return yield* sql.withTransaction(Effect.tap(inClinic, () => setTenant(Option.getOrElse(outer, () => ""))))
    }).pipe(orDieOnSqlError)

  // Outside any tenant: the transaction names only the slug, and the clinics_by_slug policy shows
  // that one clinic row and nothing else.
  const clinicBySlug = (slug: string) =>
    sql.withTransaction(
      Effect.zipRight(
        tenancy.set("slug", slug),
        sql`SELECT * FROM clinics WHERE slug = ${slug}`
      )
    ).pipe(
      Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), Repositories.toClinicRow)),
      Effect.orDie
    )
  // Outside any tenant, with `clinicore.scan = 'clinics'`: the clinics_platform_scan policy shows
  // every clinic row to this one transaction (the platform's listing, `Clinics.list`).
  const allClinics = () =>
    sql.withTransaction(
      Effect.zipRight(
        tenancy.set("scan", "clinics"),
        sql`SELECT * FROM clinics ORDER BY name, slug`
      )
    ).pipe(
      Effect.map((rows) => rows.map((row) => Repositories.toClinicRow(row).clinic)),
      Effect.orDie
    )
  return Storage.of({ ...repositories, reminders, allClinics, clinicBySlug, transaction })
})

const currentUser = (sql: SqlClient.SqlClient) =>
  Effect.map(sql<{ readonly user: string }>`SELECT current_user AS "user"`, (rows) => rows[0]!.user)

/**
 * Runs the migrations over the owner's connection (closed right after), grants the runtime role of
 * the `SqlClient` in context what the repositories need and nothing more (not the migrations
 * table), and reads the tenant key that proves the runtime role's settings. The grants are repeated
 * on every start so tables added by later migrations are covered too.
 */
const migrate = (config: PgConfig): Layer.Layer<Tenancy.Tenancy, SqlError | Migrator.MigrationError, SqlClient.SqlClient> =>
  Layer.effect(Tenancy.Tenancy, Effect.gen(function*() {
    const runtime = yield* SqlClient.SqlClient
    const runtimeRole = yield* currentUser(runtime)
    const key = yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // Several processes may start at once: a session-level advisory lock (the owner's client has
      // one connection) lets one migrate while the others wait, then find nothing left to do.
      yield* Effect.acquireRelease(
        sql`SELECT pg_advisory_lock(hashtext('clinicore.migrations'))`,
        () => Effect.orDie(sql`SELECT pg_advisory_unlock(hashtext('clinicore.migrations'))`)
      )
      yield* Migrator.make({})({ loader: migrations })
      const key = yield* Tenancy.readKey
      if (config.ownerUrl === undefined) return key
      if ((yield* currentUser(sql)) === runtimeRole) return key
      const role = sql(runtimeRole)
      yield* sql`GRANT USAGE ON SCHEMA public TO ${role}`
      yield* sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`
      // The schema's history is the owner's alone.
      yield* sql`REVOKE ALL ON effect_sql_migrations FROM ${role}`
      // Only the owner's own functions: `ON ALL FUNCTIONS` would also try btree_gist's (owned by a
      // superuser) and log a warning for each of them on every start.
      const functions = yield* sql<{ readonly signature: string }>`
        SELECT p.oid::regprocedure::text AS signature FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::text::regrole`
      for (const { signature } of functions) {
        yield* sql`GRANT EXECUTE ON FUNCTION ${sql.literal(signature)} TO ${role}`
      }
      return key
    }).pipe(Effect.scoped, Effect.provide(PgClient.layer({ url: config.ownerUrl ?? config.url, maxConnections: 1 })))
    return yield* Effect.provideService(Tenancy.make(key), SqlClient.SqlClient, runtime)
  }))

/**
 * Storage on PostgreSQL, plus the runtime role's `SqlClient` for a host's own queries (subject to
 * the same row-level security: name the clinic with `Tenancy.set` inside a transaction).
 *
 * @since 0.1.0 @category layers
 */
export const layer = (
  config: PgConfig
): Layer.Layer<Storage | BillingStorage | AnalyticsStorage | SessionStorage | Tenancy.Tenancy | SqlClient.SqlClient, SqlError | Migrator.MigrationError> =>
  Layer.effect(Storage, make).pipe(
    Layer.merge(Layer.effect(BillingStorage, BillingRepository.make(dialect))),
    Layer.merge(Layer.effect(AnalyticsStorage, AnalyticsRepository.make(dialect))),
    Layer.merge(Layer.effect(SessionStorage, SessionRepository.make(dialect))),
    Layer.provideMerge(migrate(config)),
    Layer.provideMerge(PgClient.layer({
      url: config.url,
      maxConnections: config.maxConnections,
      // Names the runtime role's sessions in pg_stat_activity and the server's log.
      applicationName: "clinicore"
    }))
  )

/**
 * Reads `DATABASE_URL` (the runtime role) and, optionally, `DATABASE_OWNER_URL` (the schema owner
 * that runs the migrations).
 *
 * @since 0.1.0 @category layers
 */
export const layerConfig = (
  config: Config.Config<PgConfig> = Config.all({
    url: Config.redacted("DATABASE_URL"),
    ownerUrl: Config.option(Config.redacted("DATABASE_OWNER_URL")).pipe(Config.map(Option.getOrUndefined))
  })
): Layer.Layer<
  Storage | BillingStorage | AnalyticsStorage | SessionStorage | Tenancy.Tenancy | SqlClient.SqlClient,
  SqlError | Migrator.MigrationError | ConfigError
> =>
  Layer.unwrapEffect(Effect.map(config, layer))
