/**
 * What the Scheduling operations share: loading what a booking refers to, building the
 * availability context of one doctor, and turning the rule's reasons into errors.
 */
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Appointment, busyRange } from "../Appointment.js"
import * as Availability from "../Availability.js"
import type { ClinicService } from "../CatalogItem.js"
import type { Clinic } from "../Clinic.js"
import { Conflict, NotFound } from "../Errors.js"
import { AppointmentId, type ClinicId, type DoctorId, type PatientId, type RoomId, type ServiceId, type StaffId } from "../Ids.js"
import type { DoctorRules } from "../Schedule.js"
import type { BookingAssumptions, Storage } from "../Storage.js"
import { decode, invalid } from "./validation.js"

const MINUTE = 60_000
const DAY = 86_400_000

/** Reasons an override may book through: working-time rules, notice and horizon; never a conflict or the past. */
const overridable = new Set<Availability.ReasonCode>(["outside_hours", "break", "time_off", "holiday", "notice", "horizon"])

const noRules: DoctorRules = { weekly: [], breaks: [], timeOff: [], overrides: [] }

/** The clinic-local dates whose holidays can matter to times in [from, to). */
const holidayDates = (zone: string, from: number, to: number): readonly [string, string] => [
  Availability.zoned.date(zone, from - DAY),
  Availability.zoned.date(zone, to + DAY)
]

const fingerprint = (parts: ReadonlyArray<unknown>) => createHash("sha256").update(JSON.stringify(parts)).digest("base64url")

/** How many doctors' rules, and how many services, a process remembers (each a few hundred bytes). */
const REMEMBERED = 10_000

/** The last `REMEMBERED` values set, by key. */
const memory = <A>() => {
  const values = new Map<string, A>()
  return {
    get: (key: string) => values.get(key),
    set: (key: string, value: A) => {
      values.delete(key)
      if (values.size >= REMEMBERED) values.delete(values.keys().next().value!)
      values.set(key, value)
    }
  }
}

export const makeBooking = (storage: Storage) => {
  /**
   * Doctors' rules and services as last read, by clinic: what a booking may decide on before it
   * reads anything, because the insert that follows checks them (`insertIf`). Never trusted otherwise.
   */
  const knownRules = memory<Option.Option<DoctorRules>>()
  const knownServices = memory<ClinicService>()

  const notFound = (entity: string, id: string) => new NotFound({ entity, id })
  const load = <A>(entity: string, id: string, found: Effect.Effect<Option.Option<A>>) =>
    Effect.flatMap(found, Option.match({ onNone: () => Effect.fail(notFound(entity, id)), onSome: Effect.succeed }))

  const loadDoctor = (clinicId: ClinicId, id: DoctorId) => load("Doctor", id, storage.doctors.findById(clinicId, id))
  const loadPatientBlocked = (clinicId: ClinicId, patientId: PatientId) =>
    Effect.map(load("Patient", patientId, storage.patients.findById(clinicId, patientId)), (p) => p.blocked)
  const loadService = (clinicId: ClinicId, id: ServiceId) =>
    Effect.tap(load("Service", id, storage.catalog.findService(clinicId, id)), (service) => knownServices.set(`${clinicId}/${id}`, service))
  const rememberedService = (clinicId: ClinicId, id: ServiceId) => Option.fromNullable(knownServices.get(`${clinicId}/${id}`))
  const loadAppointment = (clinicId: ClinicId, id: string) =>
    Effect.flatMap(decode(Schema.Struct({ id: AppointmentId }), { id }), (valid) =>
      Effect.map(load("Appointment", valid.id, storage.appointments.findById(clinicId, valid.id)), (row) => row.appointment))
  const loadRooms = (clinicId: ClinicId, ids: ReadonlyArray<RoomId>) =>
    Effect.gen(function*() {
      const unique = [...new Set(ids)]
      const rooms = yield* storage.catalog.findRooms(clinicId, unique)
      const missing = unique.find((id) => !rooms.some((r) => r.id === id))
      if (missing !== undefined) return yield* notFound("Room", missing)
      if (rooms.some((r) => !r.active)) return yield* new Conflict({ reason: { _tag: "inactive_reference", field: "roomIds" } })
      return unique
    })

  /** The rule's context: the clinic's zone and settings, and the facts about the doctor's time. */
  const contextOf = (
    clinic: Clinic,
    now: number,
    facts: Pick<Availability.Context, "holidays" | "busy" | "doctorActive" | "patientBlocked"> & {
      readonly rules: Option.Option<DoctorRules>
    }
  ): Availability.Context => ({
    ...facts,
    zone: clinic.timeZone,
    rules: Option.getOrElse(facts.rules, () => noRules),
    now,
    slotMinutes: clinic.settings.slotMinutes,
    minimumNoticeMinutes: clinic.settings.minimumNoticeMinutes,
    bookingHorizonDays: clinic.settings.bookingHorizonDays
  })

  /**
   * The availability context of one doctor for times in [from, to): the doctor, the patient's
   * block, the rules, the holidays and the busy time of every occupant, read in one round trip.
   * `holdsEnded`: requests past their hold were in that time (they do not count, but must be marked
   * expired before a write meets them in the database).
   */
  const contextFor = (
    clinic: Clinic,
    doctorId: DoctorId,
    occupants: { readonly patientId?: PatientId | undefined; readonly roomIds: ReadonlyArray<RoomId> },
    from: number,
    to: number,
    now: number,
    excludeId?: AppointmentId
  ) =>
    Effect.gen(function*() {
      const zone = clinic.timeZone
      const [doctor, patientBlocked, rules, holidays, busy] = yield* Effect.all([
        loadDoctor(clinic.id, doctorId),
        occupants.patientId === undefined ? Effect.succeed(false) : loadPatientBlocked(clinic.id, occupants.patientId),
        storage.schedules.rules(clinic.id, doctorId),
        storage.schedules.holidays(clinic.id, ...holidayDates(zone, from, to)),
        // Wide enough for any buffers (at most 4 hours each side).
        storage.appointments.blocking(
          clinic.id,
          { doctorId, patientId: occupants.patientId, roomIds: occupants.roomIds },
          from - 8 * 60 * MINUTE,
          to + 8 * 60 * MINUTE,
          now,
          excludeId
        )
      ], { concurrency: "unbounded" })
      knownRules.set(`${clinic.id}/${doctorId}`, rules)
      const context = contextOf(clinic, now, {
        rules,
        holidays: holidays.map((h) => h.date),
        busy: busy.flatMap((a) => (a.holdEnded ? [] : [{ id: a.id, start: a.start, end: a.end, ...busyRange(a) }])),
        doctorActive: doctor.active,
        patientBlocked
      })
      return { doctor, prepared: Availability.prepare(context, from, to), holdsEnded: busy.some((a) => a.holdEnded) }
    })

  /**
   * The availability context a booking of `doctorId` assumes before reading anything: the rules
   * last read, no holiday, no busy time, an active doctor and a patient who is not blocked. `None`
   * when the rules were never read here. `insertIf` checks every assumption as it writes.
   */
  const assumedContext = (clinic: Clinic, doctorId: DoctorId, from: number, to: number, now: number) =>
    Option.map(Option.fromNullable(knownRules.get(`${clinic.id}/${doctorId}`)), (rules) => {
      const context = contextOf(clinic, now, { rules, holidays: [], busy: [], doctorActive: true, patientBlocked: false })
      const assumptions: BookingAssumptions = { rules, noHolidays: holidayDates(clinic.timeZone, from, to) }
      return { prepared: Availability.prepare(context, from, to), assumptions }
    })

  /** The reasons that keep a time from being booked (an override passes the working-time reasons). */
  const refusals = (reasons: ReadonlyArray<Availability.Reason>, override: boolean) =>
    reasons.filter((r) => !(override && overridable.has(r.code)))

  /** Refuses a time the rule does not admit. */
  const admit = (reasons: ReadonlyArray<Availability.Reason>, override: boolean) => {
    const blocking = refusals(reasons, override)
    if (blocking.length === 0) return Effect.void
    const taken = blocking.flatMap((r) => (r.code === "booked" || r.code === "buffer" ? r.appointmentIds ?? [] : []))
    return Effect.fail(
      taken.length > 0
        ? new Conflict({ reason: { _tag: "slot_taken", appointmentIds: taken } })
        : new Conflict({ reason: { _tag: "not_bookable", reasons: blocking.map((r) => ({ code: r.code })) } })
    )
  }

  const timing = (service: Option.Option<ClinicService>, start: number, end: number | undefined) =>
    Effect.gen(function*() {
      const resolvedEnd = Option.match(service, {
        onNone: () => end,
        onSome: (s) => start + s.durationMinutes * MINUTE
      })
      if (resolvedEnd === undefined) return yield* invalid("end", "is required without a service")
      if (end !== undefined && end !== resolvedEnd) return yield* invalid("end", "must be start + the service's duration")
      if (resolvedEnd <= start) return yield* invalid("end", "must be after start")
      return resolvedEnd
    })


  const ownerOf = (clinicId: ClinicId, appointment: Appointment) =>
    Effect.map(loadDoctor(clinicId, appointment.doctorId), (d) => Option.getOrNull(d.staffId) as StaffId | null)

  return {
    admit,
    assumedContext,
    contextFor,
    fingerprint,
    refusals,
    loadAppointment,
    loadDoctor,
    loadRooms,
    loadService,
    rememberedService,
    ownerOf,
    timing
  }
}
