/**
 * The Billing service: invoices (drafts, issue with gap-free numbers, void, credit notes), invoices
 * from completed appointments, payments (idempotent, provider confirmations, refunds), payment
 * plans and expenses. Every operation declares one key of the registry, runs in one transaction of
 * the actor's clinic with its audit event, and treats another clinic's ids as unknown ones.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import type { Appointment } from "./Appointment.js"
import type { Clinic } from "./Clinic.js"
import { BillingStorage } from "./BillingStorage.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { CreateExpense, Expense, ExpenseId, ExpensePeriod } from "./Expense.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { AppointmentId, PatientId, type StaffId } from "./Ids.js"
import * as Appointments from "./internal/billing/appointments.js"
import { type BillingDeps, draft, issue, loadInvoice, priceLines, recompute, requireAllowed, today } from "./internal/billing/invoices.js"
import * as Payments from "./internal/billing/payments.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode, invalid } from "./internal/validation.js"
import {
  balance,
  basisPoints,
  CreateCreditNote,
  CreateInvoice,
  CreditNote,
  CreditNoteId,
  counterYear,
  defaultRounding,
  formatNumber,
  Invoice,
  InvoiceId,
  InvoiceStatus,
  LineInput,
  Rounding,
  TaxPercent,
  UpdateInvoice
} from "./Invoice.js"
import { MinorUnits } from "./Money.js"
import { ConfirmPayment, type Payment, PaymentId, RecordPayment, type Refund, RefundPayment, SetPaymentStatus } from "./Payment.js"
import { CreatePaymentPlan, PaymentPlan, PaymentPlanId, schedule } from "./PaymentPlan.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated
type Failure = ValidationError | NotFound | Conflict | Refusal

/** @since 0.1.0 @category inputs */
export const InvoiceAppointment = Schema.Struct({
  appointmentId: AppointmentId,
  /** The appointment's service at its price when absent. */
  lines: Schema.optional(Schema.Array(LineInput).pipe(Schema.minItems(1, { message: () => "needs at least one line item" }))),
  taxPercent: Schema.optionalWith(TaxPercent, { default: () => 0 }),
  discountMinor: Schema.optionalWith(MinorUnits, { default: () => 0 }),
  rounding: Schema.optionalWith(Rounding, { default: () => defaultRounding }),
  dueDays: Schema.optional(Schema.Number.pipe(Schema.filter((n) => Number.isSafeInteger(n) && n >= 0 && n <= 3650, {
    message: () => "must be a whole number of days from 0 to 3650"
  }))),
  notes: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.maxLength(2000))))
})
/** @since 0.1.0 @category inputs */
export type InvoiceAppointment = typeof InvoiceAppointment.Encoded

/** @since 0.1.0 @category inputs */
export const InvoiceList = Schema.Struct({
  patientId: Schema.optional(PatientId),
  appointmentId: Schema.optional(AppointmentId),
  statuses: Schema.optional(Schema.Array(InvoiceStatus)),
  /** Only open invoices past their due date (clinic-local today). */
  overdue: Schema.optional(Schema.Boolean),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), { default: () => 100 }),
  offset: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 })
})
/** @since 0.1.0 @category inputs */
export type InvoiceList = typeof InvoiceList.Encoded

/** @since 0.1.0 @category inputs */
export const PaymentList = Schema.Struct({
  invoiceId: Schema.optional(InvoiceId),
  appointmentId: Schema.optional(AppointmentId),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), { default: () => 100 }),
  offset: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 })
})
/** @since 0.1.0 @category inputs */
export type PaymentList = typeof PaymentList.Encoded

/** @since 0.1.0 @category models */
export interface Billing {
  /** A draft invoice with priced lines (a line naming a service takes its price by default). */
  readonly createInvoice: (input: CreateInvoice) => Effect.Effect<Invoice, Failure, Actor>
  /** A draft invoice for a completed appointment (at most one per appointment). */
  readonly invoiceAppointment: (input: InvoiceAppointment) => Effect.Effect<Invoice, Failure, Actor>
  /** Changes a draft; issued invoices never change. */
  readonly updateInvoice: (input: UpdateInvoice) => Effect.Effect<Invoice, Failure, Actor>
  /** Assigns the next number of the clinic's series for the year and the due date. */
  readonly issueInvoice: (id: string) => Effect.Effect<Invoice, Failure, Actor>
  /** Voids a draft, or an issued invoice with nothing applied (no payment, credit note or plan). */
  readonly voidInvoice: (id: string) => Effect.Effect<Invoice, Failure, Actor>
  /** Deletes a draft (it never had a number). */
  readonly deleteInvoice: (id: string) => Effect.Effect<void, Failure, Actor>
  readonly getInvoice: (id: string) => Effect.Effect<Invoice, Failure, Actor>
  readonly listInvoices: (input?: InvoiceList) => Effect.Effect<ReadonlyArray<Invoice>, Failure, Actor>
  /** Corrects an issued invoice by an amount not above what is left to pay, numbered in its own series. */
  readonly createCreditNote: (input: CreateCreditNote) => Effect.Effect<CreditNote, Failure, Actor>
  /** Records a payment (idempotency key required); recomputes its invoice in the same transaction. */
  readonly recordPayment: (input: RecordPayment) => Effect.Effect<Payment, Failure, Actor>
  /** Marks a payment `paid` or `failed` (a reversal of a paid one); recomputes its invoice. */
  readonly setPaymentStatus: (input: SetPaymentStatus) => Effect.Effect<Payment, Failure, Actor>
  /** A provider's confirmation of an external payment, by its reference; twice changes nothing. */
  readonly confirmPayment: (input: ConfirmPayment) => Effect.Effect<Payment, Failure, Actor>
  /** Refunds part or all of a paid payment (`billing.refund`). */
  readonly refundPayment: (input: RefundPayment) => Effect.Effect<Refund, Failure, Actor>
  readonly getPayment: (id: string) => Effect.Effect<Payment, Failure, Actor>
  readonly listPayments: (input?: PaymentList) => Effect.Effect<ReadonlyArray<Payment>, Failure, Actor>
  /** Splits what is left to pay of an open invoice into installments. */
  readonly createPaymentPlan: (input: CreatePaymentPlan) => Effect.Effect<PaymentPlan, Failure, Actor>
  /** The plan of an invoice. */
  readonly getPaymentPlan: (invoiceId: string) => Effect.Effect<PaymentPlan, Failure, Actor>
  readonly createExpense: (input: CreateExpense) => Effect.Effect<Expense, Failure, Actor>
  /** Expenses dated in the period (both ends included), oldest first. */
  readonly listExpenses: (input: ExpensePeriod) => Effect.Effect<ReadonlyArray<Expense>, Failure, Actor>
  readonly deleteExpense: (id: string) => Effect.Effect<void, Failure, Actor>
}

/** @since 0.1.0 @category tags */
export const Billing: Context.Tag<Billing, Billing> = Context.GenericTag<Billing>("@clinicore/core/Billing")

const InvoiceIdInput = Schema.Struct({ id: InvoiceId })
const PaymentIdInput = Schema.Struct({ id: PaymentId })
const ExpenseIdInput = Schema.Struct({ id: ExpenseId })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Billing, never, Storage | BillingStorage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const steps: BillingDeps = { storage: deps.storage, billing: yield* BillingStorage }
  const { billing, storage } = steps

  const invoiceId = (raw: string) => Effect.map(decode(InvoiceIdInput, { id: raw }), (v) => v.id)
  const paymentId = (raw: string) => Effect.map(decode(PaymentIdInput, { id: raw }), (v) => v.id)

  return {
    createInvoice: (input) =>
      clinicOperation(deps, "Billing.createInvoice", (acting) =>
        Effect.gen(function*() {
          const { clinic } = acting
          const valid = yield* decode(CreateInvoice, input)
          const now = yield* Clock.currentTimeMillis
          if (Option.isNone(yield* storage.patients.findById(clinic.id, valid.patientId))) {
            return yield* new NotFound({ entity: "Patient", id: valid.patientId })
          }
          const invoice = yield* draft(clinic, {
            patientId: valid.patientId,
            appointmentId: null,
            lines: yield* priceLines(steps, clinic.id, valid.lines),
            taxBasisPoints: basisPoints(valid.taxPercent),
            discountMinor: valid.discountMinor,
            rounding: valid.rounding,
            dueDays: valid.dueDays ?? clinic.settings.invoiceDueDays,
            notes: valid.notes ?? null,
            createdBy: Option.getOrNull(Option.map(acting.user, (u) => u.id))
          }, now)
          yield* billing.insertInvoice(invoice)
          return invoice
        })),
    invoiceAppointment: (input) =>
      clinicOperation(deps, "Billing.invoiceAppointment", (acting) =>
        Effect.gen(function*() {
          const valid = yield* decode(InvoiceAppointment, input)
          const now = yield* Clock.currentTimeMillis
          const found = yield* storage.appointments.findById(acting.clinic.id, valid.appointmentId)
          if (Option.isNone(found)) return yield* new NotFound({ entity: "Appointment", id: valid.appointmentId })
          const appointment = found.value.appointment
          yield* Appointments.requireInvoiceable(steps, appointment)
          const lines = valid.lines === undefined
            ? Option.match(yield* Appointments.serviceLine(steps, appointment), {
              onNone: () => undefined,
              onSome: (line) => [line]
            })
            : yield* priceLines(steps, acting.clinic.id, valid.lines)
          if (lines === undefined) {
            return yield* invalid("lines", "is required for an appointment without a service")
          }
          return yield* Appointments.createForAppointment(steps, acting.clinic, appointment, {
            lines,
            taxBasisPoints: basisPoints(valid.taxPercent),
            discountMinor: valid.discountMinor,
            rounding: valid.rounding,
            dueDays: valid.dueDays ?? acting.clinic.settings.invoiceDueDays,
            notes: valid.notes ?? null,
            createdBy: Option.getOrNull(Option.map(acting.user, (u) => u.id))
          }, now)
        })),
    updateInvoice: (input) =>
      clinicOperation(deps, "Billing.updateInvoice", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(UpdateInvoice, input)
          const now = yield* Clock.currentTimeMillis
          const current = yield* loadInvoice(steps, clinic.id, valid.id, true)
          yield* requireAllowed(current, "edit")
          const lines = valid.lines === undefined ? current.lines : yield* priceLines(steps, clinic.id, valid.lines)
          const next = yield* draft(clinic, {
            patientId: current.patientId,
            appointmentId: current.appointmentId,
            lines,
            taxBasisPoints: valid.taxPercent === undefined ? current.taxBasisPoints : basisPoints(valid.taxPercent),
            discountMinor: valid.discountMinor ?? current.discountMinor,
            rounding: valid.rounding ?? current.rounding,
            dueDays: valid.dueDays ?? current.dueDays,
            notes: valid.notes === undefined ? current.notes : valid.notes,
            createdBy: current.createdBy
          }, now)
          const updated = new Invoice({ ...next, id: current.id, createdAt: current.createdAt }, { disableValidation: true })
          yield* billing.updateInvoice(updated, { lines: valid.lines !== undefined })
          return updated
        })),
    issueInvoice: (id) =>
      clinicOperation(deps, "Billing.issueInvoice", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* invoiceId(id)
          return yield* issue(steps, clinic, valid, yield* Clock.currentTimeMillis)
        })),
    voidInvoice: (id) =>
      clinicOperation(deps, "Billing.voidInvoice", ({ clinic }) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const current = yield* loadInvoice(steps, clinic.id, yield* invoiceId(id), true)
          yield* requireAllowed(current, "void")
          if (current.status !== "draft") {
            const ledger = yield* billing.ledger(clinic.id, current.id)
            const plan = yield* billing.findPlanByInvoice(clinic.id, current.id)
            const counts = Object.fromEntries(
              Object.entries({ payments: ledger.payments, credit_notes: ledger.creditNotes, payment_plans: Option.isSome(plan) ? 1 : 0 })
                .filter(([, n]) => n > 0)
            )
            if (Object.keys(counts).length > 0) return yield* new Conflict({ reason: { _tag: "has_dependents", counts } })
          }
          const voided = new Invoice({ ...current, status: "void", balanceMinor: 0, voidedAt: now, updatedAt: now }, {
            disableValidation: true
          })
          yield* billing.updateInvoice(voided)
          return voided
        })),
    deleteInvoice: (id) =>
      clinicOperation(deps, "Billing.deleteInvoice", ({ clinic }) =>
        Effect.gen(function*() {
          const current = yield* loadInvoice(steps, clinic.id, yield* invoiceId(id), true)
          yield* requireAllowed(current, "delete")
          yield* billing.deleteInvoice(clinic.id, current.id)
          return current.id
        }), (x) => x).pipe(Effect.asVoid),
    getInvoice: (id) =>
      clinicOperation(deps, "Billing.getInvoice", ({ clinic }) =>
        Effect.flatMap(invoiceId(id), (valid) => loadInvoice(steps, clinic.id, valid))),
    listInvoices: (input = {}) =>
      clinicOperation(deps, "Billing.listInvoices", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(InvoiceList, input)
          const now = yield* Clock.currentTimeMillis
          return yield* billing.listInvoices(clinic.id, {
            patientId: valid.patientId,
            appointmentId: valid.appointmentId,
            statuses: valid.statuses,
            dueBefore: valid.overdue === true ? today(clinic, now).date : undefined,
            limit: valid.limit,
            offset: valid.offset
          })
        })),
    createCreditNote: (input) =>
      clinicOperation(deps, "Billing.createCreditNote", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateCreditNote, input)
          const now = yield* Clock.currentTimeMillis
          const invoice = yield* loadInvoice(steps, clinic.id, valid.invoiceId, true)
          yield* requireAllowed(invoice, "credit")
          const ledger = yield* billing.ledger(clinic.id, invoice.id)
          const left = balance(invoice.totalMinor, ledger)
          if (valid.amountMinor > left) {
            return yield* new Conflict({ reason: { _tag: "credit_exceeds_balance", balanceMinor: left, amountMinor: valid.amountMinor } })
          }
          const { year } = today(clinic, now)
          const format = clinic.settings.creditNoteNumberFormat
          const sequence = yield* billing.nextNumber(clinic.id, "credit_note", counterYear(format, year))
          const note = new CreditNote({
            id: CreditNoteId.make(randomUUID()),
            clinicId: clinic.id,
            invoiceId: invoice.id,
            number: formatNumber(format, year, sequence),
            year,
            sequence,
            amountMinor: valid.amountMinor,
            currency: invoice.currency,
            reason: valid.reason,
            createdAt: now
          }, { disableValidation: true })
          yield* billing.insertCreditNote(note)
          yield* recompute(steps, invoice, now)
          return note
        })),
    recordPayment: (input) =>
      clinicOperation(deps, "Billing.recordPayment", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(RecordPayment, input)
          return yield* Payments.record(steps, clinic, valid, yield* Clock.currentTimeMillis)
        })),
    setPaymentStatus: (input) =>
      clinicOperation(deps, "Billing.setPaymentStatus", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(SetPaymentStatus, input)
          const payment = yield* Payments.load(steps, clinic, valid.id)
          return yield* Payments.setStatus(steps, clinic, payment, valid.status, yield* Clock.currentTimeMillis)
        })),
    confirmPayment: (input) =>
      clinicOperation(deps, "Billing.confirmPayment", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(ConfirmPayment, input)
          return yield* Payments.confirm(steps, clinic, valid.providerReference, valid.outcome, yield* Clock.currentTimeMillis)
        })),
    refundPayment: (input) =>
      clinicOperation(deps, "Billing.refundPayment", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(RefundPayment, input)
          const payment = yield* Payments.load(steps, clinic, valid.paymentId)
          return yield* Payments.refund(steps, clinic, payment, valid.amountMinor, valid.reason ?? null, yield* Clock.currentTimeMillis)
        })),
    getPayment: (id) =>
      clinicOperation(deps, "Billing.getPayment", ({ clinic }) =>
        Effect.flatMap(paymentId(id), (valid) => Payments.load(steps, clinic, valid))),
    listPayments: (input = {}) =>
      clinicOperation(deps, "Billing.listPayments", ({ clinic }) =>
        Effect.flatMap(decode(PaymentList, input), (valid) => billing.listPayments(clinic.id, valid))),
    createPaymentPlan: (input) =>
      clinicOperation(deps, "Billing.createPaymentPlan", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreatePaymentPlan, input)
          const now = yield* Clock.currentTimeMillis
          const invoice = yield* loadInvoice(steps, clinic.id, valid.invoiceId, true)
          yield* requireAllowed(invoice, "pay")
          const installments = schedule(
            invoice.balanceMinor,
            valid.installments,
            valid.firstDueDate ?? today(clinic, now).date,
            valid.intervalDays === undefined ? { months: valid.intervalMonths ?? 1 } : { days: valid.intervalDays }
          )
          const plan = new PaymentPlan({
            id: PaymentPlanId.make(randomUUID()),
            clinicId: clinic.id,
            invoiceId: invoice.id,
            totalMinor: invoice.balanceMinor,
            currency: invoice.currency,
            status: "active",
            installments,
            createdAt: now,
            updatedAt: now
          }, { disableValidation: true })
          yield* billing.insertPlan(plan)
          return plan
        })),
    getPaymentPlan: (raw) =>
      clinicOperation(deps, "Billing.getPaymentPlan", ({ clinic }) =>
        Effect.gen(function*() {
          const id = yield* invoiceId(raw)
          const found = yield* billing.findPlanByInvoice(clinic.id, id)
          if (Option.isNone(found)) return yield* new NotFound({ entity: "PaymentPlan", id })
          return found.value
        })),
    createExpense: (input) =>
      clinicOperation(deps, "Billing.createExpense", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateExpense, input)
          const expense = new Expense({
            id: ExpenseId.make(randomUUID()),
            clinicId: clinic.id,
            category: valid.category,
            amountMinor: valid.amountMinor,
            currency: clinic.currency,
            date: valid.date,
            note: valid.note ?? null,
            createdAt: yield* Clock.currentTimeMillis
          }, { disableValidation: true })
          yield* billing.insertExpense(expense)
          return expense
        })),
    listExpenses: (input) =>
      clinicOperation(deps, "Billing.listExpenses", ({ clinic }) =>
        Effect.flatMap(decode(ExpensePeriod, input), (valid) => billing.listExpenses(clinic.id, valid))),
    deleteExpense: (raw) =>
      clinicOperation(deps, "Billing.deleteExpense", ({ clinic }) =>
        Effect.gen(function*() {
          const { id } = yield* decode(ExpenseIdInput, { id: raw })
          if (Option.isNone(yield* billing.findExpense(clinic.id, id))) return yield* new NotFound({ entity: "Expense", id })
          yield* billing.deleteExpense(clinic.id, id)
          return id
        }), (x) => x).pipe(Effect.asVoid)
  }
})

/**
 * The hook `Scheduling.setStatus` calls when it records an appointment as `completed`, inside its
 * own operation's transaction (after writing the appointment), with the storage ports of that
 * transaction: when the clinic's `autoInvoiceOnCompletion` setting is `draft` or `issue`, it
 * creates the appointment's invoice (one line, the service at its price) and, with `issue`, issues
 * it. Exactly once however often completion is recorded (`None` when the appointment has an invoice
 * already, has no service, or the setting is `off`). It checks no permission and appends no audit
 * event of its own: the calling operation did both. `createdBy`: the acting staff account, if any.
 *
 * @since 0.1.0 @category integration
 */
export const invoiceOnCompletion: (
  ports: { readonly storage: Storage; readonly billing: BillingStorage },
  clinic: Clinic,
  appointment: Appointment,
  now: number,
  createdBy?: StaffId | null
) => Effect.Effect<Option.Option<Invoice>> = Appointments.invoiceOnCompletion

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Billing, never, Storage | BillingStorage | FieldCrypto> = Layer.effect(Billing, make)
