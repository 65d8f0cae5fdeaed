/**
 * Exports: CSV of patients, appointments, invoices and payments (each gated by its `*.export`
 * key), streamed from the database with constant memory, and a doctor's appointments as
 * iCalendar. Every export is audited as a read.
 *
 * Each CSV export is a `Stream` of chunks of text (a header line first), to pipe into an HTTP
 * response or a file. The stream runs one transaction from its first pull to its end; stopping it
 * early rolls the transaction back.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Actor } from "./Actor.js"
import { AppointmentStatus } from "./Appointment.js"
import type { Currency } from "./Clinic.js"
import * as Csv from "./Csv.js"
import { type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { DoctorId } from "./Ids.js"
import { calendar } from "./internal/export/calendar.js"
import { instantsOf, type Range } from "./internal/export/range.js"
import { streamOperation } from "./internal/export/stream.js"
import { clinicOperation } from "./internal/operation.js"
import { decode, invalid } from "./internal/validation.js"
import { InvoiceStatus } from "./Invoice.js"
import * as Money from "./Money.js"
import { IsoDate } from "./Patient.js"
import { PaymentStatus } from "./Payment.js"
import { Storage } from "./Storage.js"
import type { ExportRepository } from "./TransferStorage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/**
 * A period in the clinic's zone: `today`, `this_week` (Monday to Sunday), `this_month`, or local
 * dates `{ from, to }` (both included).
 *
 * @since 0.2.0 @category inputs
 */
export const DateRange = Schema.Union(
  Schema.Literal("today", "this_week", "this_month"),
  Schema.Struct({ from: IsoDate, to: IsoDate })
)
/** @since 0.2.0 @category inputs */
export type DateRange = typeof DateRange.Encoded

/** Patients created in `range` (all when absent), newest first. @since 0.2.0 @category inputs */
export const PatientExport = Schema.Struct({ range: Schema.optional(DateRange) })
/** @since 0.2.0 @category inputs */
export type PatientExport = typeof PatientExport.Encoded

/** Appointments starting in `range`, with one of `statuses`, of one doctor. @since 0.2.0 @category inputs */
export const AppointmentExport = Schema.Struct({
  statuses: Schema.optional(Schema.Array(AppointmentStatus)),
  range: Schema.optional(DateRange),
  doctorId: Schema.optional(DoctorId)
})
/** @since 0.2.0 @category inputs */
export type AppointmentExport = typeof AppointmentExport.Encoded

/** Invoices created in `range` with one of `statuses`. @since 0.2.0 @category inputs */
export const InvoiceExport = Schema.Struct({
  statuses: Schema.optional(Schema.Array(InvoiceStatus)),
  range: Schema.optional(DateRange)
})
/** @since 0.2.0 @category inputs */
export type InvoiceExport = typeof InvoiceExport.Encoded

/** Payments created in `range` with one of `statuses`. @since 0.2.0 @category inputs */
export const PaymentExport = Schema.Struct({
  statuses: Schema.optional(Schema.Array(PaymentStatus)),
  range: Schema.optional(DateRange)
})
/** @since 0.2.0 @category inputs */
export type PaymentExport = typeof PaymentExport.Encoded

/** A doctor's appointments starting in `range` (at most 366 days). @since 0.2.0 @category inputs */
export const CalendarExport = Schema.Struct({ doctorId: DoctorId, range: DateRange })
/** @since 0.2.0 @category inputs */
export type CalendarExport = typeof CalendarExport.Encoded

/** @since 0.2.0 @category models */
export type ExportError = ValidationError | Refusal

/** @since 0.2.0 @category models */
export interface Export {
  /** `patients.export`; CareNova's patient headers. Audited as a read of patient records. */
  readonly patients: (input?: PatientExport) => Stream.Stream<string, ExportError, Actor>
  /** `appointments.export`; CareNova's appointment headers, then clinicore's columns. */
  readonly appointments: (input?: AppointmentExport) => Stream.Stream<string, ExportError, Actor>
  /** `billing.export`; amounts as decimals in the invoice's currency. */
  readonly invoices: (input?: InvoiceExport) => Stream.Stream<string, ExportError, Actor>
  /** `billing.export`; amounts as decimals in the payment's currency. */
  readonly payments: (input?: PaymentExport) => Stream.Stream<string, ExportError, Actor>
  /** `appointments.export`; the `.ics` text of a doctor's appointments. */
  readonly calendar: (input: CalendarExport) => Effect.Effect<string, ExportError | NotFound, Actor>
}

/** @since 0.2.0 @category tags */
export const Export: Context.Tag<Export, Export> = Context.GenericTag<Export>("@clinicore/core/Export")

const rangeIssues = (input: unknown) => {
  const range = typeof input === "object" && input !== null ? (input as { range?: unknown }).range : undefined
  if (typeof range === "object" && range !== null) {
    const { from, to } = range as { from?: unknown; to?: unknown }
    if (typeof from === "string" && typeof to === "string" && to < from) {
      return [{ path: "range.to", message: "must not be before range.from" }]
    }
  }
  return []
}

const decimal = (amount: number, currency: string) => Money.toDecimal({ amount, currency: currency as Currency })

/** @since 0.2.0 @category constructors */
export const make: Effect.Effect<Export, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const fieldCrypto = yield* FieldCrypto
  const deps = { storage, fieldCrypto }
  const exports = (): ExportRepository => {
    if (storage.exports === undefined) throw new Error("this storage adapter does not provide exports")
    return storage.exports
  }
  const period = (zone: string, range: Range | undefined) =>
    Effect.map(Clock.currentTimeMillis, (now) => range === undefined ? {} : instantsOf(zone, now, range))

  /** The CSV of `rows`: the header line, then a chunk of lines per chunk of rows. */
  const csv = <A>(header: ReadonlyArray<string>, rows: Stream.Stream<A>, cells: (a: A) => ReadonlyArray<Csv.Cell>) =>
    Stream.concat(
      Stream.succeed(Csv.lines([header])),
      rows.pipe(
        Stream.mapChunks((chunk) => Chunk.of(Csv.lines(Array.from(chunk, cells)))),
        Stream.filter((text) => text.length > 0)
      )
    )

  return {
    patients: (input = {}) =>
      streamOperation(deps, "Export.patients", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(PatientExport, input, rangeIssues(input))
          const range = yield* period(clinic.timeZone, valid.range)
          return csv(Csv.headers.patients, exports().patients(clinic.id, range), (p) => [
            p.id,
            p.fullName,
            p.email,
            p.phone,
            p.dateOfBirth,
            p.gender,
            p.bloodGroup,
            p.address,
            Csv.instant(p.createdAt)
          ])
        })),
    appointments: (input = {}) =>
      streamOperation(deps, "Export.appointments", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(AppointmentExport, input, rangeIssues(input))
          const range = yield* period(clinic.timeZone, valid.range)
          const filter = { ...range, statuses: valid.statuses, doctorId: valid.doctorId }
          return csv(Csv.headers.appointments, exports().appointments(clinic.id, filter), (a) => [
            a.id,
            a.patientName,
            a.doctorName,
            Csv.instant(a.start),
            Csv.instant(a.end),
            a.status,
            a.notes,
            a.patientId,
            a.patientPhone,
            a.doctorId,
            a.serviceId,
            a.cancelReason,
            a.version - 1,
            Csv.instant(a.createdAt)
          ])
        })),
    invoices: (input = {}) =>
      streamOperation(deps, "Export.invoices", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(InvoiceExport, input, rangeIssues(input))
          const range = yield* period(clinic.timeZone, valid.range)
          return csv(Csv.headers.invoices, exports().invoices(clinic.id, { ...range, statuses: valid.statuses }), (i) => [
            i.id,
            i.number,
            i.patientId,
            i.patientName,
            i.appointmentId,
            i.status,
            i.currency,
            decimal(i.subtotalMinor, i.currency),
            decimal(i.taxMinor, i.currency),
            decimal(i.totalMinor, i.currency),
            decimal(i.paidMinor, i.currency),
            decimal(i.balanceMinor, i.currency),
            Csv.instant(i.issuedAt),
            i.dueDate,
            Csv.instant(i.createdAt)
          ])
        })),
    payments: (input = {}) =>
      streamOperation(deps, "Export.payments", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(PaymentExport, input, rangeIssues(input))
          const range = yield* period(clinic.timeZone, valid.range)
          return csv(Csv.headers.payments, exports().payments(clinic.id, { ...range, statuses: valid.statuses }), (p) => [
            p.id,
            p.invoiceId,
            p.invoiceNumber,
            p.appointmentId,
            decimal(p.amountMinor, p.currency),
            decimal(p.refundedMinor, p.currency),
            p.currency,
            p.method,
            p.status,
            p.providerReference,
            Csv.instant(p.paidAt),
            Csv.instant(p.createdAt)
          ])
        })),
    calendar: (input) =>
      clinicOperation(deps, "Export.calendar", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CalendarExport, input, rangeIssues(input))
          const now = yield* Clock.currentTimeMillis
          const range = instantsOf(clinic.timeZone, now, valid.range)
          if (range.to - range.from > 367 * 86_400_000) return yield* invalid("range", "must span at most 366 days")
          const doctor = yield* storage.doctors.findById(clinic.id, valid.doctorId)
          if (Option.isNone(doctor)) return yield* new NotFound({ entity: "Doctor", id: valid.doctorId })
          const rows = yield* Stream.runCollect(exports().appointments(clinic.id, { ...range, doctorId: valid.doctorId }))
          return calendar({ name: `${clinic.name}: ${doctor.value.name}`, zone: clinic.timeZone, now }, Array.from(rows))
        }), () => input.doctorId)
  }
})

/** @since 0.2.0 @category layers */
export const layer: Layer.Layer<Export, never, Storage | FieldCrypto> = Layer.effect(Export, make)
