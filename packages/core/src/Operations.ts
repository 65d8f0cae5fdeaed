/**
 * The one registry of service operations. Every operation declares exactly one permission key,
 * checked before any read or write, and what the audit trail records of it. An operation that is
 * not listed here does not compile.
 *
 * - `platform`: only the host's platform principal (clinic creation, activation, deactivation).
 * - `admin`: only a clinic's admin; no role can be granted it (the permission matrix itself).
 * - `self`: any active user, on their own account only (changing one's password).
 * - `public`: an unauthenticated caller scoped to one clinic by its slug (live availability and
 *   booking requests), and any clinic principal too.
 *
 * `audit`: `write` records every success; `read` records every success too (reads of patient
 * records); `none` records nothing on success. Every refusal is recorded whatever this says.
 *
 * @since 0.1.0
 */
import type { PermissionKey } from "./Permission.js"

/** @since 0.1.0 @category registry */
export type Requirement = PermissionKey | "platform" | "admin" | "self" | "public"

/** @since 0.1.0 @category registry */
export interface OperationSpec {
  readonly key: Requirement
  readonly audit: "write" | "read" | "none"
  readonly entity: string
}

const op = <K extends Requirement, A extends OperationSpec["audit"]>(key: K, audit: A, entity: string) =>
  ({ key, audit, entity }) as const

/** @since 0.1.0 @category registry */
export const operations = {
  "Clinics.create": op("platform", "write", "Clinic"),
  "Clinics.activate": op("platform", "write", "Clinic"),
  "Clinics.deactivate": op("platform", "write", "Clinic"),
  "Clinics.restoreAdmin": op("platform", "write", "StaffAccount"),
  "Clinics.list": op("platform", "none", "Clinic"),
  "Clinics.get": op("settings.view", "none", "Clinic"),
  "Clinics.updateSettings": op("settings.edit", "write", "Clinic"),
  "Staff.create": op("staff.create", "write", "StaffAccount"),
  "Staff.get": op("staff.view", "none", "StaffAccount"),
  "Staff.list": op("staff.view", "none", "StaffAccount"),
  "Staff.approve": op("staff.edit", "write", "StaffAccount"),
  "Staff.reject": op("staff.edit", "write", "StaffAccount"),
  "Staff.deactivate": op("staff.edit", "write", "StaffAccount"),
  "Staff.reactivate": op("staff.edit", "write", "StaffAccount"),
  "Staff.delete": op("staff.delete", "write", "StaffAccount"),
  "Doctors.create": op("staff.create", "write", "Doctor"),
  "Doctors.get": op("schedules.view", "none", "Doctor"),
  "Doctors.list": op("schedules.view", "none", "Doctor"),
  "Doctors.update": op("staff.edit", "write", "Doctor"),
  "Doctors.deactivate": op("staff.edit", "write", "Doctor"),
  "Doctors.delete": op("staff.delete", "write", "Doctor"),
  "Patients.create": op("patients.create", "write", "Patient"),
  "Patients.get": op("patients.view", "read", "Patient"),
  "Patients.search": op("patients.view", "read", "Patient"),
  "Patients.findByNationalId": op("patients.view", "read", "Patient"),
  "Patients.update": op("patients.edit", "write", "Patient"),
  "Patients.block": op("patients.edit", "write", "Patient"),
  "Patients.unblock": op("patients.edit", "write", "Patient"),
  "Patients.delete": op("patients.delete", "write", "Patient"),
  "Access.matrix": op("admin", "none", "PermissionMatrix"),
  "Access.set": op("admin", "write", "PermissionMatrix"),
  "Access.seedDefaults": op("admin", "write", "PermissionMatrix"),
  "Accounts.setPassword": op("staff.edit", "write", "StaffAccount"),
  "Accounts.changePassword": op("self", "write", "StaffAccount"),
  "Audit.list": op("audit.view", "none", "AuditEvent"),
  "Audit.verify": op("audit.view", "none", "AuditEvent"),
  "Audit.checkpoint": op("audit.view", "none", "AuditEvent"),
  "Schedules.get": op("schedules.view", "none", "DoctorSchedule"),
  "Schedules.set": op("schedules.edit", "write", "DoctorSchedule"),
  "Schedules.holidays": op("schedules.view", "none", "Holiday"),
  "Schedules.setHoliday": op("schedules.edit", "write", "Holiday"),
  "Schedules.removeHoliday": op("schedules.edit", "write", "Holiday"),
  "Catalog.createService": op("services.create", "write", "Service"),
  "Catalog.updateService": op("services.edit", "write", "Service"),
  "Catalog.listServices": op("services.view", "none", "Service"),
  "Catalog.createRoom": op("services.create", "write", "Room"),
  "Catalog.updateRoom": op("services.edit", "write", "Room"),
  "Catalog.listRooms": op("services.view", "none", "Room"),
  "Scheduling.availableSlots": op("appointments.view", "none", "Appointment"),
  "Scheduling.explain": op("appointments.view", "none", "Appointment"),
  "Scheduling.book": op("appointments.create", "write", "Appointment"),
  "Scheduling.bookWithOverride": op("appointments.override", "write", "Appointment"),
  "Scheduling.reschedule": op("appointments.reschedule", "write", "Appointment"),
  "Scheduling.rescheduleWithOverride": op("appointments.override", "write", "Appointment"),
  "Scheduling.setStatus": op("appointments.edit", "write", "Appointment"),
  "Scheduling.cancel": op("appointments.cancel", "write", "Appointment"),
  "Scheduling.delete": op("appointments.delete", "write", "Appointment"),
  "Scheduling.get": op("appointments.view", "none", "Appointment"),
  "Scheduling.list": op("appointments.view", "none", "Appointment"),
  "Scheduling.expireRequests": op("appointments.edit", "write", "Appointment"),
  "Scheduling.confirmRequest": op("appointments.edit", "write", "Appointment"),
  "Scheduling.confirmRequestAsNewPatient": op("patients.create", "write", "Appointment"),
  "Scheduling.requestMatches": op("patients.view", "read", "Patient"),
  "Reminders.list": op("reminders.view", "none", "Reminder"),
  "Reminders.get": op("reminders.view", "none", "Reminder"),
  "Reminders.create": op("reminders.create", "write", "Reminder"),
  "Reminders.cancel": op("reminders.delete", "write", "Reminder"),
  "Reminders.policy": op("reminders.view", "none", "ReminderPolicy"),
  "Reminders.setPolicy": op("settings.edit", "write", "ReminderPolicy"),
  "Reminders.consents": op("reminders.view", "read", "Patient"),
  "Reminders.setConsent": op("reminders.edit", "write", "Patient"),
  "Reminders.inboundSms": op("reminders.edit", "write", "Patient"),
  "Reminders.receipt": op("reminders.edit", "write", "Reminder"),
  "Reminders.createRecall": op("reminders.create", "write", "RecallCampaign"),
  "Reminders.recallContacts": op("reminders.view", "none", "RecallContact"),
  "Reminders.claim": op("reminders.edit", "none", "Reminder"),
  "Reminders.deliver": op("reminders.edit", "write", "Reminder"),
  "Public.catalog": op("public", "none", "Clinic"),
  "Public.availableSlots": op("public", "none", "Appointment"),
  "Public.request": op("public", "write", "Appointment"),
  "Billing.createInvoice": op("billing.create", "write", "Invoice"),
  "Billing.invoiceAppointment": op("billing.create", "write", "Invoice"),
  "Billing.updateInvoice": op("billing.edit", "write", "Invoice"),
  "Billing.issueInvoice": op("billing.edit", "write", "Invoice"),
  "Billing.voidInvoice": op("billing.delete", "write", "Invoice"),
  "Billing.deleteInvoice": op("billing.delete", "write", "Invoice"),
  "Billing.getInvoice": op("billing.view", "none", "Invoice"),
  "Billing.listInvoices": op("billing.view", "none", "Invoice"),
  "Billing.createCreditNote": op("billing.edit", "write", "CreditNote"),
  "Billing.recordPayment": op("billing.create", "write", "Payment"),
  "Billing.setPaymentStatus": op("billing.edit", "write", "Payment"),
  "Billing.confirmPayment": op("billing.edit", "write", "Payment"),
  "Billing.refundPayment": op("billing.refund", "write", "Refund"),
  "Billing.getPayment": op("billing.view", "none", "Payment"),
  "Billing.listPayments": op("billing.view", "none", "Payment"),
  "Billing.createPaymentPlan": op("billing.create", "write", "PaymentPlan"),
  "Billing.getPaymentPlan": op("billing.view", "none", "PaymentPlan"),
  "Billing.createExpense": op("billing.create", "write", "Expense"),
  "Billing.listExpenses": op("billing.view", "none", "Expense"),
  "Billing.deleteExpense": op("billing.delete", "write", "Expense"),
  "Export.patients": op("patients.export", "read", "Patient"),
  "Export.appointments": op("appointments.export", "read", "Appointment"),
  "Export.invoices": op("billing.export", "read", "Invoice"),
  "Export.payments": op("billing.export", "read", "Payment"),
  "Export.calendar": op("appointments.export", "read", "Appointment"),
  "Import.patients": op("appointments.import", "write", "Patient"),
  "Import.appointments": op("appointments.import", "write", "Appointment"),
  "Analytics.dashboard": op("analytics.dashboard", "none", "Dashboard"),
  "Analytics.report": op("analytics.reports", "none", "Report"),
  "Analytics.exportReport": op("analytics.export", "read", "Report")
} as const satisfies Record<string, OperationSpec>

/** @since 0.1.0 @category registry */
export type Operation = keyof typeof operations

/** Operations run inside one clinic by its users or jobs. @since 0.1.0 @category registry */
export type ClinicOperation = { [K in Operation]: (typeof operations)[K]["key"] extends "platform" ? never : K }[Operation]

/** @since 0.1.0 @category registry */
export type PlatformOperation = Exclude<Operation, ClinicOperation>
