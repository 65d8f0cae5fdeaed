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

/** @since 0.1.0 @category chain */
export interface ChainVerifier {
  /** Takes the chain's next event (in sequence order). */
  readonly push: (event: AuditEvent) => void
  /** How many events were pushed. */
  readonly count: () => number
  /** The first break, once every event was pushed and given the stored head; an anchor's first. */
  readonly end: (head: { readonly seq: number; readonly hash: string }) => ChainBreak | undefined
}

/**
 * Verifies a chain event by event, so a caller can read it in pages in constant memory. Checks each
 * event against the HMAC and its predecessor, then the stored head: any edit, deletion (inside or
 * at the end) or reordering breaks it. With an `anchor` (a checkpoint signed with `sign`), the
 * event at the anchor's position must still be there with the anchored hash: a shorter chain is
 * `truncated` (its tail or all of it deleted, or an older backup restored), another hash there is
 * `anchor_mismatch`, a checkpoint not signed for this clinic is `bad_anchor`.
 *
 * @since 0.1.0 @category chain
 */
export const chainVerifier = (
  mac: (data: string) => string,
  anchor?: { readonly checkpoint: Checkpoint; readonly sign: (data: string) => string }
): ChainVerifier => {
  let n = 0
  let prev = genesis
  let chainBreak: ChainBreak | undefined
  const a = anchor?.checkpoint
  const badAnchor = anchor !== undefined && anchor.sign(checkpointMessage(anchor.checkpoint)) !== anchor.checkpoint.signature
  let anchored: ChainBreak | "ok" | undefined = a !== undefined && a.seq === 0
    ? (a.hash === genesis ? "ok" : { seq: 0, problem: "anchor_mismatch" })
    : undefined
  return {
    push: (e) => {
      n++
      if (a !== undefined && anchored === undefined && n === a.seq) {
        anchored = e.seq === a.seq && e.hash === a.hash ? "ok" : { seq: a.seq, problem: "anchor_mismatch" }
      }
      if (chainBreak !== undefined) return
      if (e.seq !== n) chainBreak = { seq: n, problem: "gap" }
      else if (e.prevHash !== prev) chainBreak = { seq: e.seq, problem: "broken_link" }
      else if (link(e, { seq: n - 1, hash: prev }, mac).hash !== e.hash) chainBreak = { seq: e.seq, problem: "hash_mismatch" }
      else prev = e.hash
    },
    count: () => n,
    end: (head) => {
      if (a !== undefined) {
        if (badAnchor) return { seq: a.seq, problem: "bad_anchor" }
        if (anchored === undefined) return { seq: n + 1, problem: "truncated" }
        if (anchored !== "ok") return anchored
      }
      if (chainBreak !== undefined) return chainBreak
      return head.seq !== n || head.hash !== prev ? { seq: n + 1, problem: "head_mismatch" } : undefined
    }
  }
}

/**
 * `chainVerifier` over a whole chain held in memory.
 *
 * @since 0.1.0 @category chain
 */
export const verifyChain = (
  events: ReadonlyArray<AuditEvent>,
  head: { readonly seq: number; readonly hash: string },
  mac: (data: string) => string
): ChainBreak | undefined => {
  const verifier = chainVerifier(mac)
  for (const e of events) verifier.push(e)
  return verifier.end(head)
}
