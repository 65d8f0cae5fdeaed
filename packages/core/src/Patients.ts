/**
 * The Patients service.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { type ClinicId, type DoctorId, PatientId } from "./Ids.js"
import { clinicOperation } from "./internal/operation.js"
import { nationalIdAt as at, contextIssues, newPatientRow, patientOf, phoneOf } from "./internal/patients.js"
import { decode } from "./internal/validation.js"
import { CreatePatient, NationalId, type Patient, PatientSearch, UpdatePatient } from "./Patient.js"
import { type PatientRow, Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Patients {
  readonly create: (input: CreatePatient) => Effect.Effect<Patient, ValidationError | NotFound | Conflict | Refusal, Actor>
  readonly get: (id: string) => Effect.Effect<Patient, ValidationError | NotFound | Refusal, Actor>
  /** By a part of the name or of the phone number; newest first. */
  readonly search: (query?: PatientSearch) => Effect.Effect<ReadonlyArray<Patient>, ValidationError | Refusal, Actor>
  /** Exact lookup through the blind index; the id itself is never stored in plaintext. */
  readonly findByNationalId: (nationalId: string) => Effect.Effect<Option.Option<Patient>, ValidationError | Refusal, Actor>
  readonly update: (input: UpdatePatient) => Effect.Effect<Patient, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** A blocked patient cannot book. */
  readonly block: (input: { readonly id: string; readonly reason: string }) => Effect.Effect<Patient, ValidationError | NotFound | Conflict | Refusal, Actor>
  readonly unblock: (id: string) => Effect.Effect<Patient, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** Refused with the counts while appointments or unpaid invoices reference the patient. */
  readonly delete: (id: string) => Effect.Effect<void, ValidationError | NotFound | Conflict | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Patients: Context.Tag<Patients, Patients> = Context.GenericTag<Patients>("@clinicore/core/Patients")

const IdInput = Schema.Struct({ id: PatientId })
const BlockInput = Schema.Struct({
  id: PatientId,
  reason: Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(500))
})
const NationalIdInput = Schema.Struct({ nationalId: NationalId })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Patients, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const fieldCrypto = yield* FieldCrypto
  const deps = { storage, fieldCrypto }
  const toPatient = (dataKey: string, row: PatientRow) => patientOf(fieldCrypto, dataKey, row)

  const sealNationalId = (dataKey: string, clinicId: ClinicId, rowId: string, value: string | null) =>
    value === null
      ? Effect.succeed({ nationalIdCipher: null, nationalIdIndex: null })
      : Effect.all({
        nationalIdCipher: fieldCrypto.encrypt(dataKey, at(clinicId, rowId), value.trim()),
        nationalIdIndex: fieldCrypto.blindIndex(dataKey, clinicId, "national_id", value)
      })

  const checkDoctor = (clinicId: ClinicId, doctorId: DoctorId | null | undefined) =>
    doctorId == null
      ? Effect.void
      : Effect.flatMap(storage.doctors.findById(clinicId, doctorId), (found) =>
        Option.isNone(found) ? new NotFound({ entity: "Doctor", id: doctorId }) : Effect.void)

  const loadRow = (clinicId: ClinicId, raw: string) =>
    Effect.gen(function*() {
      const { id } = yield* decode(IdInput, { id: raw })
      const found = yield* storage.patients.findById(clinicId, id)
      if (Option.isNone(found)) return yield* new NotFound({ entity: "Patient", id })
      return found.value
    })

  const setBlocked = (row: PatientRow, blocked: boolean, reason: string | null) =>
    ({ ...row, blocked, blockedReason: reason })

  return {
    create: (input) =>
      clinicOperation(deps, "Patients.create", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const valid = yield* decode(CreatePatient, input, contextIssues(clinic, now, input))
          yield* checkDoctor(clinic.id, valid.primaryDoctorId)
          const id = PatientId.make(randomUUID())
          const row: PatientRow = {
            ...newPatientRow(clinic, id, valid, now),
            ...(yield* sealNationalId(clinicRow.dataKey, clinic.id, id, valid.nationalId ?? null))
          }
          yield* storage.patients.insert(row)
          return yield* toPatient(clinicRow.dataKey, row)
        })),
    get: (id) =>
      clinicOperation(deps, "Patients.get", ({ clinic, clinicRow }) =>
        Effect.flatMap(loadRow(clinic.id, id), (row) => toPatient(clinicRow.dataKey, row))),
    search: (query = {}) =>
      clinicOperation(deps, "Patients.search", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const valid = yield* decode(PatientSearch, query)
          const rows = yield* storage.patients.search(clinic.id, valid)
          return yield* Effect.forEach(rows, (row) => toPatient(clinicRow.dataKey, row))
        })),
    findByNationalId: (nationalId) =>
      clinicOperation(deps, "Patients.findByNationalId", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const valid = yield* decode(NationalIdInput, { nationalId })
          const index = yield* fieldCrypto.blindIndex(clinicRow.dataKey, clinic.id, "national_id", valid.nationalId)
          const rows = yield* storage.patients.findByNationalIdIndex(clinic.id, index)
          return rows.length === 0 ? Option.none() : Option.some(yield* toPatient(clinicRow.dataKey, rows[0]!))
        }), (found) => Option.getOrNull(Option.map(found, (p) => p.id))),
    update: (input) =>
      clinicOperation(deps, "Patients.update", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const valid = yield* decode(UpdatePatient, input, contextIssues(clinic, now, input))
          const row = yield* loadRow(clinic.id, valid.id)
          yield* checkDoctor(clinic.id, valid.primaryDoctorId)
          const updated: PatientRow = {
            ...row,
            fullName: valid.fullName ?? row.fullName,
            phone: valid.phone === undefined ? row.phone : phoneOf(clinic, valid.phone),
            email: valid.email === undefined ? row.email : valid.email,
            dateOfBirth: valid.dateOfBirth === undefined ? row.dateOfBirth : valid.dateOfBirth,
            primaryDoctorId: valid.primaryDoctorId === undefined ? row.primaryDoctorId : valid.primaryDoctorId,
            gender: valid.gender === undefined ? row.gender : valid.gender,
            bloodGroup: valid.bloodGroup === undefined ? row.bloodGroup : valid.bloodGroup,
            address: valid.address === undefined ? row.address : valid.address,
            ...(valid.nationalId === undefined
              ? {}
              : yield* sealNationalId(clinicRow.dataKey, clinic.id, row.id, valid.nationalId))
          }
          yield* storage.patients.update(updated)
          return yield* toPatient(clinicRow.dataKey, updated)
        })),
    block: (input) =>
      clinicOperation(deps, "Patients.block", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const valid = yield* decode(BlockInput, input)
          const row = setBlocked(yield* loadRow(clinic.id, valid.id), true, valid.reason)
          yield* storage.patients.update(row)
          return yield* toPatient(clinicRow.dataKey, row)
        })),
    unblock: (id) =>
      clinicOperation(deps, "Patients.unblock", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const row = setBlocked(yield* loadRow(clinic.id, id), false, null)
          yield* storage.patients.update(row)
          return yield* toPatient(clinicRow.dataKey, row)
        })),
    delete: (id) =>
      clinicOperation(deps, "Patients.delete", ({ clinic }) =>
        Effect.gen(function*() {
          const row = yield* loadRow(clinic.id, id)
          const counts = yield* storage.patients.dependents(clinic.id, row.id)
          if (Object.keys(counts).length > 0) return yield* new Conflict({ reason: { _tag: "has_dependents", counts } })
          yield* storage.patients.delete(clinic.id, row.id)
          return row.id
        }), (id) => id).pipe(Effect.asVoid)
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Patients, never, Storage | FieldCrypto> = Layer.effect(Patients, make)
