/**
 * The Audit service: list a clinic's events and verify its chain.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import {
  type AuditEvent,
  type ChainBreak,
  Checkpoint,
  checkpointMessage,
  checkpointPurpose,
  chainPurpose,
  chainVerifier
} from "./AuditEvent.js"
import type { Inactive, PermissionDenied, Unauthenticated, ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** How many events `verify` reads at a time: its memory does not grow with the chain. */
const VERIFY_PAGE = 1000

/** Filters for `Audit.list`; times are epoch milliseconds, `to` exclusive. @since 0.1.0 @category inputs */
export const AuditQuery = Schema.Struct({
  actorId: Schema.optional(Schema.String),
  entityType: Schema.optional(Schema.String),
  entityId: Schema.optional(Schema.String),
  action: Schema.optional(Schema.String),
  /** The permission key the operation declared (`patients.view`, `admin`, …). */
  permissionKey: Schema.optional(Schema.String),
  outcome: Schema.optional(Schema.Literal("ok", "denied")),
  from: Schema.optional(Schema.Number),
  to: Schema.optional(Schema.Number),
  /** Events after this sequence number (for paging). */
  afterSeq: Schema.optional(Schema.Int),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 100 })
})
/** @since 0.1.0 @category inputs */
export type AuditQuery = typeof AuditQuery.Encoded

/** @since 0.1.0 @category inputs */
export const VerifyInput = Schema.Struct({ anchor: Schema.optional(Checkpoint) })

/** @since 0.1.0 @category models */
export interface Verification {
  readonly events: number
  /** The first broken link; absent when the whole chain verifies. */
  readonly firstBreak?: ChainBreak | undefined
}

/** @since 0.1.0 @category models */
export interface Audit {
  /** Events in sequence order. */
  readonly list: (query?: AuditQuery) => Effect.Effect<ReadonlyArray<AuditEvent>, ValidationError | Refusal, Actor>
  /**
   * Recomputes the clinic's chain and reports the first broken link. Given a checkpoint the host
   * kept (`checkpoint`), also reports a chain cut or rolled back behind it.
   */
  readonly verify: (input?: { readonly anchor?: typeof Checkpoint.Encoded | undefined }) => Effect.Effect<
    Verification,
    ValidationError | Refusal,
    Actor
  >
  /** The clinic's head now, signed: keep it outside the clinic's tables and give it to `verify`. */
  readonly checkpoint: () => Effect.Effect<Checkpoint, Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Audit: Context.Tag<Audit, Audit> = Context.GenericTag<Audit>("@clinicore/core/Audit")

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Audit, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { fieldCrypto, storage } = deps
  return {
    list: (query = {}) =>
      clinicOperation(deps, "Audit.list", ({ clinic }) =>
        Effect.flatMap(decode(AuditQuery, query), (valid) => storage.audit.list(clinic.id, valid)), () => null),
    verify: (input = {}) =>
      clinicOperation(deps, "Audit.verify", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const valid = yield* decode(VerifyInput, input)
          const mac = yield* fieldCrypto.keyedMac(clinicRow.dataKey, clinic.id, chainPurpose)
          const anchor = valid.anchor === undefined ? undefined : {
            // Another clinic's checkpoint is no anchor for this one.
            checkpoint: valid.anchor.clinicId === clinic.id ? valid.anchor : { ...valid.anchor, signature: "" },
            sign: yield* fieldCrypto.keyedMac(clinicRow.dataKey, clinic.id, checkpointPurpose)
          }
          // The head is held first, so no append lands while the events are read, page by page.
          const head = yield* storage.audit.head(clinic.id)
          const verifier = chainVerifier(mac, anchor)
          for (let after = 0;;) {
            const page = yield* storage.audit.events(clinic.id, after, VERIFY_PAGE)
            for (const e of page) verifier.push(e)
            if (page.length < VERIFY_PAGE) break
            after = page[page.length - 1]!.seq
          }
          const firstBreak = verifier.end(head)
          return firstBreak === undefined ? { events: verifier.count() } : { events: verifier.count(), firstBreak }
        }), () => null),
    checkpoint: () =>
      clinicOperation(deps, "Audit.checkpoint", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const sign = yield* fieldCrypto.keyedMac(clinicRow.dataKey, clinic.id, checkpointPurpose)
          const head = yield* storage.audit.head(clinic.id)
          const unsigned = { clinicId: clinic.id, seq: head.seq, hash: head.hash, at: yield* Clock.currentTimeMillis }
          return { ...unsigned, signature: sign(checkpointMessage(unsigned)) }
        }), () => null)
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Audit, never, Storage | FieldCrypto> = Layer.effect(Audit, make)
