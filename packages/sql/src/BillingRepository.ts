/**
 * The billing storage port over `@effect/sql`, written once for both adapters. Its statements run
 * on the `SqlClient` in context, so inside `Storage.transaction` they join that transaction (and
 * its tenant, on Postgres). Every query names `clinic_id`.
 *
 * Numbers: `nextNumber` increments the clinic's counter row for the series and year with one
 * `UPDATE … RETURNING` (an upsert creates the row the first time). The row stays locked until the
 * transaction ends (a Postgres row lock; on SQLite the transaction holds the one write lock), so
 * issuers take turns, and a transaction that rolls back gives its number back.
 *
 * @since 0.1.0
 */
import type * as Port from "@clinicore/core/BillingStorage"
import { Conflict } from "@clinicore/core/Errors"
import { Expense, type ExpenseId } from "@clinicore/core/Expense"
import type { AppointmentId, ClinicId, PatientId, ServiceId, StaffId } from "@clinicore/core/Ids"
import { CreditNote, type CreditNoteId, Invoice, type InvoiceId, type InvoiceLine } from "@clinicore/core/Invoice"
import { Payment, type PaymentId, Refund, type RefundId } from "@clinicore/core/Payment"
import { PaymentPlan, type PaymentPlanId } from "@clinicore/core/PaymentPlan"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Dialect } from "./Dialect.js"
import { crossClinic, makeGuard } from "./internal/guard.js"
import { ms, type Row, str } from "./internal/rows.js"
import { pageClause } from "./internal/context.js"

const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const instantOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : ms(v))

const toLine = (r: Row): InvoiceLine => ({
  description: r.l_description as string,
  quantity: num(r.l_quantity),
  unitPriceMinor: num(r.l_unit_price_minor),
  serviceId: (r.l_service_id ?? null) as ServiceId | null,
  amountMinor: num(r.l_quantity) * num(r.l_unit_price_minor)
})

const toInvoice = (r: Row, lines: ReadonlyArray<InvoiceLine>) =>
  new Invoice({
    id: r.id as InvoiceId,
    clinicId: r.clinic_id as ClinicId,
    patientId: r.patient_id as PatientId,
    appointmentId: (r.appointment_id ?? null) as AppointmentId | null,
    currency: r.currency as Invoice["currency"],
    lines,
    taxBasisPoints: num(r.tax_basis_points),
    discountMinor: num(r.discount_minor),
    rounding: { mode: r.rounding_mode as Invoice["rounding"]["mode"], scope: r.rounding_scope as Invoice["rounding"]["scope"] },
    subtotalMinor: num(r.subtotal_minor),
    taxMinor: num(r.tax_minor),
    totalMinor: num(r.total_minor),
    paidMinor: num(r.paid_minor),
    refundedMinor: num(r.refunded_minor),
    creditedMinor: num(r.credited_minor),
    balanceMinor: num(r.balance_minor),
    status: r.status as Invoice["status"],
    number: str(r.number),
    year: numOrNull(r.year),
    sequence: numOrNull(r.sequence),
    dueDays: num(r.due_days),
    issuedAt: instantOrNull(r.issued_at),
    dueDate: str(r.due_date),
    voidedAt: instantOrNull(r.voided_at),
    notes: str(r.notes),
    createdBy: (r.created_by ?? null) as StaffId | null,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at)
  }, { disableValidation: true })

/** Invoices from rows of `invoices` left-joined with their lines (`l_*` columns), in row order. */
const invoicesOf = (rows: ReadonlyArray<Row>): ReadonlyArray<Invoice> => {
  const lines = new Map<string, Array<InvoiceLine>>()
  const heads: Array<Row> = []
  for (const r of rows) {
    const id = String(r.id)
    let list = lines.get(id)
    if (list === undefined) {
      list = []
      lines.set(id, list)
      heads.push(r)
    }
    if (r.l_position !== null && r.l_position !== undefined) list.push(toLine(r))
  }
  return heads.map((r) => toInvoice(r, lines.get(String(r.id))!))
}

const toPayment = (r: Row) =>
  new Payment({
    id: r.id as PaymentId,
    clinicId: r.clinic_id as ClinicId,
    invoiceId: (r.invoice_id ?? null) as InvoiceId | null,
    appointmentId: (r.appointment_id ?? null) as AppointmentId | null,
    amountMinor: num(r.amount_minor),
    currency: r.currency as Payment["currency"],
    method: r.method as Payment["method"],
    status: r.status as Payment["status"],
    idempotencyKey: r.idempotency_key as string,
    providerReference: str(r.provider_reference),
    refundedMinor: num(r.refunded_minor),
    paidAt: instantOrNull(r.paid_at),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at)
  }, { disableValidation: true })

const toCreditNote = (r: Row) =>
  new CreditNote({
    id: r.id as CreditNoteId,
    clinicId: r.clinic_id as ClinicId,
    invoiceId: r.invoice_id as InvoiceId,
    number: r.number as string,
    year: num(r.year),
    sequence: num(r.sequence),
    amountMinor: num(r.amount_minor),
    currency: r.currency as CreditNote["currency"],
    reason: r.reason as string,
    createdAt: ms(r.created_at)
  }, { disableValidation: true })

const toRefund = (r: Row) =>
  new Refund({
    id: r.id as RefundId,
    clinicId: r.clinic_id as ClinicId,
    paymentId: r.payment_id as PaymentId,
    amountMinor: num(r.amount_minor),
    reason: str(r.reason),
    createdAt: ms(r.created_at)
  }, { disableValidation: true })

const toExpense = (r: Row) =>
  new Expense({
    id: r.id as ExpenseId,
    clinicId: r.clinic_id as ClinicId,
    category: r.category as string,
    amountMinor: num(r.amount_minor),
    currency: r.currency as Expense["currency"],
    date: r.date as string,
    note: str(r.note),
    createdAt: ms(r.created_at)
  }, { disableValidation: true })

const INVOICE_COLUMNS = `i.*, l.position AS l_position, l.description AS l_description, l.quantity AS l_quantity,
  l.unit_price_minor AS l_unit_price_minor, l.service_id AS l_service_id`

/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect): Effect.Effect<Port.BillingStorage, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const guard = makeGuard(dialect)
    const orDie = <A>(effect: Effect.Effect<A, SqlError>) => Effect.orDie(effect)
    /** In a savepoint inside a transaction: after a violation the enclosing transaction goes on. */
    const recoverable = <A>(statement: Effect.Effect<A, SqlError>) => sql.withTransaction(statement)
    const lock = (options: { readonly lock?: boolean } | undefined, alias?: string) =>
      sql.literal(options?.lock === true && dialect.lockRow !== "" ? `${dialect.lockRow}${alias ? ` OF ${alias}` : ""}` : "")
    const first = <A>(rows: ReadonlyArray<Row>, f: (r: Row) => A) => Option.map(Option.fromNullable(rows[0]), f)

    const lineRows = (invoice: Invoice) =>
      invoice.lines.map((l, position) => ({
        clinic_id: invoice.clinicId,
        invoice_id: invoice.id,
        position,
        description: l.description,
        quantity: l.quantity,
        unit_price_minor: l.unitPriceMinor,
        service_id: l.serviceId
      }))
    const insertLines = (invoice: Invoice) =>
      invoice.lines.length === 0 ? Effect.void : Effect.asVoid(sql`INSERT INTO invoice_lines ${sql.insert(lineRows(invoice))}`)

    const referenceOf = (detail: string) =>
      crossClinic(
        detail.includes("patient")
          ? "patientId"
          : detail.includes("appointment")
          ? "appointmentId"
          : detail.includes("service")
          ? "lines.serviceId"
          : detail.includes("invoice")
          ? "invoiceId"
          : detail.includes("created_by")
          ? "createdBy"
          : "reference"
      )

    const findInvoiceByAppointment = (clinicId: ClinicId, appointmentId: AppointmentId) =>
      orDie(sql`SELECT ${sql.literal(INVOICE_COLUMNS)} FROM invoices i
        LEFT JOIN invoice_lines l ON l.clinic_id = i.clinic_id AND l.invoice_id = i.id
        WHERE i.clinic_id = ${clinicId} AND i.appointment_id = ${appointmentId} AND i.status <> 'void'
        ORDER BY l.position`).pipe(Effect.map((rows) => Option.fromNullable(invoicesOf(rows)[0])))

    const invoiceValues = (i: Invoice) => ({
      clinic_id: i.clinicId,
      id: i.id,
      patient_id: i.patientId,
      appointment_id: i.appointmentId,
      currency: i.currency,
      tax_basis_points: i.taxBasisPoints,
      discount_minor: i.discountMinor,
      rounding_mode: i.rounding.mode,
      rounding_scope: i.rounding.scope,
      subtotal_minor: i.subtotalMinor,
      tax_minor: i.taxMinor,
      total_minor: i.totalMinor,
      paid_minor: i.paidMinor,
      refunded_minor: i.refundedMinor,
      credited_minor: i.creditedMinor,
      balance_minor: i.balanceMinor,
      status: i.status,
      number: i.number,
      year: i.year,
      sequence: i.sequence,
      due_days: i.dueDays,
      issued_at: i.issuedAt === null ? null : dialect.instant(i.issuedAt),
      due_date: i.dueDate,
      voided_at: i.voidedAt === null ? null : dialect.instant(i.voidedAt),
      notes: i.notes,
      created_by: i.createdBy,
      created_at: dialect.instant(i.createdAt),
      updated_at: dialect.instant(i.updatedAt)
    })

    const installmentsOf = (rows: ReadonlyArray<Row>) =>
      rows.map((r) => ({
        seq: num(r.seq),
        dueDate: r.due_date as string,
        amountMinor: num(r.i_amount_minor),
        paidMinor: num(r.paid_minor),
        status: r.i_status as "open" | "paid"
      }))

    const billing: Port.BillingStorage = {
      insertInvoice: (invoice) =>
        guard(
          recoverable(Effect.zipRight(sql`INSERT INTO invoices ${sql.insert(invoiceValues(invoice))}`, insertLines(invoice))),
          {
            unique: (detail) =>
              detail.includes("appointment") && invoice.appointmentId !== null
                ? Effect.map(
                  findInvoiceByAppointment(invoice.clinicId, invoice.appointmentId),
                  (found) =>
                    new Conflict({
                      reason: { _tag: "already_invoiced", invoiceId: Option.match(found, { onNone: () => "", onSome: (i) => i.id }) }
                    })
                )
                : undefined,
            foreignKey: referenceOf
          }
        ),
      updateInvoice: (i, options) => {
        const row = sql`UPDATE invoices SET tax_basis_points = ${i.taxBasisPoints}, discount_minor = ${i.discountMinor},
              rounding_mode = ${i.rounding.mode}, rounding_scope = ${i.rounding.scope}, subtotal_minor = ${i.subtotalMinor},
              tax_minor = ${i.taxMinor}, total_minor = ${i.totalMinor}, paid_minor = ${i.paidMinor},
              refunded_minor = ${i.refundedMinor}, credited_minor = ${i.creditedMinor}, balance_minor = ${i.balanceMinor},
              status = ${i.status}, number = ${i.number}, year = ${i.year}, sequence = ${i.sequence}, due_days = ${i.dueDays},
              issued_at = ${i.issuedAt === null ? null : dialect.instant(i.issuedAt)}, due_date = ${i.dueDate},
              voided_at = ${i.voidedAt === null ? null : dialect.instant(i.voidedAt)}, notes = ${i.notes},
              updated_at = ${dialect.instant(i.updatedAt)}
              WHERE clinic_id = ${i.clinicId} AND id = ${i.id}`
        // Only new lines can name a service of another clinic; the row alone violates nothing
        // (the counter made its number unique), so it needs no savepoint.
        if (options?.lines !== true) return orDie(row).pipe(Effect.asVoid)
        return guard(
          recoverable(Effect.zipRight(
            row,
            Effect.zipRight(
              sql`DELETE FROM invoice_lines WHERE clinic_id = ${i.clinicId} AND invoice_id = ${i.id}`,
              insertLines(i)
            )
          )),
          { foreignKey: referenceOf }
        )
      },
      findInvoice: (clinicId, id, options) =>
        orDie(sql`SELECT ${sql.literal(INVOICE_COLUMNS)} FROM invoices i
          LEFT JOIN invoice_lines l ON l.clinic_id = i.clinic_id AND l.invoice_id = i.id
          WHERE i.clinic_id = ${clinicId} AND i.id = ${id}
          ORDER BY l.position ${lock(options, "i")}`).pipe(Effect.map((rows) => Option.fromNullable(invoicesOf(rows)[0]))),
      findInvoiceByAppointment,
      listInvoices: (clinicId, f) =>
        Effect.gen(function*() {
          const heads = yield* sql`SELECT * FROM invoices WHERE ${
            sql.and([
              sql`clinic_id = ${clinicId}`,
              ...(f.patientId === undefined ? [] : [sql`patient_id = ${f.patientId}`]),
              ...(f.appointmentId === undefined ? [] : [sql`appointment_id = ${f.appointmentId}`]),
              ...(f.statuses === undefined ? [] : f.statuses.length === 0 ? [sql`1 = 0`] : [sql.in("status", f.statuses)]),
              ...(f.dueBefore === undefined ? [] : [sql`status IN ('issued', 'partially_paid') AND due_date < ${f.dueBefore}`])
            ])
          } ORDER BY created_at DESC, id LIMIT ${f.limit} OFFSET ${f.offset}`
          if (heads.length === 0) return []
          const lines = yield* sql`SELECT invoice_id, position AS l_position, description AS l_description, quantity AS l_quantity,
              unit_price_minor AS l_unit_price_minor, service_id AS l_service_id
            FROM invoice_lines WHERE clinic_id = ${clinicId} AND ${sql.in("invoice_id", heads.map((r) => r.id as string))}
            ORDER BY invoice_id, position`
          const byInvoice = new Map<string, Array<InvoiceLine>>()
          for (const l of lines) {
            const list = byInvoice.get(String(l.invoice_id)) ?? []
            list.push(toLine(l))
            byInvoice.set(String(l.invoice_id), list)
          }
          return heads.map((r) => toInvoice(r, byInvoice.get(String(r.id)) ?? []))
        }).pipe(Effect.orDie),
      deleteInvoice: (clinicId, id) =>
        orDie(sql`DELETE FROM invoices WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.asVoid),
      nextNumber: (clinicId, series, year) =>
        Effect.gen(function*() {
          const [updated] = yield* sql`UPDATE billing_counters SET last_number = last_number + 1
            WHERE clinic_id = ${clinicId} AND series = ${series} AND year = ${year} RETURNING last_number`
          if (updated !== undefined) return num(updated.last_number)
          // The first number of the year: the row is created. Two first issuers at once meet on
          // the primary key, and the second increments the row the first created.
          const [created] = yield* sql`INSERT INTO billing_counters (clinic_id, series, year, last_number)
            VALUES (${clinicId}, ${series}, ${year}, 1)
            ON CONFLICT (clinic_id, series, year) DO UPDATE SET last_number = billing_counters.last_number + 1
            RETURNING last_number`
          return num(created!.last_number)
        }).pipe(Effect.orDie),
      insertCreditNote: (n) =>
        guard(
          sql`INSERT INTO credit_notes (clinic_id, id, invoice_id, number, year, sequence, amount_minor, currency, reason, created_at)
            VALUES (${n.clinicId}, ${n.id}, ${n.invoiceId}, ${n.number}, ${n.year}, ${n.sequence}, ${n.amountMinor},
              ${n.currency}, ${n.reason}, ${dialect.instant(n.createdAt)})`,
          { foreignKey: referenceOf }
        ).pipe(Effect.asVoid),
      creditNotes: (clinicId, invoiceId) =>
        orDie(sql`SELECT * FROM credit_notes WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId} ORDER BY created_at, id`).pipe(
          Effect.map((rows) => rows.map(toCreditNote))
        ),
      insertPayment: ({ payment: p, requestFingerprint }) =>
        guard(
          recoverable(sql`INSERT INTO payments (clinic_id, id, invoice_id, appointment_id, amount_minor, currency, method, status,
              idempotency_key, request_fingerprint, provider_reference, refunded_minor, paid_at, created_at, updated_at)
            VALUES (${p.clinicId}, ${p.id}, ${p.invoiceId}, ${p.appointmentId}, ${p.amountMinor}, ${p.currency}, ${p.method},
              ${p.status}, ${p.idempotencyKey}, ${requestFingerprint}, ${p.providerReference}, ${p.refundedMinor},
              ${p.paidAt === null ? null : dialect.instant(p.paidAt)}, ${dialect.instant(p.createdAt)}, ${dialect.instant(p.updatedAt)})`),
          {
            unique: (detail) =>
              detail.includes("provider_reference")
                ? new Conflict({ reason: { _tag: "duplicate_provider_reference", providerReference: p.providerReference ?? "" } })
                : detail.includes("idempotency")
                ? new Conflict({ reason: { _tag: "idempotency_key_reused", key: p.idempotencyKey } })
                : undefined,
            foreignKey: referenceOf
          }
        ).pipe(Effect.asVoid),
      updatePayment: (p) =>
        orDie(sql`UPDATE payments SET status = ${p.status}, refunded_minor = ${p.refundedMinor},
          paid_at = ${p.paidAt === null ? null : dialect.instant(p.paidAt)}, updated_at = ${dialect.instant(p.updatedAt)}
          WHERE clinic_id = ${p.clinicId} AND id = ${p.id}`).pipe(Effect.asVoid),
      findPayment: (clinicId, id, options) =>
        orDie(sql`SELECT * FROM payments WHERE clinic_id = ${clinicId} AND id = ${id} ${lock(options)}`).pipe(
          Effect.map((rows) => first(rows, toPayment))
        ),
      findPaymentByKey: (clinicId, key) =>
        orDie(sql`SELECT * FROM payments WHERE clinic_id = ${clinicId} AND idempotency_key = ${key}`).pipe(
          Effect.map((rows) => first(rows, (r) => ({ payment: toPayment(r), requestFingerprint: r.request_fingerprint as string })))
        ),
      findPaymentByProviderReference: (clinicId, reference, options) =>
        orDie(sql`SELECT * FROM payments WHERE clinic_id = ${clinicId} AND provider_reference = ${reference} ${lock(options)}`).pipe(
          Effect.map((rows) => first(rows, toPayment))
        ),
      listPayments: (clinicId, f) =>
        orDie(sql`SELECT * FROM payments WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(f.invoiceId === undefined ? [] : [sql`invoice_id = ${f.invoiceId}`]),
            ...(f.appointmentId === undefined ? [] : [sql`appointment_id = ${f.appointmentId}`])
          ])
        } ORDER BY created_at, id LIMIT ${f.limit} OFFSET ${f.offset}`).pipe(Effect.map((rows) => rows.map(toPayment))),
      insertRefund: (r) =>
        orDie(sql`INSERT INTO refunds (clinic_id, id, payment_id, amount_minor, reason, created_at)
          VALUES (${r.clinicId}, ${r.id}, ${r.paymentId}, ${r.amountMinor}, ${r.reason}, ${dialect.instant(r.createdAt)})`).pipe(
            Effect.asVoid
          ),
      refunds: (clinicId, paymentId) =>
        orDie(sql`SELECT * FROM refunds WHERE clinic_id = ${clinicId} AND payment_id = ${paymentId} ORDER BY created_at, id`).pipe(
          Effect.map((rows) => rows.map(toRefund))
        ),
      ledger: (clinicId, invoiceId) =>
        orDie(sql`SELECT
            (SELECT coalesce(sum(amount_minor), 0) FROM payments
              WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId} AND status IN ('paid', 'refunded')) AS paid,
            (SELECT coalesce(sum(r.amount_minor), 0) FROM refunds r JOIN payments p ON p.clinic_id = r.clinic_id AND p.id = r.payment_id
              WHERE p.clinic_id = ${clinicId} AND p.invoice_id = ${invoiceId}) AS refunded,
            (SELECT coalesce(sum(amount_minor), 0) FROM payments
              WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId} AND status = 'pending') AS pending,
            (SELECT count(*) FROM payments
              WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId} AND status <> 'failed') AS payments,
            (SELECT coalesce(sum(amount_minor), 0) FROM credit_notes WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId}) AS credited,
            (SELECT count(*) FROM credit_notes WHERE clinic_id = ${clinicId} AND invoice_id = ${invoiceId}) AS credit_notes`).pipe(
            Effect.map(([r]) => ({
              paidMinor: num(r!.paid),
              refundedMinor: num(r!.refunded),
              creditedMinor: num(r!.credited),
              pendingMinor: num(r!.pending),
              payments: num(r!.payments),
              creditNotes: num(r!.credit_notes)
            }))
          ),
      insertPlan: (plan) =>
        guard(
          recoverable(Effect.zipRight(
            sql`INSERT INTO payment_plans (clinic_id, id, invoice_id, total_minor, currency, status, created_at, updated_at)
              VALUES (${plan.clinicId}, ${plan.id}, ${plan.invoiceId}, ${plan.totalMinor}, ${plan.currency}, ${plan.status},
                ${dialect.instant(plan.createdAt)}, ${dialect.instant(plan.updatedAt)})`,
            sql`INSERT INTO payment_installments ${
              sql.insert(plan.installments.map((i) => ({
                clinic_id: plan.clinicId,
                plan_id: plan.id,
                seq: i.seq,
                due_date: i.dueDate,
                amount_minor: i.amountMinor,
                paid_minor: i.paidMinor,
                status: i.status
              })))
            }`
          )),
          {
            unique: () => new Conflict({ reason: { _tag: "has_dependents", counts: { payment_plans: 1 } } }),
            foreignKey: referenceOf
          }
        ).pipe(Effect.asVoid),
      updatePlan: (plan) =>
        Effect.gen(function*() {
          yield* sql`UPDATE payment_plans SET status = ${plan.status}, updated_at = ${dialect.instant(plan.updatedAt)}
            WHERE clinic_id = ${plan.clinicId} AND id = ${plan.id}`
          for (const i of plan.installments) {
            yield* sql`UPDATE payment_installments SET paid_minor = ${i.paidMinor}, status = ${i.status}
              WHERE clinic_id = ${plan.clinicId} AND plan_id = ${plan.id} AND seq = ${i.seq}
                AND (paid_minor <> ${i.paidMinor} OR status <> ${i.status})`
          }
        }).pipe(Effect.orDie),
      findPlanByInvoice: (clinicId, invoiceId) =>
        orDie(sql`SELECT p.*, i.seq, i.due_date, i.amount_minor AS i_amount_minor, i.paid_minor, i.status AS i_status
          FROM payment_plans p JOIN payment_installments i ON i.clinic_id = p.clinic_id AND i.plan_id = p.id
          WHERE p.clinic_id = ${clinicId} AND p.invoice_id = ${invoiceId} ORDER BY i.seq`).pipe(
          Effect.map((rows) =>
            first(rows, (r) =>
              new PaymentPlan({
                id: r.id as PaymentPlanId,
                clinicId: r.clinic_id as ClinicId,
                invoiceId: r.invoice_id as InvoiceId,
                totalMinor: num(r.total_minor),
                currency: r.currency as PaymentPlan["currency"],
                status: r.status as PaymentPlan["status"],
                installments: installmentsOf(rows),
                createdAt: ms(r.created_at),
                updatedAt: ms(r.updated_at)
              }, { disableValidation: true }))
          )
        ),
      insertExpense: (e) =>
        orDie(sql`INSERT INTO expenses (clinic_id, id, category, amount_minor, currency, date, note, created_at)
          VALUES (${e.clinicId}, ${e.id}, ${e.category}, ${e.amountMinor}, ${e.currency}, ${e.date}, ${e.note},
            ${dialect.instant(e.createdAt)})`).pipe(Effect.asVoid),
      findExpense: (clinicId, id) =>
        orDie(sql`SELECT * FROM expenses WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.map((rows) => first(rows, toExpense))),
      listExpenses: (clinicId, p) =>
        orDie(sql`SELECT * FROM expenses WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            sql`date >= ${p.from}`,
            sql`date <= ${p.to}`,
            ...(p.category === undefined ? [] : [sql`category = ${p.category}`])
          ])
        } ORDER BY date, created_at, id${pageClause(sql, p)}`).pipe(Effect.map((rows) => rows.map(toExpense))),
      deleteExpense: (clinicId, id) => orDie(sql`DELETE FROM expenses WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.asVoid)
    }
    return billing
  })
