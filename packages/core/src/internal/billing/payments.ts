/**
 * The steps of payment operations, run inside a `clinicOperation`. Locks are always taken in one
 * order, the invoice before its payments, so concurrent payments of one invoice queue on the
 * invoice's row instead of deadlocking, and each sees the ledger the previous one committed.
 */
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Clinic } from "../../Clinic.js"
import { Conflict, NotFound, type ValidationError } from "../../Errors.js"
import type { AppointmentId } from "../../Ids.js"
import { balance, type Invoice, type InvoiceId } from "../../Invoice.js"
import {
  afterRefund,
  canTransition,
  fingerprint,
  Payment,
  PaymentId,
  type PaymentMethod,
  type PaymentStatus,
  Refund,
  refundable,
  RefundId
} from "../../Payment.js"
import { invalid } from "../validation.js"
import { type BillingDeps, loadInvoice, recompute, requireAllowed } from "./invoices.js"

const loadPayment = ({ billing }: BillingDeps, clinic: Clinic, id: PaymentId, lock = false) =>
  Effect.flatMap(billing.findPayment(clinic.id, id, { lock }), (found) =>
    Option.match(found, { onNone: () => Effect.fail(new NotFound({ entity: "Payment", id })), onSome: Effect.succeed }))

/** The payment's invoice, locked, then the payment itself locked (the one lock order). */
const lockWithInvoice = (deps: BillingDeps, clinic: Clinic, payment: Payment) =>
  Effect.gen(function*() {
    const invoice = payment.invoiceId === null ? undefined : yield* loadInvoice(deps, clinic.id, payment.invoiceId, true)
    const locked = yield* loadPayment(deps, clinic, payment.id, true)
    return { invoice, payment: locked }
  })

/** What may still be paid on an open invoice: its balance less what is pending on it. */
const payable = (invoice: Invoice, ledger: { readonly pendingMinor: number } & Parameters<typeof balance>[1]) =>
  balance(invoice.totalMinor, ledger) - ledger.pendingMinor

export interface RecordInput {
  readonly invoiceId?: InvoiceId | undefined
  readonly appointmentId?: AppointmentId | undefined
  readonly amountMinor: number
  readonly method: PaymentMethod
  readonly status: "pending" | "paid"
  readonly idempotencyKey: string
  readonly providerReference?: string | undefined
  readonly paidAt?: number | undefined
}

/**
 * Records a payment. The same idempotency key with the same request returns the stored payment
 * (nothing written); with a different request it is `Conflict { idempotency_key_reused }`. A
 * payment above what is left to pay (pending payments included) is `Conflict { overpayment }`.
 */
export const record = (deps: BillingDeps, clinic: Clinic, input: RecordInput, now: number) =>
  Effect.gen(function*() {
    const print = fingerprint(input)
    // The invoice first: a retry of the same key then sees what the first attempt committed.
    const invoice = input.invoiceId === undefined ? undefined : yield* loadInvoice(deps, clinic.id, input.invoiceId, true)
    const replay = yield* replayOf(deps, clinic, input.idempotencyKey, print)
    if (Option.isSome(replay)) return replay.value
    let appointmentId = input.appointmentId ?? null
    if (input.appointmentId !== undefined) {
      const found = yield* deps.storage.appointments.findById(clinic.id, input.appointmentId)
      if (Option.isNone(found)) return yield* new NotFound({ entity: "Appointment", id: input.appointmentId })
    }
    if (invoice !== undefined) {
      yield* requireAllowed(invoice, "pay")
      if (invoice.appointmentId !== null) {
        if (appointmentId !== null && appointmentId !== invoice.appointmentId) {
          return yield* invalid("appointmentId", "is not the invoice's appointment")
        }
        appointmentId = invoice.appointmentId
      }
      const ledger = yield* deps.billing.ledger(clinic.id, invoice.id)
      const left = payable(invoice, ledger)
      if (input.amountMinor > left) {
        return yield* new Conflict({ reason: { _tag: "overpayment", balanceMinor: Math.max(0, left), amountMinor: input.amountMinor } })
      }
    }
    if (input.providerReference !== undefined) {
      const taken = yield* deps.billing.findPaymentByProviderReference(clinic.id, input.providerReference)
      if (Option.isSome(taken)) {
        return yield* new Conflict({ reason: { _tag: "duplicate_provider_reference", providerReference: input.providerReference } })
      }
    }
    const payment = new Payment({
      id: PaymentId.make(randomUUID()),
      clinicId: clinic.id,
      invoiceId: invoice?.id ?? null,
      appointmentId,
      amountMinor: input.amountMinor,
      // An invoice is paid in its own currency (the clinic's when it was made).
      currency: invoice?.currency ?? clinic.currency,
      method: input.method,
      status: input.status,
      idempotencyKey: input.idempotencyKey,
      providerReference: input.providerReference ?? null,
      refundedMinor: 0,
      paidAt: input.status === "paid" ? input.paidAt ?? now : null,
      createdAt: now,
      updatedAt: now
    }, { disableValidation: true })
    const inserted = yield* Effect.either(deps.billing.insertPayment({ payment, requestFingerprint: print }))
    if (inserted._tag === "Left") {
      // A concurrent request with the same key committed first (payments without an invoice do
      // not queue on an invoice's row): a retry gets its payment, anything else the conflict.
      if (inserted.left.reason._tag !== "idempotency_key_reused") return yield* inserted.left
      const again = yield* replayOf(deps, clinic, input.idempotencyKey, print)
      return yield* Option.match(again, { onNone: () => Effect.fail(inserted.left), onSome: Effect.succeed })
    }
    if (invoice !== undefined) yield* recompute(deps, invoice, now)
    return payment
  })

/** The stored payment of a retried request; `Conflict` when the key was used for another request. */
const replayOf = (deps: BillingDeps, clinic: Clinic, key: string, print: string) =>
  Effect.flatMap(deps.billing.findPaymentByKey(clinic.id, key), (found) =>
    Option.match(found, {
      onNone: () => Effect.succeed(Option.none<Payment>()),
      onSome: (row) =>
        row.requestFingerprint === print
          ? Effect.succeed(Option.some(row.payment))
          : Effect.fail(new Conflict({ reason: { _tag: "idempotency_key_reused", key } }))
    }))

/**
 * Moves a payment to `paid` or `failed` and recomputes its invoice. Asking for the status it has
 * changes nothing (a confirmation delivered twice). Becoming `paid` must not overpay the invoice.
 */
export const setStatus = (deps: BillingDeps, clinic: Clinic, current: Payment, to: PaymentStatus, now: number) =>
  Effect.gen(function*() {
    const { invoice, payment } = yield* lockWithInvoice(deps, clinic, current)
    if (payment.status === to) return payment
    if (!canTransition(payment, to)) {
      return yield* new Conflict({ reason: { _tag: "invalid_transition", from: payment.status, to } })
    }
    if (to === "paid" && invoice !== undefined) {
      const ledger = yield* deps.billing.ledger(clinic.id, invoice.id)
      const left = balance(invoice.totalMinor, ledger)
      if (payment.amountMinor > left) {
        return yield* new Conflict({ reason: { _tag: "overpayment", balanceMinor: Math.max(0, left), amountMinor: payment.amountMinor } })
      }
    }
    const updated = new Payment({
      ...payment,
      status: to,
      paidAt: to === "paid" ? now : payment.paidAt,
      updatedAt: now
    }, { disableValidation: true })
    yield* deps.billing.updatePayment(updated)
    if (invoice !== undefined) yield* recompute(deps, invoice, now)
    return updated
  })

/** Loads a payment by id (`NotFound` for another clinic's id too). */
export const load = loadPayment

/** A provider's confirmation: the payment with that reference moves `pending → paid | failed`. */
export const confirm = (deps: BillingDeps, clinic: Clinic, reference: string, outcome: "paid" | "failed", now: number) =>
  Effect.gen(function*() {
    const found = yield* deps.billing.findPaymentByProviderReference(clinic.id, reference)
    if (Option.isNone(found)) return yield* new NotFound({ entity: "Payment", id: reference })
    // Only a pending payment is confirmed; the same outcome again is a no-op (setStatus).
    if (found.value.status !== "pending" && found.value.status !== outcome) {
      return yield* new Conflict({ reason: { _tag: "invalid_transition", from: found.value.status, to: outcome } })
    }
    return yield* setStatus(deps, clinic, found.value, outcome, now)
  })

/**
 * Refunds part or all of a paid payment (never more than is left of it) and recomputes its
 * invoice; a payment refunded in full becomes `refunded`.
 */
export const refund = (
  deps: BillingDeps,
  clinic: Clinic,
  current: Payment,
  amountMinor: number,
  reason: string | null,
  now: number
): Effect.Effect<Refund, Conflict | NotFound | ValidationError> =>
  Effect.gen(function*() {
    const { invoice, payment } = yield* lockWithInvoice(deps, clinic, current)
    const left = refundable(payment)
    if (amountMinor > left) {
      return yield* new Conflict({ reason: { _tag: "refund_exceeds_paid", refundableMinor: left, amountMinor } })
    }
    const row = new Refund({
      id: RefundId.make(randomUUID()),
      clinicId: clinic.id,
      paymentId: payment.id,
      amountMinor,
      reason,
      createdAt: now
    }, { disableValidation: true })
    yield* deps.billing.insertRefund(row)
    yield* deps.billing.updatePayment(afterRefund(payment, amountMinor, now))
    if (invoice !== undefined) yield* recompute(deps, invoice, now)
    return row
  })
