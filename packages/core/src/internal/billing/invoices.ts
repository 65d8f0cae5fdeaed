/**
 * The steps of invoice operations, run inside a `clinicOperation` (one transaction): building a
 * draft from priced lines, issuing it with the next number of its series, and recomputing an
 * invoice (and its payment plan) from its ledger after every change of a payment or credit note.
 */
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { zoned } from "../../Availability.js"
import type { BillingStorage } from "../../BillingStorage.js"
import type { Clinic } from "../../Clinic.js"
import { Conflict, NotFound, type ValidationError } from "../../Errors.js"
import type { ClinicId, PatientId, ServiceId, StaffId } from "../../Ids.js"
import {
  addDays,
  applyLedger,
  can,
  counterYear,
  deriveStatus,
  emptyLedger,
  formatNumber,
  Invoice,
  type InvoiceAction,
  InvoiceId,
  type InvoiceLine,
  type Rounding,
  targetOf,
  totals
} from "../../Invoice.js"
import { applyBalance } from "../../PaymentPlan.js"
import type { Storage } from "../../Storage.js"
import { invalid } from "../validation.js"

/** What the billing steps need. */
export interface BillingDeps {
  readonly storage: Storage
  readonly billing: BillingStorage
}

/** The clinic-local date and its year at `now`. */
export const today = (clinic: Clinic, now: number) => {
  const date = zoned.date(clinic.timeZone, now)
  return { date, year: Number(date.slice(0, 4)) }
}

/** Lines with their prices: a line naming a service takes the service's price unless it gives one. */
export const priceLines = (
  { storage }: BillingDeps,
  clinicId: ClinicId,
  lines: ReadonlyArray<{
    readonly description: string
    readonly quantity: number
    readonly unitPriceMinor?: number | undefined
    readonly serviceId?: ServiceId | undefined
  }>
): Effect.Effect<ReadonlyArray<InvoiceLine>, NotFound> =>
  Effect.forEach(lines, (line) =>
    Effect.gen(function*() {
      let unitPriceMinor = line.unitPriceMinor
      if (line.serviceId !== undefined) {
        const service = yield* storage.catalog.findService(clinicId, line.serviceId)
        if (Option.isNone(service)) return yield* new NotFound({ entity: "Service", id: line.serviceId })
        unitPriceMinor ??= service.value.priceMinor
      }
      return {
        description: line.description,
        quantity: line.quantity,
        unitPriceMinor: unitPriceMinor!,
        serviceId: line.serviceId ?? null,
        amountMinor: line.quantity * unitPriceMinor!
      }
    }))

/** A draft invoice, its totals computed; a total beyond the safe range is a `ValidationError`. */
export const draft = (
  clinic: Clinic,
  fields: {
    readonly patientId: PatientId
    readonly appointmentId: Invoice["appointmentId"]
    readonly lines: ReadonlyArray<InvoiceLine>
    readonly taxBasisPoints: number
    readonly discountMinor: number
    readonly rounding: Rounding
    readonly dueDays: number
    readonly notes: string | null
    readonly createdBy: StaffId | null
  },
  now: number
): Effect.Effect<Invoice, ValidationError> => {
  const sums = totals(fields.lines, fields.taxBasisPoints, fields.discountMinor, fields.rounding)
  if (sums === undefined) return Effect.fail(invalid("lines", "the invoice total is too large"))
  return Effect.succeed(
    new Invoice({
      id: InvoiceId.make(randomUUID()),
      clinicId: clinic.id,
      currency: clinic.currency,
      ...fields,
      ...sums,
      ...emptyLedger,
      balanceMinor: 0,
      status: "draft",
      number: null,
      year: null,
      sequence: null,
      issuedAt: null,
      dueDate: null,
      voidedAt: null,
      createdAt: now,
      updatedAt: now
    }, { disableValidation: true })
  )
}

/** `Conflict { invalid_transition }` unless `action` is allowed in the invoice's status. */
export const requireAllowed = (invoice: Invoice, action: InvoiceAction) =>
  can(action, invoice.status)
    ? Effect.void
    : Effect.fail(new Conflict({ reason: { _tag: "invalid_transition", from: invoice.status, to: targetOf[action] } }))

/** Loads an invoice of the clinic (held until commit with `lock`); another clinic's id is `NotFound`. */
export const loadInvoice = ({ billing }: BillingDeps, clinicId: ClinicId, id: InvoiceId, lock = false) =>
  Effect.flatMap(billing.findInvoice(clinicId, id, { lock }), (found) =>
    Option.match(found, { onNone: () => Effect.fail(new NotFound({ entity: "Invoice", id })), onSome: Effect.succeed }))

/**
 * Issues a draft: the next number of the clinic's invoice series for the issue year (drawn in
 * this transaction: if anything later fails, the rollback gives it back, so no number is lost), the
 * due date, and the status the (empty) ledger gives.
 */
export const issue = (deps: BillingDeps, clinic: Clinic, id: InvoiceId, now: number) =>
  Effect.gen(function*() {
    const { date, year } = today(clinic, now)
    const format = clinic.settings.invoiceNumberFormat
    // The invoice's lock before the counter's, always in this order: two attempts at one draft
    // must not each hold the lock the other waits for.
    const invoice = yield* loadInvoice(deps, clinic.id, id, true)
    yield* requireAllowed(invoice, "issue")
    const sequence = yield* deps.billing.nextNumber(clinic.id, "invoice", counterYear(format, year))
    const issued = new Invoice({
      ...invoice,
      status: deriveStatus("issued", invoice.totalMinor, emptyLedger),
      balanceMinor: invoice.totalMinor,
      number: formatNumber(format, year, sequence),
      year,
      sequence,
      issuedAt: now,
      dueDate: addDays(date, invoice.dueDays),
      updatedAt: now
    }, { disableValidation: true })
    yield* deps.billing.updateInvoice(issued)
    return issued
  })

/**
 * Recomputes an invoice from its ledger, in the transaction that changed a payment, refund or
 * credit note, and moves its payment plan's installments along; writes only what changed.
 */
export const recompute = (deps: BillingDeps, invoice: Invoice, now: number) =>
  Effect.gen(function*() {
    const ledger = yield* deps.billing.ledger(invoice.clinicId, invoice.id)
    const updated = applyLedger(invoice, ledger, now)
    if (updated !== invoice) yield* deps.billing.updateInvoice(updated)
    const plan = yield* deps.billing.findPlanByInvoice(invoice.clinicId, invoice.id)
    if (Option.isSome(plan)) {
      const moved = applyBalance(plan.value, updated.balanceMinor, now)
      if (moved !== plan.value) yield* deps.billing.updatePlan(moved)
    }
    return updated
  })
