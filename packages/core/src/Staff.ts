/**
 * The Staff service: accounts, approval of self-signups, deactivation.
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
import { Conflict, type Inactive, NotFound, PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { type ClinicId, StaffId } from "./Ids.js"
import { clinicOperation } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { Page } from "./Page.js"
import { CreateStaff, leavesAnAdmin, mayChange, Role, StaffAccount, type StaffStatus } from "./StaffAccount.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category inputs */
export const StaffFilter = Schema.Struct({
  status: Schema.optional(Schema.Literal("pending", "active", "inactive", "rejected")),
  role: Schema.optional(Role),
  ...Page.fields
})

/** @since 0.1.0 @category models */
export interface Staff {
  readonly create: (input: CreateStaff) => Effect.Effect<StaffAccount, ValidationError | Conflict | Refusal, Actor>
  readonly get: (id: string) => Effect.Effect<StaffAccount, ValidationError | NotFound | Refusal, Actor>
  readonly list: (filter?: typeof StaffFilter.Encoded) => Effect.Effect<ReadonlyArray<StaffAccount>, ValidationError | Refusal, Actor>
  /** `pending → active`. */
  readonly approve: (id: string) => Effect.Effect<StaffAccount, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** `pending → rejected`. */
  readonly reject: (id: string) => Effect.Effect<StaffAccount, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** `pending | active → inactive`: departing staff are deactivated, not deleted. */
  readonly deactivate: (id: string) => Effect.Effect<StaffAccount, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** `inactive → active`: a returning member of staff. */
  readonly reactivate: (id: string) => Effect.Effect<StaffAccount, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** Refused with the counts while anything references the account. */
  readonly delete: (id: string) => Effect.Effect<void, ValidationError | NotFound | Conflict | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Staff: Context.Tag<Staff, Staff> = Context.GenericTag<Staff>("@clinicore/core/Staff")

const IdInput = Schema.Struct({ id: StaffId })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Staff, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const deps = { storage, fieldCrypto: yield* FieldCrypto }

  const load = (clinicId: ClinicId, raw: string) =>
    Effect.gen(function*() {
      const { id } = yield* decode(IdInput, { id: raw })
      const found = yield* storage.staff.findById(clinicId, id)
      if (Option.isNone(found)) return yield* new NotFound({ entity: "StaffAccount", id })
      return found.value
    })

  const transition = (
    name: "Staff.approve" | "Staff.reject" | "Staff.deactivate" | "Staff.reactivate",
    from: ReadonlyArray<StaffStatus>,
    to: StaffStatus
  ) =>
  (raw: string) =>
    clinicOperation(deps, name, ({ clinic, user }) =>
      Effect.gen(function*() {
        const account = yield* load(clinic.id, raw)
        // Only an admin changes an admin's account (a system job is no admin).
        const actor = Option.getOrElse(Option.map(user, (u) => ({ role: u.role as string })), () => ({ role: "system" }))
        if (!mayChange(actor, account)) return yield* new PermissionDenied({ permission: "admin", reason: "not_granted" })
        if (!from.includes(account.status)) {
          return yield* new Conflict({ reason: { _tag: "invalid_transition", from: account.status, to } })
        }
        if (to !== "active" && !leavesAnAdmin(account, yield* storage.staff.activeAdmins(clinic.id))) {
          return yield* new Conflict({ reason: { _tag: "last_admin" } })
        }
        const updated = new StaffAccount({ ...account, status: to })
        yield* storage.staff.update(updated)
        return updated
      }))

  return {
    create: (input) =>
      clinicOperation(deps, "Staff.create", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateStaff, input)
          const account = new StaffAccount({
            id: StaffId.make(randomUUID()),
            clinicId: clinic.id,
            name: valid.name,
            email: valid.email,
            role: valid.role,
            status: valid.status,
            createdAt: yield* Clock.currentTimeMillis
          })
          yield* storage.staff.insert(account)
          return account
        })),
    get: (id) => clinicOperation(deps, "Staff.get", ({ clinic }) => load(clinic.id, id)),
    list: (filter = {}) =>
      clinicOperation(deps, "Staff.list", ({ clinic }) =>
        Effect.flatMap(decode(StaffFilter, filter), (valid) => storage.staff.list(clinic.id, valid))),
    approve: transition("Staff.approve", ["pending"], "active"),
    reject: transition("Staff.reject", ["pending"], "rejected"),
    deactivate: transition("Staff.deactivate", ["pending", "active"], "inactive"),
    reactivate: transition("Staff.reactivate", ["inactive"], "active"),
    delete: (id) =>
      clinicOperation(deps, "Staff.delete", ({ clinic }) =>
        Effect.gen(function*() {
          const account = yield* load(clinic.id, id)
          if (!leavesAnAdmin(account, yield* storage.staff.activeAdmins(clinic.id))) {
            return yield* new Conflict({ reason: { _tag: "last_admin" } })
          }
          const counts = yield* storage.staff.dependents(clinic.id, account.id)
          if (Object.keys(counts).length > 0) return yield* new Conflict({ reason: { _tag: "has_dependents", counts } })
          yield* storage.staff.delete(clinic.id, account.id)
          return account.id
        }), (id) => id).pipe(Effect.asVoid)
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Staff, never, Storage | FieldCrypto> = Layer.effect(Staff, make)
