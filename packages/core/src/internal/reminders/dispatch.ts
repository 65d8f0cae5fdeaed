/**
 * One dispatch round in one clinic: claim a batch in one short transaction (fencing each claimed
 * reminder there), then deliver each claimed reminder in a transaction of its own that locks it,
 * fences it again on fresh reads, sends it and records the outcome. On Postgres the delivering
 * transaction holds the reminder's row, so a concurrent reschedule or cancel of its appointment
 * either commits before (and the fence refuses the send) or waits until the outcome is recorded.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Appointment } from "../../Appointment.js"
import type { Clinic } from "../../Clinic.js"
import type { Message, Notifier } from "../../Notifier.js"
import { NotifyError } from "../../Notifier.js"
import { type Contact, contactAttempts, fenceContact, upcomingStatuses } from "../../Recall.js"
import { fence, nextAttempt, type Reminder, type ReminderPolicy, render, variables } from "../../Reminder.js"
import { type DeliveryFacts, optedOut, type ReminderPatch, type ReminderRepository } from "../../ReminderStorage.js"
import type { Storage } from "../../Storage.js"
import { policyOf } from "./outbox.js"

/** @since 0.1.0 */
export interface DispatchOptions {
  readonly notifier: Notifier
  /** Names this worker's leases (default: a random id per round). */
  readonly owner?: string | undefined
  readonly batchSize?: number | undefined
  /** How long a claim is held before another worker may take it over (default 2 minutes). */
  readonly lease?: Duration.DurationInput | undefined
  /** A send that has not answered by then has an unknown outcome (default 30 seconds). */
  readonly sendTimeout?: Duration.DurationInput | undefined
  /**
   * How many claimed reminders one delivering transaction sends (default 10). Larger is faster;
   * the transaction holds those reminders' rows (on SQLite, the database) while it sends.
   */
  readonly deliveryBatch?: number | undefined
  /** Runs after the batch is claimed and before any delivery (observability, tests). */
  readonly afterClaim?: ((ids: ReadonlyArray<string>) => Effect.Effect<void>) | undefined
}

/** What one round did, by outcome. @since 0.1.0 */
export interface DispatchReport {
  readonly claimed: number
  readonly sent: number
  readonly retried: number
  readonly failed: number
  readonly cancelled: number
  readonly skipped: number
  readonly reconcile: number
}

export type Outcome = keyof Omit<DispatchReport, "claimed">

const touch = (r: Reminder, now: number, patch: Partial<Reminder>): Reminder =>
  ({ ...r, ...patch, updatedAt: now }) as Reminder

/**
 * Claims a batch: locks due rows, ends those past their deadline, takes over expired claims (SMS
 * and calls whose send may have happened go to reconciliation instead), and leases the rest to
 * `owner`. Runs inside the caller's transaction; the full fence runs in the delivering one.
 */
export const claim = (storage: Storage, clinic: Clinic, owner: string, batchSize: number, leaseMs: number) =>
  Effect.gen(function*() {
    const repo = storage.reminders!
    const now = yield* Clock.currentTimeMillis
    const locked = yield* repo.lockDue(clinic.id, now, batchSize)
    const claimed: Array<Reminder> = []
    const unknown: Array<Reminder["id"]> = []
    const late: Array<Reminder["id"]> = []
    for (const { reminder: r } of locked) {
      // A worker claimed it and its lease ran out: the send may have gone out. Never repeated blindly.
      if (r.status === "sending" && (r.channel === "sms" || r.channel === "call")) unknown.push(r.id)
      // Cheap fences here (deadline, start); the full fence runs again where the send happens.
      else if (now >= r.deadline || now >= r.appointmentStart) late.push(r.id)
      else claimed.push(touch(r, now, { status: "sending", attempts: r.attempts + 1 }))
    }
    yield* repo.mark(clinic.id, unknown, { status: "failed", reason: "outcome_unknown", reconcile: true, lease: null }, now)
    yield* repo.mark(clinic.id, late, { status: "failed", reason: "deadline_passed", lease: null }, now)
    yield* repo.mark(clinic.id, claimed.map((r) => r.id), {
      status: "sending",
      reason: null,
      attempt: true,
      lease: { owner, until: now + leaseMs }
    }, now)
    const ended: Array<Outcome> = [...unknown.map(() => "reconcile" as const), ...late.map(() => "failed" as const)]
    return { claimed, ended }
  })

/**
 * Delivers one claimed reminder: locks it (still held by `owner`), fences it again, renders and
 * sends it, and records the outcome. Runs inside the caller's transaction.
 */
export interface BatchCache {
  policy?: ReminderPolicy
  readonly doctors: Map<string, string>
  readonly services: Map<string, string | null>
}

/** A fresh cache for one delivering transaction (what does not change within it). */
export const batchCache = (): BatchCache => ({ doctors: new Map(), services: new Map() })

/**
 * Delivers claimed reminders in the caller's transaction: locks those still held by `owner`,
 * reads what the fence and the messages need in one query, and for each: fences it on those fresh
 * reads, renders and sends it, and records the outcome.
 */
export const deliverBatch = (
  storage: Storage,
  clinic: Clinic,
  owner: string,
  ids: ReadonlyArray<Reminder["id"]>,
  notifier: Notifier,
  sendTimeout: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const repo = storage.reminders!
    // Those not held any more were taken over after their lease, or ended by a change meanwhile.
    const held = yield* repo.lockHeldMany(clinic.id, ids, owner)
    const facts = new Map((yield* repo.deliveryFacts(clinic.id, held.map((r) => r.id))).map((f) => [f.reminderId, f]))
    const cache = batchCache()
    const outcomes: Array<Outcome> = []
    // Outcomes are written together, one statement per distinct change.
    const changes = new Map<string, { patch: ReminderPatch; ids: Array<Reminder["id"]> }>()
    for (const r of held) {
      const { outcome, patch } = yield* deliver(storage, clinic, r, facts.get(r.id), notifier, sendTimeout, cache)
      outcomes.push(outcome)
      const key = JSON.stringify(patch)
      const group = changes.get(key) ?? { patch, ids: [] }
      group.ids.push(r.id)
      changes.set(key, group)
    }
    const at = yield* Clock.currentTimeMillis
    for (const { ids: group, patch } of changes.values()) yield* repo.mark(clinic.id, group, patch, at)
    return outcomes
  })

const deliver = (
  storage: Storage,
  clinic: Clinic,
  r: Reminder,
  facts: DeliveryFacts | undefined,
  notifier: Notifier,
  sendTimeout: Duration.DurationInput,
  cache: BatchCache
) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const appointment = facts?.appointment ?? undefined
    const patient = facts?.patient ?? undefined
    const address = patient === undefined ? null : r.channel === "email" ? patient.email : patient.phone
    const verdict = fence(r, appointment, {
      optedOut: new Set(facts?.optedOut ? [r.channel] : []),
      hasAddress: address !== null && address !== ""
    }, now)
    const ended = (outcome: Outcome, patch: Omit<ReminderPatch, "lease">) => ({ outcome, patch: { ...patch, lease: null } })
    if (verdict !== undefined) return ended(verdict.status, verdict)
    const policy = cache.policy ?? (cache.policy = yield* policyOf(storage, clinic))
    const doctorId = appointment!.doctorId
    if (!cache.doctors.has(doctorId)) {
      const d = yield* storage.doctors.findById(clinic.id, doctorId)
      cache.doctors.set(doctorId, Option.match(d, { onNone: () => "", onSome: (x) => x.name }))
    }
    const serviceId = appointment!.serviceId
    if (serviceId !== null && !cache.services.has(serviceId)) {
      const found = yield* storage.catalog.findService(clinic.id, serviceId)
      cache.services.set(serviceId, Option.match(found, { onNone: () => null, onSome: (x) => x.name }))
    }
    const values = variables({
      zone: clinic.timeZone,
      clinicName: clinic.name,
      patientName: patient!.fullName,
      doctorName: cache.doctors.get(doctorId) ?? "",
      serviceName: serviceId === null ? null : cache.services.get(serviceId) ?? null,
      start: appointment!.start,
      appointmentId: appointment!.id
    }, policy)
    const template = policy.templates[r.channel]
    const message: Message = {
      reminderId: r.id,
      clinicId: clinic.id,
      channel: r.channel,
      to: address!,
      subject: template.subject === undefined ? null : render(template.subject, values),
      body: render(template.body, values),
      idempotencyKey: `reminder-${r.id}`
    }
    const result = yield* notifier.send(message).pipe(
      Effect.timeoutFail({ duration: sendTimeout, onTimeout: () => new NotifyError({ outcome: "unknown", reason: "timeout" }) }),
      // A notifier that dies has not said what happened either.
      Effect.catchAllDefect(() => Effect.fail(new NotifyError({ outcome: "unknown", reason: "notifier_defect" }))),
      Effect.either
    )
    const after = yield* Clock.currentTimeMillis
    if (result._tag === "Right") {
      return ended("sent", { status: "sent", reason: null, sentAt: after, providerMessageId: result.right.providerMessageId })
    }
    const error = result.left
    if (error.outcome === "rejected") {
      return ended("failed", { status: "failed", reason: `rejected:${error.reason}` })
    }
    if (error.outcome === "unknown" && (r.channel === "sms" || r.channel === "call")) {
      return ended("reconcile", { status: "failed", reason: `outcome_unknown:${error.reason}`, reconcile: true })
    }
    // Nothing was sent, or a resend is safe (same idempotency key): back off, never past the deadline.
    const next = nextAttempt(after, r.attempts, Math.min(r.deadline, appointment!.start))
    if (next === undefined) {
      return ended("failed", { status: "failed", reason: `retries_exhausted:${error.reason}` })
    }
    return ended("retried", { status: "pending", reason: `retry:${error.reason}`, dueAt: next })
  })

// -------------------------------------------------------------------------------------------------
// Recall contacts: the same claim, lease and delivery, fenced against the patient having booked.

const touchContact = (c: Contact, now: number, patch: Partial<Contact>): Contact =>
  ({ ...c, ...patch, updatedAt: now }) as Contact

const checkContact = (storage: Storage, clinic: Clinic, repo: ReminderRepository, c: Contact, now: number) =>
  Effect.gen(function*() {
    const patient = Option.getOrUndefined(yield* storage.patients.findById(clinic.id, c.patientId))
    const consents = yield* repo.consents(clinic.id, c.patientId)
    const booked = yield* storage.appointments.list(clinic.id, {
      patientId: c.patientId,
      statuses: upcomingStatuses as ReadonlyArray<Appointment["status"]>,
      from: now,
      order: "asc",
      limit: 1
    })
    const address = patient === undefined ? null : c.channel === "email" ? patient.email : patient.phone
    const verdict = fenceContact(
      c.channel,
      patient === undefined ? undefined : { optedOut: optedOut(consents), hasAddress: address !== null && address !== "" },
      booked.length > 0
    )
    return { verdict, patient, address }
  })

/** As `claim`, for recall contacts. */
export const claimContacts = (storage: Storage, clinic: Clinic, owner: string, batchSize: number, leaseMs: number) =>
  Effect.gen(function*() {
    const repo = storage.reminders!
    const now = yield* Clock.currentTimeMillis
    const locked = yield* repo.lockDueContacts(clinic.id, now, batchSize)
    const claimed: Array<Contact> = []
    const ended: Array<Outcome> = []
    for (const c of locked) {
      if (c.status === "sending" && (c.channel === "sms" || c.channel === "call")) {
        yield* repo.saveContact(touchContact(c, now, { status: "failed", reason: "outcome_unknown", reconcile: true }), null)
        ended.push("reconcile")
        continue
      }
      const { verdict } = yield* checkContact(storage, clinic, repo, c, now)
      if (verdict !== undefined) {
        yield* repo.saveContact(touchContact(c, now, verdict), null)
        ended.push(verdict.status)
        continue
      }
      const leased = touchContact(c, now, { status: "sending", attempts: c.attempts + 1 })
      yield* repo.saveContact(leased, { owner, until: now + leaseMs })
      claimed.push(leased)
    }
    return { claimed, ended }
  })

/** As `deliver`, for a recall contact. */
export const deliverContact = (
  storage: Storage,
  clinic: Clinic,
  owner: string,
  id: Contact["id"],
  notifier: Notifier,
  sendTimeout: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const repo = storage.reminders!
    const held = yield* repo.lockHeldContact(clinic.id, id, owner)
    if (Option.isNone(held)) return "lost" as const
    const c = held.value
    const now = yield* Clock.currentTimeMillis
    const { address, patient, verdict } = yield* checkContact(storage, clinic, repo, c, now)
    if (verdict !== undefined) {
      yield* repo.saveContact(touchContact(c, now, verdict), null)
      return verdict.status
    }
    const campaign = yield* repo.findCampaign(clinic.id, c.campaignId)
    if (Option.isNone(campaign)) return yield* Effect.dieMessage(`recall campaign ${c.campaignId} is missing`)
    const doctor = campaign.value.rule.doctorId === undefined
      ? Option.none()
      : yield* storage.doctors.findById(clinic.id, campaign.value.rule.doctorId)
    const values = {
      ...variables({
        zone: clinic.timeZone,
        clinicName: clinic.name,
        patientName: patient!.fullName,
        doctorName: Option.match(doctor, { onNone: () => "", onSome: (d) => d.name }),
        serviceName: null,
        start: now,
        appointmentId: ""
      }, { linkTemplate: null }),
      "start.date": "",
      "start.time": "",
      "start.local": ""
    }
    const template = campaign.value.template
    const result = yield* notifier.send({
      reminderId: c.id,
      clinicId: clinic.id,
      channel: c.channel,
      to: address!,
      subject: template.subject === undefined ? null : render(template.subject, values),
      body: render(template.body, values),
      idempotencyKey: `recall-${c.id}`
    }).pipe(
      Effect.timeoutFail({ duration: sendTimeout, onTimeout: () => new NotifyError({ outcome: "unknown", reason: "timeout" }) }),
      Effect.catchAllDefect(() => Effect.fail(new NotifyError({ outcome: "unknown", reason: "notifier_defect" }))),
      Effect.either
    )
    const after = yield* Clock.currentTimeMillis
    if (result._tag === "Right") {
      yield* repo.saveContact(
        touchContact(c, after, { status: "sent", reason: null, sentAt: after, providerMessageId: result.right.providerMessageId }),
        null
      )
      return "sent" as const
    }
    const error = result.left
    if (error.outcome === "rejected") {
      yield* repo.saveContact(touchContact(c, after, { status: "failed", reason: `rejected:${error.reason}` }), null)
      return "failed" as const
    }
    if (error.outcome === "unknown" && (c.channel === "sms" || c.channel === "call")) {
      yield* repo.saveContact(touchContact(c, after, { status: "failed", reason: `outcome_unknown:${error.reason}`, reconcile: true }), null)
      return "reconcile" as const
    }
    if (c.attempts >= contactAttempts) {
      yield* repo.saveContact(touchContact(c, after, { status: "failed", reason: `retries_exhausted:${error.reason}` }), null)
      return "failed" as const
    }
    const next = nextAttempt(after, c.attempts, Number.MAX_SAFE_INTEGER)!
    yield* repo.saveContact(touchContact(c, after, { status: "pending", reason: `retry:${error.reason}`, dueAt: next }), null)
    return "retried" as const
  })
