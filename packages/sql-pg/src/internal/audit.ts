/**
 * The audit chain's append on Postgres: one statement that locks the clinic's head, numbers the
 * event after it, signs it and moves the head, sent with `COMMIT` (`atCommit`), so the head's lock
 * is held only while Postgres runs those two messages, never across a round trip to the host.
 *
 * The HMAC is computed in the statement, from the key's inner and outer pads (RFC 2104:
 * `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))`) with the built-in `sha256`, over the very string
 * `chainMessage` builds; `verifyChain` recomputes it with node:crypto. The per-clinic chain key
 * therefore travels to the server as a bind parameter (see docs/audit.md).
 */
import { type AuditEntry, chainBody } from "@clinicore/core/AuditEvent"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Effect from "effect/Effect"
import { atCommit } from "./transaction.js"

const BLOCK = 64

const pads = new WeakMap<Uint8Array, { readonly inner: Buffer; readonly outer: Buffer }>()

/** The key's inner and outer HMAC pads, computed once per key. */
const padsOf = (key: Uint8Array): { readonly inner: Buffer; readonly outer: Buffer } => {
  let found = pads.get(key)
  if (found === undefined) {
    const block = Buffer.alloc(BLOCK)
    Buffer.from(key).copy(block)
    found = { inner: Buffer.from(block.map((b) => b ^ 0x36)), outer: Buffer.from(block.map((b) => b ^ 0x5c)) }
    pads.set(key, found)
  }
  return found
}

/** @internal */
export const append = (sql: SqlClient.SqlClient) => (entry: AuditEntry, key: Uint8Array): Effect.Effect<void, SqlError> => {
  if (key.length > BLOCK) throw new Error("chain keys longer than one SHA-256 block are not supported")
  const { inner, outer } = padsOf(key)
  // chainMessage(prevHash, seq, body) = prevHash \n seq \n body, signed and written as base64url.
  return atCommit(sql`WITH head AS (
      SELECT seq, hash FROM audit_heads WHERE clinic_id = ${entry.clinicId} FOR UPDATE
    ), next AS (
      SELECT seq + 1 AS seq, hash AS prev_hash, rtrim(translate(encode(sha256(${outer}::bytea || sha256(${inner}::bytea
        || convert_to(hash || E'\\n' || (seq + 1)::text || E'\\n' || ${chainBody(entry)}::text, 'UTF8'))), 'base64'), '+/', '-_'), '=') AS hash
      FROM head
    ), moved AS (
      UPDATE audit_heads h SET seq = next.seq, hash = next.hash FROM next WHERE h.clinic_id = ${entry.clinicId}
    )
    INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key,
      entity_type, entity_id, outcome, reason, prev_hash, hash)
    SELECT ${entry.clinicId}, next.seq, ${new Date(entry.at)}, ${entry.actorType}, ${entry.actorId}, ${entry.role},
      ${entry.action}, ${entry.permissionKey}, ${entry.entityType}, ${entry.entityId}, ${entry.outcome}, ${entry.reason},
      next.prev_hash, next.hash
    FROM next
    -- A clinic without a head would silently get no event: divide by zero instead (a defect).
    WHERE 1 / (SELECT count(*)::int FROM head) = 1`)
}
