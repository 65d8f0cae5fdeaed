/**
 * One booking path on one adapter: listable ⇔ bookable at every edge (services, rooms, grid,
 * notice, horizon, the patient's and rooms' other appointments), refusals that name what
 * `explain` names, writes that a rule changed by another process between the read and the write
 * cannot slip through, idempotent retries under concurrency, and no audit key in any statement.
 */
import { Appointment } from "@clinicore/core/Appointment"
import { zoned } from "@clinicore/core/Availability"
import { Audit } from "@clinicore/core/Audit"
import { Billing } from "@clinicore/core/Billing"
import { Catalog } from "@clinicore/core/Catalog"
import * as CatalogModule from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import type { AppointmentId, ClinicId, DoctorId, PatientId, RoomId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import * as SchedulesModule from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import * as SchedulingModule from "@clinicore/core/Scheduling"
import { Staff } from "@clinicore/core/Staff"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Statement from "@effect/sql/Statement"
import * as fc from "fast-check"
import * as Actor from "@clinicore/core/Actor"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import { Twin } from "../../Twin.js"
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
      const runtime = yield* Effect.runtime<Exclude<Fixtures.Services, Actor.Actor> | Storage>()
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

  /** A clinic open every day 08:00–18:00 (UTC) with two doctors, three patients, a service and a room. */
  const setup = (label: string) =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic(label, { timeZone: "UTC" })
      const doctors = yield* Doctors
      const d1 = yield* doctors.create({ name: "Dr One", specialty: "GP" }).pipe(a.asAdmin)
      const d2 = yield* doctors.create({ name: "Dr Two", specialty: "GP" }).pipe(a.asAdmin)
      const d3 = yield* doctors.create({ name: "Dr Three", specialty: "GP" }).pipe(a.asAdmin)
      for (const [d, start, end] of [[d1, "08:00", "18:00"], [d2, "10:00", "14:00"], [d3, "08:00", "12:00"]] as const) {
        yield* Effect.flatMap(Schedules, (s) => s.set({ doctorId: d.id, rules: { weekly: allWeek.map((weekday) => ({ weekday, start, end })) } }))
          .pipe(a.asAdmin)
      }
      const patients = yield* Patients
      const p1 = yield* patients.create({ fullName: "Pat One", phone: "+1 212 555 0201" }).pipe(a.asAdmin)
      const p2 = yield* patients.create({ fullName: "Pat Two", phone: "+1 212 555 0202" }).pipe(a.asAdmin)
      const catalog = yield* Catalog
      const room = yield* catalog.createRoom({ name: "Theatre" }).pipe(a.asAdmin)
      const service = yield* catalog.createService({ name: "Consult", durationMinutes: 30 }).pipe(a.asAdmin)
      const day = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10)
      const at = (time: string) => zoned.instant("UTC", day, time)
      return { a, d1, d2, d3, p1, p2, room, service, at }
    })

  it.effect("a rule changed by another process between a booking's read and its write never lets through what the new rule refuses", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1, p2, service } = yield* setup("Between")
      const storage = yield* Storage
      const twin = yield* Twin
      // The other process's services, on its own connections.
      const elsewhere = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provideService(self, Storage, twin.storage)
      const otherSchedules = yield* elsewhere(SchedulesModule.make)
      const otherCatalog = yield* elsewhere(CatalogModule.make)
      // Another process's work runs in a fiber of its own, outside the booking's transaction (a
      // fiber inside it would join it: @effect/sql finds the transaction in the fiber's context).
      const outside = yield* Effect.runtime<Exclude<Fixtures.Services, Actor.Actor>>()
      /**
       * A Scheduling whose first write first waits, up to a bound, for `change` to commit in another
       * process. `settled` waits for the change itself, however long it had to wait.
       */
      const interrupted = (change: Effect.Effect<unknown, unknown, Exclude<Fixtures.Services, Actor.Actor>>) =>
        Effect.gen(function*() {
          let ran: boolean | undefined
          let pending: Promise<unknown> = Promise.resolve()
          const hooked = {
            ...storage,
            appointments: {
              ...storage.appointments,
              insert: (row: Parameters<typeof storage.appointments.insert>[0], expected: Parameters<typeof storage.appointments.insert>[1]) =>
                Effect.zipRight(
                  ran !== undefined ? Effect.void : Effect.suspend(() => {
                    pending = Runtime.runPromise(outside)(Effect.orDie(change))
                    return Effect.map(Effect.timeoutOption(Effect.promise(() => pending), "2 seconds"), (o) => {
                      ran = Option.isSome(o)
                    })
                  }),
                  storage.appointments.insert(row, expected)
                )
            }
          }
          const s = yield* SchedulingModule.make.pipe(Effect.provideService(Storage, hooked))
          return { s, ran: () => ran, settled: Effect.promise(() => pending) }
        })

      // Hours: the booking read 08:00–18:00; meanwhile the doctor's day becomes 08:00–09:00.
      const hours = yield* interrupted(otherSchedules.set({ doctorId: d1.id, rules: { weekly: allWeek.map((weekday) => ({ weekday, start: "08:00", end: "09:00" })) } }).pipe(a.asAdmin))
      const raw = yield* RawAccess
      const first = yield* Effect.either(hours.s.book({ doctorId: d1.id, patientId: p1.id, start: at("10:00"), end: at("10:30") }).pipe(a.asAdmin))
      yield* hours.settled
      // Postgres lets the other process commit, and the write then finds the doctor's version moved
      // on; SQLite's single writer makes the other process wait until the booking has committed.
      expect(hours.ran()).toBe(raw.dialect === "pg")
      if (hours.ran()) expect(Either.isLeft(first) && refusal(first.left)).toEqual({ tag: "not_bookable", codes: ["outside_hours"] })
      else expect(Either.isRight(first)).toBe(true)
      // Either way the new hours are in force now.
      expect((yield* Effect.flatMap(Schedules, (x) => x.get(d1.id)).pipe(a.asAdmin)).weekly[0]).toMatchObject({ end: "09:00" })

      // A service deactivated meanwhile.
      const retired = yield* interrupted(otherCatalog.updateService({ id: service.id, active: false }).pipe(a.asAdmin))
      const second = yield* Effect.either(retired.s.book({ doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at("08:00") }).pipe(a.asAdmin))
      yield* retired.settled
      expect(retired.ran()).toBe(raw.dialect === "pg")
      if (retired.ran()) expect(Either.isLeft(second) && refusal(second.left)).toEqual({ tag: "not_bookable", codes: ["service_inactive"] })
      else expect(Either.isRight(second)).toBe(true)
    }), { timeout: 60_000 })

  it.effect("availability across doctors is the union of each doctor's; firstAvailable is its minimum", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, d3, p1, service } = yield* setup("Many")
      const s = yield* Scheduling
      const catalog = yield* Catalog
      yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at("08:00"), end: at("09:00") }).pipe(a.asAdmin)
      yield* s.book({ doctorId: d3.id, patientId: p1.id, start: at("09:00"), end: at("10:00") }).pipe(a.asAdmin)
      const range = { serviceId: service.id, from: at("00:00"), to: at("23:59") }
      const each = yield* Effect.forEach([d1, d2, d3], (d) => s.availableSlots({ ...range, doctorIds: [d.id] }).pipe(a.asAdmin))
      const byStart = (xs: ReadonlyArray<{ start: number; doctorId: string }>) =>
        [...xs].sort((x, y) => x.start - y.start || (x.doctorId < y.doctorId ? -1 : 1))
      const union = byStart(each.flat())
      expect(yield* s.availableSlots({ ...range, doctorIds: [d1.id, d2.id, d3.id] }).pipe(a.asAdmin)).toEqual(union)
      // Without doctors: every active doctor who performs the service.
      expect(yield* s.availableSlots(range).pipe(a.asAdmin)).toEqual(union)
      expect(Option.getOrNull(yield* s.firstAvailable(range).pipe(a.asAdmin))).toEqual(union[0])
      expect(union[0]).toMatchObject({ start: at("08:00"), doctorId: d3.id })
      // Performed by d2 only, and d3 deactivated: only d2's slots, for a caller and for the public.
      yield* catalog.updateService({ id: service.id, doctorIds: [d2.id] }).pipe(a.asAdmin)
      yield* Effect.flatMap(Doctors, (d) => d.deactivate(d3.id)).pipe(a.asAdmin)
      const d2Only = each[1]!
      expect(yield* s.availableSlots(range).pipe(a.asAdmin)).toEqual(d2Only)
      expect(yield* s.publicSlots(range).pipe(Actor.asPublic(a.clinic.slug))).toEqual(d2Only)
      expect(Option.getOrNull(yield* s.firstAvailable(range).pipe(a.asAdmin))).toEqual(d2Only[0])
    }))

  it.effect("fifty concurrent identical requests with one idempotency key all return the one appointment", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2, room, service } = yield* setup("Retries")
      const twin = yield* Twin
      const s = yield* Scheduling
      const other = yield* SchedulingModule.make.pipe(Effect.provideService(Storage, twin.storage), Effect.provideService(BillingStorage, twin.billing))
      const raw = yield* RawAccess
      const cases = [
        { idempotencyKey: "plain", doctorId: d1.id, patientId: p1.id, start: at("11:00"), end: at("11:30") },
        { idempotencyKey: "service", doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at("12:00") },
        { idempotencyKey: "rooms", doctorId: d2.id, patientId: p1.id, serviceId: service.id, roomIds: [room.id], start: at("13:00") }
      ]
      for (const request of cases) {
        const results = yield* Effect.all(
          Array.from({ length: 50 }, (_, i) => Effect.either((i % 2 === 0 ? s : other).book(request).pipe(a.asAdmin))),
          { concurrency: "unbounded" }
        )
        const failures = results.flatMap((r) => (Either.isLeft(r) ? [JSON.stringify(refusal(r.left))] : []))
        expect(failures).toEqual([])
        const ids = new Set(results.flatMap((r) => (Either.isRight(r) ? [r.right.id] : [])))
        expect(ids.size).toBe(1)
        const rows = yield* raw.execute("SELECT count(*) AS n FROM appointments WHERE clinic_id = ? AND idempotency_key = ?", [a.clinicId, request.idempotencyKey])
        expect(Number(rows[0]!.n)).toBe(1)
      }
    }), { timeout: 120_000 })

  it.effect("reschedule refuses whatever book refuses: another length than the service's, an inactive service or room", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1, p2, room } = yield* setup("Moves")
      const s = yield* Scheduling
      const catalog = yield* Catalog
      const service = yield* catalog.createService({ name: "Scan", durationMinutes: 30, roomIds: [room.id] }).pipe(a.asAdmin)
      const booked = yield* s.book({ doctorId: d1.id, patientId: p1.id, serviceId: service.id, start: at("09:00") }).pipe(a.asAdmin)
      // Five hours instead of the service's thirty minutes.
      expect(yield* Effect.flip(s.reschedule({ id: booked.id, start: at("10:00"), end: at("15:00") }).pipe(a.asAdmin)))
        .toMatchObject({ _tag: "ValidationError", fields: [{ path: "end" }] })
      const moved = yield* s.reschedule({ id: booked.id, start: at("10:00") }).pipe(a.asAdmin)
      expect([moved.start, moved.end, moved.roomIds]).toEqual([at("10:00"), at("10:30"), [room.id]])
      yield* catalog.updateRoom({ id: room.id, active: false }).pipe(a.asAdmin)
      expect(refusal(yield* Effect.flip(s.reschedule({ id: booked.id, start: at("11:00") }).pipe(a.asAdmin))))
        .toEqual({ tag: "not_bookable", codes: ["room_inactive"] })
      yield* catalog.updateRoom({ id: room.id, active: true }).pipe(a.asAdmin)
      yield* catalog.updateService({ id: service.id, active: false }).pipe(a.asAdmin)
      expect(refusal(yield* Effect.flip(s.reschedule({ id: booked.id, start: at("11:00") }).pipe(a.asAdmin))))
        .toEqual({ tag: "not_bookable", codes: ["service_inactive"] })
      // And what book refuses for the same reasons.
      expect(refusal(yield* Effect.flip(s.book({ doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at("11:00") }).pipe(a.asAdmin))))
        .toEqual({ tag: "not_bookable", codes: ["service_inactive"] })
      expect((yield* s.get(booked.id).pipe(a.asAdmin)).start).toBe(at("10:00"))
    }))

  it.effect("a doctor whose staff account is deactivated or rejected takes no new bookings; existing ones stay", () =>
    Effect.gen(function*() {
      const { a, at, p1, p2 } = yield* setup("Linked")
      const staff = yield* Staff
      const s = yield* Scheduling
      for (const [end, status] of [["deactivate", "inactive"], ["reject", "rejected"]] as const) {
        const account = yield* Fixtures.staffMember(a, "doctor", end === "reject" ? "pending" : "active")
        const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: `Dr ${status}`, specialty: "GP", staffId: account.id })).pipe(a.asAdmin)
        yield* Effect.flatMap(Schedules, (x) => x.set({ doctorId: doctor.id, rules: { weekly: allWeek.map((weekday) => ({ weekday, start: "08:00", end: "18:00" })) } }))
          .pipe(a.asAdmin)
        const existing = end === "deactivate"
          ? yield* s.book({ doctorId: doctor.id, patientId: p1.id, start: at("08:00"), end: at("08:30") }).pipe(a.asAdmin)
          : undefined
        yield* (end === "deactivate" ? staff.deactivate(account.id) : staff.reject(account.id)).pipe(a.asAdmin)
        const ask = { doctorId: doctor.id, patientId: p2.id, start: at("09:00"), end: at("09:30") }
        expect(refusal(yield* Effect.flip(s.book(ask).pipe(a.asAdmin)))).toEqual({ tag: "not_bookable", codes: ["doctor_inactive"] })
        expect((yield* s.explain(ask).pipe(a.asAdmin)).reasons).toEqual([{ code: "doctor_inactive" }])
        expect(yield* s.availableSlots({ doctorIds: [doctor.id], durationMinutes: 30, from: at("00:00"), to: at("23:59") }).pipe(a.asAdmin)).toEqual([])
        if (existing !== undefined) expect((yield* s.get(existing.id).pipe(a.asAdmin)).status).toBe("scheduled")
      }
    }))

  it.effect("a public caller gets Unauthenticated on every staff operation; an empty status filter filters nothing", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1 } = yield* setup("Anonymous")
      const targets = yield* Fixtures.operationTargets(a)
      for (const [op, call] of Object.entries(Fixtures.everyOperation(targets))) {
        if (op.startsWith("Public.")) continue
        const error = yield* Effect.flip(call.pipe(Actor.asPublic(a.clinic.slug)))
        expect({ op, error: (error as { _tag: string })._tag }).toEqual({ op, error: "Unauthenticated" })
      }
      const s = yield* Scheduling
      const booked = yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: at("09:30") }).pipe(a.asAdmin)
      yield* s.cancel({ id: booked.id, reason: "changed plans" }).pipe(a.asAdmin)
      const all = yield* s.list({}).pipe(a.asAdmin)
      expect((yield* s.list({ statuses: [] }).pipe(a.asAdmin)).map((x) => x.id)).toEqual(all.map((x) => x.id))
      expect(all.find((x) => x.id === booked.id)?.status).toBe("cancelled")
      expect(new Set(all.map((x) => x.status)).size).toBeGreaterThan(1)
    }))

  it.effect("no statement or parameter of bookings, moves and status changes carries an audit key or a derived secret", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1, p2, room, service } = yield* setup("Secrets")
      const s = yield* Scheduling
      const captured: Array<readonly [string, ReadonlyArray<unknown>]> = []
      const capture = Statement.withTransformer((self) => Effect.sync(() => {
        captured.push(self.compile())
        return self
      }))
      yield* Effect.gen(function*() {
        const one = yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: at("09:30"), idempotencyKey: "secret-1" })
        const two = yield* s.book({ doctorId: d1.id, patientId: p2.id, serviceId: service.id, roomIds: [room.id], start: at("10:00") })
        yield* s.reschedule({ id: one.id, start: at("11:00") })
        yield* s.setStatus({ id: two.id, status: "confirmed" })
        yield* s.cancel({ id: one.id, reason: "ill" })
        yield* Effect.flip(s.book({ doctorId: d1.id, patientId: p1.id, start: at("10:00"), end: at("10:30") }))
      }).pipe(a.asAdmin, capture)
      expect(captured.length).toBeGreaterThan(20)
      // Hashes and fingerprints that legitimately travel: the events' own links and the requests' prints.
      const raw = yield* RawAccess
      const known = new Set<string>()
      for (const r of yield* raw.execute("SELECT hash, prev_hash FROM audit_events WHERE clinic_id = ?", [a.clinicId])) {
        known.add(String(r.hash))
        known.add(String(r.prev_hash))
      }
      for (const r of yield* raw.execute("SELECT request_fingerprint FROM appointments WHERE clinic_id = ?", [a.clinicId])) {
        if (r.request_fingerprint != null) known.add(String(r.request_fingerprint))
      }
      // Postgres: the tenant setting's proof, an HMAC of the clinic id under the tenant key (not the
      // audit key), which exists to reach the database.
      for (const [text, params] of captured) if (text.includes("clinic_id_proof'")) known.add(String(params[params.length - 1]))
      /** Bytes a value could be a key of: its base64, base64url or hex decoding. */
      const keyLike = (v: unknown) => {
        if (v instanceof Uint8Array) return true
        if (typeof v !== "string" || known.has(v)) return false
        const lengths = [
          /^[0-9a-f]+$/i.test(v) ? v.length / 2 : 0,
          /^[A-Za-z0-9+/_-]+=*$/.test(v) ? Buffer.from(v, "base64").length : 0
        ]
        return lengths.some((n) => n === 32 || n === 64)
      }
      const suspicious = captured.flatMap(([text, params]) => [
        ...(/sha256|hmac|digest|decode\(/i.test(text) ? [text] : []),
        ...params.filter(keyLike).map((p) => `${text.slice(0, 60)} ← ${String(p)}`)
      ])
      expect(suspicious).toEqual([])
      // The chain those writes made still verifies.
      expect((yield* Effect.flatMap(Audit, (x) => x.verify()).pipe(a.asAdmin)).firstBreak).toBeUndefined()
    }))

  it.effect("a clinic that invoices on completion gets exactly one invoice when an appointment is completed", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1, p2 } = yield* setup("Completion")
      const s = yield* Scheduling
      const billing = yield* Billing
      const catalog = yield* Catalog
      const priced = yield* catalog.createService({ name: "Checkup", durationMinutes: 30, priceMinor: 4500 }).pipe(a.asAdmin)
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ autoInvoiceOnCompletion: "issue" })).pipe(a.asAdmin)
      const visit = yield* s.book({ doctorId: d1.id, patientId: p1.id, serviceId: priced.id, start: at("09:00") }).pipe(a.asAdmin)
      yield* s.setStatus({ id: visit.id, status: "completed" }).pipe(a.asAdmin)
      const invoices = yield* billing.listInvoices({ appointmentId: visit.id }).pipe(a.asAdmin)
      expect(invoices.map((i) => [i.status, i.totalMinor])).toEqual([["issued", 4500]])
      // Completion recorded again is refused, and nothing more is invoiced.
      expect(refusal(yield* Effect.flip(s.setStatus({ id: visit.id, status: "completed" }).pipe(a.asAdmin)))).toEqual({ tag: "invalid_transition" })
      expect((yield* billing.listInvoices({ appointmentId: visit.id }).pipe(a.asAdmin)).length).toBe(1)
      // Off: completing invoices nothing.
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ autoInvoiceOnCompletion: "off" })).pipe(a.asAdmin)
      const other = yield* s.book({ doctorId: d1.id, patientId: p2.id, serviceId: priced.id, start: at("10:00") }).pipe(a.asAdmin)
      yield* s.setStatus({ id: other.id, status: "completed" }).pipe(a.asAdmin)
      expect(yield* billing.listInvoices({ appointmentId: other.id }).pipe(a.asAdmin)).toEqual([])
    }))

  it.effect("one call's work is bounded: an appointment of at most 24 hours, instants within the Date range", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1 } = yield* setup("Bounds")
      const s = yield* Scheduling
      const centuries = at("09:00") + 300 * 365 * DAY
      const started = Date.now()
      const calls: ReadonlyArray<Effect.Effect<unknown, unknown, Actor.Actor>> = [
        s.book({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: centuries }),
        s.explain({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: centuries }),
        s.book({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: at("09:00") + DAY + MINUTE })
      ]
      for (const call of calls) {
        expect(yield* Effect.flip(call.pipe(a.asAdmin))).toMatchObject({ _tag: "ValidationError", fields: [{ path: "end" }] })
      }
      for (const start of [9e15, -9e15, 1.5, Number.POSITIVE_INFINITY, Number.NaN]) {
        expect(yield* Effect.flip(s.explain({ doctorId: d1.id, start, end: at("09:30") }).pipe(a.asAdmin)))
          .toMatchObject({ _tag: "ValidationError", fields: [{ path: "start" }] })
      }
      // Refused at once, not after working through the range.
      expect(Date.now() - started).toBeLessThan(5_000)
      const booked = yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at("09:00"), end: at("09:30") }).pipe(a.asAdmin)
      expect(yield* Effect.flip(s.reschedule({ id: booked.id, start: at("10:00"), end: centuries }).pipe(a.asAdmin)))
        .toMatchObject({ _tag: "ValidationError", fields: [{ path: "end" }] })
    }))

  it.effect("a public caller learns nothing about other appointments or patients, and cannot fill the book", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1, service } = yield* setup("PublicSurface")
      const s = yield* Scheduling
      const asPublic = Actor.asPublic(a.clinic.slug)
      const taken = yield* s.book({ doctorId: d1.id, patientId: p1.id, serviceId: service.id, start: at("09:00") }).pipe(a.asAdmin)
      const ask = (start: string, phone: string, extra: object = {}) =>
        s.request({ doctorId: d1.id, serviceId: service.id, start: at(start), patient: { fullName: "Someone Else", phone }, ...extra })
          .pipe(asPublic)
      // The time is taken: the refusal names no appointment.
      const refused = yield* Effect.flip(ask("09:00", "+1 917 555 0101"))
      expect(refused).toMatchObject({ _tag: "Conflict", reason: { _tag: "not_bookable", reasons: [{ code: "unavailable" }] } })
      expect(JSON.stringify(refused)).not.toContain(taken.id)
      // (A patient's phone in a request: see publicRequests.ts.)
      // At most two pending requests per phone; a retry of one of them is not a third.
      const first = yield* ask("11:00", "+1 917 555 0199", { idempotencyKey: "web-1" })
      yield* ask("11:30", "+1 917 555 0199")
      expect(yield* Effect.flip(ask("12:00", "+1 917 555 0199"))).toMatchObject({ _tag: "Conflict", reason: { _tag: "too_many_requests" } })
      expect((yield* ask("11:00", "+1 917 555 0199", { idempotencyKey: "web-1" })).id).toBe(first.id)
      // And at most so many in the clinic.
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ maxPendingRequests: 3 })).pipe(a.asAdmin)
      yield* ask("12:30", "+1 917 555 0177")
      expect(yield* Effect.flip(ask("13:00", "+1 917 555 0166"))).toMatchObject({ _tag: "Conflict", reason: { _tag: "too_many_requests" } })
    }))
}
