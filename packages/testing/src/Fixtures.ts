/**
 * Fixtures for tests against a real adapter: clinics with their admins, and one call of every
 * service operation in the registry (so a suite can check a rule against all of them).
 *
 * @since 0.1.0
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as Actor from "@clinicore/core/Actor"
import type { Clinic } from "@clinicore/core/Clinic"
import { Access } from "@clinicore/core/Access"
import { Accounts } from "@clinicore/core/Accounts"
import { Analytics } from "@clinicore/core/Analytics"
import { Audit } from "@clinicore/core/Audit"
import { Billing } from "@clinicore/core/Billing"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { Export } from "@clinicore/core/Export"
import { Import } from "@clinicore/core/Import"
import type { ClinicId, StaffId } from "@clinicore/core/Ids"
import type { ClinicOperation, PlatformOperation } from "@clinicore/core/Operations"
import * as Notifier from "@clinicore/core/Notifier"
import * as Reminder from "@clinicore/core/Reminder"
import { Patients } from "@clinicore/core/Patients"
import { Reminders } from "@clinicore/core/Reminders"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Staff } from "@clinicore/core/Staff"
import type { StaffAccount } from "@clinicore/core/StaffAccount"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

let counter = 0
/** A slug no other fixture in this process uses. @since 0.1.0 @category fixtures */
export const uniqueSlug = (label: string) =>
  `${label}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`.toLowerCase()

/** @since 0.1.0 @category fixtures */
export interface ClinicFixture {
  readonly clinic: Clinic
  readonly admin: StaffAccount
  readonly clinicId: ClinicId
  /** Runs an effect as this clinic's admin. */
  readonly asAdmin: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Actor.Actor>>
  /** Runs an effect as another staff account of this clinic. */
  readonly as: (staffId: StaffId) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Actor.Actor>>
}

/**
 * Creates a clinic (as the platform) with an admin and returns helpers to act in it.
 *
 * @since 0.1.0 @category fixtures
 */
export const clinic = (label: string, overrides: { readonly timeZone?: string; readonly phoneRegion?: string } = {}) =>
  Effect.gen(function*() {
    const clinics = yield* Clinics
    const { admin, clinic } = yield* clinics.create({
      name: `${label} clinic`,
      slug: uniqueSlug(label),
      timeZone: overrides.timeZone ?? "Europe/London",
      currency: "USD",
      settings: { defaultPhoneRegion: overrides.phoneRegion ?? "US" },
      admin: { name: `${label} admin`, email: `admin@${label.toLowerCase()}.test` }
    }).pipe(Actor.asPlatform, Effect.orDie)
    const fixture: ClinicFixture = {
      clinic,
      admin,
      clinicId: clinic.id,
      asAdmin: Actor.withUser(clinic.id, admin.id),
      as: (staffId) => Actor.withUser(clinic.id, staffId)
    }
    return fixture
  })

/** Creates an active staff account with the given role. @since 0.1.0 @category fixtures */
export const staffMember = (fixture: ClinicFixture, role: "doctor" | "receptionist" | "nurse", status: "active" | "pending" = "active") =>
  Effect.flatMap(Staff, (staff) =>
    staff.create({ name: `A ${role}`, email: `${role}-${counter++}@${fixture.clinic.slug}.test`, role, status })
  ).pipe(fixture.asAdmin, Effect.orDie)

/**
 * One call of every clinic operation in the registry, with plausible arguments built from ids of
 * `fixture`. Typed as a total record: an operation added to the registry without a call here
 * does not compile.
 *
 * @since 0.1.0 @category fixtures
 */
export const everyOperation = (ids: {
  readonly staffId: string
  readonly doctorId: string
  readonly patientId: string
  readonly appointmentId: string
  readonly serviceId: string
  readonly roomId: string
} & BillingTargets): Record<ClinicOperation, Effect.Effect<unknown, unknown, Services>> => ({
  "Clinics.get": Effect.flatMap(Clinics, (s) => s.get()),
  "Clinics.updateSettings": Effect.flatMap(Clinics, (s) => s.updateSettings({ slotMinutes: 20 })),
  "Staff.create": Effect.flatMap(Staff, (s) =>
    s.create({ name: "New Nurse", email: `nurse-${counter++}@every.test`, role: "nurse" })),
  "Staff.get": Effect.flatMap(Staff, (s) => s.get(ids.staffId)),
  "Staff.list": Effect.flatMap(Staff, (s) => s.list()),
  "Staff.approve": Effect.flatMap(Staff, (s) => s.approve(ids.staffId)),
  "Staff.reject": Effect.flatMap(Staff, (s) => s.reject(ids.staffId)),
  "Staff.deactivate": Effect.flatMap(Staff, (s) => s.deactivate(ids.staffId)),
  "Staff.reactivate": Effect.flatMap(Staff, (s) => s.reactivate(ids.staffId)),
  "Staff.delete": Effect.flatMap(Staff, (s) => s.delete(ids.staffId)),
  "Doctors.create": Effect.flatMap(Doctors, (s) => s.create({ name: "Dr New", specialty: "General practice" })),
  "Doctors.get": Effect.flatMap(Doctors, (s) => s.get(ids.doctorId)),
  "Doctors.list": Effect.flatMap(Doctors, (s) => s.list()),
  "Doctors.update": Effect.flatMap(Doctors, (s) => s.update({ id: ids.doctorId, specialty: "Dentistry" })),
  "Doctors.deactivate": Effect.flatMap(Doctors, (s) => s.deactivate(ids.doctorId)),
  "Doctors.delete": Effect.flatMap(Doctors, (s) => s.delete(ids.doctorId)),
  "Patients.create": Effect.flatMap(Patients, (s) =>
    s.create({ fullName: "New Patient", phone: `+1 212 555 ${String(1000 + (counter++ % 9000))}` })),
  "Patients.get": Effect.flatMap(Patients, (s) => s.get(ids.patientId)),
  "Patients.search": Effect.flatMap(Patients, (s) => s.search({ text: "a" })),
  "Patients.findByNationalId": Effect.flatMap(Patients, (s) => s.findByNationalId("AB123456")),
  "Patients.update": Effect.flatMap(Patients, (s) => s.update({ id: ids.patientId, fullName: "Renamed" })),
  "Patients.block": Effect.flatMap(Patients, (s) => s.block({ id: ids.patientId, reason: "test" })),
  "Patients.unblock": Effect.flatMap(Patients, (s) => s.unblock(ids.patientId)),
  "Patients.delete": Effect.flatMap(Patients, (s) => s.delete(ids.patientId)),
  "Access.matrix": Effect.flatMap(Access, (s) => s.matrix()),
  "Access.set": Effect.flatMap(Access, (s) => s.set([{ role: "nurse", key: "inventory.delete", granted: false }])),
  "Access.seedDefaults": Effect.flatMap(Access, (s) => s.seedDefaults()),
  "Accounts.setPassword": Effect.flatMap(Accounts, (s) => s.setPassword({ staffId: ids.staffId, password: "Str0ng!pass" })),
  "Accounts.changePassword": Effect.flatMap(Accounts, (s) => s.changePassword({ current: "Str0ng!pass", next: "N3w!password" })),
  "Audit.list": Effect.flatMap(Audit, (s) => s.list()),
  "Audit.verify": Effect.flatMap(Audit, (s) => s.verify()),
  "Audit.checkpoint": Effect.flatMap(Audit, (s) => s.checkpoint()),
  "Schedules.get": Effect.flatMap(Schedules, (s) => s.get(ids.doctorId)),
  "Schedules.set": Effect.flatMap(Schedules, (s) =>
    s.set({ doctorId: ids.doctorId, rules: { weekly: [{ weekday: 1, start: "09:00", end: "17:00" }] } })),
  "Schedules.holidays": Effect.flatMap(Schedules, (s) => s.holidays({ from: "2030-01-01", to: "2030-12-31" })),
  "Schedules.setHoliday": Effect.flatMap(Schedules, (s) => s.setHoliday({ date: "2030-12-25", name: "Christmas" })),
  "Schedules.removeHoliday": Effect.flatMap(Schedules, (s) => s.removeHoliday("2030-12-25")),
  "Catalog.createService": Effect.flatMap(Catalog, (s) => s.createService({ name: "Visit", durationMinutes: 30 })),
  "Catalog.updateService": Effect.flatMap(Catalog, (s) => s.updateService({ id: ids.serviceId, priceMinor: 100 })),
  "Catalog.listServices": Effect.flatMap(Catalog, (s) => s.listServices()),
  "Catalog.createRoom": Effect.flatMap(Catalog, (s) => s.createRoom({ name: "Room" })),
  "Catalog.updateRoom": Effect.flatMap(Catalog, (s) => s.updateRoom({ id: ids.roomId, name: "Room 2" })),
  "Catalog.listRooms": Effect.flatMap(Catalog, (s) => s.listRooms()),
  "Scheduling.availableSlots": Effect.flatMap(Scheduling, (s) =>
    s.availableSlots({ doctorIds: [ids.doctorId], durationMinutes: 30, from: Date.UTC(2030, 0, 7), to: Date.UTC(2030, 0, 8) })),
  "Scheduling.explain": Effect.flatMap(Scheduling, (s) =>
    s.explain({ doctorId: ids.doctorId, start: Date.UTC(2030, 0, 7, 9), end: Date.UTC(2030, 0, 7, 10) })),
  "Scheduling.book": Effect.flatMap(Scheduling, (s) => bookAtNextSlot(s, ids, false)),
  "Scheduling.bookWithOverride": Effect.flatMap(Scheduling, (s) => bookAtNextSlot(s, ids, true)),
  "Scheduling.reschedule": Effect.flatMap(Scheduling, (s) =>
    Effect.suspend(() => s.reschedule({ id: ids.appointmentId, start: nextSlot() }))),
  "Scheduling.rescheduleWithOverride": Effect.flatMap(Scheduling, (s) =>
    Effect.suspend(() => s.reschedule({ id: ids.appointmentId, start: nextSlot(), override: true }))),
  "Scheduling.setStatus": Effect.flatMap(Scheduling, (s) => s.setStatus({ id: ids.appointmentId, status: "confirmed" })),
  "Scheduling.cancel": Effect.flatMap(Scheduling, (s) => s.cancel({ id: ids.appointmentId, reason: "test" })),
  "Scheduling.delete": Effect.flatMap(Scheduling, (s) => s.delete(ids.appointmentId)),
  "Scheduling.get": Effect.flatMap(Scheduling, (s) => s.get(ids.appointmentId)),
  "Scheduling.list": Effect.flatMap(Scheduling, (s) => s.list()),
  "Scheduling.expireRequests": Effect.flatMap(Scheduling, (s) => s.expireRequests()),
  "Scheduling.confirmRequest": Effect.flatMap(Scheduling, (s) => s.confirmRequest({ id: ids.appointmentId, patientId: ids.patientId })),
  "Scheduling.confirmRequestAsNewPatient": Effect.flatMap(Scheduling, (s) => s.confirmRequest({ id: ids.appointmentId })),
  "Scheduling.requestMatches": Effect.flatMap(Scheduling, (s) => s.requestMatches(ids.appointmentId)),
  "Reminders.list": Effect.flatMap(Reminders, (s) => s.list({ appointmentId: ids.appointmentId })),
  "Reminders.get": Effect.flatMap(Reminders, (s) => s.get("00000000-0000-4000-8000-000000000000")),
  "Reminders.create": Effect.flatMap(Reminders, (s) => s.create({ appointmentId: ids.appointmentId, channel: "sms" })),
  "Reminders.cancel": Effect.flatMap(Reminders, (s) => s.cancel("00000000-0000-4000-8000-000000000000")),
  "Reminders.policy": Effect.flatMap(Reminders, (s) => s.policy()),
  "Reminders.setPolicy": Effect.flatMap(Reminders, (s) => s.setPolicy({ ...Reminder.defaultPolicy([1440, 60]), cutoffMinutes: 5 })),
  "Reminders.consents": Effect.flatMap(Reminders, (s) => s.consents(ids.patientId)),
  "Reminders.setConsent": Effect.flatMap(Reminders, (s) => s.setConsent({ patientId: ids.patientId, channel: "email", granted: true })),
  "Reminders.inboundSms": Effect.flatMap(Reminders, (s) => s.inboundSms({ from: "+1 212 555 0100", text: "START" })),
  "Reminders.receipt": Effect.flatMap(Reminders, (s) => s.receipt({ providerMessageId: "unknown-id", outcome: "delivered" })),
  "Reminders.createRecall": Effect.flatMap(Reminders, (s) =>
    s.createRecall({ name: "Recall", rule: { monthsSinceLastVisit: 6 }, channel: "sms", template: { body: "Time for a check-up, {{patient.name}}" } })),
  "Reminders.recallContacts": Effect.flatMap(Reminders, (s) => s.recallContacts()),
  "Reminders.claim": Effect.flatMap(Reminders, (s) => s.dispatch({ notifier: Notifier.noop })),
  "Reminders.deliver": Effect.flatMap(Reminders, (s) => s.dispatch({ notifier: Notifier.noop })),
  "Public.catalog": Effect.flatMap(Scheduling, (s) => s.publicCatalog()),
  "Public.availableSlots": Effect.flatMap(Scheduling, (s) =>
    s.publicSlots({ doctorId: ids.doctorId, serviceId: ids.serviceId, from: Date.UTC(2030, 0, 7), to: Date.UTC(2030, 0, 8) })),
  "Public.request": Effect.flatMap(Scheduling, (s) =>
    Effect.suspend(() => s.request({
      doctorId: ids.doctorId,
      serviceId: ids.serviceId,
      start: nextSlot(),
      patient: { fullName: "Public Person", phone: `+1 212 555 ${String(1000 + (counter++ % 9000))}` }
    }))),
  "Billing.createInvoice": Effect.flatMap(Billing, (s) =>
    s.createInvoice({ patientId: ids.patientId, lines: [{ description: "Visit", quantity: 1, unitPriceMinor: 5000 }] })),
  "Billing.invoiceAppointment": Effect.flatMap(Billing, (s) =>
    s.invoiceAppointment({
      appointmentId: ids.completedAppointmentId,
      lines: [{ description: "Visit", quantity: 1, unitPriceMinor: 5000 }]
    })),
  "Billing.updateInvoice": Effect.flatMap(Billing, (s) => s.updateInvoice({ id: ids.draftInvoiceId, discountMinor: 100 })),
  "Billing.issueInvoice": Effect.flatMap(Billing, (s) => s.issueInvoice(ids.draftInvoiceId)),
  "Billing.voidInvoice": Effect.flatMap(Billing, (s) => s.voidInvoice(ids.draftInvoiceId)),
  "Billing.deleteInvoice": Effect.flatMap(Billing, (s) => s.deleteInvoice(ids.draftInvoiceId)),
  "Billing.getInvoice": Effect.flatMap(Billing, (s) => s.getInvoice(ids.invoiceId)),
  "Billing.listInvoices": Effect.flatMap(Billing, (s) => s.listInvoices()),
  "Billing.createCreditNote": Effect.flatMap(Billing, (s) =>
    s.createCreditNote({ invoiceId: ids.invoiceId, amountMinor: 100, reason: "goodwill" })),
  "Billing.recordPayment": Effect.flatMap(Billing, (s) =>
    Effect.suspend(() =>
      s.recordPayment({ invoiceId: ids.invoiceId, amountMinor: 100, method: "cash", idempotencyKey: `every-${counter++}` })
    )),
  "Billing.setPaymentStatus": Effect.flatMap(Billing, (s) => s.setPaymentStatus({ id: ids.paymentId, status: "failed" })),
  "Billing.confirmPayment": Effect.flatMap(Billing, (s) =>
    s.confirmPayment({ providerReference: ids.providerReference, outcome: "paid" })),
  "Billing.refundPayment": Effect.flatMap(Billing, (s) => s.refundPayment({ paymentId: ids.paymentId, amountMinor: 100 })),
  "Billing.getPayment": Effect.flatMap(Billing, (s) => s.getPayment(ids.paymentId)),
  "Billing.listPayments": Effect.flatMap(Billing, (s) => s.listPayments()),
  "Billing.createPaymentPlan": Effect.flatMap(Billing, (s) => s.createPaymentPlan({ invoiceId: ids.invoiceId, installments: 3 })),
  "Billing.getPaymentPlan": Effect.flatMap(Billing, (s) => s.getPaymentPlan(ids.plannedInvoiceId)),
  "Billing.createExpense": Effect.flatMap(Billing, (s) =>
    s.createExpense({ category: "supplies", amountMinor: 2500, date: "2030-01-07" })),
  "Billing.listExpenses": Effect.flatMap(Billing, (s) => s.listExpenses({ from: "2030-01-01", to: "2030-12-31" })),
  "Billing.deleteExpense": Effect.flatMap(Billing, (s) => s.deleteExpense(ids.expenseId)),
  "Export.patients": Effect.flatMap(Export, (s) => Stream.runDrain(s.patients())),
  "Export.appointments": Effect.flatMap(Export, (s) => Stream.runDrain(s.appointments({ range: "this_week" }))),
  "Export.invoices": Effect.flatMap(Export, (s) => Stream.runDrain(s.invoices())),
  "Export.payments": Effect.flatMap(Export, (s) => Stream.runDrain(s.payments())),
  "Export.calendar": Effect.flatMap(Export, (s) => s.calendar({ doctorId: ids.doctorId, range: "this_month" })),
  "Import.patients": Effect.flatMap(Import, (s) =>
    s.patients({
      csv: `ID,Full Name,Phone\r\nfixture-${counter++},Imported Patient,+1 212 555 ${String(1000 + (counter++ % 9000))}\r\n`,
      mode: "accept_valid"
    })),
  "Import.appointments": Effect.flatMap(Import, (s) =>
    s.appointments({ csv: "ID,Patient Name,Doctor Name,Start Time,End Time,Status,Notes\r\n" })),
  "Analytics.dashboard": Effect.flatMap(Analytics, (s) => s.dashboard({ from: "2030-01-01", to: "2030-01-31" })),
  "Analytics.report": Effect.flatMap(Analytics, (s) =>
    s.report({ kind: "revenue_by_period", from: "2030-01-01", to: "2030-01-31", granularity: "week" })),
  "Analytics.exportReport": Effect.flatMap(Analytics, (s) => s.exportReport({ kind: "receivables" }))
})

/**
 * The billing records `everyOperation` acts on: a draft invoice; an issued one of 100.00 with a
 * paid payment of 40.00 and a pending one of 10.00 awaiting a provider's confirmation; an issued
 * one with a payment plan; a completed appointment without an invoice; an expense.
 *
 * @since 0.1.0 @category fixtures
 */
export interface BillingTargets {
  readonly draftInvoiceId: string
  readonly invoiceId: string
  readonly paymentId: string
  readonly providerReference: string
  readonly plannedInvoiceId: string
  readonly completedAppointmentId: string
  readonly expenseId: string
}

const unknownBillingTargets = (): BillingTargets => ({
  draftInvoiceId: randomUUID(),
  invoiceId: randomUUID(),
  paymentId: randomUUID(),
  providerReference: `pi_unknown_${counter++}`,
  plannedInvoiceId: randomUUID(),
  completedAppointmentId: randomUUID(),
  expenseId: randomUUID()
})

const billingTargets = (ids: { readonly doctorId: string; readonly patientId: string }) =>
  Effect.gen(function*() {
    const billing = yield* Billing
    const lines = [{ description: "Consultation", quantity: 1, unitPriceMinor: 10_000 }]
    const draft = yield* billing.createInvoice({ patientId: ids.patientId, lines })
    const open = yield* billing.createInvoice({ patientId: ids.patientId, lines })
    yield* billing.issueInvoice(open.id)
    const paid = yield* billing.recordPayment({ invoiceId: open.id, amountMinor: 4000, method: "cash", idempotencyKey: `t-${counter++}` })
    const providerReference = `pi_${counter++}_${Date.now().toString(36)}`
    yield* billing.recordPayment({
      invoiceId: open.id,
      amountMinor: 1000,
      method: "card",
      status: "pending",
      providerReference,
      idempotencyKey: `t-${counter++}`
    })
    const planned = yield* billing.createInvoice({ patientId: ids.patientId, lines })
    yield* billing.issueInvoice(planned.id)
    yield* billing.createPaymentPlan({ invoiceId: planned.id, installments: 2 })
    const scheduling = yield* Scheduling
    const visit = yield* bookAtNextSlot(scheduling, ids, true)
    yield* scheduling.setStatus({ id: visit.id, status: "completed" })
    const expense = yield* billing.createExpense({ category: "rent", amountMinor: 100_000, date: "2030-01-01" })
    const targets: BillingTargets = {
      draftInvoiceId: draft.id,
      invoiceId: open.id,
      paymentId: paid.id,
      providerReference,
      plannedInvoiceId: planned.id,
      completedAppointmentId: visit.id,
      expenseId: expense.id
    }
    return targets
  })

/**
 * The targets `everyOperation` needs, created as the clinic's admin: a pending staff account, a
 * doctor, a patient, a service, a room, an appointment, and billing records (`BillingTargets`).
 * With `billing: false` the billing ids are unknown ones, for a caller that runs no billing
 * operation on them (creating the records takes a dozen operations).
 *
 * @since 0.1.0 @category fixtures
 */
export const operationTargets = (fixture: ClinicFixture, options: { readonly billing?: boolean } = {}) =>
  Effect.gen(function*() {
    const target = yield* staffMember(fixture, "nurse", "pending")
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Target", specialty: "GP" }))
    const patient = yield* Effect.flatMap(Patients, (p) =>
      p.create({ fullName: "Target Patient", phone: `+1 312 555 ${String(1000 + (counter++ % 9000))}` }))
    const service = yield* Effect.flatMap(Catalog, (c) => c.createService({ name: "Target", durationMinutes: 10 }))
    const room = yield* Effect.flatMap(Catalog, (c) => c.createRoom({ name: "Target room" }))
    const appointment = yield* Effect.flatMap(Scheduling, (s) =>
      bookAtNextSlot(s, { doctorId: doctor.id, patientId: patient.id }, true))
    return {
      staffId: target.id,
      doctorId: doctor.id,
      patientId: patient.id,
      serviceId: service.id,
      roomId: room.id,
      appointmentId: appointment.id,
      ...(options.billing === false ? unknownBillingTargets() : yield* billingTargets({ doctorId: doctor.id, patientId: patient.id }))
    }
  }).pipe(fixture.asAdmin, Effect.orDie)

let slotCounter = 0
/** Distinct future quarter-hours, so fixture bookings never collide with each other. */
const nextSlot = () => Date.now() + 30 * 86_400_000 + (slotCounter++) * 900_000 - (Date.now() % 900_000)

/** Books ten minutes at a fresh quarter-hour (overriding working time when asked). */
export const bookAtNextSlot = (
  s: Scheduling,
  ids: { readonly doctorId: string; readonly patientId: string },
  override: boolean
) =>
  Effect.suspend(() => {
    const start = nextSlot()
    return s.book({ doctorId: ids.doctorId, patientId: ids.patientId, start, end: start + 600_000, override })
  })

/** Every service a fixture call may need. @since 0.1.0 @category fixtures */
export type Services =
  | Actor.Actor
  | Clinics
  | Staff
  | Doctors
  | Patients
  | Access
  | Accounts
  | Audit
  | Schedules
  | Catalog
  | Scheduling
  | Billing
  | Reminders
  | Export
  | Import
  | Analytics

/** Platform operations run by a clinic's user are refused too; these take a clinic id. @since 0.1.0 @category fixtures */
export const everyPlatformOperation = (
  clinicId: string
): Record<PlatformOperation, Effect.Effect<unknown, unknown, Actor.Actor | Clinics>> => ({
  "Clinics.create": Effect.flatMap(Clinics, (s) =>
    s.create({
      name: "X",
      slug: uniqueSlug("x"),
      timeZone: "UTC",
      currency: "USD",
      admin: { name: "X", email: "x@x.test" }
    })),
  "Clinics.activate": Effect.flatMap(Clinics, (s) => s.activate(clinicId)),
  "Clinics.deactivate": Effect.flatMap(Clinics, (s) => s.deactivate(clinicId)),
  "Clinics.restoreAdmin": Effect.flatMap(Clinics, (s) => s.restoreAdmin({ clinicId, admin: { name: "X", email: "x@x.test" } })),
  "Clinics.list": Effect.flatMap(Clinics, (s) => s.list())
})

/**
 * A `FieldCrypto` with a random master key, new for each process.
 *
 * @since 0.1.0 @category layers
 */
export const fieldCryptoLayer = FieldCrypto.layer({
  current: "k1",
  keys: { k1: Redacted.make(randomBytes(32).toString("base64")) }
})
