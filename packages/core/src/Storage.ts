/**
 * Storage ports. Core reaches storage only through these; adapters (`@clinicore/sql-pg`,
 * `@clinicore/sql-sqlite`) provide them as a Layer. Every tenant method takes the clinic id and
 * must scope its query by it; write methods fail only with domain errors (a unique or foreign-key
 * violation mapped by the adapter), anything else is a defect.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Clinic } from "./Clinic.js"
import type { Doctor } from "./Doctor.js"
import type { Appointment, AppointmentStatus } from "./Appointment.js"
import type { AuditEvent } from "./AuditEvent.js"
import type { ClinicService, Room } from "./CatalogItem.js"
import type { Conflict } from "./Errors.js"
import type { AppointmentId, ClinicId, DoctorId, PatientId, RoomId, ServiceId, StaffId } from "./Ids.js"
import type { Window } from "./Page.js"
import type { ReminderRepository } from "./ReminderStorage.js"
import type { ExportRepository, ImportKeyRepository } from "./TransferStorage.js"
import type { DoctorRules, Holiday } from "./Schedule.js"
import type { Role, StaffAccount, StaffStatus } from "./StaffAccount.js"

/** A clinic with its wrapped data key (never leaves core). @since 0.1.0 @category models */
export interface ClinicRow {
  readonly clinic: Clinic
  readonly dataKey: string
}

/** A patient as stored: the national id only as ciphertext and blind index. @since 0.1.0 @category models */
export interface PatientRow {
  readonly id: PatientId
  readonly clinicId: ClinicId
  readonly fullName: string
  readonly phone: string
  readonly email: string | null
  readonly dateOfBirth: string | null
  readonly nationalIdCipher: string | null
  readonly nationalIdIndex: string | null
  readonly blocked: boolean
  readonly blockedReason: string | null
  readonly primaryDoctorId: DoctorId | null
  readonly gender: string | null
  readonly bloodGroup: string | null
  readonly address: string | null
  readonly createdAt: number
}

/** How many rows reference an entity, by kind (only kinds with a count above zero). @since 0.1.0 @category models */
export type Dependents = Readonly<Record<string, number>>

/** @since 0.1.0 @category ports */
export interface ClinicRepository {
  readonly insert: (row: ClinicRow) => Effect.Effect<void, Conflict>
  readonly findById: (id: ClinicId) => Effect.Effect<Option.Option<ClinicRow>>
  readonly update: (clinic: Clinic) => Effect.Effect<void>
}

/** @since 0.1.0 @category ports */
export interface StaffRepository {
  readonly insert: (account: StaffAccount) => Effect.Effect<void, Conflict>
  readonly findById: (clinicId: ClinicId, id: StaffId) => Effect.Effect<Option.Option<StaffAccount>>
  readonly findByEmail: (clinicId: ClinicId, email: string) => Effect.Effect<Option.Option<StaffAccount>>
  readonly list: (
    clinicId: ClinicId,
    filter: { readonly status?: StaffStatus | undefined; readonly role?: Role | undefined } & Window
  ) => Effect.Effect<ReadonlyArray<StaffAccount>>
  readonly update: (account: StaffAccount) => Effect.Effect<void, Conflict>
  /**
   * The clinic's active admins, held until the transaction ends (so two changes that could each
   * remove "another" admin take turns, and the second sees the first).
   */
  readonly activeAdmins: (clinicId: ClinicId) => Effect.Effect<ReadonlyArray<StaffId>>
  readonly delete: (clinicId: ClinicId, id: StaffId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: StaffId) => Effect.Effect<Dependents>
  /** The account and its password hash (`null` when none is set). */
  readonly credentials: (
    clinicId: ClinicId,
    email: string
  ) => Effect.Effect<Option.Option<{ readonly account: StaffAccount; readonly passwordHash: string | null }>>
  readonly setPasswordHash: (clinicId: ClinicId, id: StaffId, hash: string) => Effect.Effect<void>
}

/** @since 0.1.0 @category ports */
export interface DoctorRepository {
  readonly insert: (doctor: Doctor) => Effect.Effect<void, Conflict>
  readonly findById: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<Option.Option<Doctor>>
  readonly list: (clinicId: ClinicId, filter: { readonly active?: boolean | undefined } & Window) => Effect.Effect<ReadonlyArray<Doctor>>
  readonly update: (doctor: Doctor) => Effect.Effect<void, Conflict>
  readonly delete: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<Dependents>
}

/** @since 0.1.0 @category ports */
export interface PatientRepository {
  readonly insert: (row: PatientRow) => Effect.Effect<void, Conflict>
  readonly findById: (clinicId: ClinicId, id: PatientId) => Effect.Effect<Option.Option<PatientRow>>
  readonly findByNationalIdIndex: (clinicId: ClinicId, index: string) => Effect.Effect<ReadonlyArray<PatientRow>>
  /** By exact E.164 phone (unique per clinic). */
  readonly findByPhone: (clinicId: ClinicId, phone: string) => Effect.Effect<Option.Option<PatientRow>>
  readonly search: (
    clinicId: ClinicId,
    query: { readonly text?: string | undefined; readonly limit: number; readonly offset: number }
  ) => Effect.Effect<ReadonlyArray<PatientRow>>
  readonly update: (row: PatientRow) => Effect.Effect<void, Conflict>
  readonly delete: (clinicId: ClinicId, id: PatientId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: PatientId) => Effect.Effect<Dependents>
}

/** One stored cell of a clinic's permission matrix. @since 0.1.0 @category models */
export interface PermissionRow {
  readonly role: Exclude<Role, "admin">
  readonly key: string
  readonly granted: boolean
}

/** @since 0.1.0 @category ports */
export interface AccessRepository {
  /**
   * In one round trip: the clinic, the acting account (when `staffId` is given) and the stored
   * setting for `key` of that account's role, or of `role` for a principal without an account (a
   * job bound to a role); `undefined` when not configured.
   */
  readonly principal: (clinicId: ClinicId, staffId: StaffId | null, key: string, role?: Role | undefined) => Effect.Effect<
    Option.Option<{
      readonly clinic: ClinicRow
      readonly account: Option.Option<StaffAccount>
      readonly stored: boolean | undefined
    }>
  >
  readonly matrix: (clinicId: ClinicId) => Effect.Effect<ReadonlyArray<PermissionRow>>
  /** Upserts every given cell. */
  readonly set: (clinicId: ClinicId, rows: ReadonlyArray<PermissionRow>, at: number) => Effect.Effect<void>
  /** Inserts the given cells where nothing is stored yet (idempotent). */
  readonly seed: (clinicId: ClinicId, rows: ReadonlyArray<PermissionRow>, at: number) => Effect.Effect<void>
}

/** @since 0.1.0 @category models */
export interface AuditFilter {
  readonly actorId?: string | undefined
  readonly entityType?: string | undefined
  readonly entityId?: string | undefined
  readonly action?: string | undefined
  readonly permissionKey?: string | undefined
  readonly outcome?: "ok" | "denied" | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly limit: number
  readonly afterSeq?: number | undefined
}

/** The last event of a clinic's chain: its sequence number and hash. @since 0.1.0 @category models */
export interface ChainHead {
  readonly seq: number
  readonly hash: string
}

/**
 * The audit chain's storage. The chain itself (numbering, linking, the HMAC) is computed in core
 * (`AuditEvent.link`); the storage only keeps the head and the events, and never sees a key.
 *
 * @since 0.1.0 @category ports
 */
export interface AuditRepository {
  /** Starts a clinic's chain (sequence 0, the genesis hash). */
  readonly init: (clinicId: ClinicId) => Effect.Effect<void>
  /**
   * The clinic's head, held until the current transaction ends (`FOR UPDATE` on Postgres; the
   * single writer on SQLite), so appends in one clinic take turns and the sequence has no gaps.
   */
  readonly head: (clinicId: ClinicId) => Effect.Effect<ChainHead>
  /** Writes the event linked to the head read by `head` and moves the head to it. */
  readonly append: (event: AuditEvent) => Effect.Effect<void>
  readonly list: (clinicId: ClinicId, filter: AuditFilter) => Effect.Effect<ReadonlyArray<AuditEvent>>
  /**
   * Up to `limit` events after sequence number `afterSeq`, in sequence order (verification reads the
   * chain in such pages while it holds the head, so the pages form one snapshot).
   */
  readonly events: (clinicId: ClinicId, afterSeq: number, limit: number) => Effect.Effect<ReadonlyArray<AuditEvent>>
}

/**
 * What a booking decides on about one doctor, read together.
 *
 * @since 0.1.0 @category models
 */
export interface DoctorFacts {
  readonly doctor: Doctor
  /** The status of the staff account the doctor links to; `null` without a link. */
  readonly accountStatus: StaffStatus | null
  /** The doctor's rules, `None` when none were ever set. */
  readonly rules: Option.Option<DoctorRules>
}

/** @since 0.1.0 @category ports */
export interface ScheduleRepository {
  /** A doctor's rules, `None` when none were ever set. */
  readonly rules: (clinicId: ClinicId, doctorId: DoctorId) => Effect.Effect<Option.Option<DoctorRules>>
  /** The given doctors (those that exist in the clinic), each with its account status and rules, in one read. */
  readonly facts: (clinicId: ClinicId, doctorIds: ReadonlyArray<DoctorId>) => Effect.Effect<ReadonlyArray<DoctorFacts>>
  /** Replaces a doctor's rules (upsert) and moves the doctor's version on. */
  readonly setRules: (clinicId: ClinicId, doctorId: DoctorId, rules: DoctorRules, at: number) => Effect.Effect<void>
  /** Holidays with `from <= date <= to` (ISO dates). */
  readonly holidays: (clinicId: ClinicId, from: string, to: string) => Effect.Effect<ReadonlyArray<Holiday>>
  readonly putHoliday: (clinicId: ClinicId, holiday: Holiday) => Effect.Effect<void>
  readonly deleteHoliday: (clinicId: ClinicId, date: string) => Effect.Effect<void>
}

/** @since 0.1.0 @category ports */
export interface CatalogRepository {
  readonly insertService: (service: ClinicService) => Effect.Effect<void, Conflict>
  readonly updateService: (service: ClinicService) => Effect.Effect<void, Conflict>
  readonly findService: (clinicId: ClinicId, id: ServiceId) => Effect.Effect<Option.Option<ClinicService>>
  readonly listServices: (clinicId: ClinicId, filter: { readonly active?: boolean | undefined } & Window) => Effect.Effect<ReadonlyArray<ClinicService>>
  readonly insertRoom: (room: Room) => Effect.Effect<void, Conflict>
  readonly updateRoom: (room: Room) => Effect.Effect<void, Conflict>
  readonly findRooms: (clinicId: ClinicId, ids: ReadonlyArray<RoomId>) => Effect.Effect<ReadonlyArray<Room>>
  readonly listRooms: (clinicId: ClinicId, filter: { readonly active?: boolean | undefined } & Window) => Effect.Effect<ReadonlyArray<Room>>
}

/** An appointment as stored, with the fingerprint of the request that created it. @since 0.1.0 @category models */
export interface AppointmentRow {
  readonly appointment: Appointment
  /** Fingerprint of the booking request, to tell a retry from a different request with the same key. */
  readonly requestFingerprint: string | null
}

/**
 * The part of an appointment availability needs: when it is and its buffers (no rooms, notes…).
 *
 * @since 0.1.0 @category models
 */
export interface BusyAppointment
  extends Pick<Appointment, "id" | "doctorId" | "start" | "end" | "bufferBeforeMinutes" | "bufferAfterMinutes">
{
  /** Whose time it occupies that was asked for: a doctor's, the patient's, or a room's. */
  readonly occupies: "doctor" | "patient" | "room"
  /**
   * A request whose hold had ended at `now`: it no longer takes the time, but the database's guard
   * counts it until `expireRequests` marks it.
   */
  readonly holdEnded: boolean
}

/**
 * A busy interval as listing needs it: whose time it takes and when, buffers included, without
 * the appointment's id (a long range can hold thousands of them).
 *
 * @since 0.1.0 @category models
 */
export interface BusyTime {
  readonly occupies: BusyAppointment["occupies"]
  /** The doctor, for a doctor's interval when several doctors were asked for; `null` otherwise. */
  readonly doctorId: DoctorId | null
  readonly busyStart: number
  readonly busyEnd: number
}

/** Whose time an interval occupies. @since 0.1.0 @category models */
export interface Occupants {
  readonly doctorIds?: ReadonlyArray<DoctorId> | undefined
  readonly patientId?: PatientId | undefined
  readonly roomIds?: ReadonlyArray<RoomId> | undefined
}

/**
 * The versions a write was decided on. The write happens only if each still holds when the row is
 * written (a compare in the same statement), so a rule changed by another process between the
 * read and the write is never booked through.
 *
 * @since 0.1.0 @category models
 */
export interface Expected {
  /** The appointment's own version (updates). */
  readonly appointment?: number | undefined
  readonly doctor?: { readonly id: DoctorId; readonly version: number } | undefined
  readonly service?: { readonly id: ServiceId; readonly version: number } | undefined
  readonly rooms?: ReadonlyArray<{ readonly id: RoomId; readonly version: number }> | undefined
}

/** @since 0.1.0 @category models */
export interface AppointmentFilter {
  readonly doctorId?: DoctorId | undefined
  readonly patientId?: PatientId | undefined
  readonly statuses?: ReadonlyArray<AppointmentStatus> | undefined
  /** Appointments starting at or after this instant. */
  readonly from?: number | undefined
  /** Appointments starting before this instant. */
  readonly to?: number | undefined
  readonly order: "asc" | "desc"
  readonly limit: number
}

/** @since 0.1.0 @category ports */
export interface AppointmentRepository {
  /**
   * Inserts the appointment and its room rows if every `expected` version still holds. The
   * database refuses an overlap of blocking intervals (buffers included) for the same doctor,
   * patient or room: `Conflict { slot_taken }` naming what is in the way, or `false` when the
   * adapter resolved the race by writing nothing. `false` also when a version moved on or the
   * idempotency key was taken meanwhile: the caller decides again on fresh reads.
   */
  readonly insert: (row: AppointmentRow, expected: Expected) => Effect.Effect<boolean, Conflict>
  /** Updates every field (time, status, rooms…) under the same guarantees and the same answer as `insert`. */
  readonly update: (appointment: Appointment, expected: Expected) => Effect.Effect<boolean, Conflict>
  readonly findById: (clinicId: ClinicId, id: AppointmentId) => Effect.Effect<Option.Option<AppointmentRow>>
  readonly findByIdempotencyKey: (clinicId: ClinicId, key: string) => Effect.Effect<Option.Option<AppointmentRow>>
  /**
   * Blocking appointments of any of the occupants whose busy interval overlaps `[from, to)`, but
   * `excludeId`; requests whose hold had ended at `now` are flagged `holdEnded`.
   */
  readonly blocking: (
    clinicId: ClinicId,
    occupants: Occupants,
    from: number,
    to: number,
    now: number,
    excludeId?: AppointmentId | undefined
  ) => Effect.Effect<ReadonlyArray<BusyAppointment>>
  /**
   * What `blocking` finds, as busy intervals only (for listing), leaving out requests whose hold
   * had ended at `now`.
   */
  readonly busyTimes: (
    clinicId: ClinicId,
    occupants: Occupants,
    from: number,
    to: number,
    now: number
  ) => Effect.Effect<ReadonlyArray<BusyTime>>
  /** Marks the requests whose hold ended at `now` as `expired`; returns their ids. */
  readonly expireRequests: (clinicId: ClinicId, now: number) => Effect.Effect<ReadonlyArray<AppointmentId>>
  readonly list: (clinicId: ClinicId, filter: AppointmentFilter) => Effect.Effect<ReadonlyArray<Appointment>>
  readonly delete: (clinicId: ClinicId, id: AppointmentId) => Effect.Effect<void, Conflict>
  /**
   * How many public requests were made with `phone` (E.164, as the request's contact holds it)
   * in `[from, to)` by their creation time, whatever became of them since.
   */
  readonly requestsByPhone: (clinicId: ClinicId, phone: string, from: number, to: number) => Effect.Effect<number>
  /** Rows that keep an appointment from being deleted (payments, invoices, reminders). */
  readonly dependents: (clinicId: ClinicId, id: AppointmentId) => Effect.Effect<Dependents>
}

/**
 * The storage port. `transaction(clinicId)` runs an effect in one database transaction scoped to a
 * clinic: on Postgres it also sets the row-level-security tenant for that transaction only.
 * Nested calls join the outer transaction.
 *
 * @since 0.1.0 @category ports
 */
export interface Storage {
  readonly clinics: ClinicRepository
  readonly staff: StaffRepository
  readonly doctors: DoctorRepository
  readonly patients: PatientRepository
  readonly access: AccessRepository
  readonly audit: AuditRepository
  readonly schedules: ScheduleRepository
  readonly catalog: CatalogRepository
  readonly appointments: AppointmentRepository
  /**
   * The reminders' outbox, policy and consent. Optional only so that adapters built before
   * reminders keep compiling; the adapters of this repository provide it, and reminder operations
   * die with a clear message without it.
   */
  readonly reminders?: ReminderRepository | undefined
  /**
   * Every clinic of the installation, by name, outside any tenant: the platform's listing
   * (`Clinics.list`). Optional only so that adapters built before it keep compiling; the adapters of
   * this repository provide it, and `Clinics.list` dies with a clear message without it.
   */
  readonly allClinics?: (() => Effect.Effect<ReadonlyArray<Clinic>>) | undefined
  /** Export streams; optional like `reminders` (export operations die with a clear message without it). */
  readonly exports?: ExportRepository | undefined
  /** Import keys; optional like `reminders` (import operations die with a clear message without it). */
  readonly importKeys?: ImportKeyRepository | undefined
  /** Finds a clinic by its slug, outside any tenant (for login and public requests). */
  readonly clinicBySlug: (slug: string) => Effect.Effect<Option.Option<ClinicRow>>
  readonly transaction: (clinicId: ClinicId) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** @since 0.1.0 @category tags */
export const Storage: Context.Tag<Storage, Storage> = Context.GenericTag<Storage>("@clinicore/core/Storage")
