import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Actor, type Principal } from "../Actor.js"
import type { Clinic } from "../Clinic.js"
import { Inactive, PermissionDenied, Unauthenticated } from "../Errors.js"
import type { FieldCrypto } from "../FieldCrypto.js"
import type { ClinicId } from "../Ids.js"
import { type ClinicOperation, type OperationSpec, operations, type PlatformOperation } from "../Operations.js"
import { ownsOrUnrestricted, resolve } from "../Permission.js"
import type { Role, StaffAccount } from "../StaffAccount.js"
import type { ClinicRow, Storage } from "../Storage.js"
import { appendAudit, type AuditDraft } from "./audit.js"

/** What every service needs to run its operations. */
export interface Deps {
  readonly storage: Storage
  readonly fieldCrypto: FieldCrypto
}

/** What an operation body knows about who is acting and where. */
export interface Acting {
  readonly clinic: Clinic
  readonly clinicRow: ClinicRow
  /** The key the operation declared. */
  readonly key: OperationSpec["key"]
  /** The acting staff account; `None` for a system principal. */
  readonly user: Option.Option<StaffAccount>
  /** The role a system principal is bound to (a host's API key), if any. */
  readonly boundRole?: Role | undefined
}

type Refusal = PermissionDenied | Inactive | Unauthenticated

const isUuid = Schema.is(Schema.UUID)

/**
 * Fails with `PermissionDenied { not_own_record }` when a doctor acts on a record that is not theirs
 * (`ownerStaffId`: the staff account linked to the record's doctor). Audited by `clinicOperation`.
 */
export const requireOwn = (acting: Acting, ownerStaffId: string | null): Effect.Effect<void, PermissionDenied> =>
  Option.match(acting.user, {
    // A job bound to a role owns no records: bound to the doctor role, it changes none.
    onNone: () =>
      acting.boundRole === undefined || ownsOrUnrestricted(acting.boundRole, "", ownerStaffId)
        ? Effect.void
        : Effect.fail(new PermissionDenied({ permission: acting.key, reason: "not_own_record" })),
    onSome: (user) =>
      ownsOrUnrestricted(user.role, user.id, ownerStaffId)
        ? Effect.void
        : Effect.fail(new PermissionDenied({ permission: acting.key, reason: "not_own_record" }))
  })

/** Why `principal` may not run an operation requiring `spec.key`, if it may not. Pure. */
const refusal = (
  spec: OperationSpec,
  principal: Principal,
  clinic: Clinic,
  account: Option.Option<StaffAccount>,
  stored: boolean | undefined
): Refusal | undefined => {
  if (!clinic.active) return new Inactive({ reason: "clinic_inactive" })
  // An anonymous caller is not authenticated: a staff operation asks it to sign in (a host's 401),
  // it is not a signed-in user lacking a grant (403).
  if (principal._tag === "Public") return spec.key === "public" ? undefined : new Unauthenticated()
  if (principal._tag === "System") {
    if (spec.key === "admin" || spec.key === "self" || spec.key === "platform") {
      return new PermissionDenied({ permission: spec.key, reason: "wrong_principal" })
    }
    // A job bound to a role (a host's API key) holds what the role holds, by the same rule as a user.
    if (principal.role === undefined || spec.key === "public") return undefined
    return resolve(principal.role, spec.key, stored)
      ? undefined
      : new PermissionDenied({ permission: spec.key, reason: "not_granted" })
  }
  if (Option.isNone(account)) return new Unauthenticated()
  const { role, status } = account.value
  if (status !== "active") return new Inactive({ reason: `user_${status}` })
  if (spec.key === "self" || spec.key === "public") return undefined
  if (spec.key === "admin" || spec.key === "platform") {
    return role === "admin" ? undefined : new PermissionDenied({ permission: spec.key, reason: "not_granted" })
  }
  return resolve(role, spec.key, stored) ? undefined : new PermissionDenied({ permission: spec.key, reason: "not_granted" })
}

const actorOf = (principal: Principal, account: Option.Option<StaffAccount>) =>
  principal._tag === "User"
    ? { actorType: "user" as const, actorId: principal.staffId, role: Option.getOrNull(Option.map(account, (a) => a.role)) }
    : principal._tag === "System"
    ? { actorType: "system" as const, actorId: principal.job, role: principal.role ?? null }
    : principal._tag === "Public"
    ? { actorType: "public" as const, actorId: null, role: null }
    : { actorType: "platform" as const, actorId: null, role: null }

const reasonOf = (error: Refusal) =>
  error._tag === "Unauthenticated" ? "unauthenticated" : error.reason

/**
 * Runs an operation of the registry inside one transaction scoped to the actor's clinic. Before the
 * body reads or writes anything, the clinic must be active and the principal allowed (status and
 * the clinic's permission matrix, read in the same transaction, so a change applies to the very
 * next call). Refusals, successful writes and reads of patient records are appended to the audit
 * chain in the same transaction; a refusal is committed with its audit event while the body's
 * failures roll everything back.
 */
export const clinicOperation = <A, E, R>(
  deps: Deps,
  name: ClinicOperation,
  body: (acting: Acting) => Effect.Effect<A, E, R>,
  entityIdOf?: (a: A) => string | null
): Effect.Effect<A, E | Refusal, R | Actor> => guarded(deps, name, operations[name], body, entityIdOf)

/**
 * `clinicOperation` for an operation outside the registry: a host's own operation checked with
 * `Access.check`, which names its key itself.
 */
export const guarded = <A, E, R>(
  deps: Deps,
  name: string,
  spec: OperationSpec,
  body: (acting: Acting) => Effect.Effect<A, E, R>,
  entityIdOf: (a: A) => string | null = (a) =>
    typeof a === "object" && a !== null && "id" in a && typeof a.id === "string" ? a.id : null
): Effect.Effect<A, E | Refusal, R | Actor> =>
  Effect.gen(function*() {
    const principal = yield* Actor
    if (principal._tag === "Platform") {
      return yield* new PermissionDenied({ permission: spec.key, reason: "wrong_principal" })
    }
    const { fieldCrypto, storage } = deps
    // A principal whose ids are not ids names nobody, whatever the database would make of them.
    if (principal._tag !== "Public" && (!isUuid(principal.clinicId) || (principal._tag === "User" && !isUuid(principal.staffId)))) {
      return yield* new Unauthenticated()
    }
    const clinicId = principal._tag === "Public"
      ? yield* Effect.flatMap(storage.clinicBySlug(principal.clinicSlug), (row) =>
        Option.match(row, {
          // An unknown slug names no principal at all, like an unknown account.
          onNone: () => new Unauthenticated(),
          onSome: (r) => Effect.succeed(r.clinic.id)
        }))
      : principal.clinicId
    const outcome = yield* storage.transaction(clinicId)(
      Effect.gen(function*() {
        const staffId = principal._tag === "User" ? principal.staffId : null
        const role = principal._tag === "System" ? principal.role : undefined
        const loaded = yield* storage.access.principal(clinicId, staffId, spec.key, role)
        if (Option.isNone(loaded)) return Either.left<Refusal>(new Unauthenticated())
        const { account, clinic: clinicRow, stored } = loaded.value
        const draft = (rest: Pick<AuditDraft, "outcome" | "reason" | "entityId">): AuditDraft => ({
          ...actorOf(principal, account),
          action: name,
          permissionKey: spec.key,
          entityType: spec.entity,
          ...rest
        })
        const deny = (error: Refusal) =>
          Effect.as(
            appendAudit(storage, fieldCrypto, clinicRow, draft({ outcome: "denied", reason: reasonOf(error), entityId: null })),
            Either.left<Refusal>(error)
          )
        const refused = refusal(spec, principal, clinicRow.clinic, account, stored)
        if (refused !== undefined) return yield* deny(refused)
        const user = principal._tag === "User" ? account : Option.none()
        const boundRole = principal._tag === "System" ? principal.role : undefined
        return yield* body({ clinic: clinicRow.clinic, clinicRow, key: spec.key, user, boundRole }).pipe(
          Effect.tap((a) =>
            spec.audit === "none"
              ? Effect.void
              : appendAudit(storage, fieldCrypto, clinicRow, draft({ outcome: "ok", reason: null, entityId: entityIdOf(a) }))
          ),
          Effect.map((a) => Either.right<A>(a)),
          // A rule inside the body (a doctor's own appointments) refused: nothing was written yet,
          // so the denial is recorded and committed like any other.
          Effect.catchAll((e: E) => e instanceof PermissionDenied ? deny(e) : Effect.fail(e))
        )
      })
    )
    return yield* outcome
  }).pipe(Effect.withSpan(name))

/**
 * Refuses anyone but the platform principal a platform operation, before its input is even read.
 * A clinic's user or job that tries is recorded as a denial in its own clinic's chain.
 */
export const requirePlatform = (deps: Deps, name: PlatformOperation): Effect.Effect<void, PermissionDenied, Actor> =>
  Effect.gen(function*() {
    const principal = yield* Actor
    if (principal._tag === "Platform") return
    const { fieldCrypto, storage } = deps
    const clinicId = principal._tag === "Public"
      ? Option.getOrUndefined(Option.map(yield* storage.clinicBySlug(principal.clinicSlug), (r) => r.clinic.id))
      : principal.clinicId
    if (clinicId !== undefined) {
      yield* storage.transaction(clinicId)(Effect.gen(function*() {
        const staffId = principal._tag === "User" ? principal.staffId : null
        const loaded = yield* storage.access.principal(clinicId, staffId, "platform")
        if (Option.isNone(loaded)) return
        yield* appendAudit(storage, fieldCrypto, loaded.value.clinic, {
          ...actorOf(principal, loaded.value.account),
          action: name,
          permissionKey: "platform",
          entityType: operations[name].entity,
          entityId: null,
          outcome: "denied",
          reason: "wrong_principal"
        })
      }))
    }
    return yield* new PermissionDenied({ permission: "platform", reason: "wrong_principal" })
  })

/**
 * Runs a platform operation (creating, activating, deactivating clinics) in a transaction of that
 * clinic, and records it in the clinic's audit chain.
 */
export const platformOperation = <A, E, R>(
  deps: Deps,
  name: PlatformOperation,
  clinicId: ClinicId,
  body: Effect.Effect<readonly [A, ClinicRow], E, R>
): Effect.Effect<A, E | PermissionDenied, R | Actor> =>
  Effect.gen(function*() {
    yield* requirePlatform(deps, name)
    const { fieldCrypto, storage } = deps
    return yield* storage.transaction(clinicId)(
      Effect.gen(function*() {
        const [a, clinicRow] = yield* body
        yield* appendAudit(storage, fieldCrypto, clinicRow, {
          actorType: "platform",
          actorId: null,
          role: null,
          action: name,
          permissionKey: "platform",
          entityType: "Clinic",
          entityId: clinicId,
          outcome: "ok",
          reason: null
        })
        return a
      })
    )
  }).pipe(Effect.withSpan(name))
