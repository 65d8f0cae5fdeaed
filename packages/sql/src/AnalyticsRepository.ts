/**
 * The analytics storage port over `@effect/sql`, written once for both adapters: every figure is a
 * `count`/`sum` with `GROUP BY` run by the database, scoped by `clinic_id` (and, on Postgres, by
 * row-level security underneath). Periods and aging buckets arrive as boundaries computed in core
 * in the clinic's zone; the SQL only compares instants (or local dates) with them.
 *
 * @since 0.1.0
 */
import type * as Port from "@clinicore/core/AnalyticsStorage"
import { DoctorRules } from "@clinicore/core/Schedule"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Dialect } from "./Dialect.js"
import { bucketOf, dayOf, isoDate, statusIn } from "./internal/buckets.js"
import { bool, Json, orDie, type Row } from "./internal/rows.js"

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v))
/** A doctor's stored rules; a row that does not decode is a defect. */
const decodeRules = Schema.decodeUnknownSync(Json(DoctorRules))
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect): Effect.Effect<Port.AnalyticsStorage, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    const at = dialect.instant
    const paymentSums = (r: Row) => ({ payments: num(r.payments), amountMinor: num(r.amount), refundedMinor: num(r.refunded) })

    const storage: Port.AnalyticsStorage = {
      dashboard: (clinicId, q) =>
        orDie(sql`SELECT a.appointments, a.upcoming, a.completed, p.amount, p.refunded, q.pending, q.pending_minor, r.reminders
          FROM (
            SELECT count(*) AS appointments,
              count(*) FILTER (WHERE ${statusIn(sql, "status", q.upcomingStatuses)} AND start_at >= ${at(q.upcomingFrom)}) AS upcoming,
              count(*) FILTER (WHERE ${statusIn(sql, "status", q.completedStatuses)}) AS completed
            FROM appointments
            WHERE clinic_id = ${clinicId} AND start_at >= ${at(q.start)} AND start_at < ${at(q.end)}
          ) a
          CROSS JOIN (
            SELECT coalesce(sum(amount_minor), 0) AS amount, coalesce(sum(refunded_minor), 0) AS refunded
            FROM payments
            WHERE clinic_id = ${clinicId} AND ${statusIn(sql, "status", q.revenueStatuses)}
              AND paid_at >= ${at(q.start)} AND paid_at < ${at(q.end)}
          ) p
          CROSS JOIN (
            SELECT count(*) AS pending, coalesce(sum(amount_minor), 0) AS pending_minor
            FROM payments WHERE clinic_id = ${clinicId} AND ${statusIn(sql, "status", q.pendingPaymentStatuses)}
          ) q
          CROSS JOIN (
            SELECT count(*) AS reminders
            FROM reminders WHERE clinic_id = ${clinicId} AND ${statusIn(sql, "status", q.pendingReminderStatuses)}
          ) r`).pipe(Effect.map(([r]) => ({
          appointments: num(r!.appointments),
          upcoming: num(r!.upcoming),
          completed: num(r!.completed),
          revenueAmountMinor: num(r!.amount),
          revenueRefundedMinor: num(r!.refunded),
          pendingPayments: num(r!.pending),
          pendingPaymentsMinor: num(r!.pending_minor),
          pendingReminders: num(r!.reminders)
        }))),

      // Daily: grouped by the local day, computed from the runs of days. Weekly or monthly: a
      // balanced CASE tree of `paid_at < boundary` (about log₂ n comparisons per row).
      revenueByPeriod: (clinicId, q) => {
        const bucket = "days" in q.periods
          ? dayOf(sql, dialect, "paid_at", q.periods.days)
          : bucketOf(sql, "paid_at", q.periods.boundaries.map(at))
        return orDie(sql`SELECT ${bucket} AS bucket, count(*) AS payments, coalesce(sum(amount_minor), 0) AS amount,
            coalesce(sum(refunded_minor), 0) AS refunded
          FROM payments
          WHERE clinic_id = ${clinicId} AND ${statusIn(sql, "status", q.statuses)}
            AND paid_at >= ${at(q.start)} AND paid_at < ${at(q.end)}
          GROUP BY 1`).pipe(Effect.map((rows) => rows.map((r) => ({ bucket: num(r.bucket), ...paymentSums(r) }))))
      },

      revenueBy: (clinicId, by, q) => {
        const [table, column] = by === "doctor" ? ["doctors", "doctor_id"] : ["services", "service_id"]
        return orDie(sql`SELECT g.id AS id, g.name AS name, count(*) AS payments,
            coalesce(sum(p.amount_minor), 0) AS amount, coalesce(sum(p.refunded_minor), 0) AS refunded
          FROM payments p
          LEFT JOIN invoices i ON i.clinic_id = p.clinic_id AND i.id = p.invoice_id
          LEFT JOIN appointments a ON a.clinic_id = p.clinic_id AND a.id = coalesce(p.appointment_id, i.appointment_id)
          LEFT JOIN ${sql.literal(table)} g ON g.clinic_id = a.clinic_id AND g.id = a.${sql.literal(column)}
          WHERE p.clinic_id = ${clinicId} AND ${statusIn(sql, "p.status", q.statuses)}
            AND p.paid_at >= ${at(q.start)} AND p.paid_at < ${at(q.end)}
          GROUP BY g.id, g.name`).pipe(
          Effect.map((rows) => rows.map((r) => ({ id: strOrNull(r.id), name: strOrNull(r.name), ...paymentSums(r) })))
        )
      },

      receivables: (clinicId, q) =>
        orDie(sql`SELECT ${bucketOf(sql, "issued_at", q.boundaries.map(at))} AS bucket, count(*) AS invoices,
            coalesce(sum(balance_minor), 0) AS balance,
            count(*) FILTER (WHERE due_date < ${q.today}) AS overdue_invoices,
            coalesce(sum(balance_minor) FILTER (WHERE due_date < ${q.today}), 0) AS overdue_minor
          FROM invoices
          WHERE clinic_id = ${clinicId} AND ${statusIn(sql, "status", q.statuses)}
          GROUP BY 1`).pipe(Effect.map((rows) =>
          rows.map((r) => ({
            bucket: num(r.bucket),
            invoices: num(r.invoices),
            balanceMinor: num(r.balance),
            overdueInvoices: num(r.overdue_invoices),
            overdueMinor: num(r.overdue_minor)
          }))
        )),

      // Shaped like the query one would write by hand: doctors, their appointments through the
      // (clinic, doctor, start) index, one conditional count per status, grouped by doctor.
      appointmentsByDoctor: (clinicId, q) =>
        orDie(sql`SELECT d.id, d.name, d.active, ${
          sql.csv(q.statuses.map((status, i) => sql`count(*) FILTER (WHERE ${statusIn(sql, "a.status", [status])}) AS ${sql.literal(`n${i}`)}`))
        }
          FROM doctors d
          LEFT JOIN appointments a ON a.clinic_id = d.clinic_id AND a.doctor_id = d.id
            AND a.start_at >= ${at(q.start)} AND a.start_at < ${at(q.end)} AND ${statusIn(sql, "a.status", q.statuses)}
          WHERE d.clinic_id = ${clinicId}
          GROUP BY d.clinic_id, d.id, d.name, d.active`).pipe(Effect.map((rows) =>
          rows.map((r) => ({
            doctorId: String(r.id),
            doctorName: String(r.name),
            active: bool(r.active),
            counts: q.statuses.map((status, i) => ({ status, count: num(r[`n${i}`]) })).filter((c) => c.count > 0)
          }))
        )),

      // The booked time summed over the clinic's appointments in one pass (by start time), then
      // joined to the doctors: reading each doctor's appointments through its own index visits the
      // same heap pages once per doctor.
      bookedTime: (clinicId, q) =>
        orDie(sql`SELECT d.id, d.name, d.active, b.booked, ds.rules
          FROM doctors d
          LEFT JOIN (
            SELECT doctor_id, sum(
                (CASE WHEN end_at > ${at(q.end)} THEN ${q.end} ELSE ${dialect.epochMs(sql, "end_at")} END)
                - (CASE WHEN start_at < ${at(q.start)} THEN ${q.start} ELSE ${dialect.epochMs(sql, "start_at")} END)
              ) AS booked
            FROM appointments
            WHERE clinic_id = ${clinicId} AND start_at < ${at(q.end)} AND end_at > ${at(q.start)} AND ${statusIn(sql, "status", q.statuses)}
            GROUP BY doctor_id
          ) b ON b.doctor_id = d.id
          LEFT JOIN doctor_schedules ds ON ds.clinic_id = d.clinic_id AND ds.doctor_id = d.id
          WHERE d.clinic_id = ${clinicId}`).pipe(Effect.map((rows) =>
          rows.map((r) => ({
            doctorId: String(r.id),
            doctorName: String(r.name),
            active: bool(r.active),
            rules: r.rules === null || r.rules === undefined ? Option.none() : Option.some(decodeRules(r.rules)),
            bookedMs: num(r.booked)
          }))
        )),

      expensesByPeriod: (clinicId, q) =>
        orDie(sql`SELECT ${bucketOf(sql, "date", q.periodStartDates.map(isoDate(sql)))} AS bucket, count(*) AS expenses,
            coalesce(sum(amount_minor), 0) AS amount
          FROM expenses
          WHERE clinic_id = ${clinicId} AND date >= ${q.firstDate} AND date <= ${q.lastDate}
          GROUP BY 1`).pipe(Effect.map((rows) =>
          rows.map((r) => ({ bucket: num(r.bucket), expenses: num(r.expenses), amountMinor: num(r.amount) }))
        )),

      expensesByDate: (clinicId, q) =>
        orDie(sql`SELECT date, count(*) AS expenses, coalesce(sum(amount_minor), 0) AS amount
          FROM expenses
          WHERE clinic_id = ${clinicId} AND date >= ${q.firstDate} AND date <= ${q.lastDate}
          GROUP BY date`).pipe(Effect.map((rows) =>
          rows.map((r) => ({ date: String(r.date), expenses: num(r.expenses), amountMinor: num(r.amount) }))
        ))
    }
    return storage
  })
