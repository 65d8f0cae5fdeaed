/**
 * Staff accounts: the people who act inside a clinic.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId, StaffId } from "./Ids.js"

/** @since 0.1.0 @category models */
export const Role = Schema.Literal("admin", "doctor", "receptionist", "nurse")
/** @since 0.1.0 @category models */
export type Role = typeof Role.Type

/** @since 0.1.0 @category models */
export const StaffStatus = Schema.Literal("pending", "active", "inactive", "rejected")
/** @since 0.1.0 @category models */
export type StaffStatus = typeof StaffStatus.Type

/** Trimmed and lower-cased, so `Ann@X.org ` and `ann@x.org` are one account. @since 0.1.0 @category models */
export const Email = Schema.compose(Schema.Trim, Schema.Lowercase).pipe(
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" }),
  Schema.maxLength(254, { message: () => "must be at most 254 characters" })
)

/** @since 0.1.0 @category models */
export const PersonName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(200, { message: () => "must be at most 200 characters" })
)

/** @since 0.1.0 @category models */
export class StaffAccount extends Schema.Class<StaffAccount>("@clinicore/core/StaffAccount")({
  id: StaffId,
  clinicId: ClinicId,
  name: PersonName,
  email: Email,
  role: Role,
  status: StaffStatus,
  createdAt: Schema.Number
}) {}

/** Roles staff management may assign: never `admin`. @since 0.1.0 @category models */
export const StaffRole = Schema.Literal("doctor", "receptionist", "nurse").annotations({
  message: () => "must be doctor, receptionist or nurse (staff management cannot create an admin)"
})

/** @since 0.1.0 @category inputs */
export const CreateStaff = Schema.Struct({
  name: PersonName,
  email: Email,
  role: StaffRole,
  /** `pending` for self-signup awaiting approval; `active` when an admin creates the account. */
  status: Schema.optionalWith(Schema.Literal("pending", "active"), { default: () => "active" as const })
})
/** @since 0.1.0 @category inputs */
export type CreateStaff = typeof CreateStaff.Encoded

/**
 * Who may change an account (its status, its password): an admin may change any account of the
 * clinic; anyone else holding the operation's key may change any account but an admin's. Pure.
 *
 * @since 0.1.0 @category rules
 */
export const mayChange = (actor: { readonly role: string }, target: Pick<StaffAccount, "role">): boolean =>
  actor.role === "admin" || target.role !== "admin"

/**
 * Whether taking `target` out of the active accounts leaves the clinic an active admin, given
 * the active admins' ids. Pure.
 *
 * @since 0.1.0 @category rules
 */
export const leavesAnAdmin = (target: Pick<StaffAccount, "id" | "role" | "status">, activeAdmins: ReadonlyArray<string>): boolean =>
  !(target.role === "admin" && target.status === "active") || activeAdmins.some((id) => id !== target.id)

