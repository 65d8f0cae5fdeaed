/**
 * Fixtures for tests against a real adapter: clinics with their admins, and one call of every
 * service operation in the registry (so a suite can check a rule against all of them).
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as Actor from "@clinicore/core/Actor"
import type { Clinic } from "@clinicore/core/Clinic"
import { Access } from "@clinicore/core/Access"
import { Accounts } from "@clinicore/core/Accounts"
import { Audit } from "@clinicore/core/Audit"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import type { ClinicId, StaffId } from "@clinicore/core/Ids"
import type { ClinicOperation } from "@clinicore/core/Operations"
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
}): Record<ClinicOperation, Effect.Effect<unknown, unknown, Services>> => ({
  "Clinics.get": Effect.flatMap(Clinics, (s) => s.get()),
  "Clinics.updateSettings": Effect.flatMap(Clinics, (s) => s.updateSettings({ slotMinutes: 20 })),
  "Staff.create": Effect.flatMap(Staff, (s) =>
    s.create({ name: "New Nurse", email: `nurse-${counter++}@every.test`, role: "nurse" })),
  "Staff.get": Effect.flatMap(Staff, (s) => s.get(ids.staffId)),
  "Staff.list": Effect.flatMap(Staff, (s) => s.list()),
  "Staff.approve": Effect.flatMap(Staff, (s) => s.approve(ids.staffId)),
  "Staff.reject": Effect.flatMap(Staff, (s) => s.reject(ids.staffId)),
  "Staff.deactivate": Effect.flatMap(Staff, (s) => s.deactivate(ids.staffId)),
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
  "Public.availableSlots": Effect.flatMap(Scheduling, (s) =>
    s.publicSlots({ doctorId: ids.doctorId, serviceId: ids.serviceId, from: Date.UTC(2030, 0, 7), to: Date.UTC(2030, 0, 8) })),
  "Public.request": Effect.flatMap(Scheduling, (s) =>
    Effect.suspend(() => s.request({
      doctorId: ids.doctorId,
      serviceId: ids.serviceId,
      start: nextSlot(),
      patient: { fullName: "Public Person", phone: `+1 212 555 ${String(1000 + (counter++ % 9000))}` }
    })))
})

/**
 * The targets `everyOperation` needs, created as the clinic's admin: a pending staff account, a
 * doctor, a patient, a service, a room and an appointment.
 *
 * @since 0.1.0 @category fixtures
 */
export const operationTargets = (fixture: ClinicFixture) =>
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
      appointmentId: appointment.id
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
  | Reminders

/** Platform operations run by a clinic's user are refused too; these take a clinic id. @since 0.1.0 @category fixtures */
export const everyPlatformOperation = (
  clinicId: string
): Record<"Clinics.create" | "Clinics.activate" | "Clinics.deactivate", Effect.Effect<unknown, unknown, Actor.Actor | Clinics>> => ({
  "Clinics.create": Effect.flatMap(Clinics, (s) =>
    s.create({
      name: "X",
      slug: uniqueSlug("x"),
      timeZone: "UTC",
      currency: "USD",
      admin: { name: "X", email: "x@x.test" }
    })),
  "Clinics.activate": Effect.flatMap(Clinics, (s) => s.activate(clinicId)),
  "Clinics.deactivate": Effect.flatMap(Clinics, (s) => s.deactivate(clinicId))
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
