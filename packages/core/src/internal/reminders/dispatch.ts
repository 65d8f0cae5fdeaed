/**
 * One dispatch round in one clinic: claim a batch in one short transaction (fencing each claimed
 * reminder there), then deliver each claimed reminder in a transaction of its own that locks it,
 * fences it again on fresh reads, sends it and records the outcome. On Postgres the delivering
 * transaction holds the reminder's row, so a concurrent reschedule or cancel of its appointment
 * either commits before (and the fence refuses the send) or waits until the outcome is recorded.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Appointment } from "../../Appointment.js"
import type { Clinic } from "../../Clinic.js"
import type { Delivery, Message, Notifier } from "../../Notifier.js"
import { NotifyError } from "../../Notifier.js"
import { type Contact, contactAttempts, fenceContact, pendingVisitStatuses } from "../../Recall.js"
import {
  type Channel,
  compile,
  fence,
  nextAttempt,
  type Reminder,
  type ReminderPolicy,
  type Values,
  variables
} from "../../Reminder.js"
import { type DeliveryFacts, optedOut, type ReminderPatch, type ReminderRepository, type Sent } from "../../ReminderStorage.js"
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

/**
 * Claims a batch: locks due rows, ends those past their deadline, takes over expired claims (SMS
 * and calls whose send may have happened go to reconciliation instead), and leases the rest to
 * `owner`. Runs inside the caller's transaction; the full fence runs in the delivering one.
 * Returns the ids leased, in claim order.
 */
export const claim = (storage: Storage, clinic: Clinic, owner: string, batchSize: number, leaseMs: number) =>
  Effect.gen(function*() {
    const repo = storage.reminders!
    const now = yield* Clock.currentTimeMillis
    const locked = yield* repo.lockDue(clinic.id, now, batchSize)
    const claimed: Array<Reminder["id"]> = []
    const unknown: Array<Reminder["id"]> = []
    const late: Array<Reminder["id"]> = []
    for (const { reminder: r } of locked) {
      // A worker claimed it and its lease ran out: the send may have gone out. Never repeated blindly.
      if (r.status === "sending" && (r.channel === "sms" || r.channel === "call")) unknown.push(r.id)
      // Cheap fences here (deadline, start); the full fence runs again where the send happens.
      else if (now >= r.deadline || now >= r.appointmentStart) late.push(r.id)
      else claimed.push(r.id)
    }
    yield* repo.mark(clinic.id, unknown, { status: "failed", reason: "outcome_unknown", reconcile: true, lease: null }, now)
    yield* repo.mark(clinic.id, late, { status: "failed", reason: "deadline_passed", lease: null }, now)
    yield* repo.mark(clinic.id, claimed, { status: "sending", reason: null, attempt: true, lease: { owner, until: now + leaseMs } }, now)
    const ended: Array<Outcome> = [...unknown.map(() => "reconcile" as const), ...late.map(() => "failed" as const)]
    return { claimed, ended }
  })

/** What one send came to, and when it answered. */
export interface SendResult {
  readonly result: Either.Either<Delivery, NotifyError>
  readonly at: number
}

/**
 * Sends `messages` one after the other. One watchdog per batch (not a timer per send) stops the
 * batch when a send has not answered within `timeout`: that send's outcome is unknown, and those
 * after it are not attempted (their results are missing). Results are in the order of `messages`.
 */
export const sendAll = (notifier: Notifier, messages: ReadonlyArray<Message>, timeout: Duration.DurationInput) =>
  Effect.gen(function*() {
    const results: Array<SendResult> = []
    if (messages.length === 0) return results
    // One clock for the batch, read synchronously around each send (no effect per reading).
    const clock = yield* Effect.clock
    const timeoutMs = Duration.toMillis(timeout)
    let started: number | undefined
    const answered = (result: SendResult["result"]) =>
      Effect.sync(() => {
        started = undefined
        results.push({ result, at: clock.unsafeCurrentTimeMillis() })
      })
    const sends = Effect.forEach(messages, (message) =>
      Effect.suspend(() => {
        started = clock.unsafeCurrentTimeMillis()
        return notifier.send(message)
      }).pipe(Effect.matchCauseEffect({
        onSuccess: (delivery) => answered(Either.right(delivery)),
        // A notifier that dies has not said what happened either; an interruption stops the batch.
        onFailure: (cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.interrupt : answered(Either.left(Option.getOrElse(
            Cause.failureOption(cause),
            () => new NotifyError({ outcome: "unknown", reason: "notifier_defect" })
          )))
      })), { discard: true })
    // Wakes when the send in flight would be overdue; returns once one is.
    const watchdog = Effect.gen(function*() {
      for (;;) {
        const now = clock.unsafeCurrentTimeMillis()
        const since = started
        if (since !== undefined && now - since >= timeoutMs) return
        yield* Effect.sleep(Duration.millis(since === undefined ? timeoutMs : since + timeoutMs - now))
      }
    })
    const stuck = yield* Effect.raceFirst(Effect.as(sends, false), Effect.as(watchdog, true))
    if (stuck) {
      results.push({ result: Either.left(new NotifyError({ outcome: "unknown", reason: "timeout" })), at: clock.unsafeCurrentTimeMillis() })
    }
    return results
  })

/** Fences one reminder on fresh reads: why it ends here, or the message to send. Pure. */
const decide = (
  clinic: Clinic,
  policy: ReminderPolicy,
  templates: (channel: Channel) => Renderer,
  { appointment, optedOut, patient, reminder: r }: DeliveryFacts,
  now: number
): { readonly ended: Omit<ReminderPatch, "lease"> & { readonly status: Outcome } } | { readonly message: Message } => {
  const address = patient === null ? null : r.channel === "email" ? patient.email : patient.phone
  const verdict = fence(r, appointment ?? undefined, {
    optedOut: optedOut ? new Set([r.channel]) : noChannels,
    hasAddress: address !== null && address !== ""
  }, now)
  if (verdict !== undefined) return { ended: verdict }
  const values = variables({
    zone: clinic.timeZone,
    clinicName: clinic.name,
    patientName: patient!.fullName,
    doctorName: appointment!.doctorName,
    serviceName: appointment!.serviceName,
    start: appointment!.start,
    appointmentId: appointment!.id
  }, policy)
  return { message: compose(r.id, clinic, r.channel, address!, templates(r.channel), values, `reminder-${r.id}`) }
}

const noChannels: ReadonlySet<Channel> = new Set()

/** A template compiled once for a batch: its subject (if any) and body. */
interface Renderer {
  readonly subject: ((values: Values) => string) | undefined
  readonly body: (values: Values) => string
}

const renderer = (template: { readonly subject?: string | undefined; readonly body: string }): Renderer => ({
  subject: template.subject === undefined ? undefined : compile(template.subject),
  body: compile(template.body)
})

/** A message: the template rendered with the values, to one address, with its idempotency key. */
const compose = (
  id: string,
  clinic: Clinic,
  channel: Message["channel"],
  to: string,
  template: Renderer,
  values: Values,
  idempotencyKey: string
): Message => ({
  reminderId: id,
  clinicId: clinic.id,
  channel,
  to,
  subject: template.subject === undefined ? null : template.subject(values),
  body: template.body(values),
  idempotencyKey
})

/** What a failed send comes to: ended with a reason, marked for reconciliation, or retried later. Pure. */
const afterFailure = (
  r: Pick<Reminder, "channel" | "attempts" | "deadline">,
  error: NotifyError,
  start: number,
  now: number
): {
  readonly outcome: Outcome
  readonly patch: { readonly status: "failed" | "pending"; readonly reason: string; readonly reconcile?: true; readonly dueAt?: number }
} => {
  if (error.outcome === "rejected") return { outcome: "failed", patch: { status: "failed", reason: `rejected:${error.reason}` } }
  if (error.outcome === "unknown" && (r.channel === "sms" || r.channel === "call")) {
    return { outcome: "reconcile", patch: { status: "failed", reason: `outcome_unknown:${error.reason}`, reconcile: true } }
  }
  // Nothing was sent, or a resend is safe (same idempotency key): back off, never past the deadline.
  const next = nextAttempt(now, r.attempts, Math.min(r.deadline, start))
  return next === undefined
    ? { outcome: "failed", patch: { status: "failed", reason: `retries_exhausted:${error.reason}` } }
    : { outcome: "retried", patch: { status: "pending", reason: `retry:${error.reason}`, dueAt: next } }
}

/**
 * Delivers claimed reminders in the caller's transaction: locks those still held by `owner` and
 * reads what the fence and the messages need in one statement, fences each on those fresh reads,
 * sends those that pass, and records every outcome (sends in one statement, the rest one per
 * distinct change).
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
    const held = yield* repo.lockForDelivery(clinic.id, ids, owner)
    if (held.length === 0) return []
    const policy = yield* policyOf(storage, clinic)
    const compiled = new Map<Channel, Renderer>()
    const templates = (channel: Channel) => {
      let found = compiled.get(channel)
      if (found === undefined) compiled.set(channel, found = renderer(policy.templates[channel]))
      return found
    }
    const now = yield* Clock.currentTimeMillis
    const outcomes: Array<Outcome> = []
    const changes = new Map<string, { patch: ReminderPatch; ids: Array<Reminder["id"]> }>()
    const change = (id: Reminder["id"], patch: ReminderPatch) => {
      const key = JSON.stringify(patch)
      const group = changes.get(key) ?? { patch, ids: [] }
      group.ids.push(id)
      changes.set(key, group)
    }
    const outgoing: Array<{ readonly facts: DeliveryFacts; readonly message: Message }> = []
    for (const facts of held) {
      const d = decide(clinic, policy, templates, facts, now)
      if ("ended" in d) {
        outcomes.push(d.ended.status)
        change(facts.reminder.id, { ...d.ended, lease: null })
      } else outgoing.push({ facts, message: d.message })
    }
    const results = yield* sendAll(notifier, outgoing.map((o) => o.message), sendTimeout)
    const sent: Array<Sent> = []
    outgoing.forEach(({ facts: { appointment, reminder: r } }, i) => {
      const done = results[i]
      if (done === undefined) {
        // Not attempted: the batch stopped at a send that did not answer. Back to the queue.
        change(r.id, { status: "pending", reason: null, lease: null })
      } else if (Either.isRight(done.result)) {
        outcomes.push("sent")
        sent.push({ id: r.id, sentAt: done.at, providerMessageId: done.result.right.providerMessageId })
      } else {
        const { outcome, patch } = afterFailure(r, done.result.left, appointment!.start, done.at)
        outcomes.push(outcome)
        change(r.id, { ...patch, lease: null })
      }
    })
    const at = yield* Clock.currentTimeMillis
    yield* repo.markSent(clinic.id, sent, at)
    for (const { ids: group, patch } of changes.values()) yield* repo.mark(clinic.id, group, patch, at)
    return outcomes
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
      statuses: pendingVisitStatuses as ReadonlyArray<Appointment["status"]>,
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
    const message = compose(c.id, clinic, c.channel, address!, renderer(campaign.value.template), values, `recall-${c.id}`)
    const [done] = yield* sendAll(notifier, [message], sendTimeout)
    const { at, result } = done!
    if (Either.isRight(result)) {
      yield* repo.saveContact(
        touchContact(c, at, { status: "sent", reason: null, sentAt: at, providerMessageId: result.right.providerMessageId }),
        null
      )
      return "sent" as const
    }
    // A contact has no appointment: its retries end after `contactAttempts`, not at a start.
    const deadline = c.attempts >= contactAttempts ? at : Number.MAX_SAFE_INTEGER
    const { outcome, patch } = afterFailure({ channel: c.channel, attempts: c.attempts, deadline }, result.left, deadline, at)
    yield* repo.saveContact(touchContact(c, at, patch), null)
    return outcome
  })
