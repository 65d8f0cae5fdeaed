/**
 * The analytics storage port over `@effect/sql`, written once for both adapters: every figure is a
 * `count`/`sum` with `GROUP BY` run by the database, scoped by `clinic_id` (and, on Postgres, by
 * row-level security underneath). Periods and aging buckets arrive as boundaries computed in core
 * in the clinic's zone; the SQL only compares instants (or local dates) with them.
 *
 * @since 0.1.0
 */
import type * as Port from "@clinicore/core/AnalyticsStorage"
import type { AppointmentStatus } from "@clinicore/core/Appointment"
import { DoctorRules } from "@clinicore/core/Schedule"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Dialect } from "./Dialect.js"
import { bucketOf, statusList } from "./internal/buckets.js"
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
              coalesce(sum(CASE WHEN status IN ${statusList(sql, q.upcomingStatuses)} AND start_at >= ${at(q.upcomingFrom)}
                THEN 1 ELSE 0 END), 0) AS upcoming,
              coalesce(sum(CASE WHEN status IN ${statusList(sql, q.completedStatuses)} THEN 1 ELSE 0 END), 0) AS completed
            FROM appointments
            WHERE clinic_id = ${clinicId} AND start_at >= ${at(q.start)} AND start_at < ${at(q.end)}
          ) a
          CROSS JOIN (
            SELECT coalesce(sum(amount_minor), 0) AS amount, coalesce(sum(refunded_minor), 0) AS refunded
            FROM payments
            WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.revenueStatuses)}
              AND paid_at >= ${at(q.start)} AND paid_at < ${at(q.end)}
          ) p
          CROSS JOIN (
            SELECT count(*) AS pending, coalesce(sum(amount_minor), 0) AS pending_minor
            FROM payments WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.pendingPaymentStatuses)}
          ) q
          CROSS JOIN (
            SELECT count(*) AS reminders
            FROM reminders WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.pendingReminderStatuses)}
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

      revenueByPeriod: (clinicId, q) =>
        orDie(sql`SELECT ${bucketOf(sql, "paid_at", q.boundaries.map(at))} AS bucket, count(*) AS payments,
            coalesce(sum(amount_minor), 0) AS amount, coalesce(sum(refunded_minor), 0) AS refunded
          FROM payments
          WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.statuses)}
            AND paid_at >= ${at(q.start)} AND paid_at < ${at(q.end)}
          GROUP BY 1`).pipe(Effect.map((rows) => rows.map((r) => ({ bucket: num(r.bucket), ...paymentSums(r) })))),

      revenueBy: (clinicId, by, q) => {
        const [table, column] = by === "doctor" ? ["doctors", "doctor_id"] : ["services", "service_id"]
        return orDie(sql`SELECT g.id AS id, g.name AS name, count(*) AS payments,
            coalesce(sum(p.amount_minor), 0) AS amount, coalesce(sum(p.refunded_minor), 0) AS refunded
          FROM payments p
          LEFT JOIN invoices i ON i.clinic_id = p.clinic_id AND i.id = p.invoice_id
          LEFT JOIN appointments a ON a.clinic_id = p.clinic_id AND a.id = coalesce(p.appointment_id, i.appointment_id)
          LEFT JOIN ${sql.literal(table)} g ON g.clinic_id = a.clinic_id AND g.id = a.${sql.literal(column)}
          WHERE p.clinic_id = ${clinicId} AND p.status IN ${statusList(sql, q.statuses)}
            AND p.paid_at >= ${at(q.start)} AND p.paid_at < ${at(q.end)}
          GROUP BY g.id, g.name`).pipe(
          Effect.map((rows) => rows.map((r) => ({ id: strOrNull(r.id), name: strOrNull(r.name), ...paymentSums(r) })))
        )
      },

      receivables: (clinicId, q) =>
        orDie(sql`SELECT ${bucketOf(sql, "issued_at", q.boundaries.map(at))} AS bucket, count(*) AS invoices,
            coalesce(sum(balance_minor), 0) AS balance,
            coalesce(sum(CASE WHEN due_date < ${q.today} THEN 1 ELSE 0 END), 0) AS overdue_invoices,
            coalesce(sum(CASE WHEN due_date < ${q.today} THEN balance_minor ELSE 0 END), 0) AS overdue_minor
          FROM invoices
          WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.statuses)}
          GROUP BY 1`).pipe(Effect.map((rows) =>
          rows.map((r) => ({
            bucket: num(r.bucket),
            invoices: num(r.invoices),
            balanceMinor: num(r.balance),
            overdueInvoices: num(r.overdue_invoices),
            overdueMinor: num(r.overdue_minor)
          }))
        )),

      appointmentsByDoctor: (clinicId, q) =>
        orDie(sql`SELECT d.id, d.name, d.active, o.status, o.n
          FROM doctors d
          LEFT JOIN (
            SELECT doctor_id, status, count(*) AS n FROM appointments
            WHERE clinic_id = ${clinicId} AND start_at >= ${at(q.start)} AND start_at < ${at(q.end)}
              AND status IN ${statusList(sql, q.statuses)}
            GROUP BY doctor_id, status
          ) o ON o.doctor_id = d.id
          WHERE d.clinic_id = ${clinicId}
          ORDER BY d.name, d.id`).pipe(Effect.map((rows) => {
          const out = new Map<string, { doctorId: string; doctorName: string; active: boolean; counts: Array<{ status: AppointmentStatus; count: number }> }>()
          for (const r of rows) {
            const id = String(r.id)
            let d = out.get(id)
            if (d === undefined) {
              d = { doctorId: id, doctorName: String(r.name), active: bool(r.active), counts: [] }
              out.set(id, d)
            }
            if (r.status !== null && r.status !== undefined) d.counts.push({ status: r.status as AppointmentStatus, count: num(r.n) })
          }
          return [...out.values()]
        })),

      bookedTime: (clinicId, q) =>
        orDie(sql`SELECT d.id, d.name, d.active, ds.rules, b.booked
          FROM doctors d
          LEFT JOIN doctor_schedules ds ON ds.clinic_id = d.clinic_id AND ds.doctor_id = d.id
          LEFT JOIN (
            SELECT doctor_id, sum(
                (CASE WHEN end_at > ${at(q.end)} THEN ${q.end} ELSE ${dialect.epochMs(sql, "end_at")} END)
                - (CASE WHEN start_at < ${at(q.start)} THEN ${q.start} ELSE ${dialect.epochMs(sql, "start_at")} END)
              ) AS booked
            FROM appointments
            WHERE clinic_id = ${clinicId} AND status IN ${statusList(sql, q.statuses)}
              AND start_at < ${at(q.end)} AND end_at > ${at(q.start)}
            GROUP BY doctor_id
          ) b ON b.doctor_id = d.id
          WHERE d.clinic_id = ${clinicId}
          ORDER BY d.name, d.id`).pipe(Effect.map((rows) =>
          rows.map((r) => ({
            doctorId: String(r.id),
            doctorName: String(r.name),
            active: bool(r.active),
            rules: r.rules === null || r.rules === undefined ? Option.none() : Option.some(decodeRules(r.rules)),
            bookedMs: num(r.booked)
          }))
        )),

      expensesByPeriod: (clinicId, q) =>
        orDie(sql`SELECT ${bucketOf(sql, "date", q.boundaries)} AS bucket, count(*) AS expenses,
            coalesce(sum(amount_minor), 0) AS amount
          FROM expenses
          WHERE clinic_id = ${clinicId} AND date >= ${q.firstDate} AND date <= ${q.lastDate}
          GROUP BY 1`).pipe(Effect.map((rows) =>
          rows.map((r) => ({ bucket: num(r.bucket), expenses: num(r.expenses), amountMinor: num(r.amount) }))
        ))
    }
    return storage
  })
