import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Actor } from "../Actor.js"
import type { Clinic } from "../Clinic.js"
import { Inactive, PermissionDenied, Unauthenticated } from "../Errors.js"
import type { ClinicId } from "../Ids.js"
import { type ClinicOperation, type Operation, operations } from "../Operations.js"
import { defaultAllows, type PermissionKey } from "../Permission.js"
import type { StaffAccount } from "../StaffAccount.js"
import type { ClinicRow, Storage } from "../Storage.js"

/** What an operation body knows about who is acting and where. */
export interface Acting {
  readonly clinic: Clinic
  readonly clinicRow: ClinicRow
  readonly key: PermissionKey
  /** The acting staff account; `None` for a system principal. */
  readonly user: Option.Option<StaffAccount>
}

const inactive = (account: StaffAccount): Option.Option<Inactive> =>
  account.status === "active"
    ? Option.none()
    : Option.some(new Inactive({ reason: `user_${account.status}` as const }))

/**
 * Runs an operation of the registry inside one transaction scoped to the actor's clinic: the
 * clinic must exist and be active, a user must be active and hold the operation's key, all before
 * the body reads or writes anything.
 */
export const clinicOperation = <A, E, R>(
  storage: Storage,
  name: ClinicOperation,
  body: (acting: Acting) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | PermissionDenied | Inactive | Unauthenticated, R | Actor> =>
  Effect.gen(function*() {
    const actor = yield* Actor
    const key = operations[name] as PermissionKey
    if (actor._tag === "Platform") return yield* new PermissionDenied({ permission: key, reason: "wrong_principal" })
    return yield* storage.transaction(actor.clinicId)(
      Effect.gen(function*() {
        const clinicRow = yield* storage.clinics.findById(actor.clinicId)
        if (Option.isNone(clinicRow)) return yield* new Unauthenticated()
        const clinic = clinicRow.value.clinic
        if (!clinic.active) return yield* new Inactive({ reason: "clinic_inactive" })
        let user = Option.none<StaffAccount>()
        if (actor._tag === "User") {
          const account = yield* storage.staff.findById(actor.clinicId, actor.staffId)
          if (Option.isNone(account)) return yield* new Unauthenticated()
          const refused = inactive(account.value)
          if (Option.isSome(refused)) return yield* refused.value
          if (!defaultAllows(account.value.role, key)) {
            return yield* new PermissionDenied({ permission: key, reason: "not_granted" })
          }
          user = account
        }
        return yield* body({ clinic, clinicRow: clinicRow.value, key, user })
      })
    )
  }).pipe(Effect.withSpan(name))

/** Runs a platform operation (creating, activating, deactivating clinics) in a transaction of that clinic. */
export const platformOperation = <A, E, R>(
  storage: Storage,
  name: Exclude<Operation, ClinicOperation>,
  clinicId: ClinicId,
  body: Effect.Effect<A, E, R>
): Effect.Effect<A, E | PermissionDenied, R | Actor> =>
  Effect.gen(function*() {
    const actor = yield* Actor
    if (actor._tag !== "Platform") return yield* new PermissionDenied({ permission: name, reason: "wrong_principal" })
    return yield* storage.transaction(clinicId)(body)
  }).pipe(Effect.withSpan(name))
