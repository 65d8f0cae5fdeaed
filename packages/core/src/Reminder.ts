/**
 * Reminders: the model, the per-clinic policy and the pure rules the outbox and the dispatcher
 * share (when a reminder is due, quiet hours, templates and their variables, consent keywords,
 * backoff). Every rule lives here once; storage and services only apply it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AppointmentId, ClinicId, PatientId } from "./Ids.js"
import { instantOf, localDayOf, offsetAt } from "./internal/zone.js"

const MINUTE = 60_000

/** @since 0.1.0 @category ids */
export const ReminderId = Schema.UUID.pipe(Schema.brand("ReminderId"))
/** @since 0.1.0 @category ids */
export type ReminderId = typeof ReminderId.Type

/** @since 0.1.0 @category models */
export const Channel = Schema.Literal("sms", "email", "call")
/** @since 0.1.0 @category models */
export type Channel = typeof Channel.Type

/**
 * - `pending`: waiting for its due time (or its next attempt).
 * - `sending`: claimed by a dispatcher under a lease.
 * - `sent`: the notifier accepted it.
 * - `failed`: ended without a send (a reason says why; `outcome_unknown` needs reconciliation).
 * - `cancelled`: the appointment changed (cancelled, moved, no longer needs it).
 * - `skipped`: never due to be sent (opted out, no address, booked too late, quiet hours…).
 *
 * @since 0.1.0 @category models
 */
export const ReminderStatus = Schema.Literal("pending", "sending", "sent", "failed", "cancelled", "skipped")
/** @since 0.1.0 @category models */
export type ReminderStatus = typeof ReminderStatus.Type

/** The seed systems' three-state view (`pending | sent | failed`), derived. @since 0.1.0 @category rules */
export const simpleStatus = (status: ReminderStatus): "pending" | "sent" | "failed" =>
  status === "sent" ? "sent" : status === "pending" || status === "sending" ? "pending" : "failed"

/** @since 0.1.0 @category models */
export const ReminderKind = Schema.Literal("auto", "manual")

/** @since 0.1.0 @category models */
export class Reminder extends Schema.Class<Reminder>("@clinicore/core/Reminder")({
  id: ReminderId,
  clinicId: ClinicId,
  appointmentId: AppointmentId,
  /** The appointment's version the reminder was written for; a send re-checks it (fencing). */
  appointmentVersion: Schema.Number,
  /** The appointment's start the reminder was written for. */
  appointmentStart: Schema.Number,
  patientId: PatientId,
  kind: ReminderKind,
  /** Minutes before the start (`null` for a manual reminder). */
  offsetMinutes: Schema.NullOr(Schema.Number),
  channel: Channel,
  dueAt: Schema.Number,
  /** No send after this instant (the start minus the policy's cut-off). */
  deadline: Schema.Number,
  status: ReminderStatus,
  reason: Schema.NullOr(Schema.String),
  attempts: Schema.Number,
  /** An outcome the notifier could not tell: never re-sent by itself (SMS, calls), to be reconciled. */
  reconcile: Schema.Boolean,
  providerMessageId: Schema.NullOr(Schema.String),
  sentAt: Schema.NullOr(Schema.Number),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

// -------------------------------------------------------------------------------------------------
// Templates

/**
 * The variables a template may name, as `{{name}}`. Anything else is refused when the policy is
 * saved.
 *
 * @since 0.1.0 @category templates
 */
export const templateVariables = [
  "patient.name",
  "doctor.name",
  "clinic.name",
  "start.date",
  "start.time",
  "start.local",
  "service.name",
  "link"
] as const
/** @since 0.1.0 @category templates */
export type TemplateVariable = (typeof templateVariables)[number]

const placeholder = /\{\{\s*([^}]*?)\s*\}\}/g

/** The variables a template names that are not known (empty: it is valid). @since 0.1.0 @category templates */
export const unknownVariables = (template: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const m of template.matchAll(placeholder)) {
    const name = m[1]!
    if (!(templateVariables as ReadonlyArray<string>).includes(name) && !out.includes(name)) out.push(name)
  }
  return out
}

/** A template text whose variables are all known. @since 0.1.0 @category templates */
export const TemplateText = Schema.String.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(2000, { message: () => "must be at most 2000 characters" }),
  Schema.filter((s) => {
    const unknown = unknownVariables(s)
    return unknown.length === 0 ||
      `names unknown variable${unknown.length > 1 ? "s" : ""} ${unknown.map((v) => `{{${v}}}`).join(", ")} (known: ${
        templateVariables.join(", ")
      })`
  })
)

/** Template values by variable. @since 0.1.0 @category templates */
export type Values = Readonly<Record<TemplateVariable, string>>

/**
 * A template split once at its `{{variables}}`, to fill many times (a batch of messages); every
 * name was validated when the template was saved.
 *
 * @since 0.1.0 @category templates
 */
export const compile = (template: string): (values: Values) => string => {
  // With the name captured, the split alternates text and names: text, name, text, … text.
  const parts = template.split(placeholder)
  return (values) => {
    let out = parts[0]!
    for (let i = 1; i < parts.length; i += 2) out += ((values as Record<string, string>)[parts[i]!] ?? "") + parts[i + 1]!
    return out
  }
}

/** Fills `{{variables}}` of one template once. @since 0.1.0 @category templates */
export const render = (template: string, values: Values): string => compile(template)(values)

/** @since 0.1.0 @category templates */
export const Template = Schema.Struct({
  subject: Schema.optional(TemplateText),
  body: TemplateText
})
/** @since 0.1.0 @category templates */
export type Template = typeof Template.Type

/** @since 0.1.0 @category templates */
export const defaultTemplates: Readonly<Record<Channel, Template>> = {
  sms: { body: "Reminder: {{clinic.name}} appointment with {{doctor.name}} on {{start.local}}. {{link}}" },
  email: {
    subject: "Your appointment on {{start.date}}",
    body: "Dear {{patient.name}},\n\nThis is a reminder of your appointment with {{doctor.name}} at {{clinic.name}} on {{start.local}}.\n\n{{link}}"
  },
  call: { body: "This is {{clinic.name}} reminding you of your appointment on {{start.local}}." }
}

// -------------------------------------------------------------------------------------------------
// Policy

const HHMM = Schema.String.pipe(Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: () => "must be HH:MM (00:00–23:59)" }))

/** @since 0.1.0 @category policy */
export const OffsetRule = Schema.Struct({
  minutes: Schema.Int.pipe(Schema.between(1, 60 * 24 * 30, { message: () => "must be a whole number from 1 to 43200" })),
  channels: Schema.Array(Channel).pipe(Schema.minItems(1, { message: () => "must name at least one channel" }))
})

/**
 * A clinic's reminder policy.
 *
 * @since 0.1.0 @category policy
 */
export const ReminderPolicy = Schema.Struct({
  offsets: Schema.Array(OffsetRule).pipe(Schema.maxItems(10)),
  /** Local times (the clinic's zone) between which nothing is sent; a window may run past midnight. */
  quietHours: Schema.NullOr(Schema.Struct({ start: HHMM, end: HHMM })),
  templates: Schema.Struct({
    sms: Template,
    email: Template,
    call: Template
  }),
  /** A booking made after a reminder's due time: `skip` it, or `send_now` once (outside quiet hours). */
  lateBooking: Schema.Literal("skip", "send_now"),
  /** Nothing is sent later than this many minutes before the start. */
  cutoffMinutes: Schema.Int.pipe(Schema.between(0, 24 * 60, { message: () => "must be a whole number from 0 to 1440" })),
  /** The link `{{link}}` renders to; `{appointmentId}` is replaced. */
  linkTemplate: Schema.NullOr(Schema.String.pipe(Schema.maxLength(500)))
})
/** @since 0.1.0 @category policy */
export type ReminderPolicy = typeof ReminderPolicy.Type

/** The policy of a clinic that never saved one: its settings' offsets, by SMS. @since 0.1.0 @category policy */
export const defaultPolicy = (offsetsMinutes: ReadonlyArray<number>): ReminderPolicy => ({
  offsets: offsetsMinutes.map((minutes) => ({ minutes, channels: ["sms"] })),
  quietHours: null,
  templates: defaultTemplates,
  lateBooking: "skip",
  cutoffMinutes: 0,
  linkTemplate: null
})

// -------------------------------------------------------------------------------------------------
// When a reminder is due

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * The quiet window containing instant `t`, as `[from, to)` instants, if any. A window whose end is
 * at or before its start runs past midnight.
 *
 * @since 0.1.0 @category rules
 */
export const quietWindowAt = (
  zone: string,
  quiet: { readonly start: string; readonly end: string },
  t: number
): { readonly from: number; readonly to: number } | undefined => {
  const s = minutesOf(quiet.start)
  const e = minutesOf(quiet.end)
  if (s === e) return undefined
  const day = localDayOf(zone, t)
  // The window that starts on the local day before, or on this one.
  for (const d of [day - 1, day]) {
    const from = instantOf(zone, d, s)
    const to = instantOf(zone, e > s ? d : d + 1, e)
    if (from <= t && t < to) return { from, to }
  }
  return undefined
}

/** Whether `t` falls in quiet hours. @since 0.1.0 @category rules */
export const inQuietHours = (zone: string, quiet: ReminderPolicy["quietHours"], t: number): boolean =>
  quiet !== null && quietWindowAt(zone, quiet, t) !== undefined

/**
 * The planned send time of a reminder `offsetMinutes` before `start`: the start minus the offset,
 * moved earlier to just before quiet hours (one minute before they begin) when it falls inside
 * them — never later, so never past the start.
 *
 * @since 0.1.0 @category rules
 */
export const plannedAt = (zone: string, policy: Pick<ReminderPolicy, "quietHours">, start: number, offsetMinutes: number): number => {
  let due = start - offsetMinutes * MINUTE
  if (policy.quietHours === null) return due
  // A window's start can itself land in the previous window (windows longer than a day cannot;
  // a DST gap can shift one): step back until outside, a bounded number of times.
  for (let i = 0; i < 3; i++) {
    const w = quietWindowAt(zone, policy.quietHours, due)
    if (w === undefined) return due
    due = w.from - MINUTE
  }
  return due
}

/** What the outbox writes for one (offset, channel) of a booking. @since 0.1.0 @category rules */
export type Planned =
  | { readonly _tag: "due"; readonly dueAt: number; readonly deadline: number }
  | { readonly _tag: "skipped"; readonly dueAt: number; readonly deadline: number; readonly reason: string }

/**
 * Decides one automatic reminder of an appointment starting at `start`, written at `now`.
 *
 * @since 0.1.0 @category rules
 */
export const plan = (zone: string, policy: ReminderPolicy, start: number, offsetMinutes: number, now: number): Planned => {
  const deadline = start - policy.cutoffMinutes * MINUTE
  const dueAt = plannedAt(zone, policy, start, offsetMinutes)
  if (dueAt >= deadline) return { _tag: "skipped", dueAt, deadline, reason: "after_cutoff" }
  if (dueAt >= now) return { _tag: "due", dueAt, deadline }
  // Booked (or moved) after the reminder was due.
  if (policy.lateBooking === "skip") return { _tag: "skipped", dueAt, deadline, reason: "late_booking" }
  if (now >= deadline) return { _tag: "skipped", dueAt: now, deadline, reason: "after_cutoff" }
  if (inQuietHours(zone, policy.quietHours, now)) return { _tag: "skipped", dueAt: now, deadline, reason: "quiet_hours" }
  return { _tag: "due", dueAt: now, deadline }
}

/**
 * The next attempt after `attempts` failed ones: capped exponential backoff (1, 2, 4 … 60 minutes),
 * or `undefined` when it would not start before the deadline.
 *
 * @since 0.1.0 @category rules
 */
export const nextAttempt = (now: number, attempts: number, deadline: number): number | undefined => {
  const delay = Math.min(60, 2 ** Math.max(0, attempts - 1)) * MINUTE
  const at = now + delay
  return at < deadline ? at : undefined
}

// -------------------------------------------------------------------------------------------------
// Rendering

/** What a message is rendered from. @since 0.1.0 @category templates */
export interface MessageFacts {
  readonly zone: string
  readonly clinicName: string
  readonly patientName: string
  readonly doctorName: string
  readonly serviceName: string | null
  readonly start: number
  readonly appointmentId: string
}

const pad = (n: number) => String(n).padStart(2, "0")

/** The values of every template variable, in the clinic's zone. @since 0.1.0 @category templates */
export const variables = (facts: MessageFacts, policy: Pick<ReminderPolicy, "linkTemplate">): Record<TemplateVariable, string> => {
  const local = new Date(facts.start + offsetAt(facts.zone, facts.start))
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`
  return {
    "patient.name": facts.patientName,
    "doctor.name": facts.doctorName,
    "clinic.name": facts.clinicName,
    "start.date": date,
    "start.time": time,
    "start.local": `${date} ${time}`,
    "service.name": facts.serviceName ?? "",
    link: policy.linkTemplate === null ? "" : policy.linkTemplate.replaceAll("{appointmentId}", facts.appointmentId)
  }
}

// -------------------------------------------------------------------------------------------------
// Consent

/** @since 0.1.0 @category consent */
export const ConsentSource = Schema.Literal("staff", "patient", "sms_keyword", "import")

/** @since 0.1.0 @category consent */
export interface Consent {
  readonly patientId: PatientId
  readonly channel: Channel
  readonly granted: boolean
  readonly source: typeof ConsentSource.Type
  readonly at: number
}

const stopWords = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"])
const startWords = new Set(["START", "UNSTOP", "YES", "SUBSCRIBE", "OPTIN", "RESUME"])

/**
 * What an inbound SMS asks: its first word, case and punctuation ignored (the carriers' usual
 * opt-out and opt-in keywords). `undefined` for any other text.
 *
 * @since 0.1.0 @category consent
 */
export const keyword = (text: string): "stop" | "start" | undefined => {
  const word = text.trim().split(/\s+/)[0]?.toUpperCase().replace(/[^A-Z]/g, "") ?? ""
  return stopWords.has(word) ? "stop" : startWords.has(word) ? "start" : undefined
}

/** Automatic reminders are written for appointments in these statuses. @since 0.1.0 @category rules */
export const remindable = (status: string): boolean => status === "scheduled" || status === "confirmed"

/**
 * What a status change does to an appointment's pending reminders: `create` them (a request
 * accepted), `carry` them to the new version (same time, still remindable), or `cancel` them.
 *
 * @since 0.1.0 @category rules
 */
export const onTransition = (from: string, to: string): "create" | "carry" | "cancel" =>
  !remindable(to) ? "cancel" : remindable(from) ? "carry" : "create"

/**
 * Whether a claimed reminder may still be sent at `now` (fencing): its appointment still exists,
 * is in a status that gets reminders, has the version and start the reminder was written for, the
 * deadline is ahead, the patient has not opted out of the channel and has an address for it.
 * `undefined`: send it; otherwise the state it ends in, with its reason.
 *
 * @since 0.1.0 @category rules
 */
export const fence = (
  reminder: Pick<Reminder, "kind" | "appointmentVersion" | "appointmentStart" | "deadline" | "channel">,
  appointment: { readonly status: string; readonly version: number; readonly start: number } | undefined,
  patient: { readonly optedOut: ReadonlySet<Channel>; readonly hasAddress: boolean },
  now: number
): { readonly status: "cancelled" | "skipped" | "failed"; readonly reason: string } | undefined => {
  if (appointment === undefined) return { status: "cancelled", reason: "appointment_missing" }
  const allowed = remindable(appointment.status) || (reminder.kind === "manual" && appointment.status === "requested")
  if (!allowed) return { status: "cancelled", reason: `appointment_${appointment.status}` }
  if (appointment.version !== reminder.appointmentVersion || appointment.start !== reminder.appointmentStart) {
    return { status: "cancelled", reason: "superseded" }
  }
  if (now >= reminder.deadline || now >= appointment.start) return { status: "failed", reason: "deadline_passed" }
  if (patient.optedOut.has(reminder.channel)) return { status: "skipped", reason: "opted_out" }
  if (!patient.hasAddress) return { status: "skipped", reason: "no_address" }
  return undefined
}
