/**
 * The Access service: each clinic's permission matrix (read and changed by its admin only), and
 * the check hosts use for their own operations.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import type { Inactive, PermissionDenied, Unauthenticated, ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { clinicOperation, type Deps, guarded } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { type Catalogue, catalogue as makeCatalogue, resolve } from "./Permission.js"
import { type PermissionRow, Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** The roles whose keys a clinic configures; admin always holds every key. @since 0.1.0 @category models */
export const ConfigurableRole = Schema.Literal("doctor", "receptionist", "nurse").annotations({
  message: () => "must be doctor, receptionist or nurse (admin always holds every key)"
})
/** @since 0.1.0 @category models */
export type ConfigurableRole = typeof ConfigurableRole.Type

/**
 * A clinic's effective matrix: for each configurable role, the keys it holds, in catalogue order.
 *
 * @since 0.1.0 @category models
 */
export interface Matrix {
  readonly keys: ReadonlyArray<string>
  readonly roles: Readonly<Record<ConfigurableRole, ReadonlyArray<string>>>
}

/** @since 0.1.0 @category models */
export interface Access {
  /** Admin only. */
  readonly matrix: () => Effect.Effect<Matrix, Refusal, Actor>
  /** Admin only: grants or revokes keys; takes effect on the very next call, in every process. */
  readonly set: (
    changes: ReadonlyArray<{ readonly role: string; readonly key: string; readonly granted: boolean }>
  ) => Effect.Effect<Matrix, ValidationError | Refusal, Actor>
  /** Admin only: stores the defaults for every key not configured yet (idempotent). */
  readonly seedDefaults: () => Effect.Effect<void, Refusal, Actor>
  /**
   * For a host's own operations: fails unless the acting principal holds `key` in its clinic now.
   * Audited like the library's own operations.
   */
  readonly check: (key: string) => Effect.Effect<void, ValidationError | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Access: Context.Tag<Access, Access> = Context.GenericTag<Access>("@clinicore/core/Access")

const roles: ReadonlyArray<ConfigurableRole> = ["doctor", "receptionist", "nurse"]

/**
 * @since 0.1.0 @category constructors
 */
export const make = (catalogue: Catalogue = makeCatalogue()): Effect.Effect<Access, never, Storage | FieldCrypto> =>
  Effect.gen(function*() {
    const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
    const { storage } = deps
    const Change = Schema.Struct({ role: ConfigurableRole, key: catalogue.schema, granted: Schema.Boolean })
    const Changes = Schema.Array(Change).pipe(Schema.maxItems(10_000))
    const CheckInput = Schema.Struct({ key: catalogue.schema })

    const effective = (rows: ReadonlyArray<PermissionRow>): Matrix => {
      const stored = new Map(rows.map((r) => [`${r.role}\u0000${r.key}`, r.granted]))
      return {
        keys: catalogue.keys,
        roles: Object.fromEntries(
          roles.map((role) => [role, catalogue.keys.filter((key) => resolve(role, key, stored.get(`${role}\u0000${key}`)))])
        ) as unknown as Matrix["roles"]
      }
    }

    const all: ReadonlyArray<PermissionRow> = roles.flatMap((role) =>
      catalogue.keys.map((key) => ({ role, key, granted: resolve(role, key, undefined) }))
    )

    return {
      matrix: () =>
        clinicOperation(deps, "Access.matrix", ({ clinic }) => Effect.map(storage.access.matrix(clinic.id), effective), () => null),
      set: (changes) =>
        clinicOperation(deps, "Access.set", ({ clinic }) =>
          Effect.gen(function*() {
            const valid = yield* decode(Changes, changes)
            yield* storage.access.set(clinic.id, valid, yield* Clock.currentTimeMillis)
            return effective(yield* storage.access.matrix(clinic.id))
          }), () => null),
      seedDefaults: () =>
        clinicOperation(deps, "Access.seedDefaults", ({ clinic }) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => storage.access.seed(clinic.id, all, now)), () => null),
      check: (key) =>
        Effect.flatMap(decode(CheckInput, { key }), (valid) =>
          guarded(deps, `Access.check(${valid.key})`, { key: valid.key as never, audit: "none", entity: "HostOperation" }, () =>
            Effect.void))
    }
  })

/** Access over the built-in catalogue. @since 0.1.0 @category layers */
export const layer: Layer.Layer<Access, never, Storage | FieldCrypto> = Layer.effect(Access, make())

/** Access over the built-in catalogue plus a host's own keys. @since 0.1.0 @category layers */
export const layerCatalogue = (hostKeys: ReadonlyArray<string>): Layer.Layer<Access, never, Storage | FieldCrypto> =>
  Layer.effect(Access, make(makeCatalogue(hostKeys)))
