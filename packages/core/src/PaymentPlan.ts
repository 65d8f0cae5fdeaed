/**
 * Payment plans: what is left to pay of an invoice, split into installments with due dates. The
 * split is exact (largest remainder: the parts sum to the total and differ by at most one minor
 * unit). Paid payments on the invoice cover the oldest open installment first; an installment is
 * paid once covered, the plan is completed once all are, and overdue installments are derived from
 * their due dates.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Currency } from "./Clinic.js"
import { ClinicId } from "./Ids.js"
import { addDays, addMonths, InvoiceId } from "./Invoice.js"
import { split } from "./Money.js"

/** @since 0.1.0 @category ids */
export const PaymentPlanId = Schema.UUID.pipe(Schema.brand("PaymentPlanId"))
/** @since 0.1.0 @category ids */
export type PaymentPlanId = typeof PaymentPlanId.Type

/** @since 0.1.0 @category models */
export const Installment = Schema.Struct({
  /** 1-based, in due-date order. */
  seq: Schema.Number,
  /** Clinic-local ISO date. */
  dueDate: Schema.String,
  amountMinor: Schema.Number,
  paidMinor: Schema.Number,
  status: Schema.Literal("open", "paid")
})
/** @since 0.1.0 @category models */
export type Installment = typeof Installment.Type

/** @since 0.1.0 @category models */
export const PlanStatus = Schema.Literal("active", "completed")
/** @since 0.1.0 @category models */
export type PlanStatus = typeof PlanStatus.Type

/** @since 0.1.0 @category models */
export class PaymentPlan extends Schema.Class<PaymentPlan>("@clinicore/core/PaymentPlan")({
  id: PaymentPlanId,
  clinicId: ClinicId,
  invoiceId: InvoiceId,
  /** The invoice's balance when the plan was made. */
  totalMinor: Schema.Number,
  currency: Currency,
  status: PlanStatus,
  installments: Schema.Array(Installment),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "must be a date written YYYY-MM-DD" }),
  Schema.filter((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: () => "must be a real calendar date"
  })
)

const whole = (min: number, max: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isSafeInteger(n) && n >= min && n <= max, { message: () => `must be a whole number from ${min} to ${max}` })
  )

/** @since 0.1.0 @category inputs */
export const CreatePaymentPlan = Schema.Struct({
  invoiceId: InvoiceId,
  installments: whole(1, 120),
  /** The first installment's due date; today (clinic-local) when absent. */
  firstDueDate: Schema.optional(IsoDate),
  /** Months between due dates (default 1), or days when `intervalDays` is given. */
  intervalMonths: Schema.optional(whole(1, 12)),
  intervalDays: Schema.optional(whole(1, 365))
})
/** @since 0.1.0 @category inputs */
export type CreatePaymentPlan = typeof CreatePaymentPlan.Encoded

/**
 * `total` in `count` installments with increasing due dates from `firstDueDate`.
 *
 * @since 0.1.0 @category rules
 */
export const schedule = (
  total: number,
  count: number,
  firstDueDate: string,
  interval: { readonly months: number } | { readonly days: number }
): ReadonlyArray<Installment> =>
  split(total, count).map((amountMinor, i) => ({
    seq: i + 1,
    dueDate: "days" in interval ? addDays(firstDueDate, i * interval.days) : addMonths(firstDueDate, i * interval.months),
    amountMinor,
    paidMinor: 0,
    status: amountMinor === 0 ? "paid" as const : "open" as const
  }))

/**
 * Spreads `covered` minor units over the installments, oldest first; each is paid once covered.
 *
 * @since 0.1.0 @category rules
 */
export const cover = (installments: ReadonlyArray<Installment>, covered: number): ReadonlyArray<Installment> => {
  let left = Math.max(0, covered)
  return installments.map((i) => {
    const paidMinor = Math.min(i.amountMinor, left)
    left -= paidMinor
    return { ...i, paidMinor, status: paidMinor >= i.amountMinor ? "paid" as const : "open" as const }
  })
}

/**
 * The plan after its invoice's balance became `invoiceBalance`: what the plan covers is how far
 * the balance went down from the plan's total.
 *
 * @since 0.1.0 @category rules
 */
export const applyBalance = (plan: PaymentPlan, invoiceBalance: number, now: number): PaymentPlan => {
  const installments = cover(plan.installments, plan.totalMinor - invoiceBalance)
  const status: PlanStatus = installments.every((i) => i.status === "paid") ? "completed" : "active"
  const same = status === plan.status && installments.every((i, k) => i.paidMinor === plan.installments[k]!.paidMinor)
  return same ? plan : new PaymentPlan({ ...plan, installments, status, updatedAt: now }, { disableValidation: true })
}

/** Open installments due before `today` (clinic-local ISO date). @since 0.1.0 @category rules */
export const overdue = (plan: PaymentPlan, today: string): ReadonlyArray<Installment> =>
  plan.installments.filter((i) => i.status === "open" && i.dueDate < today)
