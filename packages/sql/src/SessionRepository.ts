/**
 * The credentials' storage port (`@clinicore/core/Sessions`) over `@effect/sql`, written once for
 * both adapters. Its statements run on the `SqlClient` in context, so inside `Storage.transaction`
 * they join that transaction (and its tenant, on Postgres). Every query names `clinic_id`; only
 * the SHA-256 digest of a secret is stored.
 *
 * @since 0.1.0
 */
import type { ClinicId, StaffId } from "@clinicore/core/Ids"
import type { CredentialId, CredentialRow, SessionRepository } from "@clinicore/core/Sessions"
import type { Role } from "@clinicore/core/StaffAccount"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Dialect } from "./Dialect.js"
import { ms, type Row, str } from "./internal/rows.js"

const toRow = (r: Row): CredentialRow => ({
  id: r.id as CredentialId,
  clinicId: r.clinic_id as ClinicId,
  kind: r.kind as CredentialRow["kind"],
  secretHash: String(r.secret_hash),
  staffId: str(r.staff_id) as StaffId | null,
  role: str(r.role) as Role | null,
  name: str(r.name),
  createdAt: ms(r.created_at),
  expiresAt: r.expires_at == null ? null : ms(r.expires_at),
  revokedAt: r.revoked_at == null ? null : ms(r.revoked_at)
})

/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect): Effect.Effect<SessionRepository, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql): SessionRepository => ({
    insert: (row) =>
      Effect.orDie(sql`INSERT INTO credentials ${
        sql.insert({
          clinic_id: row.clinicId,
          id: row.id,
          kind: row.kind,
          secret_hash: row.secretHash,
          staff_id: row.staffId,
          role: row.role,
          name: row.name,
          created_at: dialect.instant(row.createdAt),
          expires_at: row.expiresAt === null ? null : dialect.instant(row.expiresAt),
          revoked_at: row.revokedAt === null ? null : dialect.instant(row.revokedAt)
        })
      }`).pipe(Effect.asVoid),
    findById: (clinicId, id) =>
      Effect.orDie(sql`SELECT * FROM credentials WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toRow))
      ),
    list: (clinicId, kind) =>
      Effect.orDie(sql`SELECT * FROM credentials WHERE clinic_id = ${clinicId} AND kind = ${kind}
        ORDER BY created_at, id`).pipe(Effect.map((rows) => rows.map(toRow))),
    revoke: (clinicId, id, at) =>
      Effect.orDie(sql`UPDATE credentials SET revoked_at = ${dialect.instant(at)}
        WHERE clinic_id = ${clinicId} AND id = ${id} AND revoked_at IS NULL`).pipe(Effect.asVoid),
    prune: (clinicId, before) =>
      Effect.orDie(sql`DELETE FROM credentials WHERE clinic_id = ${clinicId} AND kind = 'session'
        AND (expires_at < ${dialect.instant(before)} OR revoked_at < ${dialect.instant(before)})`).pipe(Effect.asVoid)
  }))
