/**
 * The permission catalogue (`module.action` keys) and the default role matrix, as data.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { Role } from "./StaffAccount.js"

const crud = ["view", "create", "edit", "delete"] as const

/**
 * The seed system's 54 keys, module by module.
 *
 * @since 0.1.0 @category catalogue
 */
export const seedModules = {
  analytics: ["dashboard", "export", "reports"],
  appointments: ["view", "create", "edit", "delete", "assign", "reschedule", "cancel", "export"],
  patients: ["view", "create", "edit", "delete", "export"],
  billing: ["view", "create", "edit", "delete", "export"],
  medical_records: crud,
  prescriptions: crud,
  test_reports: crud,
  inventory: crud,
  staff: crud,
  services: crud,
  departments: crud,
  settings: ["view", "edit"],
  odontogram: ["view", "create", "edit"]
} as const

/**
 * The keys clinicore adds for its own capabilities.
 *
 * @since 0.1.0 @category catalogue
 */
export const libraryKeys = [
  "schedules.view",
  "schedules.edit",
  "reminders.view",
  "reminders.create",
  "reminders.edit",
  "reminders.delete",
  "audit.view",
  "appointments.override",
  "billing.refund"
] as const

type SeedKey = { [M in keyof typeof seedModules]: `${M}.${(typeof seedModules)[M][number]}` }[keyof typeof seedModules]

/** @since 0.1.0 @category catalogue */
export const seedKeys: ReadonlyArray<SeedKey> = Object.entries(seedModules).flatMap(([m, actions]) =>
  actions.map((a) => `${m}.${a}` as SeedKey)
)

/** Every built-in key, in catalogue order. @since 0.1.0 @category catalogue */
export const builtInKeys = [...seedKeys, ...libraryKeys] as const

/**
 * A built-in permission key: a closed literal union.
 *
 * @since 0.1.0 @category models
 */
export const PermissionKey = Schema.Literal(...(builtInKeys as unknown as [SeedKey, ...Array<SeedKey | (typeof libraryKeys)[number]>]))
/** @since 0.1.0 @category models */
export type PermissionKey = SeedKey | (typeof libraryKeys)[number]

const grants = (module: keyof typeof seedModules, ...actions: ReadonlyArray<string>) =>
  actions.map((a) => `${module}.${a}` as PermissionKey)

/**
 * The default matrix for the non-admin roles (admin always has every key of its clinic).
 * From the seed `carenova-roles-and-permissions.txt` plus the library's own keys.
 *
 * @since 0.1.0 @category catalogue
 */
export const defaultGrants: Readonly<Record<Exclude<Role, "admin">, ReadonlyArray<PermissionKey>>> = {
  doctor: [
    ...grants("analytics", "dashboard"),
    ...grants("appointments", "view", "create", "edit", "reschedule", "cancel"),
    ...grants("patients", "view", "create", "edit"),
    ...grants("medical_records", "view", "create", "edit"),
    ...grants("prescriptions", "view", "create", "edit"),
    ...grants("test_reports", "view", "create", "edit"),
    ...grants("odontogram", "view", "create", "edit"),
    ...grants("services", "view"),
    ...grants("departments", "view"),
    "schedules.view",
    "reminders.view"
  ],
  receptionist: [
    ...grants("analytics", "dashboard"),
    ...grants("appointments", "view", "create", "edit", "reschedule", "cancel", "assign"),
    ...grants("patients", "view", "create", "edit"),
    ...grants("billing", "view", "create", "edit"),
    ...grants("services", "view"),
    ...grants("departments", "view"),
    ...grants("staff", "view"),
    "schedules.view",
    "reminders.view",
    "reminders.create",
    "reminders.edit"
  ],
  nurse: [
    ...grants("appointments", "view", "edit", "reschedule"),
    ...grants("patients", "view", "edit"),
    ...grants("medical_records", "view", "create"),
    ...grants("prescriptions", "view"),
    ...grants("test_reports", "view"),
    ...grants("inventory", "view", "create", "edit", "delete"),
    ...grants("services", "view"),
    ...grants("departments", "view"),
    "schedules.view",
    "reminders.view"
  ]
}

/**
 * Whether `role` holds `key` under the default matrix.
 *
 * @since 0.1.0 @category resolution
 */
export const defaultAllows = (role: Role, key: PermissionKey): boolean =>
  role === "admin" || defaultGrants[role].includes(key)
