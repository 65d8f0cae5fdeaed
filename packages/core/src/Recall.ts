/**
 * Recall campaigns: patients due for a follow-up (their last completed visit is older than N
 * months, optionally with one doctor or service, and nothing is upcoming) become contacts, sent
 * through the reminder dispatcher. A patient who books drops out: the booking cancels their open
 * contacts in its own transaction, and the dispatcher re-checks before sending.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId, DoctorId, PatientId, ServiceId } from "./Ids.js"
import { instantOf, localDayOf } from "./internal/zone.js"
import { Channel, ReminderStatus, Template } from "./Reminder.js"

/** @since 0.1.0 @category ids */
export const CampaignId = Schema.UUID.pipe(Schema.brand("CampaignId"))
/** @since 0.1.0 @category ids */
export type CampaignId = typeof CampaignId.Type

/** @since 0.1.0 @category ids */
export const ContactId = Schema.UUID.pipe(Schema.brand("RecallContactId"))
/** @since 0.1.0 @category ids */
export type ContactId = typeof ContactId.Type

/** Who a campaign selects. @since 0.1.0 @category models */
export const RecallRule = Schema.Struct({
  monthsSinceLastVisit: Schema.Int.pipe(Schema.between(1, 120, { message: () => "must be a whole number from 1 to 120" })),
  doctorId: Schema.optional(DoctorId),
  serviceId: Schema.optional(ServiceId)
})
/** @since 0.1.0 @category models */
export type RecallRule = typeof RecallRule.Type

/** @since 0.1.0 @category models */
export class Campaign extends Schema.Class<Campaign>("@clinicore/core/RecallCampaign")({
  id: CampaignId,
  clinicId: ClinicId,
  name: Schema.String,
  rule: RecallRule,
  channel: Channel,
  template: Template,
  createdAt: Schema.Number
}) {}

/** One patient of a campaign; its status follows the reminders'. @since 0.1.0 @category models */
export class Contact extends Schema.Class<Contact>("@clinicore/core/RecallContact")({
  id: ContactId,
  clinicId: ClinicId,
  campaignId: CampaignId,
  patientId: PatientId,
  channel: Channel,
  dueAt: Schema.Number,
  status: ReminderStatus,
  reason: Schema.NullOr(Schema.String),
  attempts: Schema.Number,
  reconcile: Schema.Boolean,
  providerMessageId: Schema.NullOr(Schema.String),
  sentAt: Schema.NullOr(Schema.Number),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

/** What storage knows of one patient's visits. @since 0.1.0 @category models */
export interface VisitFacts {
  readonly patientId: PatientId
  /** Start of the last completed appointment matching the rule's doctor and service. */
  readonly lastVisit: number
  /** Any requested, scheduled or confirmed appointment starting at or after now. */
  readonly upcoming: boolean
}

/**
 * The instant `months` calendar months before `now`, at the same local wall-clock time of the
 * clinic's zone (the last day of a shorter month when the day does not exist).
 *
 * @since 0.1.0 @category rules
 */
export const monthsBefore = (zone: string, now: number, months: number): number => {
  const day = localDayOf(zone, now)
  const d = new Date(day * 86_400_000)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth() - months
  const target = new Date(Date.UTC(y, m, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  const targetDay = Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), lastDay)) / 86_400_000
  const minutes = Math.floor((now - instantOf(zone, day, 0)) / 60_000)
  return instantOf(zone, targetDay, minutes)
}

/** Whether a patient is due for recall at `now`. @since 0.1.0 @category rules */
export const isDue = (zone: string, rule: Pick<RecallRule, "monthsSinceLastVisit">, facts: VisitFacts, now: number): boolean =>
  !facts.upcoming && facts.lastVisit < monthsBefore(zone, now, rule.monthsSinceLastVisit)

/** Statuses of an appointment still to come that take its patient out of recall (a request counts: the patient has booked). @since 0.1.0 @category rules */
export const pendingVisitStatuses: ReadonlyArray<string> = ["requested", "scheduled", "confirmed"]

/**
 * Whether a claimed contact may still be sent: the patient exists, has booked nothing since,
 * has not opted out of the channel and has an address for it.
 *
 * @since 0.1.0 @category rules
 */
export const fenceContact = (
  channel: Channel,
  patient: { readonly optedOut: ReadonlySet<Channel>; readonly hasAddress: boolean } | undefined,
  upcoming: boolean
): { readonly status: "cancelled" | "skipped"; readonly reason: string } | undefined => {
  if (patient === undefined) return { status: "cancelled", reason: "patient_missing" }
  if (upcoming) return { status: "cancelled", reason: "booked" }
  if (patient.optedOut.has(channel)) return { status: "skipped", reason: "opted_out" }
  if (!patient.hasAddress) return { status: "skipped", reason: "no_address" }
  return undefined
}

/** How many attempts a contact gets before it ends `failed`. @since 0.1.0 @category rules */
export const contactAttempts = 5
