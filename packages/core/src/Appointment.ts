/**
 * Appointments, their statuses and the transition table.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AppointmentId, ClinicId, DoctorId, PatientId, RoomId, ServiceId, StaffId } from "./Ids.js"

/** @since 0.1.0 @category models */
export const AppointmentStatus = Schema.Literal(
  "requested",
  "scheduled",
  "confirmed",
  "checked_in",
  "completed",
  "cancelled",
  "no_show",
  "expired"
)
/** @since 0.1.0 @category models */
export type AppointmentStatus = typeof AppointmentStatus.Type

/**
 * Statuses that occupy their time (with buffers) for the doctor, the patient and the rooms.
 * A `requested` appointment blocks only until it expires.
 *
 * @since 0.1.0 @category rules
 */
export const blockingStatuses: ReadonlyArray<AppointmentStatus> = ["requested", "scheduled", "confirmed", "checked_in", "completed"]

/** @since 0.1.0 @category rules */
export const isBlocking = (status: AppointmentStatus): boolean => blockingStatuses.includes(status)

/** "Upcoming" (DESIGN §7): scheduled or confirmed, and starting at or after now. @since 0.1.0 @category rules */
export const upcomingStatuses: ReadonlyArray<AppointmentStatus> = ["scheduled", "confirmed"]

/** @since 0.1.0 @category rules */
export const isUpcoming = (a: { readonly status: AppointmentStatus; readonly start: number }, now: number): boolean =>
  upcomingStatuses.includes(a.status) && a.start >= now

/**
 * Whether a request's hold on its slot has ended at `now`: past its `expiresAt`, expired whether
 * or not a sweeper has marked it yet.
 *
 * @since 0.3.0 @category rules
 */
export const holdEnded = (a: { readonly status: AppointmentStatus; readonly expiresAt: number | null }, now: number): boolean =>
  a.status === "requested" && a.expiresAt !== null && a.expiresAt <= now

/**
 * The allowed status changes. `completed`, `cancelled`, `no_show` and `expired` are final.
 *
 * @since 0.1.0 @category rules
 */
export const transitions: Readonly<Record<AppointmentStatus, ReadonlyArray<AppointmentStatus>>> = {
  requested: ["scheduled", "confirmed", "cancelled", "expired"],
  scheduled: ["confirmed", "checked_in", "completed", "cancelled", "no_show"],
  confirmed: ["scheduled", "checked_in", "completed", "cancelled", "no_show"],
  checked_in: ["completed", "no_show", "cancelled"],
  completed: [],
  cancelled: [],
  no_show: [],
  expired: []
}

/** @since 0.1.0 @category rules */
export const canTransition = (from: AppointmentStatus, to: AppointmentStatus): boolean => transitions[from].includes(to)

/** Free-text notes on an appointment. @since 0.2.0 @category models */
export const AppointmentNotes = Schema.String.pipe(Schema.maxLength(2000, { message: () => "must be at most 2000 characters" }))

/** @since 0.1.0 @category models */
export const AppointmentSource = Schema.Literal("staff", "public")

/**
 * Who asked for a public booking request: the contact the caller left, normalised (phone in
 * E.164). It is the request's own record; no patient is read or changed for it (DESIGN §7).
 *
 * @since 0.3.0 @category models
 */
export const Requester = Schema.Struct({
  fullName: Schema.String,
  phone: Schema.String,
  email: Schema.NullOr(Schema.String)
})
/** @since 0.3.0 @category models */
export type Requester = typeof Requester.Type

/** @since 0.1.0 @category models */
export class Appointment extends Schema.Class<Appointment>("@clinicore/core/Appointment")({
  id: AppointmentId,
  clinicId: ClinicId,
  doctorId: DoctorId,
  /**
   * `null` only for a public request staff have not matched to a patient yet: a request is
   * matched when it is confirmed (`Scheduling.confirmRequest`).
   */
  patientId: Schema.NullOr(PatientId),
  serviceId: Schema.NullOr(ServiceId),
  roomIds: Schema.Array(RoomId),
  /** Epoch milliseconds; `end` exclusive. */
  start: Schema.Number,
  end: Schema.Number,
  bufferBeforeMinutes: Schema.Number,
  bufferAfterMinutes: Schema.Number,
  status: AppointmentStatus,
  notes: Schema.NullOr(Schema.String),
  cancelReason: Schema.NullOr(Schema.String),
  idempotencyKey: Schema.NullOr(Schema.String),
  source: AppointmentSource,
  /** The contact a public request was made with (`null` for staff bookings). */
  requester: Schema.optionalWith(Schema.NullOr(Requester), { default: () => null }),
  /** When a `requested` appointment stops holding its slot. */
  expiresAt: Schema.NullOr(Schema.Number),
  createdBy: Schema.NullOr(StaffId),
  version: Schema.Number,
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

/** The time an appointment occupies, buffers included, `[busyStart, busyEnd)`. @since 0.1.0 @category rules */
export const busyRange = (a: Pick<Appointment, "start" | "end" | "bufferBeforeMinutes" | "bufferAfterMinutes">) => ({
  busyStart: a.start - a.bufferBeforeMinutes * 60_000,
  busyEnd: a.end + a.bufferAfterMinutes * 60_000
})
