/**
 * The Reminders service: a clinic's reminders (list, manual ones, cancel), its policy, patients'
 * consent (inbound STOP/START keywords included), delivery receipts, and one dispatch round.
 * Automatic reminders are written by the booking path itself (`Scheduling`), in the appointment
 * change's own transaction; `ReminderDispatcher` runs rounds for every clinic.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { AppointmentId, PatientId } from "./Ids.js"
import {
  claim,
  claimContacts,
  deliverBatch,
  deliverContact,
  type DispatchOptions,
  type DispatchReport,
  type Outcome
} from "./internal/reminders/dispatch.js"
import { policyOf, remindersOf } from "./internal/reminders/outbox.js"
import { type Acting, clinicOperation, type Deps } from "./internal/operation.js"
import { decode, invalid } from "./internal/validation.js"
import type { ClinicOperation } from "./Operations.js"
import { normalizePhone } from "./Phone.js"
import {
  Channel,
  type Consent,
  ConsentSource,
  keyword,
  Reminder,
  ReminderId,
  ReminderPolicy,
  ReminderStatus
} from "./Reminder.js"
import { Storage } from "./Storage.js"
import { Campaign, CampaignId, Contact, ContactId, isDue, RecallRule, pendingVisitStatuses } from "./Recall.js"
import { Template } from "./Reminder.js"

export type { DispatchOptions, DispatchReport } from "./internal/reminders/dispatch.js"

const Instant = Schema.Union(
  Schema.Int,
  Schema.transform(Schema.String.pipe(Schema.filter((s) => !Number.isNaN(Date.parse(s)) && /(Z|[+-]\d{2}:\d{2})$/.test(s))), Schema.Int, {
    strict: true,
    decode: (s) => Date.parse(s),
    encode: (n) => new Date(n).toISOString()
  })
).annotations({ message: () => "must be epoch milliseconds or an ISO date-time with an offset" })

/** @since 0.1.0 @category inputs */
export const ListInput = Schema.Struct({
  appointmentId: Schema.optional(AppointmentId),
  patientId: Schema.optional(PatientId),
  statuses: Schema.optional(Schema.Array(ReminderStatus)),
  /** Only those whose send had an unknown outcome and need reconciling. */
  reconcile: Schema.optional(Schema.Boolean),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { default: () => 100 })
})
/** @since 0.1.0 @category inputs */
export type ListInput = typeof ListInput.Encoded

/** A manual reminder: an appointment and a channel; sent at `at` (default now). @since 0.1.0 @category inputs */
export const CreateInput = Schema.Struct({
  appointmentId: AppointmentId,
  channel: Channel,
  at: Schema.optional(Instant)
})
/** @since 0.1.0 @category inputs */
export type CreateInput = typeof CreateInput.Encoded

/** @since 0.1.0 @category inputs */
export const ConsentInput = Schema.Struct({
  patientId: PatientId,
  channel: Channel,
  granted: Schema.Boolean,
  source: Schema.optionalWith(ConsentSource, { default: () => "staff" as const })
})
/** @since 0.1.0 @category inputs */
export type ConsentInput = typeof ConsentInput.Encoded

/** An SMS received from a patient (a provider's inbound webhook). @since 0.1.0 @category inputs */
export const InboundSmsInput = Schema.Struct({
  from: Schema.String.pipe(Schema.minLength(1, { message: () => "is required" })),
  text: Schema.String.pipe(Schema.maxLength(2000))
})

/** A provider's delivery receipt. @since 0.1.0 @category inputs */
export const ReceiptInput = Schema.Struct({
  providerMessageId: Schema.String.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(500)),
  outcome: Schema.Literal("delivered", "failed")
})

/** A recall campaign: who (the rule), how (channel and template), from when (`at`, default now). @since 0.1.0 @category inputs */
export const RecallInput = Schema.Struct({
  name: Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(200)),
  rule: RecallRule,
  channel: Channel,
  template: Template,
  at: Schema.optional(Instant)
})
/** @since 0.1.0 @category inputs */
export type RecallInput = typeof RecallInput.Encoded

/** @since 0.1.0 @category inputs */
export const ContactsInput = Schema.Struct({
  campaignId: Schema.optional(CampaignId),
  patientId: Schema.optional(PatientId),
  statuses: Schema.optional(Schema.Array(ReminderStatus)),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { default: () => 100 })
})

type Failure = ValidationError | NotFound | Conflict | PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface InboundResult {
  /** The keyword applied (`undefined`: the text was not one, or no patient has this phone). */
  readonly applied: "stop" | "start" | undefined
  readonly patientId: PatientId | undefined
  /** Whether consent changed (a repeated STOP changes nothing). */
  readonly changed: boolean
}

/** @since 0.1.0 @category models */
export interface Reminders {
  readonly list: (input?: ListInput) => Effect.Effect<ReadonlyArray<Reminder>, Failure, Actor>
  readonly get: (id: string) => Effect.Effect<Reminder, Failure, Actor>
  readonly create: (input: CreateInput) => Effect.Effect<Reminder, Failure, Actor>
  /** Cancels a pending reminder. */
  readonly cancel: (id: string) => Effect.Effect<Reminder, Failure, Actor>
  readonly policy: () => Effect.Effect<ReminderPolicy, Failure, Actor>
  /** Replaces the policy; a template naming an unknown variable is refused, naming the field. */
  readonly setPolicy: (policy: typeof ReminderPolicy.Encoded) => Effect.Effect<ReminderPolicy, Failure, Actor>
  readonly consents: (patientId: string) => Effect.Effect<ReadonlyArray<Consent>, Failure, Actor>
  readonly setConsent: (input: ConsentInput) => Effect.Effect<Consent, Failure, Actor>
  /** Applies STOP/START (and their usual synonyms) from an inbound SMS to the SMS channel, idempotently. */
  readonly inboundSms: (input: typeof InboundSmsInput.Encoded) => Effect.Effect<InboundResult, Failure, Actor>
  /** Records a provider's delivery receipt, idempotently by provider message id. */
  readonly receipt: (input: typeof ReceiptInput.Encoded) => Effect.Effect<Option.Option<Reminder>, Failure, Actor>
  /** Selects the patients due for recall into a new campaign's contacts. */
  readonly createRecall: (
    input: RecallInput
  ) => Effect.Effect<{ readonly campaign: Campaign; readonly contacts: ReadonlyArray<Contact> }, Failure, Actor>
  readonly recallContacts: (input?: typeof ContactsInput.Encoded) => Effect.Effect<ReadonlyArray<Contact>, Failure, Actor>
  /** One dispatch round in the actor's clinic (normally run by `ReminderDispatcher` as a system principal). */
  readonly dispatch: (options: DispatchOptions) => Effect.Effect<DispatchReport, Failure, Actor>
}

/** @since 0.1.0 @category tags */
export const Reminders: Context.Tag<Reminders, Reminders> = Context.GenericTag<Reminders>("@clinicore/core/Reminders")

const ReminderIdInput = Schema.Struct({ id: ReminderId })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Reminders, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { storage } = deps
  const op = <A, E, R>(name: ClinicOperation, body: (acting: Acting) => Effect.Effect<A, E, R>, entityId?: (a: A) => string | null) =>
    clinicOperation(deps, name, body, entityId)

  const load = (acting: Acting, id: string) =>
    Effect.gen(function*() {
      const repo = yield* remindersOf(storage)
      // An id of the wrong type is a bad input; a well-formed one not found (or another clinic's) is NotFound.
      const { id: valid } = yield* decode(ReminderIdInput, { id })
      const found = yield* repo.findById(acting.clinic.id, valid)
      if (Option.isNone(found)) return yield* new NotFound({ entity: "Reminder", id: valid })
      return found.value
    })

  const consentChange = (acting: Acting, c: Consent) =>
    Effect.gen(function*() {
      const repo = yield* remindersOf(storage)
      const current = (yield* repo.consents(acting.clinic.id, c.patientId)).find((x) => x.channel === c.channel)
      const stateNow = current?.granted ?? true
      if (stateNow === c.granted && current !== undefined) return { consent: current, changed: false }
      yield* repo.setConsent(acting.clinic.id, c)
      return { consent: c, changed: stateNow !== c.granted }
    })

  const requirePatient = (acting: Acting, patientId: PatientId) =>
    Effect.flatMap(storage.patients.findById(acting.clinic.id, patientId), (p) =>
      Option.isNone(p) ? new NotFound({ entity: "Patient", id: patientId }) : Effect.succeed(p.value))

  const dispatch = (options: DispatchOptions) =>
    Effect.gen(function*() {
      const owner = options.owner ?? `dispatcher-${randomUUID()}`
      const leaseMs = Duration.toMillis(options.lease ?? Duration.minutes(2))
      // Reminders and recall contacts are claimed in one transaction.
      const [{ claimed, ended }, contacts] = yield* op("Reminders.claim", ({ clinic }) =>
        Effect.zipRight(
          remindersOf(storage),
          Effect.all([
            claim(storage, clinic, owner, options.batchSize ?? 50, leaseMs),
            claimContacts(storage, clinic, owner, options.batchSize ?? 50, leaseMs)
          ])
        ), () => null)
      const report: Record<Outcome, number> = { sent: 0, retried: 0, failed: 0, cancelled: 0, skipped: 0, reconcile: 0 }
      for (const o of ended) report[o]++
      if (options.afterClaim !== undefined) yield* options.afterClaim(claimed)
      const sendTimeout = options.sendTimeout ?? Duration.seconds(30)
      // Delivered a few per transaction: each is locked, fenced on fresh reads, sent and recorded there.
      const size = Math.max(1, options.deliveryBatch ?? 10)
      for (let i = 0; i < claimed.length; i += size) {
        const chunk = claimed.slice(i, i + size)
        const outcomes = yield* op("Reminders.deliver", ({ clinic }) =>
          deliverBatch(storage, clinic, owner, chunk, options.notifier, sendTimeout), () => null)
        for (const outcome of outcomes) report[outcome]++
      }
      // Recall contacts, through the same delivery.
      for (const o of contacts.ended) report[o]++
      for (const c of contacts.claimed) {
        const outcome = yield* op("Reminders.deliver", ({ clinic }) =>
          deliverContact(storage, clinic, owner, c.id, options.notifier, sendTimeout), () => c.id)
        if (outcome !== "lost") report[outcome]++
      }
      return { claimed: claimed.length + contacts.claimed.length, ...report }
    })

  return {
    list: (input = {}) =>
      op("Reminders.list", ({ clinic }) =>
        Effect.gen(function*() {
          const v = yield* decode(ListInput, input)
          const repo = yield* remindersOf(storage)
          return yield* repo.list(clinic.id, v)
        })),
    get: (id) => op("Reminders.get", (acting) => load(acting, id)),
    create: (input) =>
      op("Reminders.create", (acting) =>
        Effect.gen(function*() {
          const v = yield* decode(CreateInput, input)
          const { clinic } = acting
          const repo = yield* remindersOf(storage)
          const row = yield* storage.appointments.findById(clinic.id, v.appointmentId)
          if (Option.isNone(row)) return yield* new NotFound({ entity: "Appointment", id: v.appointmentId })
          const a = row.value.appointment
          const now = yield* Clock.currentTimeMillis
          if (!["requested", "scheduled", "confirmed"].includes(a.status) || a.start <= now) {
            return yield* invalid("appointmentId", "must be an upcoming appointment (requested, scheduled or confirmed)")
          }
          // A public request is nobody's until staff match it to a patient on confirmation.
          if (a.patientId === null) return yield* invalid("appointmentId", "must be matched to a patient first")
          const policy = yield* policyOf(storage, clinic)
          const deadline = a.start - policy.cutoffMinutes * 60_000
          const at = v.at ?? now
          if (at >= deadline) return yield* invalid("at", "must be before the appointment's start (and the policy's cut-off)")
          const reminder = new Reminder({
            id: ReminderId.make(randomUUID()),
            clinicId: clinic.id,
            appointmentId: a.id,
            appointmentVersion: a.version,
            appointmentStart: a.start,
            patientId: a.patientId,
            kind: "manual",
            offsetMinutes: null,
            channel: v.channel,
            dueAt: Math.max(at, now),
            deadline,
            status: "pending",
            reason: null,
            attempts: 0,
            reconcile: false,
            providerMessageId: null,
            sentAt: null,
            createdAt: now,
            updatedAt: now
          })
          yield* repo.insert([reminder])
          return reminder
        })),
    cancel: (id) =>
      op("Reminders.cancel", (acting) =>
        Effect.gen(function*() {
          const r = yield* load(acting, id)
          if (r.status !== "pending") {
            return yield* new Conflict({ reason: { _tag: "invalid_transition", from: r.status, to: "cancelled" } })
          }
          const now = yield* Clock.currentTimeMillis
          const cancelled = new Reminder({ ...r, status: "cancelled", reason: "cancelled_by_staff", updatedAt: now })
          yield* (yield* remindersOf(storage)).save(cancelled, null)
          return cancelled
        })),
    policy: () => op("Reminders.policy", ({ clinic }) => policyOf(storage, clinic)),
    setPolicy: (input) =>
      op("Reminders.setPolicy", ({ clinic }) =>
        Effect.gen(function*() {
          const policy = yield* decode(ReminderPolicy, input)
          const now = yield* Clock.currentTimeMillis
          yield* (yield* remindersOf(storage)).setPolicy(clinic.id, policy, now)
          return policy
        }), () => null),
    consents: (patientId) =>
      op("Reminders.consents", (acting) =>
        Effect.gen(function*() {
          const { patientId: id } = yield* decode(Schema.Struct({ patientId: PatientId }), { patientId })
          yield* requirePatient(acting, id)
          return yield* (yield* remindersOf(storage)).consents(acting.clinic.id, id)
        }), () => patientId),
    setConsent: (input) =>
      op("Reminders.setConsent", (acting) =>
        Effect.gen(function*() {
          const v = yield* decode(ConsentInput, input)
          yield* requirePatient(acting, v.patientId)
          const now = yield* Clock.currentTimeMillis
          const { consent } = yield* consentChange(acting, { ...v, at: now })
          return consent
        }), (c) => c.patientId),
    inboundSms: (input) =>
      op("Reminders.inboundSms", (acting) =>
        Effect.gen(function*() {
          const v = yield* decode(InboundSmsInput, input)
          const phone = normalizePhone(v.from, acting.clinic.settings.defaultPhoneRegion)
          if (phone._tag === "Left") return yield* invalid("from", phone.left)
          const applied = keyword(v.text)
          const patient = yield* storage.patients.findByPhone(acting.clinic.id, phone.right)
          if (applied === undefined || Option.isNone(patient)) {
            return { applied: undefined, patientId: Option.getOrUndefined(Option.map(patient, (p) => p.id)), changed: false }
          }
          const now = yield* Clock.currentTimeMillis
          const { changed } = yield* consentChange(acting, {
            patientId: patient.value.id,
            channel: "sms",
            granted: applied === "start",
            source: "sms_keyword",
            at: now
          })
          return { applied, patientId: patient.value.id, changed }
        }), (r) => r.patientId ?? null),
    receipt: (input) =>
      op("Reminders.receipt", ({ clinic }) =>
        Effect.gen(function*() {
          const v = yield* decode(ReceiptInput, input)
          const repo = yield* remindersOf(storage)
          // A provider that never answered the send knows the message by its idempotency key.
          const byKey = /^reminder-(.+)$/.exec(v.providerMessageId)?.[1]
          const found = yield* repo.findByProviderMessageId(clinic.id, v.providerMessageId)
          const resolved = Option.isSome(found) || byKey === undefined || !Schema.is(ReminderId)(byKey)
            ? found
            : yield* repo.findById(clinic.id, byKey)
          if (Option.isNone(resolved)) return Option.none()
          const r = resolved.value
          const now = yield* Clock.currentTimeMillis
          const target = v.outcome === "delivered"
            ? { status: "sent" as const, reason: null, sentAt: r.sentAt ?? now }
            : { status: "failed" as const, reason: "provider_failed", sentAt: r.sentAt }
          // Idempotent: a receipt already applied changes nothing.
          if (r.status === target.status && r.reason === target.reason && !r.reconcile) return resolved
          const updated = new Reminder({ ...r, ...target, reconcile: false, updatedAt: now })
          yield* repo.save(updated, null)
          return Option.some(updated)
        }), (r) => Option.getOrNull(Option.map(r, (x) => x.id))),
    createRecall: (input) =>
      op("Reminders.createRecall", ({ clinic }) =>
        Effect.gen(function*() {
          const v = yield* decode(RecallInput, input)
          const repo = yield* remindersOf(storage)
          const now = yield* Clock.currentTimeMillis
          const campaign = new Campaign({
            id: CampaignId.make(randomUUID()),
            clinicId: clinic.id,
            name: v.name,
            rule: v.rule,
            channel: v.channel,
            template: v.template,
            createdAt: now
          })
          yield* repo.insertCampaign(campaign)
          const facts = yield* repo.visitFacts(clinic.id, { doctorId: v.rule.doctorId, serviceId: v.rule.serviceId }, pendingVisitStatuses, now)
          const contacts = facts.filter((f) => isDue(clinic.timeZone, v.rule, f, now)).map((f) =>
            new Contact({
              id: ContactId.make(randomUUID()),
              clinicId: clinic.id,
              campaignId: campaign.id,
              patientId: f.patientId,
              channel: v.channel,
              dueAt: Math.max(v.at ?? now, now),
              status: "pending",
              reason: null,
              attempts: 0,
              reconcile: false,
              providerMessageId: null,
              sentAt: null,
              createdAt: now,
              updatedAt: now
            }, { disableValidation: true })
          )
          yield* repo.insertContacts(contacts)
          return { campaign, contacts }
        }), (r) => r.campaign.id),
    recallContacts: (input = {}) =>
      op("Reminders.recallContacts", ({ clinic }) =>
        Effect.gen(function*() {
          const v = yield* decode(ContactsInput, input)
          return yield* (yield* remindersOf(storage)).contacts(clinic.id, v)
        })),
    dispatch
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Reminders, never, Storage | FieldCrypto> = Layer.effect(Reminders, make)
