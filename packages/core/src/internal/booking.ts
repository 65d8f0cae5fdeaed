/**
 * The deciding context of every Scheduling operation that asks "can this time be booked?": the
 * parties (doctors, patient, service, rooms) and their time (rules, holidays, busy intervals),
 * read in batches and turned into one `Availability.Prepared` per doctor. `availableSlots`,
 * `explain`, `book`, `reschedule` and public requests all decide on what this builds, so a listed
 * slot books and a refusal names what `explain` names.
 */
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Appointment, busyRange } from "../Appointment.js"
import * as Availability from "../Availability.js"
import type { ClinicService, Room } from "../CatalogItem.js"
import type { Clinic } from "../Clinic.js"
import type { Doctor } from "../Doctor.js"
import { Conflict, NotFound } from "../Errors.js"
import { AppointmentId, type ClinicId, type DoctorId, type PatientId, type RoomId, type ServiceId, type StaffId } from "../Ids.js"
import type { DoctorRules } from "../Schedule.js"
import type { BusyAppointment, DoctorFacts, Expected, Storage } from "../Storage.js"
import { decode, invalid } from "./validation.js"

const MINUTE = 60_000
const DAY = 86_400_000
/** Busy time is read this far around a range: wide enough for any buffers (at most 4 hours each side). */
const BUFFER_REACH = 8 * 60 * MINUTE

/** The longest appointment: a bound on the work one call can ask for, as well as a sanity limit. */
export const MAX_LENGTH = DAY

const noRules: DoctorRules = { weekly: [], breaks: [], timeOff: [], overrides: [] }

/** Who and what a decision is about. */
export interface Subject {
  /** `undefined`: every active doctor who performs the service (every active doctor without one). */
  readonly doctorIds: ReadonlyArray<DoctorId> | undefined
  readonly patientId?: PatientId | undefined
  readonly serviceId?: ServiceId | undefined
  /** Rooms needed besides the service's own. */
  readonly roomIds: ReadonlyArray<RoomId>
}

/** The parties of a decision, as read. */
export interface Parties {
  readonly doctors: ReadonlyArray<DoctorFacts>
  readonly patientBlocked: boolean
  readonly patientId: PatientId | undefined
  readonly service: Option.Option<ClinicService>
  /** The service's rooms and the extra ones, each once. */
  readonly rooms: ReadonlyArray<Room>
}

/** One doctor's decision context for a range, and the versions a write must find unchanged. */
export interface DoctorTime {
  readonly doctor: Doctor
  readonly prepared: Availability.Prepared
  readonly expected: Expected
}

/** The buffers an appointment of `service` gets. */
export const buffersOf = (service: Option.Option<ClinicService>) =>
  Option.match(service, {
    onNone: () => ({ bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }),
    onSome: (s) => ({ bufferBeforeMinutes: s.bufferBeforeMinutes, bufferAfterMinutes: s.bufferAfterMinutes })
  })

/** A request's fingerprint, to tell a retry from a different request with the same idempotency key. */
export const fingerprint = (parts: ReadonlyArray<unknown>) => createHash("sha256").update(JSON.stringify(parts)).digest("base64url")

/** The clinic-local dates whose holidays can matter to times in [from, to). */
const holidayDates = (zone: string, from: number, to: number): readonly [string, string] => [
  Availability.zoned.date(zone, from - DAY),
  Availability.zoned.date(zone, to + DAY)
]

const notFound = (entity: string, id: string) => new NotFound({ entity, id })
const load = <A>(entity: string, id: string, found: Effect.Effect<Option.Option<A>>) =>
  Effect.flatMap(found, Option.match({ onNone: () => Effect.fail(notFound(entity, id)), onSome: Effect.succeed }))

/** Whether the doctor can take new bookings: active, and so is the staff account it links to. */
const bookable = (facts: DoctorFacts) =>
  facts.doctor.active && (Option.isNone(facts.doctor.staffId) || facts.accountStatus === "active")

/*
 * Reads run one after the other: a transaction has one connection, so statements cannot overlap
 * (pg queues them, better-sqlite3 is synchronous), and forking a fiber per read costs more than it
 * could save (measured in docs/benchmarks.md).
 */
export const makeBooking = (storage: Storage) => {
  const loadDoctor = (clinicId: ClinicId, id: DoctorId) => load("Doctor", id, storage.doctors.findById(clinicId, id))
  const loadService = (clinicId: ClinicId, id: ServiceId) => load("Service", id, storage.catalog.findService(clinicId, id))
  const loadAppointment = (clinicId: ClinicId, id: string) =>
    Effect.flatMap(decode(Schema.Struct({ id: AppointmentId }), { id }), (valid) =>
      Effect.map(load("Appointment", valid.id, storage.appointments.findById(clinicId, valid.id)), (row) => row.appointment))

  /** Every active doctor who performs `service` (every active doctor without one). */
  const performers = (clinicId: ClinicId, service: Option.Option<ClinicService>) =>
    Effect.map(storage.doctors.list(clinicId, { active: true }), (doctors) =>
      doctors.filter((d) =>
        Option.match(service, { onNone: () => true, onSome: (s) => s.doctorIds.length === 0 || s.doctorIds.includes(d.id) })
      ).map((d) => d.id))

  /** The parties of `subject`: every id must exist in the clinic (`NotFound` otherwise). */
  const parties = (clinic: Clinic, subject: Subject) =>
    Effect.gen(function*() {
      const clinicId = clinic.id
      const [service, patient, named] = yield* Effect.all([
        subject.serviceId === undefined ? Effect.succeed(Option.none<ClinicService>()) : Effect.map(loadService(clinicId, subject.serviceId), Option.some),
        subject.patientId === undefined ? Effect.succeed(undefined) : load("Patient", subject.patientId, storage.patients.findById(clinicId, subject.patientId)),
        subject.doctorIds === undefined ? Effect.succeed(undefined) : storage.schedules.facts(clinicId, subject.doctorIds)
      ])
      const roomIds = [...new Set([...Option.match(service, { onNone: () => [], onSome: (s) => s.roomIds }), ...subject.roomIds])]
      const [rooms, doctors] = yield* Effect.all([
        roomIds.length === 0 ? Effect.succeed([]) : storage.catalog.findRooms(clinicId, roomIds),
        named !== undefined
          ? Effect.succeed(named)
          : Effect.flatMap(performers(clinicId, service), (ids) => storage.schedules.facts(clinicId, ids))
      ])
      if (subject.doctorIds !== undefined) {
        const missing = subject.doctorIds.find((id) => !doctors.some((f) => f.doctor.id === id))
        if (missing !== undefined) return yield* notFound("Doctor", missing)
      }
      const missingRoom = roomIds.find((id) => !rooms.some((r) => r.id === id))
      if (missingRoom !== undefined) return yield* notFound("Room", missingRoom)
      // In the order asked for (or by id), so results do not depend on how the database returned them.
      const order = subject.doctorIds ?? doctors.map((f) => f.doctor.id).sort()
      const ordered = [...new Set(order)].map((id) => doctors.find((f) => f.doctor.id === id)!)
      return {
        doctors: ordered,
        patientBlocked: patient?.blocked ?? false,
        patientId: subject.patientId,
        service,
        rooms
      } satisfies Parties
    })

  /**
   * The time of `parties` in [from, to) at `now`: each doctor's rules, the clinic's holidays and the
   * busy time of every occupant, read in one go. `holdsEnded`: requests past their hold were in that
   * time (they do not count, but must be marked expired before a write meets them in the database).
   * `listing`: only the busy intervals are read, without the appointments' ids (`availableSlots`
   * reports no ids; the rule decides the same on the intervals alone).
   */
  const timeOf = (
    clinic: Clinic,
    p: Parties,
    from: number,
    to: number,
    now: number,
    options: { readonly excludeId?: AppointmentId | undefined; readonly listing?: boolean } = {}
  ) =>
    Effect.gen(function*() {
      const zone = clinic.timeZone
      const occupants = { doctorIds: p.doctors.map((f) => f.doctor.id), patientId: p.patientId, roomIds: p.rooms.map((r) => r.id) }
      const holidays = yield* storage.schedules.holidays(clinic.id, ...holidayDates(zone, from, to))
      const range = [clinic.id, occupants, from - BUFFER_REACH, to + BUFFER_REACH, now] as const
      let busy: ReadonlyArray<{ readonly occupies: BusyAppointment["occupies"]; readonly doctorId: DoctorId | null; readonly busy: Availability.Busy }>
      let holdsEnded = false
      if (options.listing === true) {
        const times = yield* storage.appointments.busyTimes(...range)
        busy = times.map((t) => ({
          occupies: t.occupies,
          doctorId: t.doctorId,
          busy: { id: "", start: t.busyStart, end: t.busyEnd, busyStart: t.busyStart, busyEnd: t.busyEnd }
        }))
      } else {
        const rows = yield* storage.appointments.blocking(...range, options.excludeId)
        holdsEnded = rows.some((a) => a.holdEnded)
        busy = rows.filter((a) => !a.holdEnded).map((a) => ({
          occupies: a.occupies,
          doctorId: a.doctorId,
          busy: { id: a.id, start: a.start, end: a.end, ...busyRange(a) }
        }))
      }
      // Each doctor's intervals, grouped once (a listing for many doctors can hold thousands).
      const single = p.doctors.length === 1
      const byDoctor = new Map<DoctorId | null, Array<Availability.Busy>>()
      const patientBusy: Array<Availability.Busy> = []
      const roomBusy: Array<Availability.Busy> = []
      for (const b of busy) {
        if (b.occupies === "patient") patientBusy.push(b.busy)
        else if (b.occupies === "room") roomBusy.push(b.busy)
        else {
          const key = single ? null : b.doctorId
          const list = byDoctor.get(key)
          if (list === undefined) byDoctor.set(key, [b.busy])
          else list.push(b.busy)
        }
      }
      const holidayDatesList = holidays.map((h) => h.date)
      const serviceActive = Option.match(p.service, { onNone: () => true, onSome: (s) => s.active })
      const doctors = p.doctors.map((facts): DoctorTime => {
        const { doctor } = facts
        const context: Availability.Context = {
          zone,
          rules: Option.getOrElse(facts.rules, () => noRules),
          holidays: holidayDatesList,
          busy: byDoctor.get(single ? null : doctor.id) ?? [],
          patientBusy,
          roomBusy,
          now,
          slotMinutes: clinic.settings.slotMinutes,
          minimumNoticeMinutes: clinic.settings.minimumNoticeMinutes,
          bookingHorizonDays: clinic.settings.bookingHorizonDays,
          doctorActive: bookable(facts),
          patientBlocked: p.patientBlocked,
          serviceActive,
          performed: Option.match(p.service, {
            onNone: () => true,
            onSome: (s) => s.doctorIds.length === 0 || s.doctorIds.includes(doctor.id)
          }),
          roomsActive: p.rooms.every((r) => r.active)
        }
        return {
          doctor,
          prepared: Availability.prepare(context, from, to),
          expected: {
            doctor: { id: doctor.id, version: doctor.version },
            service: Option.getOrUndefined(Option.map(p.service, (s) => ({ id: s.id, version: s.version }))),
            rooms: p.rooms.map((r) => ({ id: r.id, version: r.version }))
          }
        }
      })
      return { doctors, holdsEnded }
    })

  /** The end of an appointment starting at `start`: the service's duration, or the given end. */
  const timing = (service: Option.Option<ClinicService>, start: number, end: number | undefined) =>
    Effect.gen(function*() {
      const resolvedEnd = Option.match(service, {
        onNone: () => end,
        onSome: (s) => start + s.durationMinutes * MINUTE
      })
      if (resolvedEnd === undefined) return yield* invalid("end", "is required without a service")
      if (end !== undefined && end !== resolvedEnd) return yield* invalid("end", "must be start + the service's duration")
      if (resolvedEnd <= start) return yield* invalid("end", "must be after start")
      if (resolvedEnd - start > MAX_LENGTH) return yield* invalid("end", "must be at most 24 hours after start")
      return resolvedEnd
    })

  const ownerOf = (clinicId: ClinicId, appointment: Appointment) =>
    Effect.map(loadDoctor(clinicId, appointment.doctorId), (d) => Option.getOrNull(d.staffId) as StaffId | null)

  return { loadAppointment, loadDoctor, ownerOf, parties, timeOf, timing }
}

/** The reasons that keep a time from being booked (an override passes the working-time reasons). */
export const refusals = (reasons: ReadonlyArray<Availability.Reason>, override: boolean) =>
  reasons.filter((r) => !(override && Availability.overridable.has(r.code)))

/**
 * Refuses a time the rule does not admit: `slot_taken` naming the appointments in the way when
 * that is all that refuses it, otherwise `not_bookable` with every reason, as `explain` gives them.
 */
export const admit = (reasons: ReadonlyArray<Availability.Reason>, override: boolean) => {
  const blocking = refusals(reasons, override)
  if (blocking.length === 0) return Effect.void
  if (blocking.every((r) => Availability.conflictCodes.has(r.code))) {
    const taken = [...new Set(blocking.flatMap((r) => r.appointmentIds ?? []))]
    return Effect.fail(new Conflict({ reason: { _tag: "slot_taken", appointmentIds: taken } }))
  }
  return Effect.fail(new Conflict({ reason: { _tag: "not_bookable", reasons: blocking } }))
}
