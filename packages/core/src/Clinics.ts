/**
 * The Clinics service: tenants and their settings.
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
import {
  Clinic,
  ClinicName,
  ClinicSettingsPatch,
  ClinicSlug,
  Currency,
  defaultSettings,
  TimeZone
} from "./Clinic.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { ClinicId, StaffId } from "./Ids.js"
import { clinicOperation, platformOperation, requirePlatform } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { Email, PersonName, StaffAccount } from "./StaffAccount.js"
import { builtInKeys, resolve } from "./Permission.js"
import { type PermissionRow, Storage } from "./Storage.js"

/** @since 0.1.0 @category inputs */
export const CreateClinic = Schema.Struct({
  name: ClinicName,
  slug: ClinicSlug,
  timeZone: TimeZone,
  currency: Currency,
  settings: Schema.optional(ClinicSettingsPatch),
  /** The clinic's first admin. */
  admin: Schema.Struct({ name: PersonName, email: Email })
})
/** @since 0.1.0 @category inputs */
export type CreateClinic = typeof CreateClinic.Encoded

/** @since 0.1.0 @category models */
export interface Clinics {
  /** Platform only: creates a clinic with its first admin (active). */
  readonly create: (input: CreateClinic) => Effect.Effect<
    { readonly clinic: Clinic; readonly admin: StaffAccount },
    ValidationError | Conflict | PermissionDenied,
    Actor
  >
  /** Platform only: every clinic of the installation (active or not), by name. */
  readonly list: () => Effect.Effect<ReadonlyArray<Clinic>, PermissionDenied, Actor>
  /** The actor's own clinic. */
  readonly get: () => Effect.Effect<Clinic, PermissionDenied | Inactive | Unauthenticated, Actor>
  /** Changes only the given settings. */
  readonly updateSettings: (
    patch: typeof ClinicSettingsPatch.Encoded
  ) => Effect.Effect<Clinic, ValidationError | PermissionDenied | Inactive | Unauthenticated, Actor>
  /** Platform only: a deactivated clinic refuses every call of everyone in it. */
  readonly deactivate: (clinicId: string) => Effect.Effect<Clinic, ValidationError | NotFound | PermissionDenied, Actor>
  /** Platform only. */
  readonly activate: (clinicId: string) => Effect.Effect<Clinic, ValidationError | NotFound | PermissionDenied, Actor>
  /**
   * Platform only, for a clinic left without an active admin: reactivates its admin account with
   * that email, or creates one. Refused (`has_admin`) while the clinic has an active admin; an
   * account of another role is never raised to admin (`duplicate_email`). Audited in the clinic's chain.
   */
  readonly restoreAdmin: (input: typeof RestoreAdmin.Encoded) => Effect.Effect<
    StaffAccount,
    ValidationError | NotFound | Conflict | PermissionDenied,
    Actor
  >
}

/** @since 0.1.0 @category inputs */
export const RestoreAdmin = Schema.Struct({
  clinicId: ClinicId,
  admin: Schema.Struct({ name: PersonName, email: Email })
})

/** @since 0.1.0 @category tags */
export const Clinics: Context.Tag<Clinics, Clinics> = Context.GenericTag<Clinics>("@clinicore/core/Clinics")

const ClinicIdInput = Schema.Struct({ clinicId: ClinicId })

/** Every cell of the default matrix, stored when a clinic is created. */
const defaultMatrix: ReadonlyArray<PermissionRow> = (["doctor", "receptionist", "nurse"] as const).flatMap((role) =>
  builtInKeys.map((key) => ({ role, key, granted: resolve(role, key, undefined) }))
)

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Clinics, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const fieldCrypto = yield* FieldCrypto
  const deps = { storage, fieldCrypto }

  const setActive = (name: "Clinics.activate" | "Clinics.deactivate", active: boolean) => (raw: string) =>
    Effect.gen(function*() {
      yield* requirePlatform(deps, name)
      const { clinicId } = yield* decode(ClinicIdInput, { clinicId: raw })
      return yield* platformOperation(
        deps,
        name,
        clinicId,
        Effect.gen(function*() {
          const row = yield* storage.clinics.findById(clinicId)
          if (Option.isNone(row)) return yield* new NotFound({ entity: "Clinic", id: clinicId })
          const clinic = new Clinic({ ...row.value.clinic, active })
          yield* storage.clinics.update(clinic)
          return [clinic, row.value] as const
        })
      )
    })

  return {
    create: (input) =>
      Effect.gen(function*() {
        yield* requirePlatform(deps, "Clinics.create")
        const valid = yield* decode(CreateClinic, input)
        const now = yield* Clock.currentTimeMillis
        const id = ClinicId.make(randomUUID())
        return yield* platformOperation(
          deps,
          "Clinics.create",
          id,
          Effect.gen(function*() {
            const clinic = new Clinic({
              id,
              name: valid.name,
              slug: valid.slug,
              timeZone: valid.timeZone,
              currency: valid.currency,
              active: true,
              settings: { ...defaultSettings, ...valid.settings },
              createdAt: now
            })
            const clinicRow = { clinic, dataKey: yield* fieldCrypto.newDataKey(id) }
            yield* storage.clinics.insert(clinicRow)
            yield* storage.audit.init(id)
            yield* storage.access.seed(id, defaultMatrix, now)
            const admin = new StaffAccount({
              id: StaffId.make(randomUUID()),
              clinicId: id,
              name: valid.admin.name,
              email: valid.admin.email,
              role: "admin",
              status: "active",
              createdAt: now
            })
            yield* storage.staff.insert(admin)
            return [{ clinic, admin }, clinicRow] as const
          })
        )
      }),
    list: () =>
      Effect.gen(function*() {
        yield* requirePlatform(deps, "Clinics.list")
        if (storage.allClinics === undefined) return yield* Effect.dieMessage("this storage adapter cannot list clinics (Storage.allClinics)")
        return yield* storage.allClinics()
      }).pipe(Effect.withSpan("Clinics.list")),
    get: () => clinicOperation(deps, "Clinics.get", ({ clinic }) => Effect.succeed(clinic)),
    updateSettings: (patch) =>
      clinicOperation(deps, "Clinics.updateSettings", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(ClinicSettingsPatch, patch)
          const updated = new Clinic({ ...clinic, settings: { ...clinic.settings, ...valid } })
          yield* storage.clinics.update(updated)
          return updated
        })),
    deactivate: setActive("Clinics.deactivate", false),
    activate: setActive("Clinics.activate", true),
    restoreAdmin: (input) =>
      Effect.gen(function*() {
        yield* requirePlatform(deps, "Clinics.restoreAdmin")
        const valid = yield* decode(RestoreAdmin, input)
        const now = yield* Clock.currentTimeMillis
        return yield* platformOperation(
          deps,
          "Clinics.restoreAdmin",
          valid.clinicId,
          Effect.gen(function*() {
            const row = yield* storage.clinics.findById(valid.clinicId)
            if (Option.isNone(row)) return yield* new NotFound({ entity: "Clinic", id: valid.clinicId })
            if ((yield* storage.staff.activeAdmins(valid.clinicId)).length > 0) {
              return yield* new Conflict({ reason: { _tag: "has_admin" } })
            }
            const existing = yield* storage.staff.findByEmail(valid.clinicId, valid.admin.email)
            if (Option.isSome(existing) && existing.value.role !== "admin") {
              return yield* new Conflict({ reason: { _tag: "duplicate_email", email: valid.admin.email } })
            }
            const admin = Option.isSome(existing)
              ? new StaffAccount({ ...existing.value, status: "active" })
              : new StaffAccount({
                id: StaffId.make(randomUUID()),
                clinicId: valid.clinicId,
                name: valid.admin.name,
                email: valid.admin.email,
                role: "admin",
                status: "active",
                createdAt: now
              })
            yield* Option.isSome(existing) ? storage.staff.update(admin) : storage.staff.insert(admin)
            return [admin, row.value] as const
          })
        )
      })
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Clinics, never, Storage | FieldCrypto> = Layer.effect(Clinics, make)
