/**
 * The billing storage port: invoices and their lines, the gap-free number counters, credit notes,
 * payments and refunds, payment plans and expenses. Adapters provide it beside `Storage`; its
 * methods run on the connection of the current `Storage.transaction`, so a billing operation reads
 * and writes in the same transaction as its permission check and audit event. Every method takes
 * the clinic id and scopes its query by it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Conflict } from "./Errors.js"
import type { Expense, ExpenseId } from "./Expense.js"
import type { AppointmentId, ClinicId, PatientId } from "./Ids.js"
import type { CreditNote, Invoice, InvoiceId, InvoiceStatus, Ledger, Series } from "./Invoice.js"
import type { Payment, PaymentId, Refund } from "./Payment.js"
import type { PaymentPlan } from "./PaymentPlan.js"
import type { Window } from "./Page.js"

/** A payment as stored, with the fingerprint of the request that recorded it. @since 0.1.0 @category models */
export interface PaymentRow {
  readonly payment: Payment
  readonly requestFingerprint: string
}

/** The ledger of an invoice, and what is pending on it. @since 0.1.0 @category models */
export interface LedgerSums extends Ledger {
  /** Payments waiting for a confirmation. */
  readonly pendingMinor: number
  readonly payments: number
  readonly creditNotes: number
}

/** @since 0.1.0 @category models */
export interface InvoiceFilter {
  readonly patientId?: PatientId | undefined
  readonly appointmentId?: AppointmentId | undefined
  readonly statuses?: ReadonlyArray<InvoiceStatus> | undefined
  /** Open invoices whose due date is before this clinic-local ISO date. */
  readonly dueBefore?: string | undefined
  readonly limit: number
  readonly offset: number
}

/** @since 0.1.0 @category models */
export interface PaymentFilter {
  readonly invoiceId?: InvoiceId | undefined
  readonly appointmentId?: AppointmentId | undefined
  readonly limit: number
  readonly offset: number
}

/** @since 0.1.0 @category ports */
export interface BillingStorage {
  /**
   * Inserts an invoice with its lines. `Conflict { already_invoiced }` when its appointment already
   * has an invoice that is not void (a unique index decides, also under concurrency);
   * `cross_clinic_reference` when the patient, appointment or a line's service is not the clinic's.
   */
  readonly insertInvoice: (invoice: Invoice) => Effect.Effect<void, Conflict>
  /** Writes every field; the lines too when `lines` is set (drafts only). */
  readonly updateInvoice: (invoice: Invoice, options?: { readonly lines?: boolean }) => Effect.Effect<void, Conflict>
  /** With `lock`, the row is held until the transaction ends (concurrent payments queue on it). */
  readonly findInvoice: (clinicId: ClinicId, id: InvoiceId, options?: { readonly lock?: boolean }) => Effect.Effect<Option.Option<Invoice>>
  /** The appointment's invoice that is not void, if any. */
  readonly findInvoiceByAppointment: (clinicId: ClinicId, appointmentId: AppointmentId) => Effect.Effect<Option.Option<Invoice>>
  readonly listInvoices: (clinicId: ClinicId, filter: InvoiceFilter) => Effect.Effect<ReadonlyArray<Invoice>>
  readonly deleteInvoice: (clinicId: ClinicId, id: InvoiceId) => Effect.Effect<void>
  /**
   * The next number of a clinic's series in a year, from its counter row: one statement that
   * increments and returns it (`UPDATE … RETURNING`, the row created at 1 when missing). The row
   * stays locked until the transaction ends (Postgres row lock; SQLite's single writer), so
   * concurrent issuers take turns, and a rollback gives the number back: no gaps, no duplicates.
   */
  readonly nextNumber: (clinicId: ClinicId, series: Series, year: number) => Effect.Effect<number>
  readonly insertCreditNote: (note: CreditNote) => Effect.Effect<void, Conflict>
  readonly creditNotes: (clinicId: ClinicId, invoiceId: InvoiceId) => Effect.Effect<ReadonlyArray<CreditNote>>
  /**
   * `Conflict { idempotency_key_reused }` when the key is taken, `duplicate_provider_reference`
   * when the reference is, `cross_clinic_reference` for an invoice or appointment not the clinic's.
   */
  readonly insertPayment: (row: PaymentRow) => Effect.Effect<void, Conflict>
  readonly updatePayment: (payment: Payment) => Effect.Effect<void>
  /** With `lock`, the row is held until the transaction ends. */
  readonly findPayment: (clinicId: ClinicId, id: PaymentId, options?: { readonly lock?: boolean }) => Effect.Effect<Option.Option<Payment>>
  readonly findPaymentByKey: (clinicId: ClinicId, key: string) => Effect.Effect<Option.Option<PaymentRow>>
  readonly findPaymentByProviderReference: (
    clinicId: ClinicId,
    reference: string,
    options?: { readonly lock?: boolean }
  ) => Effect.Effect<Option.Option<Payment>>
  readonly listPayments: (clinicId: ClinicId, filter: PaymentFilter) => Effect.Effect<ReadonlyArray<Payment>>
  readonly insertRefund: (refund: Refund) => Effect.Effect<void>
  readonly refunds: (clinicId: ClinicId, paymentId: PaymentId) => Effect.Effect<ReadonlyArray<Refund>>
  /** Sums of the invoice's paid payments, their refunds, its credit notes and pending payments. */
  readonly ledger: (clinicId: ClinicId, invoiceId: InvoiceId) => Effect.Effect<LedgerSums>
  /** `Conflict { has_dependents }` when the invoice has a plan already. */
  readonly insertPlan: (plan: PaymentPlan) => Effect.Effect<void, Conflict>
  readonly updatePlan: (plan: PaymentPlan) => Effect.Effect<void>
  readonly findPlanByInvoice: (clinicId: ClinicId, invoiceId: InvoiceId) => Effect.Effect<Option.Option<PaymentPlan>>
  readonly insertExpense: (expense: Expense) => Effect.Effect<void>
  readonly findExpense: (clinicId: ClinicId, id: ExpenseId) => Effect.Effect<Option.Option<Expense>>
  readonly listExpenses: (
    clinicId: ClinicId,
    period: { readonly from: string; readonly to: string; readonly category?: string | undefined } & Window
  ) => Effect.Effect<ReadonlyArray<Expense>>
  readonly deleteExpense: (clinicId: ClinicId, id: ExpenseId) => Effect.Effect<void>
}

/** @since 0.1.0 @category tags */
export const BillingStorage: Context.Tag<BillingStorage, BillingStorage> = Context.GenericTag<BillingStorage>(
  "@clinicore/core/BillingStorage"
)
