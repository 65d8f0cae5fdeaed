/**
 * Export streams, written once for both adapters: each a single statement read through
 * `sql.stream` (a cursor on Postgres, a stepping statement on SQLite), decoded row by row.
 */
import { AppointmentStatus } from "@clinicore/core/Appointment"
import type * as Storage from "@clinicore/core/Storage"
import type * as Transfer from "@clinicore/core/TransferStorage"
import type { Fragment } from "@effect/sql/Statement"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Context } from "./context.js"
import { decodePatientRow } from "./patients.js"
import { Instant, Integer, NullableText, unique } from "./rows.js"

const AppointmentExportRow = Schema.Struct({
  id: Schema.String,
  patient_id: Schema.String,
  patient_name: Schema.String,
  patient_phone: Schema.String,
  doctor_id: Schema.String,
  doctor_name: Schema.String,
  service_id: NullableText,
  start_at: Instant,
  end_at: Instant,
  status: AppointmentStatus,
  notes: NullableText,
  cancel_reason: NullableText,
  version: Integer,
  created_at: Instant
})

const InvoiceExportRow = Schema.Struct({
  id: Schema.String,
  number: NullableText,
  patient_id: Schema.String,
  patient_name: Schema.String,
  appointment_id: NullableText,
  status: Schema.String,
  currency: Schema.String,
  subtotal_minor: Integer,
  tax_minor: Integer,
  total_minor: Integer,
  paid_minor: Integer,
  balance_minor: Integer,
  issued_at: Schema.NullOr(Instant),
  due_date: NullableText,
  created_at: Instant
})

const PaymentExportRow = Schema.Struct({
  id: Schema.String,
  invoice_id: NullableText,
  invoice_number: NullableText,
  appointment_id: NullableText,
  amount_minor: Integer,
  refunded_minor: Integer,
  currency: Schema.String,
  method: Schema.String,
  status: Schema.String,
  provider_reference: NullableText,
  paid_at: Schema.NullOr(Instant),
  created_at: Instant
})

const decodeAppointment = Schema.decodeUnknownSync(AppointmentExportRow)
const decodeInvoice = Schema.decodeUnknownSync(InvoiceExportRow)
const decodePayment = Schema.decodeUnknownSync(PaymentExportRow)

/** @internal */
export const make = (context: Context): Transfer.ExportRepository => {
  const { dialect, sql } = context
  const range = (column: string, r: Transfer.InstantRange): Array<Fragment> => [
    ...(r.from === undefined ? [] : [sql`${sql.literal(column)} >= ${dialect.instant(r.from)}`]),
    ...(r.to === undefined ? [] : [sql`${sql.literal(column)} < ${dialect.instant(r.to)}`])
  ]
  const statuses = (column: string, list: ReadonlyArray<string> | undefined): Array<Fragment> =>
    list === undefined || list.length === 0 ? [] : [sql`${sql.literal(column)} IN ${sql.in(unique(list))}`]
  // A row that does not decode is a defect, like a failure of the database.
  const rows = <A>(statement: Stream.Stream<unknown, unknown>, decode: (row: unknown) => A) =>
    statement.pipe(Stream.orDie, Stream.map(decode))

  return {
    patients: (clinicId, r) =>
      rows(
        sql`SELECT * FROM patients WHERE ${sql.and([sql`clinic_id = ${clinicId}`, ...range("created_at", r)])}
          ORDER BY created_at DESC, id DESC`.stream,
        (row): Storage.PatientRow => decodePatientRow(row)
      ),
    appointments: (clinicId, f) =>
      rows(
        sql`SELECT a.id, a.patient_id, p.full_name AS patient_name, p.phone AS patient_phone, a.doctor_id,
            d.name AS doctor_name, a.service_id, a.start_at, a.end_at, a.status, a.notes, a.cancel_reason,
            a.version, a.created_at
          FROM appointments a
          JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
          JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
          WHERE ${
          sql.and([
            sql`a.clinic_id = ${clinicId}`,
            ...(f.doctorId === undefined ? [] : [sql`a.doctor_id = ${f.doctorId}`]),
            ...statuses("a.status", f.statuses),
            ...range("a.start_at", f)
          ])
        }
          ORDER BY a.start_at, a.id`.stream,
        (row): Transfer.AppointmentExportRow => {
          const r = decodeAppointment(row)
          return {
            id: r.id,
            patientId: r.patient_id,
            patientName: r.patient_name,
            patientPhone: r.patient_phone,
            doctorId: r.doctor_id,
            doctorName: r.doctor_name,
            serviceId: r.service_id,
            start: r.start_at,
            end: r.end_at,
            status: r.status,
            notes: r.notes,
            cancelReason: r.cancel_reason,
            version: r.version,
            createdAt: r.created_at
          }
        }
      ),
    invoices: (clinicId, f) =>
      rows(
        sql`SELECT i.id, i.number, i.patient_id, p.full_name AS patient_name, i.appointment_id, i.status, i.currency,
            i.subtotal_minor, i.tax_minor, i.total_minor, i.paid_minor, i.balance_minor, i.issued_at, i.due_date,
            i.created_at
          FROM invoices i JOIN patients p ON p.clinic_id = i.clinic_id AND p.id = i.patient_id
          WHERE ${sql.and([sql`i.clinic_id = ${clinicId}`, ...statuses("i.status", f.statuses), ...range("i.created_at", f)])}
          ORDER BY i.created_at, i.id`.stream,
        (row): Transfer.InvoiceExportRow => {
          const r = decodeInvoice(row)
          return {
            id: r.id,
            number: r.number,
            patientId: r.patient_id,
            patientName: r.patient_name,
            appointmentId: r.appointment_id,
            status: r.status,
            currency: r.currency,
            subtotalMinor: r.subtotal_minor,
            taxMinor: r.tax_minor,
            totalMinor: r.total_minor,
            paidMinor: r.paid_minor,
            balanceMinor: r.balance_minor,
            issuedAt: r.issued_at,
            dueDate: r.due_date,
            createdAt: r.created_at
          }
        }
      ),
    payments: (clinicId, f) =>
      rows(
        sql`SELECT y.id, y.invoice_id, i.number AS invoice_number, y.appointment_id, y.amount_minor, y.refunded_minor,
            y.currency, y.method, y.status, y.provider_reference, y.paid_at, y.created_at
          FROM payments y LEFT JOIN invoices i ON i.clinic_id = y.clinic_id AND i.id = y.invoice_id
          WHERE ${sql.and([sql`y.clinic_id = ${clinicId}`, ...statuses("y.status", f.statuses), ...range("y.created_at", f)])}
          ORDER BY y.created_at, y.id`.stream,
        (row): Transfer.PaymentExportRow => {
          const r = decodePayment(row)
          return {
            id: r.id,
            invoiceId: r.invoice_id,
            invoiceNumber: r.invoice_number,
            appointmentId: r.appointment_id,
            amountMinor: r.amount_minor,
            refundedMinor: r.refunded_minor,
            currency: r.currency,
            method: r.method,
            status: r.status,
            providerReference: r.provider_reference,
            paidAt: r.paid_at,
            createdAt: r.created_at
          }
        }
      )
  }
}
