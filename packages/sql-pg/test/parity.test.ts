/**
 * Both adapters answer bad input alike: the conformance suite's hostile calls (every method of every
 * service, every hostile value) run on Postgres and on SQLite, and each call must end the same way
 * on both — the same error tag, or success on both.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import { hostileInputOutcomes } from "@clinicore/testing/Conformance"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { inject } from "vitest"
import { freshFile, makeTestLayer as makeSqliteLayer } from "../../sql-sqlite/test/utils/layer.js"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

const outcomes = Effect.flatMap(Fixtures.clinic("Parity"), hostileInputOutcomes)

// SQLite as its own tests set it up: storage on a fresh file, raw access to it, a test FieldCrypto.
const onSqlite = () => Clinicore.layer.pipe(Layer.provideMerge(makeSqliteLayer(freshFile())))

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
