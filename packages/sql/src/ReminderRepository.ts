/**
 * The reminders' repository (outbox rows, policy, consent), written once over `@effect/sql` for
 * both adapters. What differs is how due rows are claimed and how the clinics with due rows are
 * found outside any tenant: each adapter passes its `Claiming`, so that part stays visible there.
 *
 * @since 0.1.0
 */
import type { AppointmentId, ClinicId, PatientId } from "@clinicore/core/Ids"
import { Campaign, type CampaignId, Contact, type ContactId, RecallRule } from "@clinicore/core/Recall"
import { type Consent, Reminder, type ReminderId, ReminderPolicy, Template } from "@clinicore/core/Reminder"
import type * as Store from "@clinicore/core/ReminderStorage"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Dialect } from "./Dialect.js"
import { bool, json, ms, type Row, str } from "./internal/rows.js"

/**
 * How an adapter claims reminders.
 *
 * @since 0.1.0 @category models
 */
export interface Claiming {
  /**
   * Appended to the `SELECT` of claimable rows: Postgres `FOR UPDATE SKIP LOCKED` (rows another
   * worker holds are skipped, not waited for); nothing on SQLite, whose write transaction already
   * holds the whole database.
   */
  readonly lockClause: string
  /** Runs `query` (over the `reminders` table) outside any tenant, as the adapter allows. */
  readonly scan: (
    sql: SqlClient.SqlClient,
    query: Effect.Effect<ReadonlyArray<Row>, SqlError>
  ) => Effect.Effect<ReadonlyArray<Row>, SqlError>
}

const toReminder = (r: Row) =>
  new Reminder({
    id: r.id as ReminderId,
    clinicId: r.clinic_id as ClinicId,
    appointmentId: r.appointment_id as AppointmentId,
    appointmentVersion: Number(r.appointment_version),
    appointmentStart: ms(r.appointment_start),
    patientId: r.patient_id as PatientId,
    kind: r.kind as Reminder["kind"],
    offsetMinutes: r.offset_minutes == null ? null : Number(r.offset_minutes),
    channel: r.channel as Reminder["channel"],
    dueAt: ms(r.due_at),
    deadline: ms(r.deadline),
    status: r.status as Reminder["status"],
    reason: str(r.reason),
    attempts: Number(r.attempts),
    reconcile: bool(r.reconcile),
    providerMessageId: str(r.provider_message_id),
    sentAt: r.sent_at == null ? null : ms(r.sent_at),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at)
  }, { disableValidation: true })

/** The columns a claim reads: what decides it, and the lease it had. */
const claimColumns = "id, status, channel, deadline, appointment_start, attempts, lease_owner, lease_until"

const toClaimable = (r: Row): Store.Claimable => ({
  id: r.id as ReminderId,
  status: r.status as Reminder["status"],
  channel: r.channel as Reminder["channel"],
  deadline: ms(r.deadline),
  appointmentStart: ms(r.appointment_start),
  attempts: Number(r.attempts)
})

const leaseOf = (r: Row): Store.Lease | null =>
  r.lease_owner == null || r.lease_until == null ? null : { owner: String(r.lease_owner), until: ms(r.lease_until) }

const toContact = (r: Row) =>
  new Contact({
    id: r.id as ContactId,
    clinicId: r.clinic_id as ClinicId,
    campaignId: r.campaign_id as CampaignId,
    patientId: r.patient_id as PatientId,
    channel: r.channel as Contact["channel"],
    dueAt: ms(r.due_at),
    status: r.status as Contact["status"],
    reason: str(r.reason),
    attempts: Number(r.attempts),
    reconcile: bool(r.reconcile),
    providerMessageId: str(r.provider_message_id),
    sentAt: r.sent_at == null ? null : ms(r.sent_at),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at)
  }, { disableValidation: true })

const decodeRule = Schema.decodeUnknownSync(RecallRule)
const decodeTemplate = Schema.decodeUnknownSync(Template)

const encodePolicy = Schema.encodeSync(ReminderPolicy)
const decodePolicy = Schema.decodeUnknown(ReminderPolicy)

/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect, claiming: Claiming): Effect.Effect<Store.ReminderRepository, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const orDie = <A>(effect: Effect.Effect<A, SqlError>) => Effect.orDie(effect)
    const at = dialect.instant

    const values = (r: Reminder, lease: Store.Lease | null) => ({
      clinic_id: r.clinicId,
      id: r.id,
      appointment_id: r.appointmentId,
      appointment_version: r.appointmentVersion,
      appointment_start: at(r.appointmentStart),
      patient_id: r.patientId,
      kind: r.kind,
      offset_minutes: r.offsetMinutes,
      channel: r.channel,
      due_at: at(r.dueAt),
      deadline: at(r.deadline),
      status: r.status,
      reason: r.reason,
      attempts: r.attempts,
      reconcile: dialect.bool(r.reconcile),
      provider_message_id: r.providerMessageId,
      sent_at: r.sentAt === null ? null : at(r.sentAt),
      lease_owner: lease?.owner ?? null,
      lease_until: lease === null ? null : at(lease.until),
      created_at: at(r.createdAt),
      updated_at: at(r.updatedAt)
    })

    const repository: Store.ReminderRepository = {
      policy: (clinicId) =>
        orDie(sql`SELECT policy FROM reminder_policies WHERE clinic_id = ${clinicId}`).pipe(
          Effect.flatMap((rows) =>
            rows[0] === undefined
              ? Effect.succeed(Option.none())
              : Effect.map(Effect.orDie(decodePolicy(json(rows[0].policy))), Option.some)
          )
        ),
      setPolicy: (clinicId, policy, now) =>
        orDie(sql`INSERT INTO reminder_policies (clinic_id, policy, updated_at)
          VALUES (${clinicId}, ${JSON.stringify(encodePolicy(policy))}, ${at(now)})
          ON CONFLICT (clinic_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`).pipe(Effect.asVoid),
      // The unique key (appointment, version, offset, channel) decides: a row written already stays.
      insert: (reminders) =>
        reminders.length === 0
          ? Effect.void
          : orDie(sql`INSERT INTO reminders ${sql.insert(reminders.map((r) => values(r, null)))} ON CONFLICT DO NOTHING`)
            .pipe(Effect.asVoid),
      cancelOpen: (clinicId, appointmentId, reason, now) =>
        orDie(sql`UPDATE reminders SET status = 'cancelled', reason = ${reason}, lease_owner = NULL, lease_until = NULL,
            updated_at = ${at(now)}
          WHERE clinic_id = ${clinicId} AND appointment_id = ${appointmentId} AND status IN ('pending', 'sending')
          RETURNING id`).pipe(Effect.map((rows) => rows.length)),
      carry: (clinicId, appointmentId, from, to, now) =>
        orDie(sql`UPDATE reminders SET appointment_version = ${to}, updated_at = ${at(now)}
          WHERE clinic_id = ${clinicId} AND appointment_id = ${appointmentId} AND appointment_version = ${from}
            AND status IN ('pending', 'sending')`).pipe(Effect.asVoid),
      findById: (clinicId, id) =>
        orDie(sql`SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toReminder))
        ),
      list: (clinicId, f) =>
        orDie(sql`SELECT * FROM reminders WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(f.appointmentId === undefined ? [] : [sql`appointment_id = ${f.appointmentId}`]),
            ...(f.patientId === undefined ? [] : [sql`patient_id = ${f.patientId}`]),
            ...(f.statuses === undefined || f.statuses.length === 0 ? [] : [sql`status IN ${sql.in(f.statuses)}`]),
            ...(f.reconcile === undefined ? [] : [sql`reconcile = ${dialect.bool(f.reconcile)}`])
          ])
        } ORDER BY due_at, id LIMIT ${f.limit}`).pipe(Effect.map((rows) => rows.map(toReminder))),
      consents: (clinicId, patientId) =>
        orDie(sql`SELECT * FROM reminder_consents WHERE clinic_id = ${clinicId} AND patient_id = ${patientId} ORDER BY channel`)
          .pipe(Effect.map((rows) =>
            rows.map((r): Consent => ({
              patientId: r.patient_id as PatientId,
              channel: r.channel as Consent["channel"],
              granted: bool(r.granted),
              source: r.source as Consent["source"],
              at: ms(r.updated_at)
            }))
          )),
      setConsent: (clinicId, c) =>
        orDie(sql`INSERT INTO reminder_consents (clinic_id, patient_id, channel, granted, source, updated_at)
          VALUES (${clinicId}, ${c.patientId}, ${c.channel}, ${dialect.bool(c.granted)}, ${c.source}, ${at(c.at)})
          ON CONFLICT (clinic_id, patient_id, channel)
          DO UPDATE SET granted = excluded.granted, source = excluded.source, updated_at = excluded.updated_at`).pipe(Effect.asVoid),
      // Two statements, each answered in order by its own partial index (an OR of both would
      // read and sort every open row of the clinic on every claim).
      lockDue: (clinicId, now, limit) =>
        Effect.gen(function*() {
          const due = yield* sql`SELECT ${sql.literal(claimColumns)} FROM reminders WHERE clinic_id = ${clinicId}
            AND status = 'pending' AND due_at <= ${at(now)} ORDER BY due_at LIMIT ${limit} ${sql.literal(claiming.lockClause)}`
          const expired = due.length >= limit ? [] : yield* sql`SELECT ${sql.literal(claimColumns)} FROM reminders
            WHERE clinic_id = ${clinicId} AND status = 'sending' AND lease_until <= ${at(now)} ORDER BY lease_until
            LIMIT ${limit - due.length} ${sql.literal(claiming.lockClause)}`
          return [...expired, ...due].map((r) => ({ reminder: toClaimable(r), lease: leaseOf(r) }))
        }).pipe(orDie),
      lockHeld: (clinicId, id, owner) =>
        orDie(sql`SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND id = ${id} AND status = 'sending'
          AND lease_owner = ${owner} ${sql.literal(dialect.lockRow)}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toReminder))
        ),
      // The held rows are locked in the inner SELECT (Postgres cannot lock the nullable side of
      // the outer joins, nor needs to): the facts beside them are read, not held.
      lockForDelivery: (clinicId, ids, owner) =>
        ids.length === 0 ? Effect.succeed([]) : orDie(sql`SELECT r.id, r.kind, r.channel, r.appointment_version,
            r.appointment_start, r.deadline, r.attempts,
            a.id AS a_id, a.status AS a_status, a.version AS a_version, a.start_at AS a_start, a.service_id AS a_service,
            d.name AS d_name, s.name AS s_name,
            p.id AS p_id, p.full_name AS p_name, p.phone AS p_phone, p.email AS p_email,
            EXISTS (SELECT 1 FROM reminder_consents c WHERE c.clinic_id = r.clinic_id AND c.patient_id = r.patient_id
              AND c.channel = r.channel AND c.granted = ${dialect.bool(false)}) AS opted_out
          FROM (SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND id IN ${sql.in(ids)} AND status = 'sending'
            AND lease_owner = ${owner} ${sql.literal(dialect.lockRow)}) r
          LEFT JOIN appointments a ON a.clinic_id = r.clinic_id AND a.id = r.appointment_id
          LEFT JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
          LEFT JOIN services s ON s.clinic_id = a.clinic_id AND s.id = a.service_id
          LEFT JOIN patients p ON p.clinic_id = r.clinic_id AND p.id = r.patient_id
          ORDER BY r.due_at, r.id`).pipe(
          Effect.map((rows) =>
            rows.map((r): Store.DeliveryFacts => ({
              reminder: {
                id: r.id as ReminderId,
                kind: r.kind as Reminder["kind"],
                channel: r.channel as Reminder["channel"],
                appointmentVersion: Number(r.appointment_version),
                appointmentStart: ms(r.appointment_start),
                deadline: ms(r.deadline),
                attempts: Number(r.attempts)
              },
              appointment: r.a_id == null ? null : {
                id: r.a_id as AppointmentId,
                status: String(r.a_status),
                version: Number(r.a_version),
                start: ms(r.a_start),
                // A doctor or service gone from the catalogue names nobody.
                doctorName: str(r.d_name) ?? "",
                serviceName: r.a_service == null ? null : str(r.s_name) ?? ""
              },
              patient: r.p_id == null ? null : { fullName: String(r.p_name), phone: String(r.p_phone), email: str(r.p_email) },
              optedOut: bool(r.opted_out)
            }))
          )
        ),
      mark: (clinicId, ids, patch, now) =>
        ids.length === 0 ? Effect.void : orDie(sql`UPDATE reminders SET ${
          sql.csv([
            sql`status = ${patch.status}`,
            sql`reason = ${patch.reason}`,
            sql`lease_owner = ${patch.lease?.owner ?? null}`,
            sql`lease_until = ${patch.lease === null ? null : at(patch.lease.until)}`,
            sql`updated_at = ${at(now)}`,
            ...(patch.reconcile === undefined ? [] : [sql`reconcile = ${dialect.bool(patch.reconcile)}`]),
            ...(patch.attempt ? [sql`attempts = attempts + 1`] : []),
            ...(patch.sentAt === undefined ? [] : [sql`sent_at = ${at(patch.sentAt)}`]),
            ...(patch.dueAt === undefined ? [] : [sql`due_at = ${at(patch.dueAt)}`]),
            ...(patch.providerMessageId === undefined ? [] : [sql`provider_message_id = ${patch.providerMessageId}`])
          ])
        } WHERE clinic_id = ${clinicId} AND id IN ${sql.in(ids)}`).pipe(Effect.asVoid),
      markSent: (clinicId, sent, now) => {
        if (sent.length === 0) return Effect.void
        // A batch's sends mostly answer within the same millisecond: one value per distinct time
        // (a CASE only when there are several), and a CASE of provider ids only for those given.
        const byTime = new Map<number, Array<ReminderId>>()
        for (const s of sent) {
          const ids = byTime.get(s.sentAt)
          if (ids === undefined) byTime.set(s.sentAt, [s.id])
          else ids.push(s.id)
        }
        const times = [...byTime]
        const sentAt = times.length === 1 ? sql`${at(times[0]![0])}` : sql`CASE ${
          sql.join(" ", false)(times.map(([t, ids]) => sql`WHEN id IN ${sql.in(ids)} THEN ${at(t)}`))
        } ELSE sent_at END`
        const given = sent.filter((s) => s.providerMessageId !== null)
        const providerIds = given.length === 0 ? sql`NULL` : sql`CASE id ${
          sql.join(" ", false)(given.map((s) => sql`WHEN ${s.id} THEN ${s.providerMessageId}`))
        } ELSE NULL END`
        return orDie(sql`UPDATE reminders SET status = 'sent', reason = NULL, lease_owner = NULL, lease_until = NULL,
            updated_at = ${at(now)}, sent_at = ${sentAt}, provider_message_id = ${providerIds}
          WHERE clinic_id = ${clinicId} AND id IN ${sql.in(sent.map((s) => s.id))}`).pipe(Effect.asVoid)
      },
      save: (r, lease) =>
        orDie(sql`UPDATE reminders SET appointment_version = ${r.appointmentVersion}, due_at = ${at(r.dueAt)},
            deadline = ${at(r.deadline)}, status = ${r.status}, reason = ${r.reason}, attempts = ${r.attempts},
            reconcile = ${dialect.bool(r.reconcile)}, provider_message_id = ${r.providerMessageId},
            sent_at = ${r.sentAt === null ? null : at(r.sentAt)}, lease_owner = ${lease?.owner ?? null},
            lease_until = ${lease === null ? null : at(lease.until)}, updated_at = ${at(r.updatedAt)}
          WHERE clinic_id = ${r.clinicId} AND id = ${r.id}`).pipe(Effect.asVoid),
      findByProviderMessageId: (clinicId, id) =>
        orDie(sql`SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND provider_message_id = ${id}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toReminder))
        ),
      dueClinics: (now, limit) =>
        orDie(claiming.scan(
          sql,
          sql`SELECT clinic_id FROM reminders
              WHERE (status = 'pending' AND due_at <= ${at(now)}) OR (status = 'sending' AND lease_until <= ${at(now)})
            UNION
            SELECT clinic_id FROM recall_contacts
              WHERE (status = 'pending' AND due_at <= ${at(now)}) OR (status = 'sending' AND lease_until <= ${at(now)})
            LIMIT ${limit}`
        )).pipe(Effect.map((rows) => rows.map((r) => r.clinic_id as ClinicId))),
      insertCampaign: (c) =>
        orDie(sql`INSERT INTO recall_campaigns (clinic_id, id, name, rule, channel, template, created_at)
          VALUES (${c.clinicId}, ${c.id}, ${c.name}, ${JSON.stringify(c.rule)}, ${c.channel}, ${JSON.stringify(c.template)},
            ${at(c.createdAt)})`).pipe(Effect.asVoid),
      findCampaign: (clinicId, id) =>
        orDie(sql`SELECT * FROM recall_campaigns WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
          Effect.map((rows) =>
            Option.map(Option.fromNullable(rows[0]), (r) =>
              new Campaign({
                id: r.id as CampaignId,
                clinicId: r.clinic_id as ClinicId,
                name: String(r.name),
                rule: decodeRule(json(r.rule)),
                channel: r.channel as Campaign["channel"],
                template: decodeTemplate(json(r.template)),
                createdAt: ms(r.created_at)
              }, { disableValidation: true }))
          )
        ),
      visitFacts: (clinicId, filter, upcoming, now) =>
        orDie(sql`SELECT a.patient_id, max(a.start_at) AS last_visit,
            EXISTS (SELECT 1 FROM appointments u WHERE u.clinic_id = a.clinic_id AND u.patient_id = a.patient_id
              AND u.status IN ${sql.in(upcoming)} AND u.start_at >= ${at(now)}) AS upcoming
          FROM appointments a WHERE ${
          sql.and([
            sql`a.clinic_id = ${clinicId}`,
            sql`a.status = 'completed'`,
            ...(filter.doctorId === undefined ? [] : [sql`a.doctor_id = ${filter.doctorId}`]),
            ...(filter.serviceId === undefined ? [] : [sql`a.service_id = ${filter.serviceId}`])
          ])
        } GROUP BY a.clinic_id, a.patient_id ORDER BY a.patient_id`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({ patientId: r.patient_id as PatientId, lastVisit: ms(r.last_visit), upcoming: bool(r.upcoming) }))
          )
        ),
      insertContacts: (contacts) =>
        contacts.length === 0 ? Effect.void : orDie(sql`INSERT INTO recall_contacts ${
          sql.insert(contacts.map((c) => ({
            clinic_id: c.clinicId,
            id: c.id,
            campaign_id: c.campaignId,
            patient_id: c.patientId,
            channel: c.channel,
            due_at: at(c.dueAt),
            status: c.status,
            reason: c.reason,
            attempts: c.attempts,
            reconcile: dialect.bool(c.reconcile),
            provider_message_id: c.providerMessageId,
            sent_at: c.sentAt === null ? null : at(c.sentAt),
            lease_owner: null,
            lease_until: null,
            created_at: at(c.createdAt),
            updated_at: at(c.updatedAt)
          })))
        } ON CONFLICT DO NOTHING`).pipe(Effect.asVoid),
      contacts: (clinicId, f) =>
        orDie(sql`SELECT * FROM recall_contacts WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(f.campaignId === undefined ? [] : [sql`campaign_id = ${f.campaignId}`]),
            ...(f.patientId === undefined ? [] : [sql`patient_id = ${f.patientId}`]),
            ...(f.statuses === undefined || f.statuses.length === 0 ? [] : [sql`status IN ${sql.in(f.statuses)}`])
          ])
        } ORDER BY due_at, id LIMIT ${f.limit}`).pipe(Effect.map((rows) => rows.map(toContact))),
      cancelContactsOf: (clinicId, patientId, reason, now) =>
        orDie(sql`UPDATE recall_contacts SET status = 'cancelled', reason = ${reason}, lease_owner = NULL, lease_until = NULL,
            updated_at = ${at(now)}
          WHERE clinic_id = ${clinicId} AND patient_id = ${patientId} AND status IN ('pending', 'sending')
          RETURNING id`).pipe(Effect.map((rows) => rows.length)),
      lockDueContacts: (clinicId, now, limit) =>
        Effect.gen(function*() {
          const due = yield* sql`SELECT * FROM recall_contacts WHERE clinic_id = ${clinicId} AND status = 'pending'
            AND due_at <= ${at(now)} ORDER BY due_at LIMIT ${limit} ${sql.literal(claiming.lockClause)}`
          const expired = due.length >= limit ? [] : yield* sql`SELECT * FROM recall_contacts WHERE clinic_id = ${clinicId}
            AND status = 'sending' AND lease_until <= ${at(now)} ORDER BY lease_until LIMIT ${limit - due.length}
            ${sql.literal(claiming.lockClause)}`
          return [...expired, ...due].map(toContact)
        }).pipe(orDie),
      lockHeldContact: (clinicId, id, owner) =>
        orDie(sql`SELECT * FROM recall_contacts WHERE clinic_id = ${clinicId} AND id = ${id} AND status = 'sending'
          AND lease_owner = ${owner} ${sql.literal(dialect.lockRow)}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toContact))
        ),
      saveContact: (c, lease) =>
        orDie(sql`UPDATE recall_contacts SET due_at = ${at(c.dueAt)}, status = ${c.status}, reason = ${c.reason},
            attempts = ${c.attempts}, reconcile = ${dialect.bool(c.reconcile)}, provider_message_id = ${c.providerMessageId},
            sent_at = ${c.sentAt === null ? null : at(c.sentAt)}, lease_owner = ${lease?.owner ?? null},
            lease_until = ${lease === null ? null : at(lease.until)}, updated_at = ${at(c.updatedAt)}
          WHERE clinic_id = ${c.clinicId} AND id = ${c.id}`).pipe(Effect.asVoid)
    }
    return repository
  })
