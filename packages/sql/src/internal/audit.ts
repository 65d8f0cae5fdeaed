/**
 * The audit chain's storage: the head and the events. The chain itself is computed in core.
 */
import { ActorType, AuditEvent, genesis, Outcome } from "@clinicore/core/AuditEvent"
import type { ClinicId } from "@clinicore/core/Ids"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { all, first, Instant, Integer, NullableText, orDie } from "./rows.js"

/** An `audit_events` row as the event. */
const EventRow = Schema.transform(
  Schema.Struct({
    clinic_id: Schema.String,
    seq: Integer,
    at: Instant,
    actor_type: ActorType,
    actor_id: NullableText,
    role: NullableText,
    action: Schema.String,
    permission_key: NullableText,
    entity_type: NullableText,
    entity_id: NullableText,
    outcome: Outcome,
    reason: NullableText,
    prev_hash: Schema.String,
    hash: Schema.String
  }),
  AuditEvent,
  {
    strict: true,
    decode: (r) => ({
      clinicId: r.clinic_id,
      seq: r.seq,
      at: r.at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      role: r.role,
      action: r.action,
      permissionKey: r.permission_key,
      entityType: r.entity_type,
      entityId: r.entity_id,
      outcome: r.outcome,
      reason: r.reason,
      prevHash: r.prev_hash,
      hash: r.hash
    }),
    encode: (e) => ({
      clinic_id: e.clinicId,
      seq: e.seq,
      at: e.at,
      actor_type: e.actorType,
      actor_id: e.actorId,
      role: e.role,
      action: e.action,
      permission_key: e.permissionKey,
      entity_type: e.entityType,
      entity_id: e.entityId,
      outcome: e.outcome,
      reason: e.reason,
      prev_hash: e.prevHash,
      hash: e.hash
    })
  }
)
const allEvents = all(EventRow)

/** An `audit_heads` row. */
const HeadRow = Schema.Struct({ seq: Integer, hash: Schema.String })
const firstHead = first(HeadRow)

/** @internal */
export const make = ({ dialect, sql }: Context): Storage.AuditRepository => {
  const head = (clinicId: ClinicId) =>
    orDie(sql`SELECT seq, hash FROM audit_heads WHERE clinic_id = ${clinicId} ${sql.literal(dialect.lockRow)}`).pipe(
      Effect.map(firstHead)
    )

  return {
    init: (clinicId) =>
      orDie(sql`INSERT INTO audit_heads (clinic_id, seq, hash) VALUES (${clinicId}, 0, ${genesis})`).pipe(Effect.asVoid),
    head: (clinicId) =>
      Effect.flatMap(head(clinicId), (found) =>
        Option.isNone(found)
          // A clinic without a head would get an event outside any chain.
          ? Effect.dieMessage(`clinic ${clinicId} has no audit chain head`)
          : Effect.succeed(found.value)),
    append: (e) =>
      orDie(Effect.zipRight(
        sql`INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key,
              entity_type, entity_id, outcome, reason, prev_hash, hash)
            VALUES (${e.clinicId}, ${e.seq}, ${dialect.instant(e.at)}, ${e.actorType}, ${e.actorId}, ${e.role},
              ${e.action}, ${e.permissionKey}, ${e.entityType}, ${e.entityId}, ${e.outcome}, ${e.reason},
              ${e.prevHash}, ${e.hash})`,
        sql`UPDATE audit_heads SET seq = ${e.seq}, hash = ${e.hash} WHERE clinic_id = ${e.clinicId} AND seq = ${e.seq - 1}`
      )).pipe(Effect.asVoid),
    list: (clinicId, f) =>
      orDie(sql`SELECT * FROM audit_events WHERE ${
        sql.and([
          sql`clinic_id = ${clinicId}`,
          ...(f.actorId === undefined ? [] : [sql`actor_id = ${f.actorId}`]),
          ...(f.entityType === undefined ? [] : [sql`entity_type = ${f.entityType}`]),
          ...(f.entityId === undefined ? [] : [sql`entity_id = ${f.entityId}`]),
          ...(f.action === undefined ? [] : [sql`action = ${f.action}`]),
          ...(f.permissionKey === undefined ? [] : [sql`permission_key = ${f.permissionKey}`]),
          ...(f.outcome === undefined ? [] : [sql`outcome = ${f.outcome}`]),
          ...(f.from === undefined ? [] : [sql`at >= ${dialect.instant(f.from)}`]),
          ...(f.to === undefined ? [] : [sql`at < ${dialect.instant(f.to)}`]),
          ...(f.afterSeq === undefined ? [] : [sql`seq > ${f.afterSeq}`])
        ])
      } ORDER BY seq LIMIT ${f.limit}`).pipe(Effect.map(allEvents)),
    events: (clinicId, afterSeq, limit) =>
      orDie(sql`SELECT * FROM audit_events WHERE clinic_id = ${clinicId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`).pipe(
        Effect.map(allEvents)
      )
  }
}
