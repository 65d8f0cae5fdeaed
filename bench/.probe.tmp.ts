import { Analytics } from "@clinicore/core/Analytics"
import { Clinics } from "@clinicore/core/Clinics"
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))
const iso = (t: number) => new Date(t).toISOString().slice(0, 10)
const now = Date.now()
const time = (label: string, e: Effect.Effect<unknown, unknown>) => Effect.gen(function*() {
  for (let i = 0; i < 5; i++) yield* e
  const t0 = performance.now()
  for (let i = 0; i < 30; i++) yield* e
  console.log(label, ((performance.now() - t0) / 30).toFixed(2), "ms")
})
Effect.runPromise(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [s] = yield* sql<{ clinic_id: string; id: string }>`SELECT clinic_id, id FROM staff WHERE role = 'admin' LIMIT 1 OFFSET 1`
  const a = yield* Analytics
  const as = Actor.withUser(s!.clinic_id as never, s!.id as never)
  yield* time("Clinics.get", Effect.flatMap(Clinics, (c) => c.get()).pipe(as))
  yield* time("expenses month", a.report({ kind: "expenses", from: iso(now - 364 * 86400000), to: iso(now), granularity: "month" }).pipe(as))
  yield* time("revenue month", a.report({ kind: "revenue_by_period", from: iso(now - 364 * 86400000), to: iso(now), granularity: "month" }).pipe(as))
  yield* time("revenue day 180", a.report({ kind: "revenue_by_period", from: iso(now - 179 * 86400000), to: iso(now), granularity: "day" }).pipe(as))
  yield* time("receivables", a.report({ kind: "receivables" }).pipe(as))
}).pipe(Effect.provide(services.pipe(Layer.provideMerge(ClinicoreSqlite.layer({ filename: "/tmp/clinicore-bench-Rk20QA/dashboard.db" })))))).catch((e) => { console.error(e); process.exit(1) })
