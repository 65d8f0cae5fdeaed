/**
 * Staff accounts and their credentials.
 */
import { Conflict } from "@clinicore/core/Errors"
import { StaffId } from "@clinicore/core/Ids"
import { Role, StaffAccount, StaffStatus } from "@clinicore/core/StaffAccount"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { crossClinic } from "./guard.js"
import { all, first, Instant, NullableText, orDie } from "./rows.js"

/** A `staff` row as the account. */
export const StaffRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    name: Schema.String,
    email: Schema.String,
    role: Role,
    status: StaffStatus,
    created_at: Instant
  }),
  StaffAccount,
  {
    strict: true,
    decode: (r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      name: r.name,
      email: r.email,
      role: r.role,
      status: r.status,
      createdAt: r.created_at
    }),
    encode: (a) => ({
      id: a.id,
      clinic_id: a.clinicId,
      name: a.name,
      email: a.email,
      role: a.role,
      status: a.status,
      created_at: a.createdAt
    })
  }
)

/** A `staff` row as the account and its password hash. */
const Credentials = Schema.Struct({ account: StaffRow, passwordHash: NullableText })

const firstStaff = first(StaffRow)
const allStaff = all(StaffRow)
const firstCredentials = first(Credentials)
const allIds = all(Schema.Struct({ id: StaffId }))

const duplicateEmail = (email: string) => () => new Conflict({ reason: { _tag: "duplicate_email", email } })

/** @internal */
export const make = (context: Context): Storage.StaffRepository => {
  const { dialect, guard, page, sql } = context
  const dependents = context.dependents([
    ["doctors", "doctors", "staff_id"],
    ["appointments", "appointments", "created_by"],
    ["invoices", "invoices", "created_by"]
  ])

  return {
    insert: (a) =>
      guard(
        sql`INSERT INTO staff (clinic_id, id, name, email, role, status, created_at)
            VALUES (${a.clinicId}, ${a.id}, ${a.name}, ${a.email}, ${a.role}, ${a.status}, ${dialect.instant(a.createdAt)})`,
        { unique: duplicateEmail(a.email), foreignKey: () => crossClinic("clinicId") }
      ),
    findById: (clinicId, id) =>
      orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.map(firstStaff)),
    findByEmail: (clinicId, email) =>
      orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND email = ${email}`).pipe(Effect.map(firstStaff)),
    list: (clinicId, filter) =>
      orDie(sql`SELECT * FROM staff WHERE ${
        sql.and([
          sql`clinic_id = ${clinicId}`,
          ...(filter.status ? [sql`status = ${filter.status}`] : []),
          ...(filter.role ? [sql`role = ${filter.role}`] : [])
        ])
      } ORDER BY name, id${page(filter)}`).pipe(Effect.map(allStaff)),
    activeAdmins: (clinicId) =>
      orDie(sql`SELECT id FROM staff WHERE clinic_id = ${clinicId} AND role = 'admin' AND status = 'active'
        ORDER BY id ${sql.literal(dialect.lockRow)}`).pipe(Effect.map((rows) => allIds(rows).map((r) => r.id))),
    // A doctor linked to the account is bookable only while the account is active: its version
    // moves on with the account, so a booking decided before the change is not written after it.
    update: (a) =>
      guard(
        Effect.zipRight(
          sql`UPDATE staff SET name = ${a.name}, email = ${a.email}, role = ${a.role}, status = ${a.status}
              WHERE clinic_id = ${a.clinicId} AND id = ${a.id}`,
          sql`UPDATE doctors SET version = version + 1 WHERE clinic_id = ${a.clinicId} AND staff_id = ${a.id}`
        ),
        { unique: duplicateEmail(a.email) }
      ).pipe(Effect.asVoid),
    delete: context.remove("staff", dependents),
    dependents,
    credentials: (clinicId, email) =>
      orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND email = ${email}`).pipe(
        Effect.map((rows) => firstCredentials(rows.map((r) => ({ account: r, passwordHash: r.password_hash ?? null }))))
      ),
    setPasswordHash: (clinicId, id, hash) =>
      orDie(sql`UPDATE staff SET password_hash = ${hash} WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.asVoid)
  }
}
