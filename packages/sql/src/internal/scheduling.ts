/**
 * The scheduling repositories (doctors' rules and clinic holidays, services and rooms,
 * appointments), written once for both adapters. The no-overlap guarantee itself is the adapters'
 * (a Postgres exclusion constraint, a SQLite trigger); here it is only turned into a domain error
 * that names the appointments in the way.
 */
import { Appointment, blockingStatuses, busyRange, isBlocking } from "@clinicore/core/Appointment"
import { ClinicService, Room } from "@clinicore/core/CatalogItem"
import { Conflict } from "@clinicore/core/Errors"
import type { AppointmentId, ClinicId, DoctorId, PatientId, RoomId, ServiceId, StaffId } from "@clinicore/core/Ids"
import type { Doctor } from "@clinicore/core/Doctor"
import { DoctorRules } from "@clinicore/core/Schedule"
import type { StaffStatus } from "@clinicore/core/StaffAccount"
import type * as Storage from "@clinicore/core/Storage"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Dialect } from "../Dialect.js"
import { crossClinic, type Handlers } from "./guard.js"
import { bool, json, ms, nonZero, type Row, str } from "./rows.js"

/** What the scheduling repositories borrow from `Repositories.make`. */
export interface Context {
  readonly sql: SqlClient.SqlClient
  readonly dialect: Dialect
  readonly guard: <A>(effect: Effect.Effect<A, SqlError>, on?: Handlers) => Effect.Effect<A, Conflict>
  readonly toDoctor: (row: Row) => Doctor
}

/**
 * Tables whose rows keep an appointment from being deleted, as `[kind, table]`; each has
 * `(clinic_id, appointment_id)`. Reminders, invoices and payments join here when they exist.
 */
const appointmentDependentTables: ReadonlyArray<readonly [kind: string, table: string]> = []

const unique = <A>(values: ReadonlyArray<A>): ReadonlyArray<A> => [...new Set(values)]

/** Groups `(owner, value)` rows into a map from owner to its values, in row order. */
const group = (rows: ReadonlyArray<Row>, owner: string, value: string) => {
  const out = new Map<string, Array<string>>()
  for (const r of rows) {
    const key = String(r[owner])
    const list = out.get(key)
    if (list === undefined) out.set(key, [String(r[value])])
    else list.push(String(r[value]))
  }
  return out
}

const toAppointment = (r: Row, roomIds: ReadonlyArray<string>) =>
  new Appointment({
    id: r.id as AppointmentId,
    clinicId: r.clinic_id as ClinicId,
    doctorId: r.doctor_id as DoctorId,
    patientId: r.patient_id as PatientId,
    serviceId: (r.service_id ?? null) as ServiceId | null,
    roomIds: roomIds as ReadonlyArray<RoomId>,
    start: ms(r.start_at),
    end: ms(r.end_at),
    bufferBeforeMinutes: Number(r.buffer_before_minutes),
    bufferAfterMinutes: Number(r.buffer_after_minutes),
    status: r.status as Appointment["status"],
    notes: str(r.notes),
    cancelReason: str(r.cancel_reason),
    idempotencyKey: str(r.idempotency_key),
    source: r.source as Appointment["source"],
    expiresAt: r.expires_at == null ? null : ms(r.expires_at),
    createdBy: (r.created_by ?? null) as StaffId | null,
    version: Number(r.version),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at)
  }, { disableValidation: true })

const toService = (r: Row, doctorIds: ReadonlyArray<string>, roomIds: ReadonlyArray<string>) =>
  new ClinicService({
    id: r.id as ServiceId,
    clinicId: r.clinic_id as ClinicId,
    name: r.name as string,
    durationMinutes: Number(r.duration_minutes),
    bufferBeforeMinutes: Number(r.buffer_before_minutes),
    bufferAfterMinutes: Number(r.buffer_after_minutes),
    priceMinor: Number(r.price_minor),
    active: bool(r.active),
    doctorIds: doctorIds as ReadonlyArray<DoctorId>,
    roomIds: roomIds as ReadonlyArray<RoomId>,
    version: Number(r.version)
  }, { disableValidation: true })

const toRoom = (r: Row) =>
  new Room({
    id: r.id as RoomId,
    clinicId: r.clinic_id as ClinicId,
    name: r.name as string,
    kind: r.kind as Room["kind"],
    active: bool(r.active),
    version: Number(r.version)
  }, { disableValidation: true })

const decodeRules = Schema.decodeUnknown(DoctorRules)
const rulesText = (rules: DoctorRules): string => JSON.stringify(Schema.encodeSync(DoctorRules)(rules))

/** @internal */
export const make = ({ dialect, guard, sql, toDoctor }: Context): {
  readonly schedules: Storage.ScheduleRepository
  readonly catalog: Storage.CatalogRepository
  readonly appointments: Storage.AppointmentRepository
} => {
  const orDie = <A>(effect: Effect.Effect<A, SqlError>) => Effect.orDie(effect)
  /**
   * Several statements as one unit, in a savepoint when a transaction is already open: either
   * all of them are written or none, and after a violation the enclosing transaction can still
   * run the follow-up query that names the conflict (Postgres aborts the whole transaction
   * otherwise). A failure to begin or end the unit itself is a defect.
   */
  const atomically = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError> => sql.withTransaction(effect)

  // A literal, not parameters: the Postgres planner must see the very list of the exclusion
  // constraints' partial-index predicate to use those indexes. The values are the core's constants.
  const blockingIn = sql.literal(`(${blockingStatuses.map((s) => `'${s}'`).join(", ")})`)

  // ---------------------------------------------------------------------------------------------
  // Schedules

  const schedules: Storage.ScheduleRepository = {
    rules: (clinicId, doctorId) =>
      orDie(sql`SELECT rules FROM doctor_schedules WHERE clinic_id = ${clinicId} AND doctor_id = ${doctorId}`).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeed(Option.none())
            : Effect.map(Effect.orDie(decodeRules(json(rows[0].rules))), Option.some)
        )
      ),
    facts: (clinicId, doctorIds) =>
      doctorIds.length === 0 ? Effect.succeed([]) : orDie(sql`SELECT d.*, s.status AS account_status, ds.rules AS rules
        FROM doctors d
        LEFT JOIN staff s ON s.clinic_id = d.clinic_id AND s.id = d.staff_id
        LEFT JOIN doctor_schedules ds ON ds.clinic_id = d.clinic_id AND ds.doctor_id = d.id
        WHERE d.clinic_id = ${clinicId} AND d.id IN ${sql.in(unique(doctorIds))}`).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (r) =>
            Effect.map(
              r.rules == null ? Effect.succeed(Option.none<DoctorRules>()) : Effect.map(Effect.orDie(decodeRules(json(r.rules))), Option.some),
              (rules): Storage.DoctorFacts => ({
                doctor: toDoctor(r),
                accountStatus: r.account_status == null ? null : (r.account_status as StaffStatus),
                rules
              })
            ))
        )
      ),
    setRules: (clinicId, doctorId, rules, at) =>
      Effect.suspend(() =>
        orDie(Effect.zipRight(
          sql`INSERT INTO doctor_schedules (clinic_id, doctor_id, rules, updated_at)
            VALUES (${clinicId}, ${doctorId}, ${rulesText(rules)}, ${dialect.instant(at)})
            ON CONFLICT (clinic_id, doctor_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`,
          sql`UPDATE doctors SET version = version + 1 WHERE clinic_id = ${clinicId} AND id = ${doctorId}`
        ))
      ).pipe(Effect.asVoid),
    holidays: (clinicId, from, to) =>
      orDie(sql`SELECT date, name FROM clinic_holidays
        WHERE clinic_id = ${clinicId} AND date >= ${from} AND date <= ${to} ORDER BY date`).pipe(
        Effect.map((rows) => rows.map((r) => ({ date: r.date as string, name: r.name as string })))
      ),
    putHoliday: (clinicId, holiday) =>
      orDie(sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${clinicId}, ${holiday.date}, ${holiday.name})
        ON CONFLICT (clinic_id, date) DO UPDATE SET name = excluded.name`).pipe(Effect.asVoid),
    deleteHoliday: (clinicId, date) =>
      orDie(sql`DELETE FROM clinic_holidays WHERE clinic_id = ${clinicId} AND date = ${date}`).pipe(Effect.asVoid)
  }

  // ---------------------------------------------------------------------------------------------
  // Catalog

  /** `table`'s `(service_id, column)` pairs of the given services, by service. */
  const links = (table: string, column: string, clinicId: ClinicId, serviceIds: ReadonlyArray<string>) =>
    serviceIds.length === 0
      ? Effect.succeed(new Map<string, Array<string>>())
      : orDie(sql`SELECT service_id, ${sql(column)} FROM ${sql(table)}
          WHERE clinic_id = ${clinicId} AND service_id IN ${sql.in(serviceIds)} ORDER BY service_id, ${sql(column)}`).pipe(
          Effect.map((rows) => group(rows, "service_id", column))
        )

  const hydrateServices = (clinicId: ClinicId, rows: ReadonlyArray<Row>) =>
    Effect.gen(function*() {
      const ids = rows.map((r) => String(r.id))
      const doctors = yield* links("service_doctors", "doctor_id", clinicId, ids)
      const rooms = yield* links("service_rooms", "room_id", clinicId, ids)
      return rows.map((r) => toService(r, doctors.get(String(r.id)) ?? [], rooms.get(String(r.id)) ?? []))
    })

  /** Replaces a service's rows in `table`; a reference to another clinic's row names `field`. */
  const replaceLinks = (table: string, column: string, field: string, s: ClinicService, ids: ReadonlyArray<string>) =>
    guard(
      Effect.zipRight(
        sql`DELETE FROM ${sql(table)} WHERE clinic_id = ${s.clinicId} AND service_id = ${s.id}`,
        ids.length === 0 ? Effect.void : sql`INSERT INTO ${sql(table)} ${
          sql.insert(unique(ids).map((id) => ({ clinic_id: s.clinicId, service_id: s.id, [column]: id })))
        }`
      ),
      { foreignKey: () => crossClinic(field) }
    )

  const serviceLinks = (s: ClinicService) =>
    Effect.zipRight(
      replaceLinks("service_doctors", "doctor_id", "doctorIds", s, s.doctorIds),
      replaceLinks("service_rooms", "room_id", "roomIds", s, s.roomIds)
    )

  const catalog: Storage.CatalogRepository = {
    insertService: (s) =>
      atomically(Effect.zipRight(
        guard(
          sql`INSERT INTO services (clinic_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes,
              price_minor, active)
            VALUES (${s.clinicId}, ${s.id}, ${s.name}, ${s.durationMinutes}, ${s.bufferBeforeMinutes},
              ${s.bufferAfterMinutes}, ${s.priceMinor}, ${dialect.bool(s.active)})`,
          { foreignKey: () => crossClinic("clinicId") }
        ),
        serviceLinks(s)
      )).pipe(Effect.catchTag("SqlError", Effect.die)),
    updateService: (s) =>
      atomically(Effect.zipRight(
        orDie(sql`UPDATE services SET name = ${s.name}, duration_minutes = ${s.durationMinutes},
            buffer_before_minutes = ${s.bufferBeforeMinutes}, buffer_after_minutes = ${s.bufferAfterMinutes},
            price_minor = ${s.priceMinor}, active = ${dialect.bool(s.active)}, version = version + 1
          WHERE clinic_id = ${s.clinicId} AND id = ${s.id}`),
        serviceLinks(s)
      )).pipe(Effect.catchTag("SqlError", Effect.die)),
    findService: (clinicId, id) =>
      orDie(sql`SELECT * FROM services WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
        Effect.flatMap((rows) => hydrateServices(clinicId, rows)),
        Effect.map((services) => Option.fromNullable(services[0]))
      ),
    listServices: (clinicId, filter) =>
      orDie(sql`SELECT * FROM services WHERE ${
        sql.and([
          sql`clinic_id = ${clinicId}`,
          ...(filter.active === undefined ? [] : [sql`active = ${dialect.bool(filter.active)}`])
        ])
      } ORDER BY name, id`).pipe(Effect.flatMap((rows) => hydrateServices(clinicId, rows))),
    insertRoom: (r) =>
      guard(
        sql`INSERT INTO rooms (clinic_id, id, name, kind, active)
          VALUES (${r.clinicId}, ${r.id}, ${r.name}, ${r.kind}, ${dialect.bool(r.active)})`,
        { foreignKey: () => crossClinic("clinicId") }
      ).pipe(Effect.asVoid),
    updateRoom: (r) =>
      guard(
        sql`UPDATE rooms SET name = ${r.name}, kind = ${r.kind}, active = ${dialect.bool(r.active)}
          WHERE clinic_id = ${r.clinicId} AND id = ${r.id}`
      ).pipe(Effect.asVoid),
    findRooms: (clinicId, ids) =>
      ids.length === 0
        ? Effect.succeed([])
        : orDie(sql`SELECT * FROM rooms WHERE clinic_id = ${clinicId} AND id IN ${sql.in(unique(ids))} ORDER BY name, id`)
          .pipe(Effect.map((rows) => rows.map(toRoom))),
    listRooms: (clinicId, filter) =>
      orDie(sql`SELECT * FROM rooms WHERE ${
        sql.and([
          sql`clinic_id = ${clinicId}`,
          ...(filter.active === undefined ? [] : [sql`active = ${dialect.bool(filter.active)}`])
        ])
      } ORDER BY name, id`).pipe(Effect.map((rows) => rows.map(toRoom)))
  }

  // ---------------------------------------------------------------------------------------------
  // Appointments

  /** Appointments from their rows, each with its rooms (sorted by id). */
  const hydrate = (clinicId: ClinicId, rows: ReadonlyArray<Row>) =>
    rows.length === 0
      ? Effect.succeed([])
      : orDie(sql`SELECT appointment_id, room_id FROM appointment_rooms
          WHERE clinic_id = ${clinicId} AND appointment_id IN ${sql.in(rows.map((r) => r.id))}
          ORDER BY appointment_id, room_id`).pipe(
          Effect.map((links) => {
            const rooms = group(links, "appointment_id", "room_id")
            return rows.map((r) => toAppointment(r, rooms.get(String(r.id)) ?? []))
          })
        )

  const toRow = (clinicId: ClinicId) => (rows: ReadonlyArray<Row>) =>
    Effect.map(hydrate(clinicId, rows), (appointments): Option.Option<Storage.AppointmentRow> =>
      Option.map(
        Option.fromNullable(appointments[0]),
        (appointment) => ({ appointment, requestFingerprint: str(rows[0]!.request_fingerprint) })
      ))

  /**
   * The blocking appointments of any of `occupants` whose busy interval overlaps `[from, to)`, as
   * one `UNION` with a branch per occupant (the doctors, the patient, the rooms through their room
   * rows, which carry their own blocking flag), each answered by that occupant's own index: an
   * `OR` of occupants makes both planners scan every appointment of the clinic. `columns` is the
   * select list over the appointment aliased `a`, given the branch's occupant; `where` further
   * conditions on it.
   */
  const occupying = (
    clinicId: ClinicId,
    occupants: Storage.Occupants,
    from: number,
    to: number,
    columns: (occupies: Storage.BusyAppointment["occupies"]) => Fragment,
    where: ReadonlyArray<Fragment>
  ): Fragment | undefined => {
    const branch = (occupies: Storage.BusyAppointment["occupies"], whose: Fragment) =>
      sql`SELECT ${columns(occupies)} FROM appointments a WHERE ${
        sql.and([
          sql`a.clinic_id = ${clinicId}`,
          whose,
          sql`a.status IN ${blockingIn}`,
          dialect.busyOverlaps(sql, "a", from, to),
          ...where
        ])
      }`
    const doctors = occupants.doctorIds === undefined ? [] : unique(occupants.doctorIds)
    const rooms = occupants.roomIds === undefined ? [] : unique(occupants.roomIds)
    const branches = [
      ...(doctors.length === 0 ? [] : [
        branch("doctor", doctors.length === 1 ? sql`a.doctor_id = ${doctors[0]}` : sql`a.doctor_id IN ${sql.in(doctors)}`)
      ]),
      ...(occupants.patientId === undefined ? [] : [branch("patient", sql`a.patient_id = ${occupants.patientId}`)]),
      ...(rooms.length === 0 ? [] : [
        branch(
          "room",
          sql`a.id IN (SELECT r.appointment_id FROM appointment_rooms r
          WHERE r.clinic_id = ${clinicId} AND r.room_id IN ${sql.in(rooms)} AND r.blocking
            AND ${dialect.busyOverlaps(sql, "r", from, to)})`
        )
      ])
    ]
    return branches.length === 0 ? undefined : sql.join(" UNION ", false)(branches)
  }

  /**
   * The blocking appointments the database held against `a`: exactly what its overlap guard
   * compares (same clinic, blocking, overlapping busy interval, same doctor, patient or room,
   * another id). Requests past their hold still count until `expireRequests` marks them, as they
   * do for the guard.
   */
  const conflicting = (a: Appointment) => {
    const { busyEnd, busyStart } = busyRange(a)
    const occupants = { doctorIds: [a.doctorId], patientId: a.patientId, roomIds: a.roomIds }
    const union = occupying(a.clinicId, occupants, busyStart, busyEnd, () => sql`a.id`, [sql`a.id <> ${a.id}`])!
    return orDie(sql`${union} ORDER BY id`).pipe(Effect.map((rows) => rows.map((r) => String(r.id))))
  }

  const taken = (appointmentIds: ReadonlyArray<string>) => new Conflict({ reason: { _tag: "slot_taken", appointmentIds } })
  const slotTaken = (a: Appointment) => Effect.map(conflicting(a), taken)

  /**
   * Which reference of `a` does not exist in its clinic (a foreign-key violation names no column
   * on SQLite, so both adapters ask). `id` when every reference exists: the appointment itself
   * is missing (a room row written for an appointment that is not there).
   */
  const missingReference = (a: Appointment) => {
    const rooms = unique(a.roomIds)
    const exists = (table: string, id: string | null) =>
      id === null ? sql`1` : sql`(SELECT count(*) FROM ${sql(table)} WHERE clinic_id = ${a.clinicId} AND id = ${id})`
    return orDie(sql`SELECT ${exists("doctors", a.doctorId)} AS doctor, ${exists("patients", a.patientId)} AS patient,
        ${exists("services", a.serviceId)} AS service, ${exists("staff", a.createdBy)} AS created_by,
        ${
      rooms.length === 0
        ? sql`0`
        : sql`(SELECT count(*) FROM rooms WHERE clinic_id = ${a.clinicId} AND id IN ${sql.in(rooms)})`
    } AS rooms`).pipe(
      Effect.map(([r]) =>
        Number(r!.doctor) === 0
          ? "doctorId"
          : Number(r!.patient) === 0
          ? "patientId"
          : Number(r!.service) === 0
          ? "serviceId"
          : Number(r!.created_by) === 0
          ? "createdBy"
          : Number(r!.rooms) < rooms.length
          ? "roomIds"
          : "id"
      )
    )
  }

  /** Replaces the appointment's room rows (a new appointment has none), with its busy interval and whether it blocks. */
  const writeRooms = (a: Appointment, fresh: boolean) => {
    const { busyEnd, busyStart } = busyRange(a)
    return Effect.zipRight(
      fresh ? Effect.void : sql`DELETE FROM appointment_rooms WHERE clinic_id = ${a.clinicId} AND appointment_id = ${a.id}`,
      a.roomIds.length === 0 ? Effect.void : sql`INSERT INTO appointment_rooms ${
        sql.insert(unique(a.roomIds).map((roomId) => ({
          clinic_id: a.clinicId,
          appointment_id: a.id,
          room_id: roomId,
          busy_start: dialect.instant(busyStart),
          busy_end: dialect.instant(busyEnd),
          blocking: dialect.bool(isBlocking(a.status))
        })))
      }`
    )
  }

  /**
   * The versions a write was decided on still hold: a compare of each stored version with the
   * one read, in the statement that writes. Decides nothing about the rules themselves.
   */
  const versionsHold = (clinicId: ClinicId, expected: Storage.Expected): ReadonlyArray<Fragment> => {
    const same = (table: string, id: string, version: number) =>
      sql`(SELECT version FROM ${sql(table)} WHERE clinic_id = ${clinicId} AND id = ${id}) = ${version}`
    return [
      ...(expected.doctor === undefined ? [] : [same("doctors", expected.doctor.id, expected.doctor.version)]),
      ...(expected.service === undefined ? [] : [same("services", expected.service.id, expected.service.version)]),
      ...(expected.rooms ?? []).map((r) => same("rooms", r.id, r.version))
    ]
  }

  /** Columns of an appointment's foreign keys, as named in their constraints, and their fields. */
  const referenceFields = [["doctor", "doctorId"], ["patient", "patientId"], ["service", "serviceId"], ["created_by", "createdBy"]] as const

  /** What a foreign-key violation of `a` means: Postgres names the constraint, SQLite is asked. */
  const missing = (a: Appointment) => (detail: string) => {
    const named = referenceFields.find(([column]) => detail.includes(column))
    return named !== undefined ? crossClinic(named[1]) : Effect.map(missingReference(a), crossClinic)
  }

  /**
   * Writes the appointment row (`statement`, which returns the ids it wrote) and its room rows as
   * one unit, and maps what the database refused. An overlap is `slot_taken` with the appointments
   * in the way, queried after the unit rolled back (on Postgres the other writer has committed by
   * then: the constraint waits for it). Writers sharing an occupant take turns first
   * (`serializeOccupants`); should Postgres still break a deadlock between two overlapping writers
   * (one that did not take turns, such as a host's own SQL) by aborting this one, it runs again
   * and meets the winner's row the usual way. `false` when the statement wrote nothing (a version
   * moved on) or the idempotency key was taken meanwhile.
   */
  const write = (a: Appointment, statement: Effect.Effect<ReadonlyArray<Row>, SqlError>, fresh: boolean) =>
    guard(
      atomically(Effect.gen(function*() {
        if (isBlocking(a.status)) {
          yield* dialect.serializeOccupants(sql, [
            `${a.clinicId}:doctor:${a.doctorId}`,
            `${a.clinicId}:patient:${a.patientId}`,
            ...a.roomIds.map((room) => `${a.clinicId}:room:${room}`)
          ])
        }
        const written = yield* statement
        if (written.length === 0) return false
        yield* writeRooms(a, fresh)
        return true
      })).pipe(
        Effect.retry({ times: 10, while: (e) => dialect.classify(e).kind === "retry" }),
        // The key was taken by a concurrent request: nothing written, the caller decides again.
        Effect.catchIf((e) => {
          const v = dialect.classify(e)
          return v.kind === "unique" && v.detail.includes("idempotency_key")
        }, () => Effect.succeed(false))
      ),
      { foreignKey: missing(a), exclusion: () => slotTaken(a) }
    )

  const appointmentDependents = (clinicId: ClinicId, id: AppointmentId): Effect.Effect<Storage.Dependents> =>
    appointmentDependentTables.length === 0
      ? Effect.succeed({})
      : orDie(sql`SELECT ${
        sql.csv(appointmentDependentTables.map(([kind, table]) =>
          sql`(SELECT count(*) FROM ${sql(table)} WHERE clinic_id = ${clinicId} AND appointment_id = ${id}) AS ${sql(kind)}`
        ))
      }`).pipe(Effect.map((rows) => nonZero(rows[0]!)))

  const appointmentColumns = sql.literal(`clinic_id, id, doctor_id, patient_id, service_id, created_by, start_at, end_at,
    buffer_before_minutes, buffer_after_minutes, busy_start, busy_end, status, notes, cancel_reason,
    idempotency_key, request_fingerprint, source, expires_at, version, created_at, updated_at`)

  /** The values of `appointmentColumns` for a new row. */
  const appointmentValues = (a: Appointment, requestFingerprint: string | null) => {
    const { busyEnd, busyStart } = busyRange(a)
    return sql`${a.clinicId}, ${a.id}, ${a.doctorId}, ${a.patientId}, ${a.serviceId}, ${a.createdBy},
      ${dialect.instant(a.start)}, ${dialect.instant(a.end)}, ${a.bufferBeforeMinutes}, ${a.bufferAfterMinutes},
      ${dialect.instant(busyStart)}, ${dialect.instant(busyEnd)}, ${a.status}, ${a.notes}, ${a.cancelReason},
      ${a.idempotencyKey}, ${requestFingerprint}, ${a.source}, ${a.expiresAt === null ? null : dialect.instant(a.expiresAt)},
      ${a.version}, ${dialect.instant(a.createdAt)}, ${dialect.instant(a.updatedAt)}`
  }

  const appointments: Storage.AppointmentRepository = {
    insert: ({ appointment: a, requestFingerprint }, expected) => {
      const hold = versionsHold(a.clinicId, expected)
      const row = sql`INSERT INTO appointments (${appointmentColumns}) SELECT ${appointmentValues(a, requestFingerprint)}
        WHERE ${hold.length === 0 ? sql`1 = 1` : sql.and(hold)}`
      if (a.roomIds.length > 0) return write(a, sql`${row} RETURNING id`, true)
      // Without rooms the row is one statement, atomic by itself: no savepoint, no turn-taking.
      // Postgres resolves a race with a concurrent writer itself (speculative insertion waits for
      // it, then writes nothing), and the caller decides again on what is then committed.
      return guard(sql`${row} ON CONFLICT DO NOTHING RETURNING id`, {
        foreignKey: missing(a),
        // SQLite's overlap trigger aborts the statement (its transaction stays usable).
        exclusion: () => slotTaken(a)
      }).pipe(
        Effect.flatMap((rows) =>
          rows.length > 0
            ? Effect.succeed(true)
            // Nothing written: an overlap (named), or else a version or the idempotency key moved on.
            : Effect.flatMap(conflicting(a), (ids) => (ids.length > 0 ? Effect.fail(taken(ids)) : Effect.succeed(false)))
        )
      )
    },
    update: (a, expected) =>
      write(
        a,
        sql`UPDATE appointments SET doctor_id = ${a.doctorId}, patient_id = ${a.patientId}, service_id = ${a.serviceId},
            created_by = ${a.createdBy}, start_at = ${dialect.instant(a.start)}, end_at = ${dialect.instant(a.end)},
            buffer_before_minutes = ${a.bufferBeforeMinutes}, buffer_after_minutes = ${a.bufferAfterMinutes},
            busy_start = ${dialect.instant(busyRange(a).busyStart)}, busy_end = ${dialect.instant(busyRange(a).busyEnd)},
            status = ${a.status}, notes = ${a.notes}, cancel_reason = ${a.cancelReason},
            idempotency_key = ${a.idempotencyKey}, source = ${a.source},
            expires_at = ${a.expiresAt === null ? null : dialect.instant(a.expiresAt)}, version = ${a.version},
            updated_at = ${dialect.instant(a.updatedAt)}
          WHERE ${
          sql.and([
            sql`clinic_id = ${a.clinicId}`,
            sql`id = ${a.id}`,
            ...(expected.appointment === undefined ? [] : [sql`version = ${expected.appointment}`]),
            ...versionsHold(a.clinicId, expected)
          ])
        } RETURNING id`,
        false
      ),
    findById: (clinicId, id) =>
      orDie(sql`SELECT * FROM appointments WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
        Effect.flatMap(toRow(clinicId))
      ),
    findByIdempotencyKey: (clinicId, key) =>
      orDie(sql`SELECT * FROM appointments WHERE clinic_id = ${clinicId} AND idempotency_key = ${key}`).pipe(
        Effect.flatMap(toRow(clinicId))
      ),
    blocking: (clinicId, occupants, from, to, now, excludeId) => {
      const union = to <= from ? undefined : occupying(
        clinicId,
        occupants,
        from,
        to,
        (occupies) =>
          sql`${occupies} AS occupies, a.id, a.doctor_id, a.start_at, a.end_at, a.buffer_before_minutes, a.buffer_after_minutes,
          (a.status = 'requested' AND a.expires_at IS NOT NULL AND a.expires_at <= ${dialect.instant(now)}) AS hold_ended`,
        excludeId === undefined ? [] : [sql`a.id <> ${excludeId}`]
      )
      if (union === undefined) return Effect.succeed([])
      return orDie(sql`${union} ORDER BY start_at, id`).pipe(Effect.map((rows) =>
        rows.map((r): Storage.BusyAppointment => ({
          occupies: r.occupies as Storage.BusyAppointment["occupies"],
          id: r.id as AppointmentId,
          doctorId: r.doctor_id as DoctorId,
          start: ms(r.start_at),
          end: ms(r.end_at),
          bufferBeforeMinutes: Number(r.buffer_before_minutes),
          bufferAfterMinutes: Number(r.buffer_after_minutes),
          holdEnded: bool(r.hold_ended)
        }))
      ))
    },
    // Both updates run in the caller's transaction (every repository call does): no savepoint needed.
    expireRequests: (clinicId, now) =>
      Effect.gen(function*() {
        const rows = yield* sql`UPDATE appointments
          SET status = 'expired', version = version + 1, updated_at = ${dialect.instant(now)}
          WHERE clinic_id = ${clinicId} AND status = 'requested' AND expires_at <= ${dialect.instant(now)}
          RETURNING id`
        const ids = rows.map((r) => r.id as AppointmentId).sort()
        if (ids.length > 0) {
          yield* sql`UPDATE appointment_rooms SET blocking = ${dialect.bool(false)}
            WHERE clinic_id = ${clinicId} AND appointment_id IN ${sql.in(ids)}`
        }
        return ids
      }).pipe(Effect.orDie),
    list: (clinicId, f) => {
      const direction = sql.literal(f.order === "desc" ? "DESC" : "ASC")
      return orDie(sql`SELECT * FROM appointments WHERE ${
        sql.and([
          sql`clinic_id = ${clinicId}`,
          ...(f.doctorId === undefined ? [] : [sql`doctor_id = ${f.doctorId}`]),
          ...(f.patientId === undefined ? [] : [sql`patient_id = ${f.patientId}`]),
          ...(f.statuses === undefined || f.statuses.length === 0 ? [] : [sql`status IN ${sql.in(unique(f.statuses))}`]),
          ...(f.from === undefined ? [] : [sql`start_at >= ${dialect.instant(f.from)}`]),
          ...(f.to === undefined ? [] : [sql`start_at < ${dialect.instant(f.to)}`])
        ])
      } ORDER BY start_at ${direction}, id ${direction} LIMIT ${f.limit}`).pipe(
        Effect.flatMap((rows) => hydrate(clinicId, rows))
      )
    },
    delete: (clinicId, id) =>
      guard(
        atomically(Effect.zipRight(
          sql`DELETE FROM appointment_rooms WHERE clinic_id = ${clinicId} AND appointment_id = ${id}`,
          sql`DELETE FROM appointments WHERE clinic_id = ${clinicId} AND id = ${id}`
        )),
        {
          foreignKey: () =>
            Effect.map(appointmentDependents(clinicId, id), (counts) => new Conflict({ reason: { _tag: "has_dependents", counts } }))
        }
      ).pipe(Effect.asVoid),
    dependents: appointmentDependents
  }

  return { schedules, catalog, appointments }
}
