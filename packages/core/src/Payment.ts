/**
 * Payments and refunds, and their rules as plain functions.
 *
 * - A payment has an amount above 0 in the clinic's currency, a method, a status and an
 *   idempotency key (required); it is linked to an invoice, an appointment, or both.
 * - Only `paid` counts toward an invoice's balance (a fully refunded payment is `refunded`: it was
 *   paid, and its refunds give the money back). `pending` and `failed` never count.
 * - Status changes: `pending → paid | failed`, `paid → failed` (a reversal, say a bounced
 *   transfer or a chargeback, only while nothing was refunded), `paid → refunded` by refunds that
 *   reach the amount. `failed` and `refunded` are final.
 * - Refunds reference a paid payment and never exceed what is left of it.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as Schema from "effect/Schema"
import { Currency } from "./Clinic.js"
import { AppointmentId, ClinicId } from "./Ids.js"
import { InvoiceId } from "./Invoice.js"
import { PositiveMinorUnits } from "./Money.js"

/** @since 0.1.0 @category ids */
export const PaymentId = Schema.UUID.pipe(Schema.brand("PaymentId"))
/** @since 0.1.0 @category ids */
export type PaymentId = typeof PaymentId.Type

/** @since 0.1.0 @category ids */
export const RefundId = Schema.UUID.pipe(Schema.brand("RefundId"))
/** @since 0.1.0 @category ids */
export type RefundId = typeof RefundId.Type

/** @since 0.1.0 @category models */
export const PaymentMethod = Schema.Literal("cash", "card", "bank_transfer", "insurance", "other")
/** @since 0.1.0 @category models */
export type PaymentMethod = typeof PaymentMethod.Type

/** @since 0.1.0 @category models */
export const PaymentStatus = Schema.Literal("pending", "paid", "failed", "refunded")
/** @since 0.1.0 @category models */
export type PaymentStatus = typeof PaymentStatus.Type

/** @since 0.1.0 @category models */
export class Payment extends Schema.Class<Payment>("@clinicore/core/Payment")({
  id: PaymentId,
  clinicId: ClinicId,
  invoiceId: Schema.NullOr(InvoiceId),
  appointmentId: Schema.NullOr(AppointmentId),
  amountMinor: Schema.Number,
  currency: Currency,
  method: PaymentMethod,
  status: PaymentStatus,
  idempotencyKey: Schema.String,
  /** A payment gateway's reference, unique per clinic. */
  providerReference: Schema.NullOr(Schema.String),
  refundedMinor: Schema.Number,
  paidAt: Schema.NullOr(Schema.Number),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

/** @since 0.1.0 @category models */
export class Refund extends Schema.Class<Refund>("@clinicore/core/Refund")({
  id: RefundId,
  clinicId: ClinicId,
  paymentId: PaymentId,
  amountMinor: Schema.Number,
  reason: Schema.NullOr(Schema.String),
  createdAt: Schema.Number
}) {}

const Key = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(200, { message: () => "must be at most 200 characters" })
)

/** @since 0.1.0 @category inputs */
export const RecordPayment = Schema.Struct({
  invoiceId: Schema.optional(InvoiceId),
  appointmentId: Schema.optional(AppointmentId),
  amountMinor: PositiveMinorUnits,
  method: PaymentMethod,
  /** `paid` (money received) or `pending` (waiting for a provider's confirmation). */
  status: Schema.optionalWith(Schema.Literal("pending", "paid"), { default: () => "paid" as const }),
  idempotencyKey: Key,
  providerReference: Schema.optional(Key),
  /** When the money was received (epoch ms); now when absent. */
  paidAt: Schema.optional(Schema.Number.pipe(Schema.filter(Number.isSafeInteger, { message: () => "must be epoch milliseconds" })))
}).pipe(
  Schema.filter((p) =>
    p.invoiceId === undefined && p.appointmentId === undefined
      ? { path: ["invoiceId"], message: "an invoice or an appointment is required" }
      : undefined
  )
)
/** @since 0.1.0 @category inputs */
export type RecordPayment = typeof RecordPayment.Encoded

/** @since 0.1.0 @category inputs */
export const SetPaymentStatus = Schema.Struct({ id: PaymentId, status: Schema.Literal("paid", "failed") })
/** @since 0.1.0 @category inputs */
export type SetPaymentStatus = typeof SetPaymentStatus.Encoded

/** A provider's confirmation of an external payment. @since 0.1.0 @category inputs */
export const ConfirmPayment = Schema.Struct({ providerReference: Key, outcome: Schema.Literal("paid", "failed") })
/** @since 0.1.0 @category inputs */
export type ConfirmPayment = typeof ConfirmPayment.Encoded

/** @since 0.1.0 @category inputs */
export const RefundPayment = Schema.Struct({
  paymentId: PaymentId,
  amountMinor: PositiveMinorUnits,
  reason: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.maxLength(500))))
})
/** @since 0.1.0 @category inputs */
export type RefundPayment = typeof RefundPayment.Encoded

/**
 * The status changes made by a status update or a provider's confirmation (refunds make
 * `refunded`).
 *
 * @since 0.1.0 @category rules
 */
export const transitions: Readonly<Record<PaymentStatus, ReadonlyArray<PaymentStatus>>> = {
  pending: ["paid", "failed"],
  paid: ["failed"],
  failed: [],
  refunded: []
}

/** @since 0.1.0 @category rules */
export const canTransition = (payment: Pick<Payment, "status" | "refundedMinor">, to: PaymentStatus): boolean =>
  transitions[payment.status].includes(to) && !(payment.status === "paid" && to === "failed" && payment.refundedMinor > 0)

/** Whether a payment's amount counts as paid toward its invoice. @since 0.1.0 @category rules */
export const counts = (status: PaymentStatus): boolean => status === "paid" || status === "refunded"

/** What can still be refunded of a payment. @since 0.1.0 @category rules */
export const refundable = (payment: Pick<Payment, "status" | "amountMinor" | "refundedMinor">): number =>
  payment.status === "paid" ? payment.amountMinor - payment.refundedMinor : 0

/** The payment after a refund of `amountMinor` (not above `refundable`). @since 0.1.0 @category rules */
export const afterRefund = (payment: Payment, amountMinor: number, now: number): Payment => {
  const refundedMinor = payment.refundedMinor + amountMinor
  return new Payment({
    ...payment,
    refundedMinor,
    status: refundedMinor >= payment.amountMinor ? "refunded" : payment.status,
    updatedAt: now
  }, { disableValidation: true })
}

/**
 * The fingerprint of a payment request, to tell a retry (same key, same request) from a different
 * request reusing a key.
 *
 * @since 0.1.0 @category rules
 */
export const fingerprint = (request: {
  readonly invoiceId?: string | undefined
  readonly appointmentId?: string | undefined
  readonly amountMinor: number
  readonly method: string
  readonly status: string
  readonly providerReference?: string | undefined
}): string =>
  createHash("sha256").update(JSON.stringify([
    request.invoiceId ?? null,
    request.appointmentId ?? null,
    request.amountMinor,
    request.method,
    request.status,
    request.providerReference ?? null
  ])).digest("base64url")
