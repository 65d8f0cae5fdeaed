/**
 * The process `bench/export.ts` measures: a host as an integrator would run it (plain Node on
 * bundled JavaScript, no TypeScript loader), exporting one clinic's appointments to CSV through
 * `Export.appointments` and counting what it wrote. Prints one JSON object: seconds, lines,
 * bytes and the process's peak RSS (`resourceUsage().maxRSS`).
 */
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Export } from "@clinicore/core/Export"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import type { ClinicId, StaffId } from "@clinicore/core/Ids"
import { ClinicorePg } from "@clinicore/sql-pg"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const live = Clinicore.layer.pipe(
  Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(env("BENCH_MASTER_KEY")) } })),
  Layer.provideMerge(ClinicorePg.layer({ url: Redacted.make(env("BENCH_APP_URL")), ownerUrl: Redacted.make(env("BENCH_OWNER_URL")), maxConnections: 2 }))
)

const program = Effect.gen(function*() {
  const exporter = yield* Export
  const started = performance.now()
  const counted = yield* Stream.runFold(exporter.appointments(), { bytes: 0, lines: 0 }, (acc, chunk) => {
    let lines = acc.lines
    for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) lines++
    return { bytes: acc.bytes + Buffer.byteLength(chunk), lines }
  }).pipe(Actor.withUser(env("BENCH_CLINIC_ID") as ClinicId, env("BENCH_STAFF_ID") as StaffId))
  return { seconds: (performance.now() - started) / 1000, ...counted, maxRssBytes: process.resourceUsage().maxRSS * 1024 }
})

Effect.runPromise(program.pipe(Effect.provide(live))).then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
