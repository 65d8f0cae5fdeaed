import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import { Storage } from "@clinicore/core/Storage"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { Twin } from "@clinicore/testing/Twin"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ClinicoreSqlite from "../../src/ClinicoreSqlite.js"

/** A fresh database file in a new temporary directory. */
export const freshFile = () => join(mkdtempSync(join(tmpdir(), "clinicore-sqlite-")), "clinic.db")

/** Storage on `filename`, raw access to the same file, and a test `FieldCrypto`. */
export const makeTestLayer = (filename: string) =>
  Layer.mergeAll(
    Layer.effect(
      RawAccess,
      Effect.map(SqlClient.SqlClient, (sql) =>
        RawAccess.of({
          dialect: "sqlite",
          execute: (query, params = []) => Effect.orDie(sql.unsafe<Record<string, unknown>>(query, params)),
          instant: (ms) => ms,
          classify: (error) => ClinicoreSqlite.dialect.classify(error as SqlError)
        }))
    ),
    Fixtures.fieldCryptoLayer,
    // Another connection to the same file, as a second process would open.
    Layer.effect(Twin, Effect.map(Effect.all({ storage: Storage, billing: BillingStorage }), (ports) => Twin.of(ports))).pipe(
      Layer.provide(ClinicoreSqlite.layer({ filename }))
    )
  ).pipe(Layer.provideMerge(ClinicoreSqlite.layer({ filename })))
