/**
 * Audit events: one per mutation, permission denial, matrix change and read of a patient record,
 * appended in the same transaction, chained per clinic with an HMAC and numbered without gaps.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId } from "./Ids.js"

/** @since 0.1.0 @category models */
export const ActorType = Schema.Literal("user", "system", "platform", "public")

/** @since 0.1.0 @category models */
export const Outcome = Schema.Literal("ok", "denied")

/**
 * An audit event. It names who acted (id and role, never a name or email), what they did (the
 * operation and its permission key), on which entity (type and id), and the outcome; it never
 * holds a field's value.
 *
 * @since 0.1.0 @category models
 */
export class AuditEvent extends Schema.Class<AuditEvent>("@clinicore/core/AuditEvent")({
  clinicId: ClinicId,
  /** 1, 2, 3, … per clinic, without gaps. */
  seq: Schema.Number,
  at: Schema.Number,
  actorType: ActorType,
  actorId: Schema.NullOr(Schema.String),
  role: Schema.NullOr(Schema.String),
  /** The operation, e.g. `Patients.create`. */
  action: Schema.String,
  permissionKey: Schema.NullOr(Schema.String),
  entityType: Schema.NullOr(Schema.String),
  entityId: Schema.NullOr(Schema.String),
  outcome: Outcome,
  /** Why it was denied (`not_granted`, `user_inactive`, …), or a short note. */
  reason: Schema.NullOr(Schema.String),
  prevHash: Schema.String,
  hash: Schema.String
}) {}

/**
 * What the chain's HMAC key is derived for from the clinic's data key (`FieldCrypto.keyedMac`).
 *
 * @since 0.1.0 @category chain
 */
export const chainPurpose = "audit-chain"

/** The hash a clinic's chain starts from. @since 0.1.0 @category chain */
export const genesis = "genesis"

/**
 * An event before its clinic's chain numbers and links it: what the operation knows.
 *
 * @since 0.1.0 @category models
 */
export type AuditEntry = Omit<AuditEvent, "seq" | "prevHash" | "hash">

/**
 * The entry's own fields in a fixed order, as JSON: the part of the HMAC's message that is known
 * before the event has a place in the chain.
 *
 * @since 0.1.0 @category chain
 */
export const chainBody = (e: AuditEntry): string =>
  JSON.stringify([
    e.clinicId,
    e.at,
    e.actorType,
    e.actorId,
    e.role,
    e.action,
    e.permissionKey,
    e.entityType,
    e.entityId,
    e.outcome,
    e.reason
  ])

/**
 * The bytes (UTF-8) the HMAC covers: the previous hash, the sequence number and the body, one per
 * line.
 *
 * @since 0.1.0 @category chain
 */
export const chainMessage = (prevHash: string, seq: number, body: string): string => `${prevHash}\n${seq}\n${body}`

/**
 * The event that follows `head` in its clinic's chain: numbered after it, linked to its hash and
 * signed with `mac` (the clinic's keyed HMAC). The one implementation of the chain: appending
 * builds each event with it and verifying rebuilds each with it.
 *
 * @since 0.1.0 @category chain
 */
export const link = (
  entry: AuditEntry,
  head: { readonly seq: number; readonly hash: string },
  mac: (data: string) => string
): AuditEvent => {
  const seq = head.seq + 1
  return new AuditEvent({ ...entry, seq, prevHash: head.hash, hash: mac(chainMessage(head.hash, seq, chainBody(entry))) }, {
    disableValidation: true
  })
}

/**
 * The first broken link of a chain, if any.
 *
 * @since 0.1.0 @category chain
 */
export type ChainBreak = {
  readonly seq: number
  readonly problem: "gap" | "hash_mismatch" | "broken_link" | "head_mismatch" | "truncated" | "anchor_mismatch" | "bad_anchor"
}

/**
 * A signed record of a clinic's head at one moment, for the host to keep outside the clinic's
 * tables. Given back to `verify`, it anchors the chain: events at or before it cannot have been
 * removed, rewritten or rolled back to an older backup unseen.
 *
 * @since 0.1.0 @category chain
 */
export const Checkpoint = Schema.Struct({
  clinicId: ClinicId,
  seq: Schema.Int.pipe(Schema.nonNegative()),
  hash: Schema.String.pipe(Schema.maxLength(200)),
  at: Schema.Int,
  signature: Schema.String.pipe(Schema.maxLength(200))
})
/** @since 0.1.0 @category chain */
export type Checkpoint = typeof Checkpoint.Type

/** What the derived key for checkpoints is derived for (another purpose than the chain's). @since 0.1.0 @category chain */
export const checkpointPurpose = "audit-checkpoint"

/** The text a checkpoint's signature covers. @since 0.1.0 @category chain */
export const checkpointMessage = (c: Omit<Checkpoint, "signature">): string => JSON.stringify([c.clinicId, c.seq, c.hash, c.at])

/**
 * Checks a chain against an anchor (a checkpoint signed with `sign`): the event at the anchor's
 * sequence number must still be there with the anchored hash. A shorter chain is `truncated` (its
 * tail or all of it deleted, or an older backup restored); another hash there is `anchor_mismatch`.
 *
 * @since 0.1.0 @category chain
 */
export const verifyAnchor = (
  events: ReadonlyArray<Pick<AuditEvent, "seq" | "hash">>,
  anchor: Checkpoint,
  sign: (data: string) => string
): ChainBreak | undefined => {
  if (sign(checkpointMessage(anchor)) !== anchor.signature) return { seq: anchor.seq, problem: "bad_anchor" }
  if (anchor.seq === 0) return anchor.hash === genesis ? undefined : { seq: 0, problem: "anchor_mismatch" }
  const at = events[anchor.seq - 1]
  if (at === undefined) return { seq: events.length + 1, problem: "truncated" }
  return at.seq === anchor.seq && at.hash === anchor.hash ? undefined : { seq: anchor.seq, problem: "anchor_mismatch" }
}

/**
 * Checks a clinic's events (ordered by `seq`) against the HMAC and the stored head. Any edit,
 * deletion (inside or at the end) or reordering breaks it.
 *
 * @since 0.1.0 @category chain
 */
export const verifyChain = (
  events: ReadonlyArray<AuditEvent>,
  head: { readonly seq: number; readonly hash: string },
  mac: (data: string) => string
): ChainBreak | undefined => {
  let prev = genesis
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    if (e.seq !== i + 1) return { seq: i + 1, problem: "gap" }
    if (e.prevHash !== prev) return { seq: e.seq, problem: "broken_link" }
    if (link(e, { seq: i, hash: prev }, mac).hash !== e.hash) return { seq: e.seq, problem: "hash_mismatch" }
    prev = e.hash
  }
  if (head.seq !== events.length || head.hash !== prev) return { seq: events.length + 1, problem: "head_mismatch" }
  return undefined
}
