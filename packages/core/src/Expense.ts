/**
 * Expenses: what a clinic spends (rent, supplies, salaries), for its net figures.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Page } from "./Page.js"
import { Currency } from "./Clinic.js"
import { ClinicId } from "./Ids.js"
import { PositiveMinorUnits } from "./Money.js"

/** @since 0.1.0 @category ids */
export const ExpenseId = Schema.UUID.pipe(Schema.brand("ExpenseId"))
/** @since 0.1.0 @category ids */
export type ExpenseId = typeof ExpenseId.Type

/** @since 0.1.0 @category models */
export class Expense extends Schema.Class<Expense>("@clinicore/core/Expense")({
  id: ExpenseId,
  clinicId: ClinicId,
  category: Schema.String,
  amountMinor: Schema.Number,
  currency: Currency,
  /** Clinic-local ISO date. */
  date: Schema.String,
  note: Schema.NullOr(Schema.String),
  createdAt: Schema.Number
}) {}

const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "must be a date written YYYY-MM-DD" }),
  Schema.filter((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: () => "must be a real calendar date"
  })
)

/** @since 0.1.0 @category inputs */
export const CreateExpense = Schema.Struct({
  category: Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(100)),
  amountMinor: PositiveMinorUnits,
  date: IsoDate,
  note: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.maxLength(2000))))
})
/** @since 0.1.0 @category inputs */
export type CreateExpense = typeof CreateExpense.Encoded

/** Expenses dated `from` to `to`, both included. @since 0.1.0 @category inputs */
export const ExpensePeriod = Schema.Struct({
  from: IsoDate,
  to: IsoDate,
  category: Schema.optional(Schema.String.pipe(Schema.maxLength(100))),
  ...Page.fields
}).pipe(Schema.filter((p) => p.from <= p.to ? undefined : { path: ["to"], message: "must not be before from" }))
/** @since 0.1.0 @category inputs */
export type ExpensePeriod = typeof ExpensePeriod.Encoded
