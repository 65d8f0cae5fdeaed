import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Billing } from "@clinicore/core/Billing"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Patients } from "@clinicore/core/Patients"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Session } from "node:inspector/promises"
import { writeFileSync } from "node:fs"
const session = new Session(); session.connect()
const filename = join(mkdtempSync(join(tmpdir(), "clinicore-prof-")), "bench.db")
const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer), Layer.provideMerge(ClinicoreSqlite.layer({ filename })))
Effect.runPromise(Effect.gen(function*() {
  const a = yield* Fixtures.clinic("Prof", { timeZone: "UTC" })
  const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Bench Patient", phone: "+1 212 555 7000" })).pipe(a.asAdmin)
  const billing = yield* Billing
  for (let round = 0; round < 3; round++) {
    const ids = yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), (i) => billing.createInvoice({ patientId: patient.id, lines: [{ description: `V${i}`, quantity: 1, unitPriceMinor: 100 }] }).pipe(a.asAdmin, Effect.map((x) => x.id)))
    if (round === 2) { yield* Effect.promise(() => session.post("Profiler.enable")); yield* Effect.promise(() => session.post("Profiler.start")) }
    const t0 = Date.now()
    yield* Effect.forEach(ids, (id) => billing.issueInvoice(id).pipe(a.asAdmin), { concurrency: 16, discard: true })
    console.log("issue/s", Math.round(1000 / ((Date.now() - t0) / 1000)))
    if (round === 2) { const { profile } = yield* Effect.promise(() => session.post("Profiler.stop")); writeFileSync("/tmp/prof/issue.cpuprofile", JSON.stringify(profile)) }
  }
}).pipe(Effect.provide(services))).catch((e) => { console.error(e); process.exit(1) })
