/**
 * Clinics with a doctor and patients, created through the library (so through row-level security
 * as the app role); a room, a service, the doctor's rules, a holiday and an appointment in that
 * room written through the storage repositories (also as the app role), so that every tenant
 * table has rows of every seeded clinic; and a second appointment inserted as the superuser, as a
 * host's own SQL would. Billing rows come through the Billing service; a login session through the
 * credentials repository.
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as Actor from "@clinicore/core/Actor"
import { Appointment } from "@clinicore/core/Appointment"
import { ClinicService, Room } from "@clinicore/core/CatalogItem"
import type { Clinic } from "@clinicore/core/Clinic"
import { Billing } from "@clinicore/core/Billing"
import { Clinics } from "@clinicore/core/Clinics"
import type { Doctor } from "@clinicore/core/Doctor"
import { Doctors } from "@clinicore/core/Doctors"
import type { Patient } from "@clinicore/core/Patient"
import type { AppointmentId, RoomId, ServiceId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Storage } from "@clinicore/core/Storage"
import type { StaffAccount } from "@clinicore/core/StaffAccount"
import { Campaign, type CampaignId, Contact, type ContactId } from "@clinicore/core/Recall"
import { defaultPolicy, Reminder, type ReminderId } from "@clinicore/core/Reminder"
import type { CredentialId } from "@clinicore/core/Sessions"
import * as SessionRepository from "@clinicore/sql/SessionRepository"
import { RawAccess } from "@clinicore/testing/RawAccess"
import * as Effect from "effect/Effect"
import { ClinicorePg } from "../../src/index.js"

export interface SeededClinic {
  readonly clinic: Clinic
  readonly admin: StaffAccount
  readonly doctor: Doctor
  readonly patients: ReadonlyArray<Patient>
  readonly room: Room
  readonly service: ClinicService
  readonly appointment: Appointment
}

export const seedClinic = (label: string, patientCount = 1) =>
  Effect.gen(function*() {
    const tag = `${label.toLowerCase()}-${randomBytes(4).toString("hex")}`
    const { admin, clinic } = yield* Effect.flatMap(Clinics, (clinics) =>
      clinics.create({
        name: `Clinic ${label}`,
        slug: tag,
        timeZone: "America/New_York",
        currency: "USD",
        admin: { name: `Admin ${label}`, email: `admin@${tag}.example.com` }
      })).pipe(Actor.asPlatform)
    const asAdmin = Actor.withUser(clinic.id, admin.id)
    const doctor = yield* Effect.flatMap(Doctors, (doctors) => doctors.create({ name: `Dr ${label}`, specialty: "General" }))
      .pipe(asAdmin)
    const patients = yield* Effect.forEach(
      Array.from({ length: patientCount }, (_, i) => i),
      (i) =>
        Effect.flatMap(Patients, (patients) =>
          patients.create({
            fullName: `Patient ${label} ${i}`,
            phone: `+1 212 555 ${String(1000 + i).padStart(4, "0")}`,
            primaryDoctorId: doctor.id
          })).pipe(asAdmin)
    )
    const storage = yield* Storage
    const room = new Room({ id: randomUUID() as RoomId, clinicId: clinic.id, name: "Room 1", kind: "room", active: true, version: 1 })
    const service = new ClinicService({
      id: randomUUID() as ServiceId,
      clinicId: clinic.id,
      name: "Consultation",
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 5,
      priceMinor: 5000,
      active: true,
      doctorIds: [doctor.id],
      roomIds: [room.id],
      version: 1
    })
    const start = Date.UTC(2030, 0, 7, 9)
    const now = Date.now()
    const appointment = new Appointment({
      id: randomUUID() as AppointmentId,
      clinicId: clinic.id,
      doctorId: doctor.id,
      patientId: patients[0]!.id,
      serviceId: service.id,
      roomIds: [room.id],
      start,
      end: start + 1_800_000,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 5,
      status: "scheduled",
      notes: null,
      cancelReason: null,
      idempotencyKey: null,
      source: "staff",
      expiresAt: null,
      createdBy: admin.id,
      version: 1,
      createdAt: now,
      updatedAt: now
    })
    yield* Effect.gen(function*() {
      yield* storage.catalog.insertRoom(room)
      yield* storage.catalog.insertService(service)
      yield* storage.schedules.setRules(clinic.id, doctor.id, {
        weekly: [{ weekday: 1, start: "09:00", end: "17:00" }],
        breaks: [],
        timeOff: [],
        overrides: []
      }, now)
      yield* storage.schedules.putHoliday(clinic.id, { date: "2030-01-01", name: "New Year" })
      yield* storage.appointments.insert({ appointment, requestFingerprint: null }, {})
      // Reminders: a policy, a consent, a reminder, a recall campaign and its contact.
      const reminders = storage.reminders!
      yield* reminders.setPolicy(clinic.id, defaultPolicy([1440, 60]), now)
      yield* reminders.setConsent(clinic.id, { patientId: patients[0]!.id, channel: "sms", granted: true, source: "staff", at: now })
      const common = { clinicId: clinic.id, patientId: patients[0]!.id, channel: "sms" as const, status: "pending" as const, reason: null,
        attempts: 0, reconcile: false, providerMessageId: null, sentAt: null, createdAt: now, updatedAt: now }
      yield* reminders.insert([new Reminder({ ...common, id: randomUUID() as ReminderId, appointmentId: appointment.id,
        appointmentVersion: 1, appointmentStart: start, kind: "manual", offsetMinutes: null, dueAt: start - 3_600_000, deadline: start })])
      const campaign = new Campaign({ id: randomUUID() as CampaignId, clinicId: clinic.id, name: "Recall", rule: { monthsSinceLastVisit: 6 },
        channel: "sms", template: { body: "Hello {{patient.name}}" }, createdAt: now })
      yield* reminders.insertCampaign(campaign)
      yield* reminders.insertContacts([new Contact({ ...common, id: randomUUID() as ContactId, campaignId: campaign.id, dueAt: start })])
      // Import keys: the patient as if it had been imported.
      yield* storage.importKeys!.claim(clinic.id, "patient", `seed-${patients[0]!.id}`, patients[0]!.id, now)
      const credentials = yield* SessionRepository.make(ClinicorePg.dialect)
      yield* credentials.insert({ id: randomUUID() as CredentialId, clinicId: clinic.id, kind: "session",
        secretHash: randomBytes(32).toString("hex"), staffId: admin.id, role: null, name: null, createdAt: now,
        expiresAt: now + 3_600_000, revokedAt: null })
    }).pipe(storage.transaction(clinic.id), Effect.orDie)

    const raw = yield* RawAccess
    const later = start + 86_400_000
    yield* raw.execute(
      `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, busy_start, busy_end, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?)`,
      [
        clinic.id,
        randomUUID(),
        doctor.id,
        patients[0]!.id,
        admin.id,
        raw.instant(later),
        raw.instant(later + 1_800_000),
        raw.instant(later),
        raw.instant(later + 1_800_000),
        raw.instant(now)
      ]
    )
    // Billing: an issued invoice with a line of the service, a payment, a refund, a credit note and
    // a plan (the counters too), and an expense, through the Billing service as the app role.
    yield* Effect.gen(function*() {
      const billing = yield* Billing
      const invoice = yield* billing.createInvoice({
        patientId: patients[0]!.id,
        lines: [{ description: "Consultation", quantity: 1, serviceId: service.id }]
      })
      yield* billing.issueInvoice(invoice.id)
      const payment = yield* billing.recordPayment({ invoiceId: invoice.id, amountMinor: 1000, method: "cash", idempotencyKey: `seed-${tag}` })
      yield* billing.refundPayment({ paymentId: payment.id, amountMinor: 100 })
      yield* billing.createCreditNote({ invoiceId: invoice.id, amountMinor: 100, reason: "seed" })
      yield* billing.createPaymentPlan({ invoiceId: invoice.id, installments: 2 })
      yield* billing.createExpense({ category: "supplies", amountMinor: 2500, date: "2030-01-07" })
    }).pipe(asAdmin, Effect.orDie)
    return { clinic, admin, doctor, patients, room, service, appointment } satisfies SeededClinic
  })
