/**
 * Invoices and credit notes, and their rules as plain functions: totals, the status derived from
 * the ledger, which change is allowed in which status, numbering and due dates.
 *
 * - total = max(0, subtotal + tax − discount), in integer minor units; tax is a percentage with
 *   up to two decimals (stored as basis points), rounded by the invoice's own rounding policy
 *   (mode `half_up | half_even`, scope `invoice`: once on the subtotal, or `line`: per line, summed).
 * - balance = total − paid + refunded − credited, where `paid` counts payments that reached `paid`
 *   (a fully refunded payment still counts as paid, its refunds as refunded).
 * - status: `draft`, `void`, or, once issued, derived from the ledger: `credited` when credit notes
 *   cover the total, else `paid` when nothing is left to pay, `partially_paid` when something was
 *   paid, `issued` otherwise. Overdue is derived from the due date, never stored.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Currency } from "./Clinic.js"
import { AppointmentId, ClinicId, PatientId, ServiceId, StaffId } from "./Ids.js"
import { divideRounded, MinorUnits, PositiveMinorUnits, RoundingMode } from "./Money.js"

/** @since 0.1.0 @category ids */
export const InvoiceId = Schema.UUID.pipe(Schema.brand("InvoiceId"))
/** @since 0.1.0 @category ids */
export type InvoiceId = typeof InvoiceId.Type

/** @since 0.1.0 @category ids */
export const CreditNoteId = Schema.UUID.pipe(Schema.brand("CreditNoteId"))
/** @since 0.1.0 @category ids */
export type CreditNoteId = typeof CreditNoteId.Type

/** @since 0.1.0 @category models */
export const InvoiceStatus = Schema.Literal("draft", "issued", "partially_paid", "paid", "void", "credited")
/** @since 0.1.0 @category models */
export type InvoiceStatus = typeof InvoiceStatus.Type

/** Statuses in which something is still owed (or may be). @since 0.1.0 @category rules */
export const openStatuses: ReadonlyArray<InvoiceStatus> = ["issued", "partially_paid"]

/** Where tax is rounded: once on the subtotal, or on each line and then summed. @since 0.1.0 @category models */
export const RoundingScope = Schema.Literal("invoice", "line")
/** @since 0.1.0 @category models */
export type RoundingScope = typeof RoundingScope.Type

/** The rounding policy, stored on each invoice. @since 0.1.0 @category models */
export const Rounding = Schema.Struct({ mode: RoundingMode, scope: RoundingScope })
/** @since 0.1.0 @category models */
export type Rounding = typeof Rounding.Type

/** @since 0.1.0 @category models */
export const defaultRounding: Rounding = { mode: "half_up", scope: "invoice" }

/** The two number series. Each has its own gap-free counter per clinic and year. @since 0.1.0 @category models */
export const Series = Schema.Literal("invoice", "credit_note")
/** @since 0.1.0 @category models */
export type Series = typeof Series.Type

/** @since 0.1.0 @category models */
export const InvoiceLine = Schema.Struct({
  description: Schema.String,
  quantity: Schema.Number,
  unitPriceMinor: Schema.Number,
  /** The service the line bills, if any (its price is the price list). */
  serviceId: Schema.NullOr(ServiceId),
  /** quantity × unit price. */
  amountMinor: Schema.Number
})
/** @since 0.1.0 @category models */
export type InvoiceLine = typeof InvoiceLine.Type

/** @since 0.1.0 @category models */
export class Invoice extends Schema.Class<Invoice>("@clinicore/core/Invoice")({
  id: InvoiceId,
  clinicId: ClinicId,
  patientId: PatientId,
  appointmentId: Schema.NullOr(AppointmentId),
  currency: Currency,
  lines: Schema.Array(InvoiceLine),
  /** Tax in hundredths of a percent (1000 = 10 %). */
  taxBasisPoints: Schema.Number,
  discountMinor: Schema.Number,
  rounding: Rounding,
  subtotalMinor: Schema.Number,
  taxMinor: Schema.Number,
  totalMinor: Schema.Number,
  paidMinor: Schema.Number,
  refundedMinor: Schema.Number,
  creditedMinor: Schema.Number,
  balanceMinor: Schema.Number,
  status: InvoiceStatus,
  /** Assigned at issue: the formatted number, and its place in the series. */
  number: Schema.NullOr(Schema.String),
  year: Schema.NullOr(Schema.Number),
  sequence: Schema.NullOr(Schema.Number),
  /** Days from issue to due; the due date itself is set at issue. */
  dueDays: Schema.Number,
  issuedAt: Schema.NullOr(Schema.Number),
  /** Clinic-local ISO date. */
  dueDate: Schema.NullOr(Schema.String),
  voidedAt: Schema.NullOr(Schema.Number),
  notes: Schema.NullOr(Schema.String),
  /** The staff account that created it (`null` for a system principal). */
  createdBy: Schema.NullOr(StaffId),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}

/** A correction of an issued invoice, numbered in its own series. @since 0.1.0 @category models */
export class CreditNote extends Schema.Class<CreditNote>("@clinicore/core/CreditNote")({
  id: CreditNoteId,
  clinicId: ClinicId,
  invoiceId: InvoiceId,
  number: Schema.String,
  year: Schema.Number,
  sequence: Schema.Number,
  amountMinor: Schema.Number,
  currency: Currency,
  reason: Schema.String,
  createdAt: Schema.Number
}) {}

const Description = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(500, { message: () => "must be at most 500 characters" })
)

const Quantity = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000, { message: () => "must be a whole number from 1 to 1000000" })
)

/** A percentage from 0 to 100 with at most two decimals. @since 0.1.0 @category inputs */
export const TaxPercent = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0 && n <= 100 && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, {
    message: () => "must be a percentage from 0 to 100 with at most two decimals"
  })
)

/** Basis points of a validated percentage. @since 0.1.0 @category rules */
export const basisPoints = (percent: number): number => Math.round(percent * 100)

/** @since 0.1.0 @category inputs */
export const LineInput = Schema.Struct({
  description: Description,
  quantity: Quantity,
  /** Minor units; defaults to the service's price when `serviceId` is given. */
  unitPriceMinor: Schema.optional(MinorUnits),
  serviceId: Schema.optional(ServiceId)
}).pipe(
  Schema.filter((line) =>
    line.unitPriceMinor === undefined && line.serviceId === undefined
      ? { path: ["unitPriceMinor"], message: "is required when the line names no service" }
      : undefined
  )
)
/** @since 0.1.0 @category inputs */
export type LineInput = typeof LineInput.Encoded

const Lines = Schema.Array(LineInput).pipe(
  Schema.minItems(1, { message: () => "needs at least one line item" }),
  Schema.maxItems(500, { message: () => "must have at most 500 line items" })
)

const Notes = Schema.NullOr(Schema.Trim.pipe(Schema.maxLength(2000, { message: () => "must be at most 2000 characters" })))
const DueDays = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 0 && n <= 3650, { message: () => "must be a whole number of days from 0 to 3650" })
)

/** @since 0.1.0 @category inputs */
export const CreateInvoice = Schema.Struct({
  patientId: PatientId,
  lines: Lines,
  taxPercent: Schema.optionalWith(TaxPercent, { default: () => 0 }),
  discountMinor: Schema.optionalWith(MinorUnits, { default: () => 0 }),
  rounding: Schema.optionalWith(Rounding, { default: () => defaultRounding }),
  /** Days from issue to due; the clinic's default when absent. */
  dueDays: Schema.optional(DueDays),
  notes: Schema.optional(Notes)
})
/** @since 0.1.0 @category inputs */
export type CreateInvoice = typeof CreateInvoice.Encoded

/** Only the given fields change; a draft only. @since 0.1.0 @category inputs */
export const UpdateInvoice = Schema.Struct({
  id: InvoiceId,
  lines: Schema.optional(Lines),
  taxPercent: Schema.optional(TaxPercent),
  discountMinor: Schema.optional(MinorUnits),
  rounding: Schema.optional(Rounding),
  dueDays: Schema.optional(DueDays),
  notes: Schema.optional(Notes)
})
/** @since 0.1.0 @category inputs */
export type UpdateInvoice = typeof UpdateInvoice.Encoded

/** @since 0.1.0 @category inputs */
export const CreateCreditNote = Schema.Struct({
  invoiceId: InvoiceId,
  amountMinor: PositiveMinorUnits,
  reason: Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(500))
})
/** @since 0.1.0 @category inputs */
export type CreateCreditNote = typeof CreateCreditNote.Encoded

/** @since 0.1.0 @category models */
export interface Totals {
  readonly subtotalMinor: number
  readonly taxMinor: number
  readonly totalMinor: number
}

/**
 * Subtotal, tax and total of priced lines; `undefined` when an amount would leave the range of
 * safe integers.
 *
 * @since 0.1.0 @category rules
 */
export const totals = (
  lines: ReadonlyArray<{ readonly quantity: number; readonly unitPriceMinor: number }>,
  taxBasisPoints: number,
  discountMinor: number,
  rounding: Rounding
): Totals | undefined => {
  const amounts = lines.map((l) => BigInt(l.quantity) * BigInt(l.unitPriceMinor))
  const subtotal = amounts.reduce((s, a) => s + a, 0n)
  const bp = BigInt(taxBasisPoints)
  const tax = rounding.scope === "invoice"
    ? divideRounded(subtotal * bp, 10_000n, rounding.mode)
    : amounts.reduce((s, a) => s + divideRounded(a * bp, 10_000n, rounding.mode), 0n)
  const gross = subtotal + tax - BigInt(discountMinor)
  const total = gross > 0n ? gross : 0n
  const max = BigInt(Number.MAX_SAFE_INTEGER)
  if (subtotal + tax > max) return undefined
  return { subtotalMinor: Number(subtotal), taxMinor: Number(tax), totalMinor: Number(total) }
}

/** What has been applied to an invoice, from its payments, refunds and credit notes. @since 0.1.0 @category models */
export interface Ledger {
  /** Payments that reached `paid` (partly or fully refunded ones included). */
  readonly paidMinor: number
  readonly refundedMinor: number
  readonly creditedMinor: number
}

/** @since 0.1.0 @category rules */
export const emptyLedger: Ledger = { paidMinor: 0, refundedMinor: 0, creditedMinor: 0 }

/** total − paid + refunded − credited. @since 0.1.0 @category rules */
export const balance = (totalMinor: number, ledger: Ledger): number =>
  totalMinor - ledger.paidMinor + ledger.refundedMinor - ledger.creditedMinor

/** The lifecycle step an invoice is at, whatever its ledger says. @since 0.1.0 @category rules */
export const lifecycle = (status: InvoiceStatus): "draft" | "issued" | "void" =>
  status === "draft" || status === "void" ? status : "issued"

/**
 * The status an invoice has given its lifecycle step, total and ledger. The stored status is always
 * this.
 *
 * @since 0.1.0 @category rules
 */
export const deriveStatus = (step: "draft" | "issued" | "void", totalMinor: number, ledger: Ledger): InvoiceStatus => {
  if (step !== "issued") return step
  if (ledger.creditedMinor > 0 && ledger.creditedMinor >= totalMinor) return "credited"
  if (balance(totalMinor, ledger) <= 0) return "paid"
  return ledger.paidMinor - ledger.refundedMinor > 0 ? "partially_paid" : "issued"
}

/** The invoice with its ledger figures and status recomputed. @since 0.1.0 @category rules */
export const applyLedger = (invoice: Invoice, ledger: Ledger, now: number): Invoice => {
  const status = deriveStatus(lifecycle(invoice.status), invoice.totalMinor, ledger)
  const balanceMinor = invoice.status === "draft" || invoice.status === "void" ? 0 : balance(invoice.totalMinor, ledger)
  const same = status === invoice.status && balanceMinor === invoice.balanceMinor &&
    ledger.paidMinor === invoice.paidMinor && ledger.refundedMinor === invoice.refundedMinor &&
    ledger.creditedMinor === invoice.creditedMinor
  return same ? invoice : new Invoice({ ...invoice, ...ledger, balanceMinor, status, updatedAt: now }, { disableValidation: true })
}

/**
 * An open invoice (something still owed) whose due date is before `today` (a clinic-local ISO
 * date).
 *
 * @since 0.1.0 @category rules
 */
export const isOverdue = (invoice: Pick<Invoice, "status" | "dueDate">, today: string): boolean =>
  openStatuses.includes(invoice.status) && invoice.dueDate !== null && invoice.dueDate < today

/** What can be done to an invoice in a status. @since 0.1.0 @category rules */
export type InvoiceAction = "edit" | "issue" | "void" | "delete" | "pay" | "credit"

/**
 * The statuses each action is allowed from. Voiding an issued invoice further needs nothing applied
 * to it (no payment pending or paid, no credit note): `canVoid`.
 *
 * @since 0.1.0 @category rules
 */
export const allowedFrom: Readonly<Record<InvoiceAction, ReadonlyArray<InvoiceStatus>>> = {
  edit: ["draft"],
  issue: ["draft"],
  delete: ["draft"],
  void: ["draft", "issued"],
  pay: ["issued", "partially_paid"],
  credit: ["issued", "partially_paid"]
}

/** The status an action leads to, for `invalid_transition` errors. @since 0.1.0 @category rules */
export const targetOf: Readonly<Record<InvoiceAction, string>> = {
  edit: "draft",
  issue: "issued",
  delete: "deleted",
  void: "void",
  pay: "paid",
  credit: "credited"
}

/** @since 0.1.0 @category rules */
export const can = (action: InvoiceAction, status: InvoiceStatus): boolean => allowedFrom[action].includes(status)

/**
 * Formats a number: `{YYYY}` the year, `{YY}` its last two digits, `{SEQ}` the sequence, `{SEQ:n}`
 * the sequence zero-padded to `n` digits (`INV-{YYYY}-{SEQ:4}` → `INV-2026-0001`).
 *
 * @since 0.1.0 @category rules
 */
export const formatNumber = (format: string, year: number, sequence: number): string =>
  format
    .replaceAll("{YYYY}", String(year).padStart(4, "0"))
    .replaceAll("{YY}", String(year % 100).padStart(2, "0"))
    .replace(/\{SEQ(?::(\d))?\}/g, (_, pad: string | undefined) => String(sequence).padStart(Number(pad ?? 0), "0"))

/**
 * The counter a number is drawn from: per year when the format shows the year, otherwise one
 * counter for all years (year key 0), so a number never repeats.
 *
 * @since 0.1.0 @category rules
 */
export const counterYear = (format: string, year: number): number =>
  format.includes("{YYYY}") || format.includes("{YY}") ? year : 0

/** An ISO date plus `days` (calendar arithmetic, no time zone involved). @since 0.1.0 @category rules */
export const addDays = (isoDate: string, days: number): string => {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** An ISO date plus `months`, the day clamped to the month's last. @since 0.1.0 @category rules */
export const addMonths = (isoDate: string, months: number): string => {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number]
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate()
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, last))).toISOString().slice(0, 10)
}
