/**
 * The no-overlap guarantee of DESIGN §7 on one adapter, at the storage port: the database itself
 * (exclusion constraints on Postgres, triggers on SQLite) refuses overlapping buffered busy
 * intervals per doctor, patient and room, for blocking statuses only, and the port maps that to
 * `Conflict { slot_taken }` naming the appointments in the way. Also the catalog and schedule
 * repositories round-trip. The concurrent writers run in each adapter's own test, over its own
 * connections, through `concurrentInserts`.
 */
import { randomUUID } from "node:crypto"
import { Appointment, AppointmentStatus, isBlocking } from "@clinicore/core/Appointment"
import { ClinicService, Room } from "@clinicore/core/CatalogItem"
import { Doctors } from "@clinicore/core/Doctors"
import type { Conflict } from "@clinicore/core/Errors"
import type { AppointmentId, ClinicId, DoctorId, PatientId, RoomId, ServiceId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const MINUTE = 60_000
/** 09:00 UTC on a day far enough ahead that nothing else in these tests is near it. */
const T0 = Date.UTC(2031, 2, 3, 9)
const at = (minutes: number) => T0 + minutes * MINUTE

/** A clinic with two doctors and four patients, created through the services. */
const setup = (label: string) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label)
    const doctors = yield* Doctors
    const patients = yield* Patients
    const d1 = yield* doctors.create({ name: "Dr One", specialty: "GP" }).pipe(a.asAdmin, Effect.orDie)
    const d2 = yield* doctors.create({ name: "Dr Two", specialty: "GP" }).pipe(a.asAdmin, Effect.orDie)
    const [p1, p2, p3, p4] = yield* Effect.forEach(
      [1, 2, 3, 4],
      (i) => patients.create({ fullName: `Patient ${i}`, phone: `+1 212 555 010${i}` }).pipe(a.asAdmin, Effect.orDie)
    )
    const storage = yield* Storage
    const room = (name: string) =>
      Effect.gen(function*() {
        const r = new Room({ id: randomUUID() as RoomId, clinicId: a.clinicId, name, kind: "room", active: true, version: 1 })
        yield* storage.catalog.insertRoom(r).pipe(storage.transaction(a.clinicId), Effect.orDie)
        return r
      })
    return { a, clinicId: a.clinicId, d1: d1.id, d2: d2.id, p1: p1!.id, p2: p2!.id, p3: p3!.id, p4: p4!.id, room }
  })

interface Spec {
  readonly doctorId: DoctorId
  readonly patientId: PatientId
  /** Minutes after `T0`. */
  readonly start: number
  readonly minutes?: number
  readonly before?: number
  readonly after?: number
  readonly status?: AppointmentStatus
  readonly roomIds?: ReadonlyArray<RoomId>
}

const appointment = (clinicId: ClinicId, s: Spec) =>
  new Appointment({
    id: randomUUID() as AppointmentId,
    clinicId,
    doctorId: s.doctorId,
    patientId: s.patientId,
    serviceId: null,
    roomIds: s.roomIds ?? [],
    start: at(s.start),
    end: at(s.start + (s.minutes ?? 30)),
    bufferBeforeMinutes: s.before ?? 0,
    bufferAfterMinutes: s.after ?? 0,
    status: s.status ?? "scheduled",
    notes: null,
    cancelReason: null,
    idempotencyKey: null,
    source: "staff",
    expiresAt: null,
    createdBy: null,
    version: 1,
    createdAt: Date.now(),
    updatedAt: Date.now()
  })

/** Inserts through the storage port, in a transaction of the appointment's clinic. */
const insert = (a: Appointment) =>
  Effect.flatMap(Storage, (storage) =>
    storage.appointments.insert({ appointment: a, requestFingerprint: null }, {}).pipe(
      storage.transaction(a.clinicId),
      Effect.as(a)
    ))

const update = (a: Appointment) =>
  Effect.flatMap(Storage, (storage) => storage.appointments.update(a, {}).pipe(storage.transaction(a.clinicId), Effect.as(a)))

const slotTaken = (...ids: ReadonlyArray<string>) => ({
  _tag: "Conflict",
  reason: { _tag: "slot_taken", appointmentIds: [...ids].sort() }
})

/** The driver error (a `SqlError`) a raw statement died with. */
const rawFailure = (sql: string, params: ReadonlyArray<unknown>) =>
  Effect.flatMap(RawAccess, (raw) => Effect.exit(raw.execute(sql, params))).pipe(
    Effect.map((exit): unknown => {
      if (Exit.isSuccess(exit)) return undefined
      return Option.getOrUndefined(Cause.dieOption(exit.cause))
    })
  )

const rawInsert = (clinicId: ClinicId, s: Spec & { readonly id?: string }) =>
  Effect.gen(function*() {
    const raw = yield* RawAccess
    const start = at(s.start)
    const end = at(s.start + (s.minutes ?? 30))
    return [
      `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, buffer_before_minutes,
         buffer_after_minutes, busy_start, busy_end, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        clinicId,
        s.id ?? randomUUID(),
        s.doctorId,
        s.patientId,
        raw.instant(start),
        raw.instant(end),
        s.before ?? 0,
        s.after ?? 0,
        raw.instant(start - (s.before ?? 0) * MINUTE),
        raw.instant(end + (s.after ?? 0) * MINUTE),
        s.status ?? "scheduled",
        raw.instant(Date.now())
      ]
    ] as const
  })

/** Pairs of blocking appointments of one doctor, or one patient, whose busy intervals overlap. */
const overlappingPairs = (clinicId: ClinicId) =>
  Effect.flatMap(RawAccess, (raw) =>
    raw.execute(
      `SELECT x.id AS x, y.id AS y FROM appointments x JOIN appointments y
         ON x.clinic_id = y.clinic_id AND x.id < y.id AND (x.doctor_id = y.doctor_id OR x.patient_id = y.patient_id)
       WHERE x.clinic_id = ? AND x.busy_start < y.busy_end AND y.busy_start < x.busy_end
         AND x.status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'completed')
         AND y.status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'completed')`,
      [clinicId]
    ))

export const overlap = (it: SuiteIt) => {
  it.effect("the same doctor at an overlapping time is slot_taken naming the first; back-to-back and another doctor are fine", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, p1, p2, p3, p4 } = yield* setup("Doctor")
      const first = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0 }))
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: 15 }))))
        .toMatchObject(slotTaken(first.id))
      // Half-open intervals: ending as the first starts, or starting as it ends, is fine.
      yield* insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: 30 }))
      yield* insert(appointment(clinicId, { doctorId: d1, patientId: p3, start: -30 }))
      yield* insert(appointment(clinicId, { doctorId: d2, patientId: p4, start: 0 }))
      const storage = yield* Storage
      const listed = yield* storage.appointments.list(clinicId, { order: "asc", limit: 10 }).pipe(storage.transaction(clinicId))
      expect(listed.map((x) => x.start)).toEqual([at(-30), at(0), at(0), at(30)])
      expect(listed.filter((x) => x.start === at(0)).map((x) => x.doctorId).sort()).toEqual([d1, d2].sort())
      expect(yield* overlappingPairs(clinicId)).toEqual([])
    }))

  it.effect("the same patient with another doctor at an overlapping time is refused", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, p1, p2 } = yield* setup("Patient")
      const first = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0, minutes: 60 }))
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d2, patientId: p1, start: 59 }))))
        .toMatchObject(slotTaken(first.id))
      yield* insert(appointment(clinicId, { doctorId: d2, patientId: p2, start: 59 }))
    }))

  it.effect("buffers count: busy intervals overlap although the appointments themselves do not", () =>
    Effect.gen(function*() {
      const { clinicId, d1, p1, p2, p3, p4 } = yield* setup("Buffers")
      // Busy 09:00–09:45.
      const first = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0, after: 15 }))
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: 40 }))))
        .toMatchObject(slotTaken(first.id))
      // Its own buffer before reaches back into the first one's buffer after.
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d1, patientId: p3, start: 50, before: 10 }))))
        .toMatchObject(slotTaken(first.id))
      yield* insert(appointment(clinicId, { doctorId: d1, patientId: p4, start: 55, before: 10 }))
      const raw = yield* RawAccess
      const [row] = yield* raw.execute(`SELECT busy_start, busy_end FROM appointments WHERE clinic_id = ? AND id = ?`, [clinicId, first.id])
      expect([row!.busy_start, row!.busy_end])
        .toEqual(raw.dialect === "pg" ? [new Date(at(0)), new Date(at(45))] : [at(0), at(45)])
    }))

  it.effect("exactly the blocking statuses block; cancelling frees the slot and reviving onto a taken slot is refused", () =>
    Effect.gen(function*() {
      const { clinicId, d1, p1, p2 } = yield* setup("Statuses")
      for (const [i, status] of AppointmentStatus.literals.entries()) {
        const held = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: i * 60, status }))
        const attempt = yield* Effect.either(insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: i * 60 + 10 })))
        if (isBlocking(status)) expect({ status, result: attempt }).toMatchObject({ status, result: { left: slotTaken(held.id) } })
        else expect({ status, result: attempt._tag }).toEqual({ status, result: "Right" })
      }
      const first = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 1000 }))
      yield* update(new Appointment({ ...first, status: "cancelled", version: 2 }))
      const second = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: 1000 }))
      expect(yield* Effect.flip(update(new Appointment({ ...first, status: "scheduled", version: 3 }))))
        .toMatchObject(slotTaken(second.id))
    }))

  it.effect("rescheduling onto another's time is refused; onto a time overlapping its own previous one is fine", () =>
    Effect.gen(function*() {
      const { clinicId, d1, p1, p2 } = yield* setup("Reschedule")
      const a = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0 }))
      const b = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p2, start: 60 }))
      expect(yield* Effect.flip(update(new Appointment({ ...b, start: at(15), end: at(45), version: 2 }))))
        .toMatchObject(slotTaken(a.id))
      const storage = yield* Storage
      const unchanged = yield* storage.appointments.findById(clinicId, b.id).pipe(storage.transaction(clinicId))
      expect(Option.map(unchanged, (r) => [r.appointment.start, r.appointment.version])).toEqual(Option.some([at(60), 1]))
      yield* update(new Appointment({ ...b, start: at(75), end: at(105), version: 2 }))
      const moved = yield* storage.appointments.findById(clinicId, b.id).pipe(storage.transaction(clinicId))
      expect(Option.map(moved, (r) => [r.appointment.start, r.appointment.end, r.appointment.version]))
        .toEqual(Option.some([at(75), at(105), 2]))
    }))

  it.effect("a shared room is refused; another room is fine; a cancelled appointment frees its room", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, p1, p2, p3, room } = yield* setup("Rooms")
      const r1 = yield* room("X-ray")
      const r2 = yield* room("Ultrasound")
      const a = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0, after: 15, roomIds: [r1.id] }))
      // Another doctor and patient, in the first one's buffer after, same room.
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d2, patientId: p2, start: 40, roomIds: [r2.id, r1.id] }))))
        .toMatchObject(slotTaken(a.id))
      yield* insert(appointment(clinicId, { doctorId: d2, patientId: p2, start: 40, roomIds: [r2.id] }))
      yield* update(new Appointment({ ...a, status: "cancelled", version: 2 }))
      const c = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p3, start: 10, roomIds: [r1.id] }))
      const raw = yield* RawAccess
      const rows = yield* raw.execute(
        `SELECT appointment_id, blocking FROM appointment_rooms WHERE clinic_id = ? AND room_id = ? ORDER BY blocking`,
        [clinicId, r1.id]
      )
      expect(rows).toEqual([
        { appointment_id: a.id, blocking: raw.dialect === "pg" ? false : 0 },
        { appointment_id: c.id, blocking: raw.dialect === "pg" ? true : 1 }
      ])
      const storage = yield* Storage
      const found = yield* storage.appointments.findById(clinicId, c.id).pipe(storage.transaction(clinicId))
      expect(Option.map(found, (r) => r.appointment.roomIds)).toEqual(Option.some([r1.id]))
    }))

  it.effect("the database itself refuses a raw overlapping blocking row, a raw room overlap and a wrong busy interval", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, p1, p2, p3, room } = yield* setup("Raw")
      const r1 = yield* room("Chair")
      yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0, roomIds: [r1.id] }))
      const raw = yield* RawAccess
      const bool = (b: boolean) => raw.dialect === "pg" ? b : b ? 1 : 0
      const classify = (e: unknown) => e && raw.classify(e)

      const [doctorSql, doctorParams] = yield* rawInsert(clinicId, { doctorId: d1, patientId: p2, start: 29 })
      expect(classify(yield* rawFailure(doctorSql, doctorParams))).toEqual({ kind: "exclusion", detail: "appointments_doctor_overlap" })
      const [patientSql, patientParams] = yield* rawInsert(clinicId, { doctorId: d2, patientId: p1, start: -29 })
      expect(classify(yield* rawFailure(patientSql, patientParams))).toEqual({ kind: "exclusion", detail: "appointments_patient_overlap" })
      // Not blocking: stored.
      const [cancelledSql, cancelledParams] = yield* rawInsert(clinicId, { doctorId: d1, patientId: p2, start: 0, status: "cancelled" })
      expect(yield* rawFailure(cancelledSql, cancelledParams)).toBeUndefined()

      const otherId = randomUUID()
      const [freeSql, freeParams] = yield* rawInsert(clinicId, { id: otherId, doctorId: d2, patientId: p3, start: 0 })
      expect(yield* rawFailure(freeSql, freeParams)).toBeUndefined()
      const roomRow = `INSERT INTO appointment_rooms (clinic_id, appointment_id, room_id, busy_start, busy_end, blocking)
        VALUES (?, ?, ?, ?, ?, ?)`
      expect(classify(yield* rawFailure(roomRow, [clinicId, otherId, r1.id, raw.instant(at(20)), raw.instant(at(30)), bool(true)])))
        .toEqual({ kind: "exclusion", detail: "appointment_rooms_overlap" })
      expect(yield* rawFailure(roomRow, [clinicId, otherId, r1.id, raw.instant(at(20)), raw.instant(at(30)), bool(false)])).toBeUndefined()

      // The stored busy interval can only be the one start, end and buffers give.
      const [, params] = yield* rawInsert(clinicId, { doctorId: d2, patientId: p3, start: 120 })
      const lying = [...params]
      lying[9] = raw.instant(at(130))
      expect(classify(yield* rawFailure(doctorSql, lying))).toEqual({
        kind: "check",
        detail: raw.dialect === "pg" ? "appointments_busy_check" : "CHECK constraint failed: appointments_busy_check"
      })
      expect(yield* overlappingPairs(clinicId)).toEqual([])
    }))

  it.effect("blocking() finds the doctor's, patient's and rooms' blocking appointments; requests past their hold are flagged until expired", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, p1, p2, p3, p4, room } = yield* setup("Blocking")
      const r1 = yield* room("Lab")
      const storage = yield* Storage
      const now = at(-24 * 60)
      const byDoctor = yield* insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 0, after: 10 }))
      const byRoom = yield* insert(appointment(clinicId, { doctorId: d2, patientId: p2, start: 60, roomIds: [r1.id] }))
      const request = yield* insert(
        new Appointment({ ...appointment(clinicId, { doctorId: d2, patientId: p3, start: 120, status: "requested" }), expiresAt: now + MINUTE })
      )
      yield* insert(appointment(clinicId, { doctorId: d2, patientId: p4, start: 180, status: "cancelled" }))
      const blocking = (from: number, to: number, at: number, exclude?: AppointmentId) =>
        storage.appointments.blocking(clinicId, { doctorIds: [d1], patientId: p3, roomIds: [r1.id] }, from, to, at, exclude).pipe(
          storage.transaction(clinicId),
          Effect.map((xs) => xs.map((x) => x.id))
        )
      expect(yield* blocking(at(0), at(240), now)).toEqual([byDoctor.id, byRoom.id, request.id])
      // Within its hold the request is not flagged.
      expect((yield* storage.appointments.blocking(clinicId, { patientId: p3 }, at(0), at(240), now).pipe(storage.transaction(clinicId)))
        .map((x) => x.holdEnded)).toEqual([false])
      // Buffers count; half-open.
      expect(yield* blocking(at(35), at(60), now)).toEqual([byDoctor.id])
      expect(yield* blocking(at(40), at(60), now)).toEqual([])
      expect(yield* blocking(at(0), at(240), now, byDoctor.id)).toEqual([byRoom.id, request.id])
      // Past its hold the request no longer counts, and expireRequests marks it.
      const flagged = yield* storage.appointments.blocking(clinicId, { doctorIds: [d1], patientId: p3, roomIds: [r1.id] }, at(0), at(240), now + MINUTE)
        .pipe(storage.transaction(clinicId))
      expect(flagged.map((x) => [x.id, x.holdEnded])).toEqual([[byDoctor.id, false], [byRoom.id, false], [request.id, true]])
      expect(yield* storage.appointments.expireRequests(clinicId, now).pipe(storage.transaction(clinicId))).toEqual([])
      expect(yield* storage.appointments.expireRequests(clinicId, now + MINUTE).pipe(storage.transaction(clinicId))).toEqual([request.id])
      const expired = yield* storage.appointments.findById(clinicId, request.id).pipe(storage.transaction(clinicId))
      expect(Option.map(expired, (r) => [r.appointment.status, r.appointment.version])).toEqual(Option.some(["expired", 2]))
      // And the doctor's time is free for someone else.
      yield* insert(appointment(clinicId, { doctorId: d2, patientId: p4, start: 120 }))
    }))

  it.effect("a reused idempotency key and another clinic's reference are domain conflicts", () =>
    Effect.gen(function*() {
      const { clinicId, d1, p1, p2 } = yield* setup("Keys")
      const other = yield* setup("KeysOther")
      const keyed = (s: Spec) => new Appointment({ ...appointment(clinicId, s), idempotencyKey: "k-1" })
      yield* insert(keyed({ doctorId: d1, patientId: p1, start: 0 }))
      // A key taken by another appointment: nothing is written, for the caller to decide again
      // (the service then finds the key's appointment and compares the requests).
      const storage = yield* Storage
      const second = keyed({ doctorId: d1, patientId: p2, start: 60 })
      expect(yield* storage.appointments.insert({ appointment: second, requestFingerprint: null }, {}).pipe(storage.transaction(clinicId)))
        .toBe(false)
      expect(Option.isNone(yield* storage.appointments.findById(clinicId, second.id).pipe(storage.transaction(clinicId)))).toBe(true)
      // The same key in another clinic is another key.
      yield* insert(new Appointment({ ...appointment(other.clinicId, { doctorId: other.d1, patientId: other.p1, start: 0 }), idempotencyKey: "k-1" }))
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: other.d1, patientId: p1, start: 120 }))))
        .toMatchObject({ _tag: "Conflict", reason: { _tag: "cross_clinic_reference", field: "doctorId" } })
      const foreignRoom = yield* other.room("Theirs")
      expect(yield* Effect.flip(insert(appointment(clinicId, { doctorId: d1, patientId: p1, start: 120, roomIds: [foreignRoom.id] }))))
        .toMatchObject({ _tag: "Conflict", reason: { _tag: "cross_clinic_reference", field: "roomIds" } })
    }))

  it.effect("services, rooms, doctors' rules and holidays round-trip; a link to another clinic writes nothing", () =>
    Effect.gen(function*() {
      const { clinicId, d1, d2, room } = yield* setup("Catalog")
      const other = yield* setup("CatalogOther")
      const storage = yield* Storage
      const tx = storage.transaction(clinicId)
      const r1 = yield* room("Room A")
      const r2 = new Room({ id: randomUUID() as RoomId, clinicId, name: "Laser", kind: "equipment", active: true, version: 1 })
      yield* storage.catalog.insertRoom(r2).pipe(tx)
      const service = new ClinicService({
        id: randomUUID() as ServiceId,
        clinicId,
        name: "Check-up",
        durationMinutes: 20,
        bufferBeforeMinutes: 5,
        bufferAfterMinutes: 10,
        priceMinor: 4500,
        active: true,
        doctorIds: [d1, d1],
        roomIds: [r1.id],
        version: 1
      })
      yield* storage.catalog.insertService(service).pipe(tx)
      const found = yield* storage.catalog.findService(clinicId, service.id).pipe(tx)
      expect(Option.map(found, (s) => ({ ...s }))).toEqual(Option.some({ ...service, doctorIds: [d1] }))

      const changed = new ClinicService({ ...service, active: false, priceMinor: 5000, doctorIds: [d2], roomIds: [r2.id, r1.id] })
      yield* storage.catalog.updateService(changed).pipe(tx)
      const after = yield* storage.catalog.findService(clinicId, service.id).pipe(tx)
      expect(Option.map(after, (s) => [s.active, s.priceMinor, s.doctorIds, [...s.roomIds].sort()]))
        .toEqual(Option.some([false, 5000, [d2], [r1.id, r2.id].sort()]))
      expect(yield* storage.catalog.listServices(clinicId, { active: true }).pipe(tx)).toEqual([])
      expect((yield* storage.catalog.listServices(clinicId, {}).pipe(tx)).map((s) => s.id)).toEqual([service.id])

      yield* storage.catalog.updateRoom(new Room({ ...r2, active: false })).pipe(tx)
      expect((yield* storage.catalog.listRooms(clinicId, { active: true }).pipe(tx)).map((r) => r.id)).toEqual([r1.id])
      expect((yield* storage.catalog.findRooms(clinicId, [r2.id, randomUUID() as RoomId]).pipe(tx)).map((r) => [r.name, r.kind, r.active]))
        .toEqual([["Laser", "equipment", false]])

      // Another clinic's doctor: refused, and the service row is not left behind either.
      const foreign = new ClinicService({ ...service, id: randomUUID() as ServiceId, doctorIds: [d1, other.d1] })
      expect(yield* Effect.flip(storage.catalog.insertService(foreign).pipe(tx)))
        .toMatchObject({ _tag: "Conflict", reason: { _tag: "cross_clinic_reference", field: "doctorIds" } })
      expect(Option.isNone(yield* storage.catalog.findService(clinicId, foreign.id).pipe(tx))).toBe(true)
      // A doctor that performs a service is not deleted from under it.
      expect(yield* Effect.flip(storage.doctors.delete(clinicId, d2).pipe(tx)))
        .toMatchObject({ _tag: "Conflict", reason: { _tag: "has_dependents", counts: { services: 1 } } })

      expect(Option.isNone(yield* storage.schedules.rules(clinicId, d1).pipe(tx))).toBe(true)
      const rules = {
        weekly: [{ weekday: 1, start: "09:00", end: "13:00" }, { weekday: 5, start: "22:00", end: "06:00" }],
        breaks: [{ _tag: "weekly" as const, weekday: 1, start: "10:00", end: "10:30" }],
        timeOff: [{ _tag: "instants" as const, start: at(0), end: at(60), reason: "training" }],
        overrides: [{ date: "2031-03-04", windows: [] }]
      }
      yield* storage.schedules.setRules(clinicId, d1, rules, Date.now()).pipe(tx)
      expect(yield* storage.schedules.rules(clinicId, d1).pipe(tx)).toEqual(Option.some(rules))
      yield* storage.schedules.setRules(clinicId, d1, { weekly: [], breaks: [], timeOff: [], overrides: [] }, Date.now()).pipe(tx)
      expect(Option.map(yield* storage.schedules.rules(clinicId, d1).pipe(tx), (r) => r.weekly)).toEqual(Option.some([]))
      expect(Option.isNone(yield* storage.schedules.rules(other.clinicId, d1).pipe(storage.transaction(other.clinicId)))).toBe(true)

      yield* storage.schedules.putHoliday(clinicId, { date: "2031-12-25", name: "Christmas" }).pipe(tx)
      yield* storage.schedules.putHoliday(clinicId, { date: "2031-12-26", name: "Boxing" }).pipe(tx)
      yield* storage.schedules.putHoliday(clinicId, { date: "2031-12-26", name: "Boxing Day" }).pipe(tx)
      yield* storage.schedules.putHoliday(clinicId, { date: "2032-01-01", name: "New Year" }).pipe(tx)
      expect(yield* storage.schedules.holidays(clinicId, "2031-12-25", "2031-12-31").pipe(tx)).toEqual([
        { date: "2031-12-25", name: "Christmas" },
        { date: "2031-12-26", name: "Boxing Day" }
      ])
      yield* storage.schedules.deleteHoliday(clinicId, "2031-12-25").pipe(tx)
      expect((yield* storage.schedules.holidays(clinicId, "2031-01-01", "2032-12-31").pipe(tx)).map((h) => h.date))
        .toEqual(["2031-12-26", "2032-01-01"])
      expect(yield* storage.schedules.holidays(other.clinicId, "2031-01-01", "2032-12-31").pipe(storage.transaction(other.clinicId)))
        .toEqual([])
    }))
}

/**
 * 200 overlapping appointments for one doctor, written concurrently by `write` (by default through
 * the storage port in a transaction of the clinic): each must commit or be refused `slot_taken`
 * naming committed ones, with no defect or interruption, and none of those stored may overlap.
 */
export const concurrentInserts = <R = never>(
  write?: (appointment: Appointment, i: number) => Effect.Effect<unknown, Conflict, R>
) =>
  Effect.gen(function*() {
    const { clinicId, d1, p1, p2, p3, p4 } = yield* setup("Race")
    const patients = [p1, p2, p3, p4]
    const attempts = Array.from({ length: 200 }, (_, i) =>
      appointment(clinicId, { doctorId: d1, patientId: patients[i % 4]!, start: ((i * 7) % 60) * 10 }))
    const attempt = (a: Appointment, i: number): Effect.Effect<unknown, Conflict, R | Storage> => write ? write(a, i) : insert(a)
    const exits = yield* Effect.forEach(attempts, (a, i) => Effect.exit(attempt(a, i)), { concurrency: "unbounded" })
    const committed = new Set(attempts.filter((_, i) => Exit.isSuccess(exits[i]!)).map((a) => a.id as string))
    const refusals = exits.flatMap((exit) =>
      Exit.isFailure(exit) ? [Option.getOrUndefined(Cause.failureOption(exit.cause))] : []
    )
    // Nothing else: no defect (a deadlock, SQLITE_BUSY, a SQL error), no interruption.
    const unexpected = exits.flatMap((exit) =>
      Exit.isFailure(exit) && (Cause.isDie(exit.cause) || Cause.isInterrupted(exit.cause)) ? [Cause.pretty(exit.cause)] : []
    )
    expect(unexpected).toEqual([])
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ _tag: "Conflict", reason: { _tag: "slot_taken" } })
      const ids = (refusal!.reason as { appointmentIds: ReadonlyArray<string> }).appointmentIds
      expect(ids.length).toBeGreaterThan(0)
      for (const id of ids) expect(committed.has(id)).toBe(true)
    }
    expect(committed.size).toBeGreaterThan(0)
    expect(refusals.length).toBeGreaterThan(0)
    expect(committed.size + refusals.length).toBe(200)
    expect(yield* overlappingPairs(clinicId)).toEqual([])
    const raw = yield* RawAccess
    const stored = yield* raw.execute(`SELECT id FROM appointments WHERE clinic_id = ?`, [clinicId])
    expect(new Set(stored.map((r) => r.id as string))).toEqual(committed)
  })
