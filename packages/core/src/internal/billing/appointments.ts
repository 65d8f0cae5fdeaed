/**
 * Invoices from appointments: at most one (void ones aside) per appointment, only from a completed
 * one. `invoiceOnCompletion` is what `Scheduling.setStatus` calls, in its own transaction, when an
 * appointment becomes `completed` and the clinic bills on completion.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Appointment } from "../../Appointment.js"
import { Conflict, type ValidationError } from "../../Errors.js"
import type { Invoice, InvoiceLine, Rounding } from "../../Invoice.js"
import type { Clinic } from "../../Clinic.js"
import type { StaffId } from "../../Ids.js"
import { type BillingDeps, draft, issue } from "./invoices.js"

/** `Conflict` unless the appointment is completed and has no invoice yet (void ones aside). */
export const requireInvoiceable = (deps: BillingDeps, appointment: Appointment) =>
  Effect.gen(function*() {
    if (appointment.status !== "completed") {
      return yield* new Conflict({ reason: { _tag: "appointment_not_completed", status: appointment.status } })
    }
    const existing = yield* deps.billing.findInvoiceByAppointment(appointment.clinicId, appointment.id)
    if (Option.isSome(existing)) {
      return yield* new Conflict({ reason: { _tag: "already_invoiced", invoiceId: existing.value.id } })
    }
  })

/** One line for the appointment's service at the service's price; `None` without a service. */
export const serviceLine = (deps: BillingDeps, appointment: Appointment) =>
  Effect.gen(function*() {
    if (appointment.serviceId === null) return Option.none<InvoiceLine>()
    const service = yield* deps.storage.catalog.findService(appointment.clinicId, appointment.serviceId)
    return Option.map(service, (s): InvoiceLine => ({
      description: s.name,
      quantity: 1,
      unitPriceMinor: s.priceMinor,
      serviceId: s.id,
      amountMinor: s.priceMinor
    }))
  })

/** Creates the appointment's invoice from priced lines (the unique index decides a race). */
export const createForAppointment = (
  deps: BillingDeps,
  clinic: Clinic,
  appointment: Appointment,
  fields: {
    readonly lines: ReadonlyArray<InvoiceLine>
    readonly taxBasisPoints: number
    readonly discountMinor: number
    readonly rounding: Rounding
    readonly dueDays: number
    readonly notes: string | null
    readonly createdBy: StaffId | null
  },
  now: number
): Effect.Effect<Invoice, Conflict | ValidationError> =>
  Effect.gen(function*() {
    yield* requireInvoiceable(deps, appointment)
    // A completed appointment always has its patient (only a request staff never matched has none).
    if (appointment.patientId === null) return yield* Effect.dieMessage("a completed appointment without a patient")
    const invoice = yield* draft(clinic, { ...fields, patientId: appointment.patientId, appointmentId: appointment.id }, now)
    yield* deps.billing.insertInvoice(invoice)
    return invoice
  })

/**
 * For `Scheduling.setStatus`, in the transaction that records the completion, after the
 * appointment was written as `completed`: when the clinic's `autoInvoiceOnCompletion` is `draft` or
 * `issue`, creates the appointment's invoice (one line: its service at the service's price) and,
 * with `issue`, issues it. Exactly once however often completion is recorded: an appointment that
 * has an invoice already (or none to bill: no service) gives `None`, and so does a concurrent
 * completion that lost the race for the unique index. Writes nothing otherwise.
 */
export const invoiceOnCompletion = (
  deps: BillingDeps,
  clinic: Clinic,
  appointment: Appointment,
  now: number,
  createdBy: StaffId | null = null
): Effect.Effect<Option.Option<Invoice>> =>
  Effect.gen(function*() {
    const mode = clinic.settings.autoInvoiceOnCompletion
    if (mode === "off" || appointment.status !== "completed") return Option.none()
    const line = yield* serviceLine(deps, appointment)
    if (Option.isNone(line)) return Option.none()
    const created = yield* createForAppointment(deps, clinic, appointment, {
      lines: [line.value],
      taxBasisPoints: 0,
      discountMinor: 0,
      rounding: { mode: "half_up", scope: "invoice" },
      dueDays: clinic.settings.invoiceDueDays,
      notes: null,
      createdBy
    }, now).pipe(
      Effect.map(Option.some),
      // Already invoiced (now or by a concurrent completion): nothing more to do.
      Effect.catchIf(
        (e): e is Conflict => e._tag === "Conflict" && e.reason._tag === "already_invoiced",
        () => Effect.succeed(Option.none<Invoice>())
      ),
      // Anything else (a price beyond the safe range, a reference the database refused) is not
      // the caller's input: a defect.
      Effect.orDie
    )
    if (Option.isNone(created) || mode === "draft") return created
    return Option.some(yield* Effect.orDie(issue(deps, clinic, created.value.id, now)))
  })
