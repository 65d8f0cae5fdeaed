/**
 * The no-overlap guarantee of DESIGN §7 under load on SQLite: 200 concurrent overlapping writers
 * spread over four more connections (four `ClinicoreSqlite.layer`s) to the same file. The rest of
 * the guarantee is part of the conformance suite.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import { Storage } from "@clinicore/core/Storage"
import * as Conformance from "@clinicore/testing/Conformance"
import { layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ClinicoreSqlite } from "../src/index.js"
import { freshFile, makeTestLayer } from "./utils/layer.js"

const filename = freshFile()

layer(makeTestLayer(filename), { timeout: "120 seconds", excludeTestServices: true })("SQLite overlap guard", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect("200 concurrent overlapping inserts for one doctor over 4 more connections: each commits or is slot_taken, and none overlap", () =>
      Effect.gen(function*() {
        // Four more connections to the file, as four processes would open (each layer opens one).
        const storages = yield* Effect.forEach([1, 2, 3, 4], () =>
          Effect.map(Layer.build(ClinicoreSqlite.layer({ filename })), (context) => Context.get(context, Storage)))
        yield* Conformance.concurrentInserts((a, i) => {
          const storage = storages[i % 4]!
          // Read, let the other fibers run (as real work inside a transaction would), then write:
          // the pattern a deferred transaction cannot upgrade, and a synchronous wait for the lock
          // would deadlock within one process.
          return Effect.gen(function*() {
            yield* storage.appointments.blocking(a.clinicId, { doctorIds: [a.doctorId] }, a.start, a.end, 0)
            yield* Effect.yieldNow()
            yield* storage.appointments.insert({ appointment: a, requestFingerprint: null }, {})
          }).pipe(storage.transaction(a.clinicId))
        })
      }).pipe(Effect.scoped), { timeout: 120_000 })
  })
})
