/**
 * fast-check arbitraries for billing: currencies of every exponent, money, line items, invoice
 * inputs and payment sequences, for property tests of a host's own billing code.
 *
 * @since 0.1.0
 */
import * as fc from "fast-check"

/**
 * ISO 4217 codes with 0, 2 and 3 minor digits (JPY, CLP; USD, EUR, GBP; KWD, BHD, TND).
 *
 * @since 0.1.0 @category arbitraries
 */
export const currency: fc.Arbitrary<string> = fc.constantFrom("USD", "EUR", "GBP", "JPY", "CLP", "KWD", "BHD", "TND")

/**
 * An amount of minor units (a safe integer ≥ 0, at most `max`) with a currency.
 *
 * @since 0.1.0 @category arbitraries
 */
export const money = (options: { readonly currency?: string; readonly max?: number } = {}): fc.Arbitrary<{
  readonly amount: number
  readonly currency: string
}> =>
  fc.record({
    amount: fc.integer({ min: 0, max: options.max ?? 1_000_000_000_000 }),
    currency: options.currency === undefined ? currency : fc.constant(options.currency)
  })

/** @since 0.1.0 @category arbitraries */
export interface LineItem {
  readonly description: string
  readonly quantity: number
  readonly unitPriceMinor: number
}

/**
 * A valid line item: a description, a quantity ≥ 1, a unit price ≥ 0 in minor units.
 *
 * @since 0.1.0 @category arbitraries
 */
export const lineItem = (options: { readonly maxQuantity?: number; readonly maxPriceMinor?: number } = {}): fc.Arbitrary<LineItem> =>
  fc.record({
    description: fc.constantFrom("Consultation", "X-ray", "Blood test", "Cleaning", "Follow-up", "Vaccine"),
    quantity: fc.integer({ min: 1, max: options.maxQuantity ?? 5 }),
    unitPriceMinor: fc.integer({ min: 0, max: options.maxPriceMinor ?? 500_000 })
  })

/**
 * The input of `Billing.createInvoice` for a patient: 1–5 lines, a tax percentage with up to two
 * decimals, a discount (sometimes above the subtotal), a rounding policy.
 *
 * @since 0.1.0 @category arbitraries
 */
export const invoiceInput = (patientId: string, options: { readonly maxPriceMinor?: number } = {}) =>
  fc.record({
    patientId: fc.constant(patientId),
    lines: fc.array(lineItem(options), { minLength: 1, maxLength: 5 }),
    taxPercent: fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100),
    discountMinor: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: options.maxPriceMinor ?? 500_000 })),
    rounding: fc.record({ mode: fc.constantFrom("half_up" as const, "half_even" as const), scope: fc.constantFrom("invoice" as const, "line" as const) })
  })

/** One step of a payment sequence on an invoice. @since 0.1.0 @category arbitraries */
export type PaymentStep =
  | { readonly kind: "pay"; readonly amountMinor: number; readonly status: "paid" | "pending" }
  | { readonly kind: "fail"; readonly payment: number }
  | { readonly kind: "confirm"; readonly payment: number }
  | { readonly kind: "refund"; readonly payment: number; readonly amountMinor: number }
  | { readonly kind: "credit"; readonly amountMinor: number }

/**
 * Sequences of payments, failures, confirmations, refunds and credit notes against an invoice of
 * about `totalMinor` (`payment` picks an earlier payment by index, modulo their number); amounts
 * sometimes exceed what is allowed, so a sequence exercises refusals too.
 *
 * @since 0.1.0 @category arbitraries
 */
export const paymentSequence = (totalMinor: number, options: { readonly maxLength?: number } = {}): fc.Arbitrary<ReadonlyArray<PaymentStep>> => {
  const amount = fc.integer({ min: 1, max: Math.max(1, Math.ceil(totalMinor * 0.7)) })
  return fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant("pay" as const), amountMinor: amount, status: fc.constantFrom("paid" as const, "paid" as const, "pending" as const) }),
      fc.record({ kind: fc.constant("fail" as const), payment: fc.nat() }),
      fc.record({ kind: fc.constant("confirm" as const), payment: fc.nat() }),
      fc.record({ kind: fc.constant("refund" as const), payment: fc.nat(), amountMinor: amount }),
      fc.record({ kind: fc.constant("credit" as const), amountMinor: amount })
    ),
    { maxLength: options.maxLength ?? 12 }
  )
}

/**
 * A total to split and a number of parts (installments, shares), in a currency.
 *
 * @since 0.1.0 @category arbitraries
 */
export const allocation = fc.record({
  total: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  count: fc.integer({ min: 1, max: 120 }),
  currency
})
