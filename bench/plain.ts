/**
 * The pieces of "the same work by hand" (DESIGN §13) that more than one benchmark writes, with
 * the stock `@effect/sql` client and none of the library: the principal's permission read and the
 * chained audit event. Each runs inside the caller's transaction (tenant already set on Postgres).
 */
import { createHmac } from "node:crypto"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

export type Dialect = "pg" | "sqlite"

/** An instant as the dialect stores it. */
export const instantOf = (dialect: Dialect) => (ms: number): Date | number => (dialect === "pg" ? new Date(ms) : ms)

/** What a principal read returns: the clinic's columns, the staff account's and the stored grant. */
export interface PrincipalRow {
  readonly active: unknown
  readonly s_role: string | null
  readonly s_status: string | null
  readonly rp_granted: unknown
}

/** A boolean column (`true`/`1`). */
export const truthy = (v: unknown): boolean => v === true || v === 1 || v === 1n

/**
 * The shape of `access.principal`: the clinic, the staff account (none for a job) and the stored
 * grant of `key` for the account's role (a job's `role`), one row.
 */
export const principal = (sql: SqlClient.SqlClient, clinicId: string, staffId: string | null, role: string | null, key: string) =>
  Effect.map(
    sql<PrincipalRow>`SELECT c.*, s.id AS s_id, s.name AS s_name, s.email AS s_email, s.role AS s_role,
        s.status AS s_status, s.created_at AS s_created_at, rp.granted AS rp_granted
      FROM clinics c
      LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${staffId}
      LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = COALESCE(s.role, ${role}) AND rp.permission_key = ${key}
      WHERE c.id = ${clinicId}`,
    (rows) => rows[0]
  )

/** One audit event's fields, as the chain signs them. */
export interface AuditEvent {
  readonly clinicId: string
  readonly at: number
  readonly actorType: string
  readonly actorId: string | null
  readonly role: string | null
  readonly action: string
  readonly permissionKey: string
  readonly entityType: string
  readonly entityId: string | null
  readonly outcome: string
  readonly reason: string | null
}

/**
 * Appends `e` to its clinic's chain, computed in the process with `node:crypto`: the head read
 * (`FOR UPDATE` on Postgres), `HMAC-SHA256(key, prevHash \n seq \n body)`, the event's INSERT, the
 * head's UPDATE. The key never reaches SQL.
 */
export const appendAudit = (sql: SqlClient.SqlClient, dialect: Dialect, key: Buffer, e: AuditEvent) =>
  Effect.gen(function*() {
    const [head] = yield* sql<{ seq: number | string; hash: string }>`SELECT seq, hash FROM audit_heads
      WHERE clinic_id = ${e.clinicId} ${dialect === "pg" ? sql.literal("FOR UPDATE") : sql.literal("")}`
    const seq = Number(head!.seq) + 1
    // The entry's fields in the chain's fixed order, the library's `chainBody` written plainly.
    const fields = [e.clinicId, e.at, e.actorType, e.actorId, e.role, e.action, e.permissionKey, e.entityType, e.entityId]
    const body = JSON.stringify([...fields, e.outcome, e.reason])
    const hash = createHmac("sha256", key).update(`${head!.hash}\n${seq}\n${body}`).digest("base64url")
    yield* sql`INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key, entity_type,
        entity_id, outcome, reason, prev_hash, hash)
      VALUES (${e.clinicId}, ${seq}, ${instantOf(dialect)(e.at)}, ${e.actorType}, ${e.actorId}, ${e.role}, ${e.action},
        ${e.permissionKey}, ${e.entityType}, ${e.entityId}, ${e.outcome}, ${e.reason}, ${head!.hash}, ${hash})`
    yield* sql`UPDATE audit_heads SET seq = ${seq}, hash = ${hash} WHERE clinic_id = ${e.clinicId} AND seq = ${seq - 1}`
  })
