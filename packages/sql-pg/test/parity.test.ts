/**
 * Both adapters answer bad input alike: the conformance suite's hostile calls (every method of every
 * service, every hostile value) run on Postgres and on SQLite, and each call must end the same way
 * on both — the same error tag, or success on both.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import { hostileInputOutcomes } from "@clinicore/testing/Conformance"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inject } from "vitest"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

const outcomes = Effect.flatMap(Fixtures.clinic("Parity"), hostileInputOutcomes)

const onSqlite = () => {
  const filename = join(mkdtempSync(join(tmpdir(), "clinicore-parity-")), "parity.db")
  const storage = ClinicoreSqlite.layer({ filename })
  const raw = Layer.effect(
    RawAccess,
    Effect.map(SqlClient.SqlClient, (sql) =>
      RawAccess.of({
        dialect: "sqlite",
        execute: (query, params = []) => Effect.orDie(sql.unsafe<Record<string, unknown>>(query, params)),
        instant: (ms) => ms,
        classify: (error) => ClinicoreSqlite.dialect.classify(error as SqlError)
      }))
  )
  return Clinicore.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(raw, Fixtures.fieldCryptoLayer)),
    Layer.provideMerge(storage)
  )
}

it.effect("the hostile calls end the same way on Postgres and on SQLite", () =>
  Effect.gen(function*() {
    const pg = yield* outcomes.pipe(
      Effect.provide(Clinicore.layer.pipe(Layer.provideMerge(withFreshDatabase(inject("pgAdminUrl"), (db) => makeTestLayer(db)))))
    )
    const sqlite = yield* outcomes.pipe(Effect.provide(onSqlite()))
    expect(pg.violations).toEqual([])
    expect(sqlite.violations).toEqual([])
    expect(pg.outcomes.size).toBeGreaterThan(500)
    const differ = [...pg.outcomes].filter(([call, tag]) => sqlite.outcomes.get(call) !== tag)
      .map(([call, tag]) => `${call}: pg ${tag}, sqlite ${sqlite.outcomes.get(call)}`)
    expect(differ).toEqual([])
  }), { timeout: 900_000 })
