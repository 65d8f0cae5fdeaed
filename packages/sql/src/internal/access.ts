/**
 * The per-clinic permission matrix, and the principal read every operation starts with.
 */
import type { ClinicId } from "@clinicore/core/Ids"
import { StaffRole } from "@clinicore/core/StaffAccount"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ClinicRow } from "./clinics.js"
import type { Context } from "./context.js"
import { all, Bool, first, orDie, type Row } from "./rows.js"
import { StaffRow } from "./staff.js"

/** The principal query's row: the clinic's columns, the account's (`s_…`, all null without one) and the stored cell. */
const Principal = Schema.transform(
  Schema.Struct({
    clinic: ClinicRow,
    account: Schema.OptionFromNullOr(StaffRow),
    stored: Schema.OptionFromNullOr(Bool)
  }),
  Schema.Struct({
    clinic: Schema.typeSchema(ClinicRow),
    account: Schema.OptionFromSelf(Schema.typeSchema(StaffRow)),
    stored: Schema.UndefinedOr(Schema.Boolean)
  }),
  {
    strict: true,
    decode: ({ account, clinic, stored }) => ({ clinic, account, stored: Option.getOrUndefined(stored) }),
    encode: ({ account, clinic, stored }) => ({ clinic, account, stored: Option.fromNullable(stored) })
  }
)
const firstPrincipal = first(Principal)

/** Splits the principal query's one row into what `Principal` decodes. */
const principalParts = (r: Row) => ({
  clinic: r,
  account: r.s_id == null ? null : {
    id: r.s_id,
    clinic_id: r.id,
    name: r.s_name,
    email: r.s_email,
    role: r.s_role,
    status: r.s_status,
    created_at: r.s_created_at
  },
  stored: r.rp_granted
})

/** A `role_permissions` row as one cell of the matrix. */
const Permission = Schema.transform(
  Schema.Struct({ role: StaffRole, permission_key: Schema.String, granted: Bool }),
  Schema.Struct({ role: StaffRole, key: Schema.String, granted: Schema.Boolean }),
  {
    strict: true,
    decode: (r) => ({ role: r.role, key: r.permission_key, granted: r.granted }),
    encode: (p) => ({ role: p.role, permission_key: p.key, granted: p.granted })
  }
)
const allPermissions = all(Permission)

/** @internal */
export const make = ({ dialect, sql }: Context): Storage.AccessRepository => {
  const permissionRows = (clinicId: ClinicId, rows: ReadonlyArray<Storage.PermissionRow>, at: number) =>
    rows.map((r) => ({
      clinic_id: clinicId,
      role: r.role,
      permission_key: r.key,
      granted: dialect.bool(r.granted),
      updated_at: dialect.instant(at)
    }))

  return {
    principal: (clinicId, staffId, key, role) =>
      orDie(sql`SELECT c.*, s.id AS s_id, s.name AS s_name, s.email AS s_email, s.role AS s_role,
            s.status AS s_status, s.created_at AS s_created_at, rp.granted AS rp_granted
          FROM clinics c
          LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${staffId}
          LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = COALESCE(s.role, ${role ?? null})
            AND rp.permission_key = ${key}
          WHERE c.id = ${clinicId}`).pipe(Effect.map((rows) => firstPrincipal(rows.slice(0, 1).map(principalParts)))),
    matrix: (clinicId) =>
      orDie(sql`SELECT role, permission_key, granted FROM role_permissions WHERE clinic_id = ${clinicId}`).pipe(
        Effect.map(allPermissions)
      ),
    set: (clinicId, rows, at) =>
      rows.length === 0 ? Effect.void : orDie(sql`INSERT INTO role_permissions ${sql.insert(permissionRows(clinicId, rows, at))}
          ON CONFLICT (clinic_id, role, permission_key)
          DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at`).pipe(Effect.asVoid),
    seed: (clinicId, rows, at) =>
      rows.length === 0 ? Effect.void : orDie(sql`INSERT INTO role_permissions ${sql.insert(permissionRows(clinicId, rows, at))}
          ON CONFLICT (clinic_id, role, permission_key) DO NOTHING`).pipe(Effect.asVoid)
  }
}
