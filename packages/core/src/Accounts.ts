/**
 * The Accounts service, for hosts that use the library's own accounts: passwords, login, and
 * resolving an external identity provider's user to a principal.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Actor, Principal } from "./Actor.js"
import { ClinicSlug } from "./Clinic.js"
import { Inactive, NotFound, PermissionDenied, Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { StaffId } from "./Ids.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import * as Password from "./Password.js"
import { Email } from "./StaffAccount.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

const Secret = Schema.String.pipe(Schema.maxLength(1024), Schema.Redacted)

/** @since 0.1.0 @category inputs */
export const Login = Schema.Struct({ clinic: ClinicSlug, email: Email, password: Secret })
/** @since 0.1.0 @category inputs */
export type Login = typeof Login.Encoded

/** @since 0.1.0 @category inputs */
export const ExternalIdentity = Schema.Struct({ clinic: ClinicSlug, email: Email })

/** @since 0.1.0 @category models */
export interface Accounts {
  /** Sets a staff account's password (`staff.edit`); the policy's unmet rules are listed. */
  readonly setPassword: (input: { readonly staffId: string; readonly password: string }) => Effect.Effect<
    void,
    ValidationError | NotFound | Refusal,
    Actor
  >
  /** The acting user changes their own password, giving the current one. */
  readonly changePassword: (input: { readonly current: string; readonly next: string }) => Effect.Effect<
    void,
    ValidationError | Refusal,
    Actor
  >
  /**
   * Email and password to a principal. A wrong password and an unknown email (or clinic) are the
   * same `Unauthenticated`; an account that is not active, once the password matched, is `Inactive`.
   */
  readonly login: (input: Login) => Effect.Effect<Principal, Unauthenticated | Inactive>
  /**
   * For hosts with their own identity provider: the principal of the active staff account with
   * this email in the clinic (the host has authenticated the person).
   */
  readonly fromIdentity: (input: typeof ExternalIdentity.Encoded) => Effect.Effect<Principal, Unauthenticated | Inactive>
}

/** @since 0.1.0 @category tags */
export const Accounts: Context.Tag<Accounts, Accounts> = Context.GenericTag<Accounts>("@clinicore/core/Accounts")

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Accounts, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { storage } = deps
  const SetPassword = Schema.Struct({ staffId: StaffId, password: Secret })
  const ChangePassword = Schema.Struct({ current: Secret, next: Secret })

  /** Finds the account by clinic slug and email; `check` decides whether the person is who they say. */
  const resolveAccount = (
    slug: string,
    email: string,
    check: (passwordHash: string | null) => Effect.Effect<boolean>
  ) =>
    Effect.gen(function*() {
      const clinicRow = yield* storage.clinicBySlug(slug)
      if (Option.isNone(clinicRow)) {
        yield* check(null)
        return yield* new Unauthenticated()
      }
      const clinic = clinicRow.value.clinic
      const found = yield* storage.staff.credentials(clinic.id, email).pipe(storage.transaction(clinic.id))
      const ok = yield* check(Option.getOrNull(Option.map(found, (f) => f.passwordHash)))
      if (!ok || Option.isNone(found)) return yield* new Unauthenticated()
      const { account } = found.value
      if (!clinic.active) return yield* new Inactive({ reason: "clinic_inactive" })
      if (account.status !== "active") return yield* new Inactive({ reason: `user_${account.status}` })
      return Principal.User({ clinicId: clinic.id, staffId: account.id })
    })

  const unauthenticated = () => new Unauthenticated()

  return {
    setPassword: (input) =>
      clinicOperation(deps, "Accounts.setPassword", ({ clinic, user }) =>
        Effect.gen(function*() {
          const valid = yield* decode(SetPassword, input)
          yield* Password.checkPolicy(valid.password)
          const account = yield* storage.staff.findById(clinic.id, valid.staffId)
          if (Option.isNone(account)) return yield* new NotFound({ entity: "StaffAccount", id: valid.staffId })
          // Only an admin sets a password other than one's own (one's own: `changePassword`, or this).
          const own = Option.exists(user, (u) => u.id === valid.staffId)
          if (!own && !Option.exists(user, (u) => u.role === "admin")) {
            return yield* new PermissionDenied({ permission: "admin", reason: "not_granted" })
          }
          yield* storage.staff.setPasswordHash(clinic.id, valid.staffId, yield* Password.hash(valid.password))
          return valid.staffId
        }), (id) => id).pipe(Effect.asVoid),
    changePassword: (input) =>
      clinicOperation(deps, "Accounts.changePassword", ({ clinic, user }) =>
        Effect.gen(function*() {
          if (Option.isNone(user)) return yield* new PermissionDenied({ permission: "self", reason: "wrong_principal" })
          const valid = yield* decode(ChangePassword, input)
          const stored = yield* storage.staff.credentials(clinic.id, user.value.email)
          const hash = Option.getOrNull(Option.flatMap(stored, (s) => Option.fromNullable(s.passwordHash)))
          if (hash === null || !(yield* Password.verify(valid.current, hash))) {
            return yield* new PermissionDenied({ permission: "self", reason: "not_own_record" })
          }
          yield* Password.checkPolicy(valid.next)
          yield* storage.staff.setPasswordHash(clinic.id, user.value.id, yield* Password.hash(valid.next))
          return user.value.id
        }), (id) => id).pipe(Effect.asVoid),
    login: (input) =>
      Effect.gen(function*() {
        const valid = yield* decode(Login, input).pipe(Effect.mapError(unauthenticated))
        // Unknown clinic, unknown email and no password set all verify against a decoy hash, so the
        // answer takes as long as a wrong password.
        return yield* resolveAccount(valid.clinic, valid.email, (hash) =>
          Effect.map(Password.verify(valid.password, hash ?? Password.decoy), (ok) => ok && hash !== null))
      }).pipe(Effect.withSpan("Accounts.login")),
    fromIdentity: (input) =>
      Effect.gen(function*() {
        const valid = yield* decode(ExternalIdentity, input).pipe(Effect.mapError(unauthenticated))
        return yield* resolveAccount(valid.clinic, valid.email, () => Effect.succeed(true))
      }).pipe(Effect.withSpan("Accounts.fromIdentity"))
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Accounts, never, Storage | FieldCrypto> = Layer.effect(Accounts, make)
