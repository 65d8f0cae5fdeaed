/** Scheduling on one adapter: the rules, idempotency, concurrency and public requests. */
import * as Actor from "@clinicore/core/Actor"
import * as Availability from "@clinicore/core/Availability"
import { zoned } from "@clinicore/core/Availability"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { Audit } from "@clinicore/core/Audit"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import * as SchedulingModule from "@clinicore/core/Scheduling"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import { Twin } from "../../Twin.js"
import type { SuiteIt } from "./it.js"

const zone = "Europe/London"
const MINUTE = 60_000

/** The ISO date of the first Monday at least `days` days from now. */
const mondayAfter = (days: number) => {
  let t = Date.now() + days * 86_400_000
  while (new Date(t).getUTCDay() !== 1) t += 86_400_000
  return new Date(t).toISOString().slice(0, 10)
}
const plusDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** A clinic in London with two doctors working Mon–Fri 09:00–13:00 (break Mon 10:00–10:30) and two patients. */
const setup = (label: string) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: zone })
    const doctors = yield* Doctors
    const patients = yield* Patients
    const schedules = yield* Schedules
    const d1 = yield* doctors.create({ name: "Dr One", specialty: "GP" }).pipe(a.asAdmin)
    const d2 = yield* doctors.create({ name: "Dr Two", specialty: "GP" }).pipe(a.asAdmin)
    const monday = mondayAfter(14)
    const rules = {
      weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: "09:00", end: "13:00" })),
      breaks: [{ _tag: "weekly" as const, weekday: 1, start: "10:00", end: "10:30" }],
      timeOff: [{ _tag: "dates" as const, from: plusDays(monday, 1), to: plusDays(monday, 3) }]
    }
    yield* schedules.set({ doctorId: d1.id, rules }).pipe(a.asAdmin)
    yield* schedules.set({ doctorId: d2.id, rules: { weekly: rules.weekly } }).pipe(a.asAdmin)
    const p1 = yield* patients.create({ fullName: "Pat One", phone: "+44 20 7946 0001" }).pipe(a.asAdmin)
    const p2 = yield* patients.create({ fullName: "Pat Two", phone: "+44 20 7946 0002" }).pipe(a.asAdmin)
    const at = (dayOffset: number, time: string) => zoned.instant(zone, plusDays(monday, dayOffset), time)
    return { a, d1, d2, p1, p2, monday, at }
  })

const conflictCodes = (e: unknown) => {
  const r = (e as { reason?: { _tag: string; reasons?: ReadonlyArray<{ code: string }>; appointmentIds?: ReadonlyArray<string> } }).reason
  return r?._tag === "not_bookable" ? r.reasons!.map((x) => x.code) : r?._tag
}

export const scheduling = (it: SuiteIt) => {
  it.effect("working hours, breaks, time off and bookings decide what books", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("Rules")
      const s = yield* Scheduling
      const book = (doctorId: string, patientId: string, day: number, from: string, to: string) =>
        s.book({ doctorId, patientId, start: at(day, from), end: at(day, to) }).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(d1.id, p1.id, 0, "12:30", "13:30")))).toEqual(["outside_hours"])
      yield* book(d1.id, p1.id, 0, "12:00", "12:30")
      expect(conflictCodes(yield* Effect.flip(book(d1.id, p1.id, 0, "10:15", "10:45")))).toEqual(["break"])
      yield* book(d1.id, p1.id, 0, "10:30", "11:00")
      expect(conflictCodes(yield* Effect.flip(book(d1.id, p1.id, 2, "09:00", "09:30")))).toEqual(["time_off"])
      yield* book(d1.id, p1.id, 4, "09:00", "09:30")

      // The next Tuesday: no break, no time off.
      const first = yield* book(d1.id, p1.id, 8, "10:00", "10:30")
      const taken = yield* Effect.flip(book(d1.id, p2.id, 8, "10:15", "10:45"))
      expect(taken).toMatchObject({ _tag: "Conflict", reason: { _tag: "slot_taken", appointmentIds: [first.id] } })
      expect(taken.message).toContain(first.id)
      yield* book(d1.id, p2.id, 8, "10:30", "11:00")
      yield* book(d2.id, p2.id, 8, "10:00", "10:30")
      yield* s.cancel({ id: first.id, reason: "patient called" }).pipe(a.asAdmin)
      yield* book(d1.id, p1.id, 8, "10:00", "10:30")
      const explained = yield* s.explain({ doctorId: d1.id, start: at(8, "10:15"), end: at(8, "10:45") }).pipe(a.asAdmin)
      expect(explained.bookable).toBe(false)
      expect(explained.reasons.map((r) => r.code)).toEqual(["booked"])
    }))

  it.effect("every booking decides on fresh reads: rules, holidays, rows, blocks and deactivations made elsewhere apply at once", () =>
    Effect.gen(function*() {
      const { a, at, d1, monday, p1, p2 } = yield* setup("Remembered")
      const s = yield* Scheduling
      const raw = yield* RawAccess
      const book = (patientId: string, day: number, from: string, to: string) =>
        s.book({ doctorId: d1.id, patientId, start: at(day, from), end: at(day, to) }).pipe(a.asAdmin)
      yield* book(p1.id, 0, "09:00", "09:30")
      yield* book(p1.id, 0, "09:30", "10:00")
      // Each fact changes behind this Scheduling's back (another service, another process).
      yield* Effect.flatMap(Schedules, (x) => x.set({ doctorId: d1.id, rules: { weekly: [{ weekday: 1, start: "09:00", end: "11:00" }] } }))
        .pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(p1.id, 0, "11:00", "11:30")))).toEqual(["outside_hours"])
      yield* book(p1.id, 0, "10:30", "11:00")
      yield* Effect.flatMap(Schedules, (x) => x.setHoliday({ date: plusDays(monday, 7), name: "Closed" }))
        .pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(p1.id, 7, "09:00", "09:30")))).toEqual(["holiday"])
      const other = crypto.randomUUID()
      yield* raw.execute(
        `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)`,
        [a.clinicId, other, d1.id, p2.id, raw.instant(at(14, "09:00")), raw.instant(at(14, "09:30")), raw.instant(at(14, "09:00")),
          raw.instant(at(14, "09:30")), raw.instant(Date.now()), raw.instant(Date.now())]
      )
      expect(yield* Effect.flip(book(p1.id, 14, "09:15", "09:45"))).toMatchObject({ reason: { _tag: "slot_taken", appointmentIds: [other] } })
      yield* Effect.flatMap(Patients, (x) => x.block({ id: p1.id, reason: "no-shows" })).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(p1.id, 14, "10:00", "10:30")))).toEqual(["patient_blocked"])
      yield* book(p2.id, 14, "10:00", "10:30")
      yield* Effect.flatMap(Doctors, (x) => x.deactivate(d1.id)).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(p2.id, 14, "10:30", "11:00")))).toEqual(["doctor_inactive"])
      const rows = yield* raw.execute("SELECT count(*) AS n FROM appointments WHERE clinic_id = ?", [a.clinicId])
      expect(Number(rows[0]!.n)).toBe(5)
    }))

  it.effect("a service's terms apply to the very next booking: length, buffers, who performs it, rooms, active", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("RememberedService")
      const s = yield* Scheduling
      const catalog = yield* Catalog
      const minutes = (x: { start: number; end: number }) => (x.end - x.start) / MINUTE
      const checkup = yield* catalog.createService({ name: "Checkup", durationMinutes: 20, bufferAfterMinutes: 10 }).pipe(a.asAdmin)
      const book = (doctorId: string, patientId: string, day: number, from: string) =>
        s.book({ doctorId, patientId, serviceId: checkup.id, start: at(day, from) }).pipe(a.asAdmin)
      yield* book(d1.id, p1.id, 0, "09:00")
      expect(minutes(yield* book(d1.id, p1.id, 0, "09:30"))).toBe(20)
      yield* catalog.updateService({ id: checkup.id, durationMinutes: 40, bufferAfterMinutes: 5 }).pipe(a.asAdmin)
      const longer = yield* book(d1.id, p1.id, 0, "11:00")
      expect([minutes(longer), longer.bufferAfterMinutes]).toEqual([40, 5])
      yield* catalog.updateService({ id: checkup.id, doctorIds: [d2.id] }).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(d1.id, p1.id, 0, "12:00")))).toEqual(["not_performed"])
      const room = yield* catalog.createRoom({ name: "Room 1" }).pipe(a.asAdmin)
      yield* catalog.updateService({ id: checkup.id, roomIds: [room.id] }).pipe(a.asAdmin)
      expect((yield* book(d2.id, p2.id, 0, "09:00")).roomIds).toEqual([room.id])
      yield* catalog.updateService({ id: checkup.id, active: false }).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(book(d2.id, p2.id, 0, "11:00")))).toEqual(["service_inactive"])
    }))

  it.effect("past starts are refused; past appointments can still be completed or marked no-show", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1 } = yield* setup("Past")
      const s = yield* Scheduling
      const raw = yield* RawAccess
      const past = Date.now() - 3 * 86_400_000
      expect(conflictCodes(yield* Effect.flip(s.book({ doctorId: d1.id, patientId: p1.id, start: past, end: past + 30 * MINUTE }).pipe(a.asAdmin))))
        .toContain("past")
      const booked = yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at(0, "09:00"), end: at(0, "09:30") }).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(s.reschedule({ id: booked.id, start: past }).pipe(a.asAdmin)))).toContain("past")
      // Two appointments that already happened (written as they would have been, back then).
      const ids = [crypto.randomUUID(), crypto.randomUUID()]
      for (const [i, id] of ids.entries()) {
        const start = past + i * 3_600_000
        yield* raw.execute(
          `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)`,
          [a.clinicId, id, d1.id, p1.id, raw.instant(start), raw.instant(start + 30 * MINUTE), raw.instant(start), raw.instant(start + 30 * MINUTE), raw.instant(past), raw.instant(past)]
        )
      }
      expect((yield* s.setStatus({ id: ids[0]!, status: "completed" }).pipe(a.asAdmin)).status).toBe("completed")
      expect((yield* s.setStatus({ id: ids[1]!, status: "no_show" }).pipe(a.asAdmin)).status).toBe("no_show")
      expect(yield* Effect.flip(s.setStatus({ id: ids[0]!, status: "scheduled" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "invalid_transition", from: "completed", to: "scheduled" }
      })
      const past2 = yield* s.list({ when: "past", doctorId: d1.id }).pipe(a.asAdmin)
      expect(past2.map((x) => x.id).sort()).toEqual([...ids].sort())
      const upcoming = yield* s.list({ when: "upcoming", doctorId: d1.id }).pipe(a.asAdmin)
      expect(upcoming.map((x) => x.id)).toEqual([booked.id])
    }))

  it.effect("blocked patients, inactive doctors and services are refused; override books outside hours, audited", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("Refused")
      const s = yield* Scheduling
      yield* Effect.flatMap(Patients, (p) => p.block({ id: p1.id, reason: "no-shows" })).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(s.book({ doctorId: d1.id, patientId: p1.id, start: at(0, "09:00"), end: at(0, "09:30") }).pipe(a.asAdmin))))
        .toEqual(["patient_blocked"])
      yield* Effect.flatMap(Doctors, (d) => d.deactivate(d2.id)).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(s.book({ doctorId: d2.id, patientId: p2.id, start: at(0, "09:00"), end: at(0, "09:30") }).pipe(a.asAdmin))))
        .toEqual(["doctor_inactive"])
      const catalog = yield* Catalog
      const service = yield* catalog.createService({ name: "Checkup", durationMinutes: 20 }).pipe(a.asAdmin)
      yield* catalog.updateService({ id: service.id, active: false }).pipe(a.asAdmin)
      expect(conflictCodes(yield* Effect.flip(s.book({ doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at(0, "09:00") }).pipe(a.asAdmin))))
        .toEqual(["service_inactive"])
      const late = { doctorId: d1.id, patientId: p2.id, start: at(0, "18:00"), end: at(0, "18:30") }
      expect(conflictCodes(yield* Effect.flip(s.book(late).pipe(a.asAdmin)))).toEqual(["outside_hours"])
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      expect(yield* Effect.flip(s.book({ ...late, override: true }).pipe(a.as(receptionist.id)))).toMatchObject({
        _tag: "PermissionDenied",
        permission: "appointments.override"
      })
      const overridden = yield* s.book({ ...late, override: true }).pipe(a.asAdmin)
      const events = yield* Effect.flatMap(Audit, (audit) => audit.list({ action: "Scheduling.bookWithOverride" })).pipe(a.asAdmin)
      expect(events.map((e) => [e.outcome, e.entityId])).toEqual([["denied", null], ["ok", overridden.id]])
    }))

  it.effect("buffers, rooms and patients never double-book", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("Resources")
      const s = yield* Scheduling
      const catalog = yield* Catalog
      const room = yield* catalog.createRoom({ name: "X-ray" }).pipe(a.asAdmin)
      const xray = yield* catalog.createService({ name: "X-ray", durationMinutes: 30, bufferAfterMinutes: 15, roomIds: [room.id] }).pipe(a.asAdmin)
      const first = yield* s.book({ doctorId: d1.id, patientId: p1.id, serviceId: xray.id, start: at(0, "11:00") }).pipe(a.asAdmin)
      expect(first.roomIds).toEqual([room.id])
      // Another doctor, another patient, same room: the room is taken (its buffer too).
      expect(yield* Effect.flip(s.book({ doctorId: d2.id, patientId: p2.id, serviceId: xray.id, start: at(0, "11:30") }).pipe(a.asAdmin)))
        .toMatchObject({ reason: { _tag: "slot_taken", appointmentIds: [first.id] } })
      yield* s.book({ doctorId: d2.id, patientId: p2.id, serviceId: xray.id, start: at(0, "11:45") }).pipe(a.asAdmin)
      // The same patient with another doctor at the same time.
      expect(yield* Effect.flip(s.book({ doctorId: d2.id, patientId: p1.id, start: at(0, "11:00"), end: at(0, "11:30") }).pipe(a.asAdmin)))
        .toMatchObject({ reason: { _tag: "slot_taken", appointmentIds: [first.id] } })
      // Rescheduling moves atomically and does not conflict with itself (10:45–11:15 overlaps 11:00–11:30).
      const moved = yield* s.reschedule({ id: first.id, start: at(0, "10:45") }).pipe(a.asAdmin)
      expect([moved.id, moved.start, moved.version]).toEqual([first.id, at(0, "10:45"), 2])
    }))

  it.effect("the same idempotency key returns the same appointment; with another request it is a Conflict", () =>
    Effect.gen(function*() {
      const { a, at, d1, p1 } = yield* setup("Idem")
      const s = yield* Scheduling
      const raw = yield* RawAccess
      const request = { doctorId: d1.id, patientId: p1.id, start: at(0, "09:00"), end: at(0, "09:30"), idempotencyKey: "req-1" }
      const once = yield* s.book(request).pipe(a.asAdmin)
      const twice = yield* s.book(request).pipe(a.asAdmin)
      expect(twice.id).toBe(once.id)
      const rows = yield* raw.execute("SELECT count(*) AS n FROM appointments WHERE clinic_id = ?", [a.clinicId])
      expect(Number(rows[0]!.n)).toBe(1)
      expect(yield* Effect.flip(s.book({ ...request, start: at(0, "09:30"), end: at(0, "10:00") }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "idempotency_key_reused", key: "req-1" }
      })
    }))

  it.effect("200 concurrent overlapping bookings: the ones that succeed never overlap", () =>
    Effect.gen(function*() {
      const { a, at, d1 } = yield* setup("Race")
      // A 5-minute grid, so the 10-minute steps below are bookable starts.
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ slotMinutes: 5 })).pipe(a.asAdmin)
      const s = yield* Scheduling
      const twin = yield* Twin
      // Half the attempts go through a second Storage (its own connections), as another process would.
      const other = yield* SchedulingModule.make.pipe(Effect.provideService(Storage, twin.storage), Effect.provideService(BillingStorage, twin.billing))
      const patients = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => Effect.flatMap(Patients, (p) => p.create({ fullName: `Racer ${i}`, phone: `+44 20 7946 1${String(i).padStart(3, "0")}` }))),
        { concurrency: 1 }
      ).pipe(a.asAdmin)
      const attempts = Array.from({ length: 200 }, (_, i) => {
        const start = at(4, "09:00") + (i % 22) * 10 * MINUTE
        const service = i % 2 === 0 ? s : other
        return Effect.either(service.book({ doctorId: d1.id, patientId: patients[i % 20]!.id, start, end: start + 30 * MINUTE }).pipe(a.asAdmin))
      })
      const results = yield* Effect.all(attempts, { concurrency: 32 })
      const ok = results.filter((r) => r._tag === "Right").map((r) => r.right)
      // Only plain fields are compared: vitest's diff of an Effect error can overflow the stack.
      const failures = results.flatMap((r) => (r._tag === "Left" ? [`${r.left._tag}:${(r.left as { reason?: { _tag: string } }).reason?._tag}`] : []))
      expect([...new Set(failures)]).toEqual(failures.length > 0 ? ["Conflict:slot_taken"] : [])
      expect(ok.length).toBeGreaterThan(0)
      const raw = yield* RawAccess
      const overlaps = yield* raw.execute(
        `SELECT x.id FROM appointments x JOIN appointments y ON x.clinic_id = y.clinic_id AND x.doctor_id = y.doctor_id AND x.id < y.id
          WHERE x.clinic_id = ? AND x.busy_start < y.busy_end AND y.busy_start < x.busy_end
            AND x.status NOT IN ('cancelled', 'no_show', 'expired') AND y.status NOT IN ('cancelled', 'no_show', 'expired')`,
        [a.clinicId]
      )
      expect(overlaps).toEqual([])
      // The successes are a set the pure rule admits: each one, with all the others booked, books.
      const rules = yield* Effect.flatMap(Schedules, (sc) => sc.get(d1.id)).pipe(a.asAdmin)
      for (const b of ok) {
        const others = ok.filter((o) => o.id !== b.id).map((o) => ({ id: o.id, start: o.start, end: o.end, busyStart: o.start, busyEnd: o.end }))
        const context: Availability.Context = {
          zone,
          rules,
          holidays: [],
          busy: others,
          patientBusy: [],
          roomBusy: [],
          now: Date.now(),
          slotMinutes: 5,
          minimumNoticeMinutes: a.clinic.settings.minimumNoticeMinutes,
          bookingHorizonDays: a.clinic.settings.bookingHorizonDays,
          doctorActive: true,
          patientBlocked: false,
          serviceActive: true,
          performed: true,
          roomsActive: true
        }
        const prepared = Availability.prepare(context, b.start - 86_400_000, b.end + 86_400_000)
        expect(Availability.reasons(prepared, { start: b.start, end: b.end, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 })).toEqual([])
      }
    }), { timeout: 120_000 })

  it.effect("a public request holds its slot until confirmed or expired; expiry is honoured by the booking itself", () =>
    Effect.gen(function*() {
      const { a, at, d1, p2 } = yield* setup("Public")
      const catalog = yield* Catalog
      const s = yield* Scheduling
      const service = yield* catalog.createService({ name: "Consult", durationMinutes: 30 }).pipe(a.asAdmin)
      const asPublic = Actor.asPublic(a.clinic.slug)
      const slots = yield* s.publicSlots({ doctorId: d1.id, serviceId: service.id, from: at(4, "00:00"), to: at(5, "00:00") }).pipe(asPublic)
      expect(slots.map((x) => x.start)).toContain(at(4, "09:00"))
      const requested = yield* s.request({
        doctorId: d1.id,
        serviceId: service.id,
        start: at(4, "09:00"),
        patient: { fullName: "Walk In", phone: "+44 20 7946 0999" }
      }).pipe(asPublic)
      expect([requested.status, requested.source, requested.expiresAt! > Date.now()]).toEqual(["requested", "public", true])
      const after = yield* s.publicSlots({ doctorId: d1.id, serviceId: service.id, from: at(4, "00:00"), to: at(5, "00:00") }).pipe(asPublic)
      expect(after.map((x) => x.start)).not.toContain(at(4, "09:00"))
      const staffBooking = { doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at(4, "09:00") }
      expect(yield* Effect.flip(s.book(staffBooking).pipe(a.asAdmin))).toMatchObject({
        reason: { _tag: "slot_taken", appointmentIds: [requested.id] }
      })
      // The public may not do anything else: it is not signed in.
      expect(yield* Effect.flip(s.list().pipe(asPublic))).toMatchObject({ _tag: "Unauthenticated" })
      // The hold ends: no sweeper has run, yet the booking transaction expires the request itself.
      const raw = yield* RawAccess
      yield* raw.execute("UPDATE appointments SET expires_at = ? WHERE id = ?", [raw.instant(Date.now() - 1000), requested.id])
      const booked = yield* s.book(staffBooking).pipe(a.asAdmin)
      expect(booked.status).toBe("scheduled")
      expect((yield* s.get(requested.id).pipe(a.asAdmin)).status).toBe("expired")
      // A confirmed request stops expiring.
      const second = yield* s.request({
        doctorId: d1.id, serviceId: service.id, start: at(4, "10:00"), patient: { fullName: "Walk In", phone: "+44 20 7946 0999" }
      }).pipe(asPublic)
      // The same phone: each request holds the contact itself, matched to nobody until staff confirm it.
      expect([second.patientId, second.requester?.phone]).toEqual([null, requested.requester?.phone])
      const confirmed = yield* s.confirmRequest({ id: second.id, status: "confirmed" }).pipe(a.asAdmin)
      expect([confirmed.status, confirmed.expiresAt, confirmed.patientId === null]).toEqual(["confirmed", null, false])
    }))

  it.effect("available slots for several doctors: the grid starts each one's rules and bookings leave free", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1 } = yield* setup("Slots")
      const s = yield* Scheduling
      yield* s.book({ doctorId: d2.id, patientId: p1.id, start: at(0, "09:00"), end: at(0, "10:00") }).pipe(a.asAdmin)
      const slots = yield* s.availableSlots({ doctorIds: [d1.id, d2.id], durationMinutes: 60, from: at(0, "00:00"), to: at(1, "00:00") })
        .pipe(a.asAdmin)
      const local = (t: number) => new Date(t).toISOString().slice(11, 16)
      const of = (id: string) => slots.filter((x) => x.doctorId === id).map((x) => local(x.start))
      // London in winter or summer: compare local wall-clock times through the same conversion.
      const wall = (time: string) => local(at(0, time))
      // Dr One: 09:00–13:00 with a 10:00–10:30 break; hour-long slots on the 15-minute grid.
      expect(of(d1.id)).toEqual(["09:00", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45", "12:00"].map(wall))
      // Dr Two: no break, but 09:00–10:00 is booked.
      expect(of(d2.id)).toEqual(["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "11:45", "12:00"].map(wall))
      expect(slots.map((x) => x.start)).toEqual([...slots.map((x) => x.start)].sort((x, y) => x - y))
    }))

  it.effect("slot listings page by a cursor: pages of at most `limit` join up to the whole listing; over the cap is a ValidationError", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2 } = yield* setup("SlotPages")
      const s = yield* Scheduling
      const query = { doctorIds: [d1.id, d2.id], durationMinutes: 30, from: at(0, "00:00"), to: at(5, "00:00") }
      const whole = yield* s.availableSlots(query).pipe(a.asAdmin)
      expect(whole.length).toBeGreaterThan(20)
      for (const limit of [1, 7, 16]) {
        const pages: Array<ReadonlyArray<SchedulingModule.AvailableSlot>> = []
        let after: { start: number; doctorId: string } | undefined
        for (;;) {
          const page = yield* s.availableSlots({ ...query, limit, ...(after === undefined ? {} : { after }) }).pipe(a.asAdmin)
          expect(page.length).toBeLessThanOrEqual(limit)
          pages.push(page)
          if (page.length < limit) break
          const last = page[page.length - 1]!
          after = { start: last.start, doctorId: last.doctorId }
        }
        expect({ limit, slots: pages.flat() }).toEqual({ limit, slots: whole })
      }
      expect(yield* s.firstAvailable(query).pipe(a.asAdmin)).toEqual(Option.some(whole[0]))
      const tooMany = yield* Effect.flip(s.availableSlots({ ...query, limit: 2001 }).pipe(a.asAdmin))
      expect(tooMany).toMatchObject({ _tag: "ValidationError" })
      expect(JSON.stringify(tooMany)).toContain("limit")
    }))

  it.effect("lists filter by doctor, patient, status and range", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("Lists")
      const s = yield* Scheduling
      const book = (doctorId: string, patientId: string, day: number, time: string) =>
        s.book({ doctorId, patientId, start: at(day, time), end: at(day, time) + 30 * MINUTE }).pipe(a.asAdmin)
      const x1 = yield* book(d1.id, p1.id, 0, "09:00")
      const x2 = yield* book(d1.id, p2.id, 4, "09:00")
      const x3 = yield* book(d2.id, p1.id, 4, "11:00")
      yield* s.setStatus({ id: x2.id, status: "confirmed" }).pipe(a.asAdmin)
      yield* s.cancel({ id: x3.id, reason: "clash" }).pipe(a.asAdmin)
      const ids = (xs: ReadonlyArray<{ readonly id: string }>) => xs.map((x) => x.id)
      expect(ids(yield* s.list({ doctorId: d1.id }).pipe(a.asAdmin))).toEqual([x1.id, x2.id])
      expect(ids(yield* s.list({ patientId: p1.id }).pipe(a.asAdmin))).toEqual([x1.id, x3.id])
      expect(ids(yield* s.list({ statuses: ["confirmed", "cancelled"] }).pipe(a.asAdmin))).toEqual([x2.id, x3.id])
      expect(ids(yield* s.list({ from: at(4, "00:00"), to: at(4, "10:00") }).pipe(a.asAdmin))).toEqual([x2.id])
      expect(ids(yield* s.list({ when: "upcoming" }).pipe(a.asAdmin))).toEqual([x1.id, x2.id])
      expect(ids(yield* s.list({ when: "upcoming", limit: 1 }).pipe(a.asAdmin))).toEqual([x1.id])
      expect((yield* s.get(x3.id).pipe(a.asAdmin)).cancelReason).toBe("clash")
    }))

  it.effect("a doctor changes the status of their own appointments only", () =>
    Effect.gen(function*() {
      const { a, at, d1, d2, p1, p2 } = yield* setup("Own")
      const account = yield* Fixtures.staffMember(a, "doctor")
      yield* Effect.flatMap(Doctors, (d) => d.update({ id: d1.id, staffId: account.id })).pipe(a.asAdmin)
      const s = yield* Scheduling
      const mine = yield* s.book({ doctorId: d1.id, patientId: p1.id, start: at(0, "09:00"), end: at(0, "09:30") }).pipe(a.asAdmin)
      const theirs = yield* s.book({ doctorId: d2.id, patientId: p2.id, start: at(0, "09:00"), end: at(0, "09:30") }).pipe(a.asAdmin)
      expect((yield* s.setStatus({ id: mine.id, status: "confirmed" }).pipe(a.as(account.id))).status).toBe("confirmed")
      expect(yield* Effect.flip(s.setStatus({ id: theirs.id, status: "confirmed" }).pipe(a.as(account.id)))).toMatchObject({
        _tag: "PermissionDenied",
        reason: "not_own_record"
      })
      expect((yield* s.get(theirs.id).pipe(a.asAdmin)).status).toBe("scheduled")
    }))
}
