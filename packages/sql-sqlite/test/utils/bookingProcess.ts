/**
 * One process of the multi-process SQLite test: opens its own connection to the file named in
 * argv, tries the bookings it is given and prints how each ended, as one JSON line.
 */
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import type { ClinicId, StaffId } from "@clinicore/core/Ids"
import { Scheduling } from "@clinicore/core/Scheduling"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ClinicoreSqlite from "../../src/ClinicoreSqlite.js"

interface Job {
  readonly filename: string
  readonly clinicId: string
  readonly adminId: string
  readonly doctorId: string
  readonly attempts: ReadonlyArray<{ readonly patientId: string; readonly start: number; readonly end: number }>
}

const job = JSON.parse(process.argv[2]!) as Job

const Live = Clinicore.layer.pipe(
  Layer.provideMerge(FieldCrypto.layerConfig()),
  Layer.provideMerge(ClinicoreSqlite.layer({ filename: job.filename, busyTimeoutMs: 30_000 }))
)

const program = Effect.gen(function*() {
  const scheduling = yield* Scheduling
  const outcomes = yield* Effect.forEach(job.attempts, (a) =>
    scheduling.book({ doctorId: job.doctorId, patientId: a.patientId, start: a.start, end: a.end }).pipe(
      Actor.withUser(job.clinicId as ClinicId, job.adminId as StaffId),
      Effect.match({
        onSuccess: (appointment) => ({ ok: appointment.id }),
        onFailure: (e) => ({
          failed: `${e._tag}:${"reason" in e ? (typeof e.reason === "string" ? e.reason : e.reason._tag) : ""}`
        })
      }),
      Effect.catchAllDefect((d) => Effect.succeed({ failed: `defect:${String(d)}` }))
    ))
  console.log(JSON.stringify(outcomes))
})

Effect.runPromise(program.pipe(Effect.provide(Live))).catch((error) => {
  console.error(error)
  process.exit(1)
})
