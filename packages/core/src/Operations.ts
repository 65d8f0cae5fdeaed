/**
 * The one registry of service operations: every operation declares exactly one permission key,
 * checked before any read or write. An operation that is not listed here does not compile.
 * `platform` marks the few operations only the host's platform principal may run.
 *
 * @since 0.1.0
 */
import type { PermissionKey } from "./Permission.js"

/** @since 0.1.0 @category registry */
export const operations = {
  "Clinics.create": "platform",
  "Clinics.activate": "platform",
  "Clinics.deactivate": "platform",
  "Clinics.get": "settings.view",
  "Clinics.updateSettings": "settings.edit",
  "Staff.create": "staff.create",
  "Staff.get": "staff.view",
  "Staff.list": "staff.view",
  "Staff.approve": "staff.edit",
  "Staff.reject": "staff.edit",
  "Staff.deactivate": "staff.edit",
  "Staff.delete": "staff.delete",
  "Doctors.create": "staff.create",
  "Doctors.get": "schedules.view",
  "Doctors.list": "schedules.view",
  "Doctors.update": "staff.edit",
  "Doctors.deactivate": "staff.edit",
  "Doctors.delete": "staff.delete",
  "Patients.create": "patients.create",
  "Patients.get": "patients.view",
  "Patients.search": "patients.view",
  "Patients.findByNationalId": "patients.view",
  "Patients.update": "patients.edit",
  "Patients.block": "patients.edit",
  "Patients.unblock": "patients.edit",
  "Patients.delete": "patients.delete"
} as const satisfies Record<string, PermissionKey | "platform">

/** @since 0.1.0 @category registry */
export type Operation = keyof typeof operations

/** @since 0.1.0 @category registry */
export type ClinicOperation = { [K in Operation]: (typeof operations)[K] extends "platform" ? never : K }[Operation]
