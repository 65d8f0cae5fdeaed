/**
 * One booking path on one adapter: listable ⇔ bookable at every edge (services, rooms, grid,
 * notice, horizon, the patient's and rooms' other appointments), refusals that name what
 * `explain` names, writes that a rule changed by another process between the read and the write
 * cannot slip through, idempotent retries under concurrency, and no audit key in any statement.
 */
import { Appointment } from "@clinicore/core/Appointment"
import type { Actor } from "@clinicore/core/Actor"
import { zoned } from "@clinicore/core/Availability"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import type { AppointmentId, ClinicId, DoctorId, PatientId, RoomId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Runtime from "effect/Runtime"
import * as fc from "fast-check"
import * as Fixtures from "../../Fixtures.js"
import type { SuiteIt } from "./it.js"

const MINUTE = 60_000
const DAY = 86_400_000
const allWeek = [1, 2, 3, 4, 5, 6, 7]

/** The codes a refusal carries, the way `explain` lists them; ids for `slot_taken`. */
const refusal = (e: unknown) => {
  const r = (e as { _tag?: string; reason?: { _tag: string; reasons?: ReadonlyArray<{ code: string }>; appointmentIds?: ReadonlyArray<string> } })
  if (r._tag !== "Conflict") return { tag: String(r._tag) }
  if (r.reason?._tag === "not_bookable") return { tag: "not_bookable", codes: r.reason.reasons!.map((x) => x.code) }
  if (r.reason?._tag === "slot_taken") return { tag: "slot_taken", ids: [...r.reason.appointmentIds!].sort() }
  return { tag: String(r.reason?._tag) }
}

const conflictCodes = new Set(["booked", "buffer", "room_booked", "patient_booked"])

/** A stored appointment written straight through the storage port (no rules), to occupy time. */
const occupy = (clinicId: ClinicId, o: {
  readonly doctorId: DoctorId
  readonly patientId: PatientId
  readonly start: number
  readonly end: number
  readonly roomIds?: ReadonlyArray<RoomId>
}) =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const now = Date.now()
    const a = new Appointment({
      id: crypto.randomUUID() as AppointmentId,
      clinicId,
      doctorId: o.doctorId,
      patientId: o.patientId,
      serviceId: null,
      roomIds: o.roomIds ?? [],
      start: o.start,
      end: o.end,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      status: "scheduled",
      notes: null,
      cancelReason: null,
      idempotencyKey: null,
      source: "staff",
      expiresAt: null,
      createdBy: null,
      version: 1,
      createdAt: now,
      updatedAt: now
    })
    yield* storage.appointments.insert({ appointment: a, requestFingerprint: null }, {}).pipe(storage.transaction(clinicId), Effect.orDie)
    return a
  })

/** What can keep a time from being bookable; a world has none, one or two of them. */
const spoilers = [
  "service_inactive",
  "not_performed",
  "room_inactive",
  "room_busy",
  "doctor_busy",
  "patient_busy",
  "off_grid",
  "before_open",
  "after_close",
  "notice",
  "horizon",
  "past"
] as const

/** One random world a booking is decided in: bookable, but for its spoilers. */
const World = fc.record({
  zone: fc.constantFrom("UTC", "Europe/London", "America/New_York", "Asia/Kolkata"),
  slotMinutes: fc.constantFrom(5, 10, 15, 30),
  horizonDays: fc.integer({ min: 3, max: 30 }),
  opens: fc.integer({ min: 6, max: 10 }),
  hours: fc.integer({ min: 3, max: 8 }),
  durationMinutes: fc.constantFrom(10, 20, 30, 45),
  bufferAfter: fc.constantFrom(0, 5, 15),
  withRoom: fc.boolean(),
  performedBy: fc.constantFrom("everyone", "this"),
  dayOffset: fc.integer({ min: 1, max: 2 }),
  /** Where in the day, as a fraction of the grid starts that fit. */
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  spoilers: fc.subarray([...spoilers], { maxLength: 2 })
})
type World = typeof World extends fc.Arbitrary<infer A> ? A : never

export const booking = (it: SuiteIt, runs: number) => {
  it.effect("listed ⇔ booked at every edge; a refusal names exactly what explain names", () =>
    Effect.gen(function*() {
      const seen = new Set<string>()
      const runtime = yield* Effect.runtime<Exclude<Fixtures.Services, Actor> | Storage>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(World, (w) =>
            Runtime.runPromise(runtime)(Effect.gen(function*() {
              const spoiled = (x: World["spoilers"][number]) => w.spoilers.includes(x)
              const a = yield* Fixtures.clinic("Edges", { timeZone: w.zone })
              yield* Effect.flatMap(Clinics, (c) =>
                c.updateSettings({
                  slotMinutes: w.slotMinutes,
                  minimumNoticeMinutes: spoiled("notice") ? 4 * 1440 : 0,
                  bookingHorizonDays: w.horizonDays
                })
              ).pipe(a.asAdmin)
              const doctors = yield* Doctors
              const d = yield* doctors.create({ name: "Dr Edge", specialty: "GP" }).pipe(a.asAdmin)
              const d2 = yield* doctors.create({ name: "Dr Other", specialty: "GP" }).pipe(a.asAdmin)
              const pad = (n: number) => String(n).padStart(2, "0")
              yield* Effect.flatMap(Schedules, (s) =>
                s.set({
                  doctorId: d.id,
                  rules: { weekly: allWeek.map((weekday) => ({ weekday, start: `${pad(w.opens)}:00`, end: `${pad(w.opens + w.hours)}:00` })) }
                })
              ).pipe(a.asAdmin)
              const patients = yield* Patients
              const p = yield* patients.create({ fullName: "Pat Edge", phone: "+1 212 555 0100" }).pipe(a.asAdmin)
              const p2 = yield* patients.create({ fullName: "Pat Other", phone: "+1 212 555 0101" }).pipe(a.asAdmin)
              const p3 = yield* patients.create({ fullName: "Pat Third", phone: "+1 212 555 0102" }).pipe(a.asAdmin)
              const catalog = yield* Catalog
              const room = w.withRoom || spoiled("room_inactive") || spoiled("room_busy")
                ? yield* catalog.createRoom({ name: "Room" }).pipe(a.asAdmin)
                : undefined
              const service = yield* catalog.createService({
                name: "Visit",
                durationMinutes: w.durationMinutes,
                bufferAfterMinutes: w.bufferAfter,
                doctorIds: spoiled("not_performed") ? [d2.id] : w.performedBy === "this" ? [d.id] : [],
                roomIds: room === undefined ? [] : [room.id]
              }).pipe(a.asAdmin)
              if (spoiled("service_inactive")) yield* catalog.updateService({ id: service.id, active: false }).pipe(a.asAdmin)
              if (room !== undefined && spoiled("room_inactive")) yield* catalog.updateRoom({ id: room.id, active: false }).pipe(a.asAdmin)
              const today = zoned.date(w.zone, Date.now())
              const dayOffset = spoiled("horizon") ? w.horizonDays + 1 : spoiled("past") ? -1 : w.dayOffset
              const date = new Date(Date.parse(`${today}T00:00:00Z`) + dayOffset * DAY).toISOString().slice(0, 10)
              const opening = zoned.instant(w.zone, date, `${pad(w.opens)}:00`)
              const grid = w.slotMinutes * MINUTE
              const fits = Math.floor((w.hours * 60 * MINUTE - w.durationMinutes * MINUTE) / grid)
              const step = spoiled("before_open") ? -1 : spoiled("after_close") ? fits + 1 : Math.floor(w.at * (fits + 1))
              const start = opening + step * grid + (spoiled("off_grid") ? Math.min(5, w.slotMinutes - 1) * MINUTE : 0)
              const midnight = start - DAY
              if (spoiled("doctor_busy")) yield* occupy(a.clinicId, { doctorId: d.id, patientId: p2.id, start: start - 5 * MINUTE, end: start + 5 * MINUTE })
              if (spoiled("patient_busy")) yield* occupy(a.clinicId, { doctorId: d2.id, patientId: p.id, start: start + 5 * MINUTE, end: start + 8 * MINUTE })
              if (room !== undefined && spoiled("room_busy")) {
                yield* occupy(a.clinicId, { doctorId: d2.id, patientId: p3.id, start: start - 10 * MINUTE, end: start + 5 * MINUTE, roomIds: [room.id] })
              }
              const s = yield* Scheduling
              const ask = { doctorId: d.id, patientId: p.id, serviceId: service.id, start }
              const listed = (yield* s.availableSlots({ doctorIds: [d.id], serviceId: service.id, patientId: p.id, from: midnight, to: start + DAY })
                .pipe(a.asAdmin)).some((x) => x.start === start)
              const explained = yield* s.explain(ask).pipe(a.asAdmin)
              const booked = yield* Effect.either(s.book(ask).pipe(a.asAdmin))
              seen.add(Either.isRight(booked) ? "booked" : refusal(booked.left).tag)
              expect(listed).toBe(Either.isRight(booked))
              expect(explained.bookable).toBe(Either.isRight(booked))
              if (Either.isLeft(booked)) {
                const r = refusal(booked.left)
                const codes = explained.reasons.map((x) => x.code)
                if (r.tag === "slot_taken") {
                  expect(codes.every((c) => conflictCodes.has(c))).toBe(true)
                  expect(r.ids).toEqual([...new Set(explained.reasons.flatMap((x) => x.appointmentIds ?? []))].sort())
                } else {
                  expect(r).toEqual({ tag: "not_bookable", codes })
                }
              }
            }))
          ),
          { numRuns: runs }
        )
      )
      // The draw must reach both outcomes, or the property says little.
      expect(seen.has("booked")).toBe(true)
      expect(seen.has("not_bookable")).toBe(true)
    }), { timeout: 300_000 })
}
