/**
 * The reminders' repository (outbox rows, policy, consent), written once over `@effect/sql` for
 * both adapters. What differs is how due rows are claimed and how the clinics with due rows are
 * found outside any tenant: each adapter passes its `Claiming`, so that part stays visible there.
 *
 * @since 0.1.0
 */
import type { AppointmentId, ClinicId, PatientId } from "@clinicore/core/Ids"
import { type Consent, Reminder, type ReminderId, ReminderPolicy } from "@clinicore/core/Reminder"
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

const leaseOf = (r: Row): Store.Lease | null =>
  r.lease_owner == null || r.lease_until == null ? null : { owner: String(r.lease_owner), until: ms(r.lease_until) }

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
      count: (clinicId, appointmentId) =>
        orDie(sql`SELECT count(*) AS n FROM reminders WHERE clinic_id = ${clinicId} AND appointment_id = ${appointmentId}`)
          .pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0))),
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
      lockDue: (clinicId, now, limit) =>
        orDie(sql`SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND (
            (status = 'pending' AND due_at <= ${at(now)}) OR (status = 'sending' AND lease_until <= ${at(now)})
          ) ORDER BY due_at, id LIMIT ${limit} ${sql.literal(claiming.lockClause)}`).pipe(
          Effect.map((rows) => rows.map((r) => ({ reminder: toReminder(r), lease: leaseOf(r) })))
        ),
      lockHeld: (clinicId, id, owner) =>
        orDie(sql`SELECT * FROM reminders WHERE clinic_id = ${clinicId} AND id = ${id} AND status = 'sending'
          AND lease_owner = ${owner} ${sql.literal(dialect.lockRow)}`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toReminder))
        ),
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
          sql`SELECT DISTINCT clinic_id FROM reminders
            WHERE (status = 'pending' AND due_at <= ${at(now)}) OR (status = 'sending' AND lease_until <= ${at(now)})
            LIMIT ${limit}`
        )).pipe(Effect.map((rows) => rows.map((r) => r.clinic_id as ClinicId)))
    }
    return repository
  })
