/**
 * Test layers for the PostgreSQL adapter: the adapter itself with the production role split
 * (migrations as the owner, Storage as the unprivileged app role), `RawAccess` as a superuser
 * (which bypasses row-level security, as the conformance suite needs), and a `FieldCrypto` with a
 * random master key.
 */
import { randomBytes } from "node:crypto"
import { BillingStorage as BillingStorageTag, type BillingStorage } from "@clinicore/core/BillingStorage"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import { Storage as StorageTag, type Storage } from "@clinicore/core/Storage"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { Twin } from "@clinicore/testing/Twin"
import type { MigrationError } from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClinicorePg, Tenancy } from "../../src/index.js"
import { type FreshDatabase, freshDatabase } from "./freshDatabase.js"

/** Turns `?` placeholders into `$1..$n`, leaving quoted strings and identifiers alone. */
export const toPgPlaceholders = (statement: string): string => {
  let out = ""
  let n = 0
  let quote: string | undefined
  for (const c of statement) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      out += c
    } else if (c === "'" || c === "\"") {
      quote = c
      out += c
    } else if (c === "?") {
      out += `$${++n}`
    } else {
      out += c
    }
  }
  return out
}

/** `RawAccess` as the database's superuser, on its own pool. */
export const rawAccessLayer = (adminUrl: string): Layer.Layer<RawAccess, SqlError> =>
  Layer.effect(
    RawAccess,
    Effect.map(SqlClient.SqlClient, (sql) =>
      RawAccess.of({
        dialect: "pg",
        execute: (statement, params = []) => Effect.orDie(sql.unsafe<Record<string, unknown>>(toPgPlaceholders(statement), params)),
        instant: (ms) => new Date(ms),
        classify: (error) => ClinicorePg.dialect.classify(error as SqlError)
      }))
  ).pipe(Layer.provide(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 2 })))

/** A `FieldCrypto` with a fresh random master key. */
export const fieldCryptoLayer: Layer.Layer<FieldCrypto.FieldCrypto> = Layer.suspend(() =>
  FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(randomBytes(32).toString("base64")) } })
)

export interface TestLayerOptions {
  /** Size of the app role's pool. */
  readonly maxConnections?: number
}

/**
 * Storage (as the app role, migrated as the owner), the app role's `SqlClient`, superuser
 * `RawAccess` and a `FieldCrypto`, all on `db`.
 */
export const makeTestLayer = (
  db: FreshDatabase,
  options: TestLayerOptions = {}
): Layer.Layer<
  Storage | BillingStorage | Tenancy.Tenancy | SqlClient.SqlClient | RawAccess | FieldCrypto.FieldCrypto | Twin,
  SqlError | MigrationError
> =>
  Layer.mergeAll(
    ClinicorePg.layer({
      url: Redacted.make(db.appUrl),
      ownerUrl: Redacted.make(db.ownerUrl),
      maxConnections: options.maxConnections
    }),
    rawAccessLayer(db.adminUrl),
    fieldCryptoLayer,
    twinLayer(db)
  )

/** A second Storage with its own pool on the same database, as another process would have. */
export const twinLayer = (db: FreshDatabase): Layer.Layer<Twin, SqlError | MigrationError> =>
  Layer.effect(Twin, Effect.map(Effect.all({ storage: StorageTag, billing: BillingStorageTag }), (ports) => Twin.of(ports))).pipe(
    Layer.provide(ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: 2 }))
  )

/** The fresh database a suite runs on (its roles and URLs). */
export class TestDatabase extends Context.Tag("@clinicore/sql-pg/test/TestDatabase")<TestDatabase, FreshDatabase>() {}

/**
 * A fresh database for the lifetime of the layer built by `f`: created when the layer is built
 * (a suite's beforeAll) and dropped when it is released (its afterAll), after `f`'s pools close.
 */
export const withFreshDatabase = <ROut, E>(
  adminUrl: string,
  f: (db: FreshDatabase) => Layer.Layer<ROut, E>
): Layer.Layer<ROut | TestDatabase, E> =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => freshDatabase(adminUrl)), (db) => Effect.promise(() => db.drop())),
      (db) => Layer.merge(f(db), Layer.succeed(TestDatabase, db))
    )
  )
