/**
 * The reminders' storage port: the outbox rows, the per-clinic policy and per-patient consent.
 * Adapters provide it as `Storage.reminders`, over the same transaction as every other repository,
 * so reminder rows are written in the appointment change's own transaction.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { AppointmentId, ClinicId, DoctorId, PatientId, ServiceId } from "./Ids.js"
import type { Campaign, CampaignId, Contact, ContactId, VisitFacts } from "./Recall.js"
import type { Channel, Consent, Reminder, ReminderId, ReminderPolicy, ReminderStatus } from "./Reminder.js"

/** Who holds a claimed reminder, and until when. @since 0.1.0 @category models */
export interface Lease {
  readonly owner: string
  readonly until: number
}

/** @since 0.1.0 @category models */
export interface ReminderFilter {
  readonly appointmentId?: AppointmentId | undefined
  readonly patientId?: PatientId | undefined
  readonly statuses?: ReadonlyArray<ReminderStatus> | undefined
  readonly reconcile?: boolean | undefined
  readonly limit: number
}

/** What a claim reads of a due reminder. @since 0.1.0 @category models */
export type Claimable = Pick<Reminder, "id" | "status" | "channel" | "deadline" | "appointmentStart" | "attempts">

/** A locked reminder, with the lease it had when it was locked. @since 0.1.0 @category models */
export interface Locked {
  readonly reminder: Claimable
  readonly lease: Lease | null
}

/**
 * What a delivery reads about one reminder it holds, in one query for a batch: the reminder's own
 * fields the fence and the retry need, and the facts of its appointment and patient.
 *
 * @since 0.1.0 @category models
 */
export interface DeliveryFacts {
  readonly reminder: Pick<
    Reminder,
    "id" | "kind" | "channel" | "appointmentVersion" | "appointmentStart" | "deadline" | "attempts"
  >
  readonly appointment: {
    readonly id: AppointmentId
    readonly status: string
    readonly version: number
    readonly start: number
    readonly doctorName: string
    readonly serviceName: string | null
  } | null
  readonly patient: { readonly fullName: string; readonly phone: string; readonly email: string | null } | null
  /** A stored opt-out of the reminder's channel. */
  readonly optedOut: boolean
}

/** One reminder's send, as recorded. @since 0.1.0 @category models */
export interface Sent {
  readonly id: ReminderId
  readonly sentAt: number
  readonly providerMessageId: string | null
}

/** A change written to many reminders at once. @since 0.1.0 @category models */
export interface ReminderPatch {
  readonly status: ReminderStatus
  readonly reason: string | null
  readonly lease: Lease | null
  readonly reconcile?: boolean | undefined
  /** Counts one more attempt. */
  readonly attempt?: boolean | undefined
  readonly sentAt?: number | undefined
  readonly dueAt?: number | undefined
  readonly providerMessageId?: string | null | undefined
}

/** @since 0.1.0 @category ports */
export interface ReminderRepository {
  readonly policy: (clinicId: ClinicId) => Effect.Effect<Option.Option<ReminderPolicy>>
  readonly setPolicy: (clinicId: ClinicId, policy: ReminderPolicy, at: number) => Effect.Effect<void>
  /**
   * Writes new reminders. One per (appointment, appointment version, offset, channel): a row that
   * exists already is left as it is (the database's unique key decides, under concurrency too).
   */
  readonly insert: (reminders: ReadonlyArray<Reminder>) => Effect.Effect<void>
  /** Ends every `pending` or `sending` reminder of the appointment as `cancelled` with `reason`. */
  readonly cancelOpen: (clinicId: ClinicId, appointmentId: AppointmentId, reason: string, at: number) => Effect.Effect<number>
  /** Moves the open reminders of an appointment to its new version (a change that kept its time). */
  readonly carry: (clinicId: ClinicId, appointmentId: AppointmentId, from: number, to: number, at: number) => Effect.Effect<void>
  readonly findById: (clinicId: ClinicId, id: ReminderId) => Effect.Effect<Option.Option<Reminder>>
  readonly list: (clinicId: ClinicId, filter: ReminderFilter) => Effect.Effect<ReadonlyArray<Reminder>>
  readonly consents: (clinicId: ClinicId, patientId: PatientId) => Effect.Effect<ReadonlyArray<Consent>>
  /** Upserts one patient's consent for one channel. */
  readonly setConsent: (clinicId: ClinicId, consent: Consent) => Effect.Effect<void>
  /**
   * Locks up to `limit` claimable reminders of the clinic for the rest of the transaction: due
   * `pending` ones, and `sending` ones whose lease ended at `now`. Rows another transaction holds
   * are skipped (Postgres `FOR UPDATE SKIP LOCKED`; SQLite's single writer holds everything).
   */
  readonly lockDue: (clinicId: ClinicId, now: number, limit: number) => Effect.Effect<ReadonlyArray<Locked>>
  /** Locks one reminder still held by `owner` in `sending`, if it is. */
  readonly lockHeld: (clinicId: ClinicId, id: ReminderId, owner: string) => Effect.Effect<Option.Option<Reminder>>
  /**
   * Locks the given reminders still held by `owner` in `sending` (those that are) and reads, in
   * the same statement, what the fence and the message need of each (facts only), in due order.
   */
  readonly lockForDelivery: (
    clinicId: ClinicId,
    ids: ReadonlyArray<ReminderId>,
    owner: string
  ) => Effect.Effect<ReadonlyArray<DeliveryFacts>>
  /** Writes one change to the given reminders, in one statement. */
  readonly mark: (clinicId: ClinicId, ids: ReadonlyArray<ReminderId>, patch: ReminderPatch, at: number) => Effect.Effect<void>
  /**
   * Records sends in one statement: each reminder `sent` at its own time with its provider's
   * message id, its lease released.
   */
  readonly markSent: (clinicId: ClinicId, sent: ReadonlyArray<Sent>, at: number) => Effect.Effect<void>
  /** Writes a reminder's state and its lease (`null`: none). */
  readonly save: (reminder: Reminder, lease: Lease | null) => Effect.Effect<void>
  readonly findByProviderMessageId: (clinicId: ClinicId, providerMessageId: string) => Effect.Effect<Option.Option<Reminder>>
  /**
   * Clinics that have reminders due at `now` (claimable), outside any tenant: the one cross-clinic
   * read a dispatcher needs.
   */
  readonly dueClinics: (now: number, limit: number) => Effect.Effect<ReadonlyArray<ClinicId>>

  // Recall campaigns

  readonly insertCampaign: (campaign: Campaign) => Effect.Effect<void>
  readonly findCampaign: (clinicId: ClinicId, id: CampaignId) => Effect.Effect<Option.Option<Campaign>>
  /**
   * For every patient with a completed appointment (of the doctor and service, when given): the
   * start of the last one, and whether the patient has an appointment in one of `upcoming`
   * starting at or after `now`. Facts only: core decides who is due.
   */
  readonly visitFacts: (
    clinicId: ClinicId,
    filter: { readonly doctorId?: DoctorId | undefined; readonly serviceId?: ServiceId | undefined },
    upcoming: ReadonlyArray<string>,
    now: number
  ) => Effect.Effect<ReadonlyArray<VisitFacts>>
  /** One contact per (campaign, patient): the unique key decides. */
  readonly insertContacts: (contacts: ReadonlyArray<Contact>) => Effect.Effect<void>
  readonly contacts: (
    clinicId: ClinicId,
    filter: {
      readonly campaignId?: CampaignId | undefined
      readonly patientId?: PatientId | undefined
      readonly statuses?: ReadonlyArray<ReminderStatus> | undefined
      readonly limit: number
    }
  ) => Effect.Effect<ReadonlyArray<Contact>>
  /** Ends a patient's open contacts (`pending`, `sending`) as `cancelled` with `reason`. */
  readonly cancelContactsOf: (clinicId: ClinicId, patientId: PatientId, reason: string, at: number) => Effect.Effect<number>
  /** As `lockDue`, for contacts. */
  readonly lockDueContacts: (clinicId: ClinicId, now: number, limit: number) => Effect.Effect<ReadonlyArray<Contact>>
  readonly lockHeldContact: (clinicId: ClinicId, id: ContactId, owner: string) => Effect.Effect<Option.Option<Contact>>
  readonly saveContact: (contact: Contact, lease: Lease | null) => Effect.Effect<void>
}

/** Channels a patient has opted out of, from stored consent (no row: consent holds). @since 0.1.0 @category rules */
export const optedOut = (consents: ReadonlyArray<Consent>): ReadonlySet<Channel> =>
  new Set(consents.filter((c) => !c.granted).map((c) => c.channel))
