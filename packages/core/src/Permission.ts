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
  "billing.refund",
  "appointments.import"
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

/** Names that must never become a module or action: they collide with object internals. */
const reserved = new Set(Object.getOwnPropertyNames(Object.prototype).concat(["prototype", "__proto__"]))

/**
 * A permission key a host adds for its own module: `module.action`, lower-case ASCII letters,
 * digits and underscores, 1–32 characters each, neither part an object-internal name.
 *
 * @since 0.1.0 @category models
 */
export const HostPermissionKey = Schema.String.pipe(
  Schema.filter((s) => {
    const m = /^([a-z][a-z0-9_]{0,31})\.([a-z][a-z0-9_]{0,31})$/.exec(s)
    return m !== null && !reserved.has(m[1]!) && !reserved.has(m[2]!)
  }, { message: () => "must be module.action in lower-case letters, digits and underscores" })
)

/**
 * The catalogue in force: the built-in keys plus a host's own. Its `schema` accepts exactly these
 * keys and nothing else.
 *
 * @since 0.1.0 @category catalogue
 */
export interface Catalogue {
  readonly keys: ReadonlyArray<string>
  readonly schema: Schema.Schema<string>
  readonly has: (key: string) => boolean
}

/**
 * Builds the catalogue, adding `hostKeys` (each validated by `HostPermissionKey`; a key that
 * clashes with a built-in one or is malformed throws at start-up).
 *
 * @since 0.1.0 @category catalogue
 */
export const catalogue = (hostKeys: ReadonlyArray<string> = []): Catalogue => {
  const isHostKey = Schema.is(HostPermissionKey)
  for (const key of hostKeys) {
    if (!isHostKey(key)) throw new Error(`invalid host permission key: ${JSON.stringify(key)}`)
    if ((builtInKeys as ReadonlyArray<string>).includes(key)) throw new Error(`host permission key ${key} is built in`)
  }
  const keys = [...builtInKeys, ...new Set(hostKeys)]
  const set = new Set<string>(keys)
  return {
    keys,
    schema: Schema.String.pipe(Schema.filter((s) => set.has(s), { message: () => "must be a key of the permission catalogue" })),
    has: (key) => set.has(key)
  }
}

/**
 * Whether `role` holds `key` in a clinic, given the clinic's stored setting for that role and key
 * (`undefined` when not configured): admin always; otherwise the stored grant or revocation, and
 * the default only when nothing is stored. A role whose every key is stored revoked holds nothing.
 *
 * @since 0.1.0 @category resolution
 */
export const resolve = (role: Role, key: string, stored: boolean | undefined): boolean =>
  role === "admin" || (stored ?? (defaultGrants[role] as ReadonlyArray<string>).includes(key))

/**
 * The own-records rule: a doctor may change only records they own (the status of their own
 * appointments); other roles are bound by their keys alone.
 *
 * @since 0.1.0 @category resolution
 */
export const ownsOrUnrestricted = (role: Role, actorStaffId: string, ownerStaffId: string | null): boolean =>
  role !== "doctor" || actorStaffId === ownerStaffId
