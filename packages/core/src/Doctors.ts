/**
 * The Doctors service.
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
import { CreateDoctor, Doctor, UpdateDoctor } from "./Doctor.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { type ClinicId, DoctorId, type StaffId } from "./Ids.js"
import { clinicOperation } from "./internal/operation.js"
import { decode, invalid } from "./internal/validation.js"
import { Page } from "./Page.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Doctors {
  readonly create: (input: CreateDoctor) => Effect.Effect<Doctor, ValidationError | NotFound | Conflict | Refusal, Actor>
  readonly get: (id: string) => Effect.Effect<Doctor, ValidationError | NotFound | Refusal, Actor>
  readonly list: (filter?: typeof ListFilter.Encoded) => Effect.Effect<ReadonlyArray<Doctor>, ValidationError | Refusal, Actor>
  readonly update: (input: UpdateDoctor) => Effect.Effect<Doctor, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** A deactivated doctor keeps their history and gets no new bookings. */
  readonly deactivate: (id: string) => Effect.Effect<Doctor, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** Refused with the counts while appointments reference the doctor: deactivate instead. */
  readonly delete: (id: string) => Effect.Effect<void, ValidationError | NotFound | Conflict | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Doctors: Context.Tag<Doctors, Doctors> = Context.GenericTag<Doctors>("@clinicore/core/Doctors")

const IdInput = Schema.Struct({ id: DoctorId })
/** @since 0.1.0 @category inputs */
export const ListFilter = Schema.Struct({ active: Schema.optional(Schema.Boolean), ...Page.fields })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Doctors, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const deps = { storage, fieldCrypto: yield* FieldCrypto }

  const load = (clinicId: ClinicId, raw: string) =>
    Effect.gen(function*() {
      const { id } = yield* decode(IdInput, { id: raw })
      const found = yield* storage.doctors.findById(clinicId, id)
      if (Option.isNone(found)) return yield* new NotFound({ entity: "Doctor", id })
      return found.value
    })

  /** A linked account must be a staff account of this clinic with role doctor. */
  const checkLink = (clinicId: ClinicId, staffId: StaffId | null | undefined) =>
    Effect.gen(function*() {
      if (staffId == null) return
      const account = yield* storage.staff.findById(clinicId, staffId)
      if (Option.isNone(account)) return yield* new NotFound({ entity: "StaffAccount", id: staffId })
      if (account.value.role !== "doctor") return yield* invalid("staffId", "must be a staff account with role doctor")
    })

  return {
    create: (input) =>
      clinicOperation(deps, "Doctors.create", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateDoctor, input)
          yield* checkLink(clinic.id, valid.staffId)
          const doctor = new Doctor({
            id: DoctorId.make(randomUUID()),
            clinicId: clinic.id,
            name: valid.name,
            specialty: valid.specialty,
            staffId: Option.fromNullable(valid.staffId),
            active: true,
            createdAt: yield* Clock.currentTimeMillis,
            version: 1
          })
          yield* storage.doctors.insert(doctor)
          return doctor
        })),
    get: (id) => clinicOperation(deps, "Doctors.get", ({ clinic }) => load(clinic.id, id)),
    list: (filter = {}) =>
      clinicOperation(deps, "Doctors.list", ({ clinic }) =>
        Effect.flatMap(decode(ListFilter, filter), (valid) => storage.doctors.list(clinic.id, valid))),
    update: (input) =>
      clinicOperation(deps, "Doctors.update", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(UpdateDoctor, input)
          const doctor = yield* load(clinic.id, valid.id)
          yield* checkLink(clinic.id, valid.staffId)
          const updated = new Doctor({
            ...doctor,
            name: valid.name ?? doctor.name,
            specialty: valid.specialty ?? doctor.specialty,
            staffId: valid.staffId === undefined ? doctor.staffId : Option.fromNullable(valid.staffId),
            version: doctor.version + 1
          })
          yield* storage.doctors.update(updated)
          return updated
        })),
    deactivate: (id) =>
      clinicOperation(deps, "Doctors.deactivate", ({ clinic }) =>
        Effect.gen(function*() {
          const doctor = yield* load(clinic.id, id)
          const updated = new Doctor({ ...doctor, active: false, version: doctor.version + 1 })
          yield* storage.doctors.update(updated)
          return updated
        })),
    delete: (id) =>
      clinicOperation(deps, "Doctors.delete", ({ clinic }) =>
        Effect.gen(function*() {
          const doctor = yield* load(clinic.id, id)
          const counts = yield* storage.doctors.dependents(clinic.id, doctor.id)
          if (Object.keys(counts).length > 0) return yield* new Conflict({ reason: { _tag: "has_dependents", counts } })
          yield* storage.doctors.delete(clinic.id, doctor.id)
          return doctor.id
        }), (id) => id).pipe(Effect.asVoid)
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Doctors, never, Storage | FieldCrypto> = Layer.effect(Doctors, make)
