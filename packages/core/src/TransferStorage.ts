/**
 * Storage ports for export and import. Exports are streams read from the database with constant
 * memory (a cursor on Postgres, a stepping statement on SQLite) inside the clinic's transaction,
 * so row-level security scopes them like every other read.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { AppointmentStatus } from "./Appointment.js"
import type { ClinicId, DoctorId } from "./Ids.js"
import type { PatientRow } from "./Storage.js"

/** Instants in epoch milliseconds; `from` inclusive, `to` exclusive. @since 0.2.0 @category models */
export interface InstantRange {
  readonly from?: number | undefined
  readonly to?: number | undefined
}

/** @since 0.2.0 @category models */
export interface AppointmentExportFilter extends InstantRange {
  readonly statuses?: ReadonlyArray<AppointmentStatus> | undefined
  readonly doctorId?: DoctorId | undefined
}

/** @since 0.2.0 @category models */
export interface StatusFilter extends InstantRange {
  readonly statuses?: ReadonlyArray<string> | undefined
}

/** An appointment as exported: with its patient's and doctor's names. @since 0.2.0 @category models */
export interface AppointmentExportRow {
  readonly id: string
  readonly patientId: string
  readonly patientName: string
  readonly patientPhone: string
  readonly doctorId: string
  readonly doctorName: string
  readonly serviceId: string | null
  readonly start: number
  readonly end: number
  readonly status: AppointmentStatus
  readonly notes: string | null
  readonly cancelReason: string | null
  /** The appointment's version: 1 when booked, moved on by every change (reschedules included). */
  readonly version: number
  readonly createdAt: number
}

/** Amounts in minor units of `currency`. @since 0.2.0 @category models */
export interface InvoiceExportRow {
  readonly id: string
  readonly number: string | null
  readonly patientId: string
  readonly patientName: string
  readonly appointmentId: string | null
  readonly status: string
  readonly currency: string
  readonly subtotalMinor: number
  readonly taxMinor: number
  readonly totalMinor: number
  readonly paidMinor: number
  readonly balanceMinor: number
  readonly issuedAt: number | null
  readonly dueDate: string | null
  readonly createdAt: number
}

/** Amounts in minor units of `currency`. @since 0.2.0 @category models */
export interface PaymentExportRow {
  readonly id: string
  readonly invoiceId: string | null
  readonly invoiceNumber: string | null
  readonly appointmentId: string | null
  readonly amountMinor: number
  readonly refundedMinor: number
  readonly currency: string
  readonly method: string
  readonly status: string
  readonly providerReference: string | null
  readonly paidAt: number | null
  readonly createdAt: number
}

/**
 * Streams of a clinic's rows. Run them inside `Storage.transaction(clinicId)`; a failure of the
 * database is a defect.
 *
 * @since 0.2.0 @category ports
 */
export interface ExportRepository {
  /** By creation, newest first; the range filters `createdAt`. */
  readonly patients: (clinicId: ClinicId, range: InstantRange) => Stream.Stream<PatientRow>
  /** By start, then id; the range filters the start. */
  readonly appointments: (clinicId: ClinicId, filter: AppointmentExportFilter) => Stream.Stream<AppointmentExportRow>
  /** By creation, then id; the range filters `createdAt`. */
  readonly invoices: (clinicId: ClinicId, filter: StatusFilter) => Stream.Stream<InvoiceExportRow>
  /** By creation, then id; the range filters `createdAt`. */
  readonly payments: (clinicId: ClinicId, filter: StatusFilter) => Stream.Stream<PaymentExportRow>
}

/** What an import row created. @since 0.2.0 @category models */
export type ImportKind = "patient" | "appointment"

/**
 * External ids of imported rows, per clinic and kind, with the entity each created. Unique, so a
 * second import of the same row writes nothing.
 *
 * @since 0.2.0 @category ports
 */
export interface ImportKeyRepository {
  readonly find: (clinicId: ClinicId, kind: ImportKind, externalId: string) => Effect.Effect<Option.Option<string>>
  /** Claims the key for `entityId`; `false` (and nothing written) when it is taken already. */
  readonly claim: (
    clinicId: ClinicId,
    kind: ImportKind,
    externalId: string,
    entityId: string,
    at: number
  ) => Effect.Effect<boolean>
}
