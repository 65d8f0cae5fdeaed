/**
 * Appointments, written once for both adapters. The no-overlap guarantee itself is the adapters'
 * (a Postgres exclusion constraint, a SQLite trigger); here it is only turned into a domain error
 * that names the appointments in the way.
 */
import { Appointment, AppointmentSource, AppointmentStatus, blockingStatuses, busyRange, isBlocking } from "@clinicore/core/Appointment"
import { Conflict } from "@clinicore/core/Errors"
import { AppointmentId, type ClinicId, type DoctorId } from "@clinicore/core/Ids"
import type * as Storage from "@clinicore/core/Storage"
import type { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Context, hasDependents, type Referrers } from "./context.js"
import { crossClinic } from "./guard.js"
import {
  all,
  type BoolColumn,
  group,
  Instant,
  type InstantColumn,
  Integer,
  type IntegerColumn,
  isBool,
  isInstant,
  isInteger,
  millis,
  NullableText,
  one,
  orDie,
  type Row,
  truth,
  unique
} from "./rows.js"

/**
 * Tables whose rows keep an appointment from being deleted, as `[kind, table, "appointment_id"]`.
 * Reminders, invoices and payments join here when they exist.
 */
const appointmentReferrers: Referrers = [
  ["invoices", "invoices", "appointment_id"],
  ["payments", "payments", "appointment_id"],
  ["reminders", "reminders", "appointment_id"]
]

/** An `appointments` row, given its rooms (`room_ids`, sorted), as the appointment. */
const AppointmentRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    doctor_id: Schema.String,
    patient_id: NullableText,
    service_id: NullableText,
    room_ids: Schema.Array(Schema.String),
    start_at: Instant,
    end_at: Instant,
    buffer_before_minutes: Integer,
    buffer_after_minutes: Integer,
    status: AppointmentStatus,
    notes: NullableText,
    cancel_reason: NullableText,
    idempotency_key: NullableText,
    source: AppointmentSource,
    requester_name: NullableText,
    requester_phone: NullableText,
    requester_email: NullableText,
    expires_at: Schema.NullOr(Instant),
    created_by: NullableText,
    version: Integer,
    created_at: Instant,
    updated_at: Instant
  }),
  Appointment,
  {
    strict: true,
    decode: (r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      doctorId: r.doctor_id,
      patientId: r.patient_id,
      serviceId: r.service_id,
      roomIds: r.room_ids,
      start: r.start_at,
      end: r.end_at,
      bufferBeforeMinutes: r.buffer_before_minutes,
      bufferAfterMinutes: r.buffer_after_minutes,
      status: r.status,
      notes: r.notes,
      cancelReason: r.cancel_reason,
      idempotencyKey: r.idempotency_key,
      source: r.source,
      requester: r.requester_name === null || r.requester_phone === null
        ? null
        : { fullName: r.requester_name, phone: r.requester_phone, email: r.requester_email },
      expiresAt: r.expires_at,
      createdBy: r.created_by,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at
    }),
    encode: (a) => ({
      id: a.id,
      clinic_id: a.clinicId,
      doctor_id: a.doctorId,
      patient_id: a.patientId,
      service_id: a.serviceId,
      room_ids: a.roomIds,
      start_at: a.start,
      end_at: a.end,
      buffer_before_minutes: a.bufferBeforeMinutes,
      buffer_after_minutes: a.bufferAfterMinutes,
      status: a.status,
      notes: a.notes,
      cancel_reason: a.cancelReason,
      idempotency_key: a.idempotencyKey,
      source: a.source,
      requester_name: a.requester?.fullName ?? null,
      requester_phone: a.requester?.phone ?? null,
      requester_email: a.requester?.email ?? null,
      expires_at: a.expiresAt,
      created_by: a.createdBy,
      version: a.version,
      created_at: a.createdAt,
      updated_at: a.updatedAt
    })
  }
)
const allAppointments = all(AppointmentRow)

/** A row with its request's fingerprint, as the port's `AppointmentRow`. */
const StoredAppointment = Schema.Struct({ appointment: AppointmentRow, requestFingerprint: NullableText })
const allStored = all(StoredAppointment)

/**
 * A row of `blocking`'s query, checked whole by one guard built from the shared column checks: a
 * `Struct` per row would cost more than the query itself for a doctor's 2,000 busy rows (listing
 * slots reads them all). The ids are the database's own keys (`uuid` on Postgres, referenced by
 * foreign keys on SQLite), so they are checked as text, not parsed again as UUIDs (that alone
 * would double the decoding).
 */
/**
 * A busy row as `blocking` reads it, positionally (`.values`: thousands of rows may come back for a
 * long range, and arrays cost the driver much less than row objects): occupant, id, doctor, start,
 * end, buffers, whether its hold had ended.
 */
type BusyColumns = readonly [
  occupies: Storage.BusyAppointment["occupies"],
  id: AppointmentId,
  doctorId: DoctorId,
  start: InstantColumn,
  end: InstantColumn,
  bufferBefore: IntegerColumn,
  bufferAfter: IntegerColumn,
  holdEnded: BoolColumn
]
const occupants: ReadonlySet<unknown> = new Set<Storage.BusyAppointment["occupies"]>(["doctor", "patient", "room"])
const BusyColumns = Schema.declare(
  (u): u is BusyColumns =>
    Array.isArray(u) && u.length === 8 && occupants.has(u[0]) && typeof u[1] === "string" && typeof u[2] === "string" &&
    isInstant(u[3]) && isInstant(u[4]) && isInteger(u[5]) && isInteger(u[6]) && isBool(u[7]),
  { identifier: "BusyColumns" }
)
const isBusyRow = Schema.is(BusyColumns)
const toBusy = (r: unknown): Storage.BusyAppointment => {
  if (!isBusyRow(r)) throw new Error(`a busy row did not decode: ${JSON.stringify(r)}`)
  return {
    occupies: r[0],
    id: r[1],
    doctorId: r[2],
    start: millis(r[3]),
    end: millis(r[4]),
    bufferBeforeMinutes: Number(r[5]),
    bufferAfterMinutes: Number(r[6]),
    holdEnded: truth(r[7])
  }
}
/**
 * A busy interval as `busyTimes` reads it: busy start and end, then the occupant (0 doctor,
 * 1 patient, 2 room) when more than one kind was asked for, then the doctor when several were.
 */
const occupantCodes = ["doctor", "patient", "room"] as const
const isBusyTimeRow = (u: unknown, width: number): u is ReadonlyArray<unknown> =>
  Array.isArray(u) && u.length === width && isInstant(u[0]) && isInstant(u[1])
const toBusyTime = (width: number, only: Storage.BusyAppointment["occupies"] | undefined) => (r: unknown): Storage.BusyTime => {
  if (!isBusyTimeRow(r, width)) throw new Error(`a busy time did not decode: ${JSON.stringify(r)}`)
  const occupies = only ?? occupantCodes[Number(r[2])]
  const doctorId = width === 4 ? r[3] : null
  if (occupies === undefined || (doctorId !== null && typeof doctorId !== "string")) {
    throw new Error(`a busy time did not decode: ${JSON.stringify(r)}`)
  }
  return { occupies, doctorId: doctorId as DoctorId | null, busyStart: millis(r[0] as InstantColumn), busyEnd: millis(r[1] as InstantColumn) }
}

const byStartThenId = (a: Storage.BusyAppointment, b: Storage.BusyAppointment) =>
  a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const allIds = all(Schema.Struct({ id: AppointmentId }))
const count = one(Schema.Struct({ n: Integer }))

/** How many of an appointment's references exist in its clinic, by reference. */
const references = one(Schema.Struct({ doctor: Integer, patient: Integer, service: Integer, created_by: Integer, rooms: Integer }))

/** @internal */
export const make = (context: Context): Storage.AppointmentRepository => {
  const { atomically, dialect, guard, sql } = context
  // A literal, not parameters: the Postgres planner must see the very list of the exclusion
  // constraints' partial-index predicate to use those indexes. The values are the core's constants.
  const blockingIn = sql.literal(`(${blockingStatuses.map((s) => `'${s}'`).join(", ")})`)

  /** The rows, each with its rooms as `room_ids` (sorted by id). */
  const withRooms = (clinicId: ClinicId, rows: ReadonlyArray<Row>) =>
    rows.length === 0
      ? Effect.succeed([])
      : orDie(sql`SELECT appointment_id, room_id FROM appointment_rooms
          WHERE clinic_id = ${clinicId} AND appointment_id IN ${sql.in(rows.map((r) => r.id))}
          ORDER BY appointment_id, room_id`).pipe(
          Effect.map((links) => {
            const rooms = group(links, "appointment_id", "room_id")
            return rows.map((r): Row => ({ ...r, room_ids: rooms.get(String(r.id)) ?? [] }))
          })
        )

  const toRow = (clinicId: ClinicId) => (rows: ReadonlyArray<Row>) =>
    Effect.map(
      withRooms(clinicId, rows),
      (hydrated): Option.Option<Storage.AppointmentRow> =>
        Option.fromNullable(allStored(hydrated.map((r) => ({ appointment: r, requestFingerprint: r.request_fingerprint })))[0])
    )

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
    const occupants = { doctorIds: [a.doctorId], patientId: a.patientId ?? undefined, roomIds: a.roomIds }
    const union = occupying(a.clinicId, occupants, busyStart, busyEnd, () => sql`a.id`, [sql`a.id <> ${a.id}`])!
    return orDie(sql`${union} ORDER BY id`).pipe(Effect.map((rows) => allIds(rows).map((r) => r.id)))
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
      Effect.map((rows) => {
        const r = references(rows)
        return r.doctor === 0
          ? "doctorId"
          : r.patient === 0
          ? "patientId"
          : r.service === 0
          ? "serviceId"
          : r.created_by === 0
          ? "createdBy"
          : r.rooms < rooms.length
          ? "roomIds"
          : "id"
      })
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
            ...(a.patientId === null ? [] : [`${a.clinicId}:patient:${a.patientId}`]),
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

  const appointmentDependents = context.dependents(appointmentReferrers)

  const appointmentColumns = sql.literal(`clinic_id, id, doctor_id, patient_id, service_id, created_by, start_at, end_at,
    buffer_before_minutes, buffer_after_minutes, busy_start, busy_end, status, notes, cancel_reason,
    idempotency_key, request_fingerprint, source, requester_name, requester_phone, requester_email, expires_at, version,
    created_at, updated_at`)

  /** The values of `appointmentColumns` for a new row. */
  const appointmentValues = (a: Appointment, requestFingerprint: string | null) => {
    const { busyEnd, busyStart } = busyRange(a)
    return sql`${a.clinicId}, ${a.id}, ${a.doctorId}, ${a.patientId}, ${a.serviceId}, ${a.createdBy},
      ${dialect.instant(a.start)}, ${dialect.instant(a.end)}, ${a.bufferBeforeMinutes}, ${a.bufferAfterMinutes},
      ${dialect.instant(busyStart)}, ${dialect.instant(busyEnd)}, ${a.status}, ${a.notes}, ${a.cancelReason},
      ${a.idempotencyKey}, ${requestFingerprint}, ${a.source}, ${a.requester?.fullName ?? null},
      ${a.requester?.phone ?? null}, ${a.requester?.email ?? null}, ${a.expiresAt === null ? null : dialect.instant(a.expiresAt)},
      ${a.version}, ${dialect.instant(a.createdAt)}, ${dialect.instant(a.updatedAt)}`
  }

  return {
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
            idempotency_key = ${a.idempotencyKey}, source = ${a.source}, requester_name = ${a.requester?.fullName ?? null},
            requester_phone = ${a.requester?.phone ?? null}, requester_email = ${a.requester?.email ?? null},
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
      // Sorted here rather than by the database: cheaper for thousands of rows, same order.
      return orDie(sql`${union}`.values).pipe(Effect.map((rows) => rows.map(toBusy).sort(byStartThenId)))
    },
    // The stored busy interval and no id; whose it is only when that tells something apart: what
    // listing thousands of intervals needs and no more (see docs/benchmarks.md).
    busyTimes: (clinicId, occupants, from, to, now) => {
      const doctors = occupants.doctorIds === undefined ? 0 : unique(occupants.doctorIds).length
      const kinds = occupantCodes.filter((k) =>
        k === "doctor" ? doctors > 0 : k === "patient" ? occupants.patientId !== undefined : (occupants.roomIds?.length ?? 0) > 0
      )
      const tagged = kinds.length > 1 || doctors > 1
      const width = doctors > 1 ? 4 : tagged ? 3 : 2
      const union = to <= from ? undefined : occupying(
        clinicId,
        occupants,
        from,
        to,
        (occupies) =>
          sql`a.busy_start, a.busy_end${
            tagged ? sql`, ${occupantCodes.indexOf(occupies)} AS occupies` : sql``
          }${width === 4 ? (occupies === "doctor" ? sql`, a.doctor_id` : sql`, NULL`) : sql``}`,
        [sql`NOT (a.status = 'requested' AND a.expires_at IS NOT NULL AND a.expires_at <= ${dialect.instant(now)})`]
      )
      if (union === undefined) return Effect.succeed([])
      return orDie(sql`${union}`.values).pipe(Effect.map((rows) => rows.map(toBusyTime(width, tagged ? undefined : kinds[0]))))
    },
    // Both updates run in the caller's transaction (every repository call does): no savepoint needed.
    expireRequests: (clinicId, now) =>
      Effect.gen(function*() {
        const rows = yield* sql`UPDATE appointments
          SET status = 'expired', version = version + 1, updated_at = ${dialect.instant(now)}
          WHERE clinic_id = ${clinicId} AND status = 'requested' AND expires_at <= ${dialect.instant(now)}
          RETURNING id`
        const ids = allIds(rows).map((r) => r.id).sort()
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
        Effect.flatMap((rows) => withRooms(clinicId, rows)),
        Effect.map(allAppointments)
      )
    },
    requestsByPhone: (clinicId, phone, from, to) =>
      orDie(sql`SELECT count(*) AS n FROM appointments WHERE clinic_id = ${clinicId} AND source = 'public'
        AND requester_phone = ${phone} AND created_at >= ${dialect.instant(from)} AND created_at < ${dialect.instant(to)}`).pipe(
        Effect.map((rows) => count(rows).n)
      ),
    delete: (clinicId, id) =>
      guard(
        atomically(Effect.zipRight(
          sql`DELETE FROM appointment_rooms WHERE clinic_id = ${clinicId} AND appointment_id = ${id}`,
          sql`DELETE FROM appointments WHERE clinic_id = ${clinicId} AND id = ${id}`
        )),
        { foreignKey: () => hasDependents(appointmentDependents(clinicId, id)) }
      ).pipe(Effect.asVoid),
    dependents: appointmentDependents
  }
}
