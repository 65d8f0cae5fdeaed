/**
 * The outbox steps the one booking path calls, in the appointment change's own transaction:
 * a booking writes its reminders, a move supersedes them with the new time's, a status change
 * carries, creates or cancels them (`Reminder.onTransition`). Each step runs after the appointment
 * row was written, so a write that decides again writes no reminder for the attempt that lost.
 */
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Appointment } from "../../Appointment.js"
import type { Clinic } from "../../Clinic.js"
import type { AppointmentId } from "../../Ids.js"
import { defaultPolicy, onTransition, plan, Reminder, ReminderId, type ReminderPolicy, remindable } from "../../Reminder.js"
import type { ReminderRepository } from "../../ReminderStorage.js"
import type { Storage } from "../../Storage.js"

/** The storage's reminders repository; an adapter without one cannot keep the outbox promise. */
export const remindersOf = (storage: Storage): Effect.Effect<ReminderRepository> =>
  storage.reminders === undefined
    ? Effect.dieMessage("this storage adapter does not provide reminders (Storage.reminders)")
    : Effect.succeed(storage.reminders)

/** The clinic's saved policy, or the default one built from its settings. */
export const policyOf = (storage: Storage, clinic: Clinic): Effect.Effect<ReminderPolicy> =>
  Effect.flatMap(remindersOf(storage), (repo) =>
    Effect.map(repo.policy(clinic.id), Option.getOrElse(() => defaultPolicy(clinic.settings.reminderOffsetsMinutes))))

/** The automatic reminders of `appointment` as of `now`, by the policy (skipped ones with their reason). */
export const planned = (clinic: Clinic, policy: ReminderPolicy, appointment: Appointment, now: number): ReadonlyArray<Reminder> => {
  const { patientId } = appointment
  // Remindable statuses always have a patient; a request staff have not matched gets no reminder.
  if (patientId === null) return []
  return policy.offsets.flatMap(({ channels, minutes }) =>
    [...new Set(channels)].map((channel) => {
      const p = plan(clinic.timeZone, policy, appointment.start, minutes, now)
      return new Reminder({
        id: ReminderId.make(randomUUID()),
        clinicId: clinic.id,
        appointmentId: appointment.id,
        appointmentVersion: appointment.version,
        appointmentStart: appointment.start,
        patientId,
        kind: "auto",
        offsetMinutes: minutes,
        channel,
        dueAt: p.dueAt,
        deadline: p.deadline,
        status: p._tag === "due" ? "pending" : "skipped",
        reason: p._tag === "due" ? null : p.reason,
        attempts: 0,
        reconcile: false,
        providerMessageId: null,
        sentAt: null,
        createdAt: now,
        updatedAt: now
      }, { disableValidation: true })
    })
  )
}

const create = (storage: Storage, clinic: Clinic, appointment: Appointment, now: number) =>
  Effect.gen(function*() {
    const repo = yield* remindersOf(storage)
    const policy = yield* policyOf(storage, clinic)
    yield* repo.insert(planned(clinic, policy, appointment, now))
  })

/**
 * A new appointment was written: its reminders, when it is one that gets them; and the patient
 * drops out of recall campaigns (open contacts end `cancelled`, reason `booked`).
 */
export const booked = (storage: Storage, clinic: Clinic, appointment: Appointment, now: number) =>
  Effect.zipRight(
    recalled(storage, clinic, appointment, now),
    remindable(appointment.status) ? create(storage, clinic, appointment, now) : Effect.void
  )

/** The appointment's patient has booked: their open recall contacts end (`cancelled`, reason `booked`). */
const recalled = (storage: Storage, clinic: Clinic, appointment: Appointment, now: number) => {
  const { patientId } = appointment
  return patientId === null
    ? Effect.void
    : Effect.flatMap(remindersOf(storage), (repo) => repo.cancelContactsOf(clinic.id, patientId, "booked", now))
}

/**
 * A public request was matched to its patient and accepted (`before` the request, `after` the
 * appointment): the patient has booked, and the appointment gets its reminders.
 */
export const matched = (storage: Storage, clinic: Clinic, before: Appointment, after: Appointment, now: number) =>
  Effect.zipRight(recalled(storage, clinic, after, now), transitioned(storage, clinic, before, after, now))

/** An appointment moved: its open reminders are superseded by the new time's. */
export const moved = (storage: Storage, clinic: Clinic, appointment: Appointment, now: number) =>
  Effect.gen(function*() {
    const repo = yield* remindersOf(storage)
    yield* repo.cancelOpen(clinic.id, appointment.id, "superseded", now)
    if (remindable(appointment.status)) yield* create(storage, clinic, appointment, now)
  })

/** An appointment's status changed from `before` to `after` (same time). */
export const transitioned = (storage: Storage, clinic: Clinic, before: Appointment, after: Appointment, now: number) =>
  Effect.gen(function*() {
    const repo = yield* remindersOf(storage)
    switch (onTransition(before.status, after.status)) {
      case "carry":
        return yield* repo.carry(clinic.id, after.id, before.version, after.version, now)
      case "create":
        yield* repo.cancelOpen(clinic.id, after.id, "superseded", now)
        return yield* create(storage, clinic, after, now)
      case "cancel":
        return yield* Effect.asVoid(repo.cancelOpen(clinic.id, after.id, `appointment_${after.status}`, now))
    }
  })

/** Requests expired (by a sweep or by a booking's own transaction): their reminders end. */
export const expired = (storage: Storage, clinic: Clinic, ids: ReadonlyArray<AppointmentId>, now: number) =>
  ids.length === 0 ? Effect.void : Effect.flatMap(remindersOf(storage), (repo) =>
    Effect.forEach(ids, (id) => repo.cancelOpen(clinic.id, id, "appointment_expired", now), { discard: true }))
