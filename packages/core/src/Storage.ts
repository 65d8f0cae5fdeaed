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
import type { Conflict } from "./Errors.js"
import type { ClinicId, DoctorId, PatientId, StaffId } from "./Ids.js"
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
    filter: { readonly status?: StaffStatus | undefined; readonly role?: Role | undefined }
  ) => Effect.Effect<ReadonlyArray<StaffAccount>>
  readonly update: (account: StaffAccount) => Effect.Effect<void, Conflict>
  readonly delete: (clinicId: ClinicId, id: StaffId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: StaffId) => Effect.Effect<Dependents>
}

/** @since 0.1.0 @category ports */
export interface DoctorRepository {
  readonly insert: (doctor: Doctor) => Effect.Effect<void, Conflict>
  readonly findById: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<Option.Option<Doctor>>
  readonly list: (clinicId: ClinicId, filter: { readonly active?: boolean | undefined }) => Effect.Effect<ReadonlyArray<Doctor>>
  readonly update: (doctor: Doctor) => Effect.Effect<void, Conflict>
  readonly delete: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: DoctorId) => Effect.Effect<Dependents>
}

/** @since 0.1.0 @category ports */
export interface PatientRepository {
  readonly insert: (row: PatientRow) => Effect.Effect<void, Conflict>
  readonly findById: (clinicId: ClinicId, id: PatientId) => Effect.Effect<Option.Option<PatientRow>>
  readonly findByNationalIdIndex: (clinicId: ClinicId, index: string) => Effect.Effect<ReadonlyArray<PatientRow>>
  readonly search: (
    clinicId: ClinicId,
    query: { readonly text?: string | undefined; readonly limit: number; readonly offset: number }
  ) => Effect.Effect<ReadonlyArray<PatientRow>>
  readonly update: (row: PatientRow) => Effect.Effect<void, Conflict>
  readonly delete: (clinicId: ClinicId, id: PatientId) => Effect.Effect<void, Conflict>
  readonly dependents: (clinicId: ClinicId, id: PatientId) => Effect.Effect<Dependents>
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
  readonly transaction: (clinicId: ClinicId) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** @since 0.1.0 @category tags */
export const Storage: Context.Tag<Storage, Storage> = Context.GenericTag<Storage>("@clinicore/core/Storage")
