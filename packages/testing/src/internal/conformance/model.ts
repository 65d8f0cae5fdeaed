/** Model-based scheduling on one adapter, with the public command sets of `SchedulingModel`. */
import { Catalog } from "@clinicore/core/Catalog"
import { Doctors } from "@clinicore/core/Doctors"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as fc from "fast-check"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import * as SchedulingModel from "../../SchedulingModel.js"
import type { SuiteIt } from "./it.js"

export const model = (it: SuiteIt, numRuns: number) => {
  it.effect("random sequences of bookings, moves, cancels, requests and expiries keep every guarantee", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<any>()
      const run: SchedulingModel.Run = (effect) => Runtime.runPromise(runtime)(effect)
      const makeClinic = (label: string) =>
        Effect.gen(function*() {
          const fixture = yield* Fixtures.clinic(label, { timeZone: "America/Santiago" })
          const doctors: Array<string> = []
          for (const name of ["Dr A", "Dr B"]) {
            const d = yield* Effect.flatMap(Doctors, (s) => s.create({ name, specialty: "GP" })).pipe(fixture.asAdmin)
            yield* Effect.flatMap(Schedules, (s) =>
              s.set({ doctorId: d.id, rules: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "07:00", end: "19:00" })) } })
            ).pipe(fixture.asAdmin)
            doctors.push(d.id)
          }
          const patients: Array<string> = []
          for (let i = 0; i < 3; i++) {
            const p = yield* Effect.flatMap(Patients, (s) => s.create({ fullName: `Model ${i}`, phone: `+1 212 555 ${String(2000 + i)}` }))
              .pipe(fixture.asAdmin)
            patients.push(p.id)
          }
          const room = yield* Effect.flatMap(Catalog, (s) => s.createRoom({ name: "Shared room" })).pipe(fixture.asAdmin)
          const service = yield* Effect.flatMap(Catalog, (s) =>
            s.createService({ name: "Roomed", durationMinutes: 30, bufferBeforeMinutes: 5, bufferAfterMinutes: 10, roomIds: [room.id] })
          ).pipe(fixture.asAdmin)
          return { fixture, doctors, patients, serviceId: service.id }
        })
      const world: SchedulingModel.World = {
        clinics: [yield* makeClinic("ModelA"), yield* makeClinic("ModelB")],
        // 10:00 in Santiago, some days ahead, on the grid.
        base: Math.ceil((Date.now() + 5 * 86_400_000) / 86_400_000) * 86_400_000 + 14 * 3_600_000,
        stats: {}
      }
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.commands(SchedulingModel.commands(run), { maxCommands: 12 }), async (cmds) => {
            // Each run starts from empty schedules: earlier runs' appointments are cancelled.
            await run(Effect.gen(function*() {
              const raw = yield* RawAccess
              yield* raw.execute("UPDATE appointments SET status = 'cancelled' WHERE status <> 'cancelled' AND clinic_id IN (?, ?)", [
                world.clinics[0]!.fixture.clinicId,
                world.clinics[1]!.fixture.clinicId
              ])
              yield* raw.execute(`UPDATE appointment_rooms SET blocking = ? WHERE clinic_id IN (?, ?)`, [
                raw.dialect === "pg" ? false : 0,
                world.clinics[0]!.fixture.clinicId,
                world.clinics[1]!.fixture.clinicId
              ])
            }))
            await fc.asyncModelRun(() => ({ model: { appointments: [], keys: new Map() }, real: world }), cmds)
          }),
          {
            numRuns,
            // One sequence that does each kind of work for sure, so the check below never depends
            // on the draw (a draw of 30 short sequences sometimes changed no status at all).
            examples: [[[
              new SchedulingModel.Book(0, 0, 0, 0, 2, false, "k1", run),
              new SchedulingModel.Book(0, 0, 0, 0, 2, false, "k1", run),
              new SchedulingModel.Change("status", 0, 0, "confirmed", run),
              new SchedulingModel.Change("reschedule", 0, 8, "scheduled", run),
              new SchedulingModel.Request(1, 0, 4, 3, run),
              new SchedulingModel.Change("cancel", 0, 0, "cancelled", run),
              new SchedulingModel.Change("expire", 1, 0, "scheduled", run)
            ]]]
          }
        )
      )
      // The sequences did real work: the invariants above were checked over real rows.
      for (const kind of ["book", "request", "reschedule", "cancel", "status"]) {
        expect({ kind, some: (world.stats[kind] ?? 0) > 0 }).toEqual({ kind, some: true })
      }
    }), { timeout: 600_000 })
}
