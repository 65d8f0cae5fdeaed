/**
 * The clinic's dashboard and reports: their inputs, their figures, and the rules behind them as
 * plain functions (which statuses count, aging buckets, rates, utilisation from the schedules) and
 * each report as a table for CSV.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { AppointmentStatus } from "./Appointment.js"
import { type Context as AvailabilityContext, prepare } from "./Availability.js"
import type { Currency } from "./Clinic.js"
import type { InvoiceStatus } from "./Invoice.js"
import { toDecimal } from "./Money.js"
import type { PaymentStatus } from "./Payment.js"
import { addDays, checkRange, Granularity, type Period, rangeFields, startOf } from "./Period.js"
import type { ReminderStatus } from "./Reminder.js"
import type { DoctorRules } from "./Schedule.js"

const MINUTE = 60_000

// ---------------------------------------------------------------------------------------------
// Which rows count

/** Payments whose money the clinic has: revenue (net of partial refunds). @since 0.1.0 @category rules */
export const revenueStatuses: ReadonlyArray<PaymentStatus> = ["paid"]
/** @since 0.1.0 @category rules */
export const pendingPaymentStatuses: ReadonlyArray<PaymentStatus> = ["pending"]
/** @since 0.1.0 @category rules */
export const pendingReminderStatuses: ReadonlyArray<ReminderStatus> = ["pending"]
/** @since 0.1.0 @category rules */
export const completedStatuses: ReadonlyArray<AppointmentStatus> = ["completed"]
/** Appointments whose time a doctor spent or kept for a patient: utilisation's booked minutes. @since 0.1.0 @category rules */
export const bookedStatuses: ReadonlyArray<AppointmentStatus> = ["scheduled", "confirmed", "checked_in", "completed"]
/** Outcomes of the no-show rate: no-shows among appointments that came to an end either way. @since 0.1.0 @category rules */
export const noShowStatuses: ReadonlyArray<AppointmentStatus> = ["no_show"]
/** @since 0.1.0 @category rules */
export const attendedStatuses: ReadonlyArray<AppointmentStatus> = ["completed"]
/** Invoices with something left to pay. @since 0.1.0 @category rules */
export const receivableStatuses: ReadonlyArray<InvoiceStatus> = ["issued", "partially_paid"]

/** `part / whole`, or `null` when there is nothing to divide by. @since 0.1.0 @category rules */
export const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null)

// ---------------------------------------------------------------------------------------------
// Aging

/** @since 0.1.0 @category models */
export const AgingBucket = Schema.Literal("0-30", "31-60", "61-90", "90+")
/** @since 0.1.0 @category models */
export type AgingBucket = typeof AgingBucket.Type

/** The buckets in order, youngest first. @since 0.1.0 @category models */
export const agingBuckets: ReadonlyArray<AgingBucket> = AgingBucket.literals

/** The bucket of an invoice `ageDays` days after its issue date (0–30, 31–60, 61–90, 91 and more). @since 0.1.0 @category rules */
export const agingBucket = (ageDays: number): AgingBucket =>
  ageDays <= 30 ? "0-30" : ageDays <= 60 ? "31-60" : ageDays <= 90 ? "61-90" : "90+"

/**
 * The aging buckets as instants of issue, ascending: an invoice issued before the first is 90+,
 * before the second 61–90, before the third 31–60, otherwise 0–30 (days counted between local
 * dates in the clinic's zone, `today` included).
 *
 * @since 0.1.0 @category rules
 */
export const agingBoundaries = (zone: string, today: string): ReadonlyArray<number> => [
  startOf(zone, addDays(today, -90)),
  startOf(zone, addDays(today, -60)),
  startOf(zone, addDays(today, -30))
]

/** The bucket of index `i` of `agingBoundaries` (0 = before the first). @since 0.1.0 @category rules */
export const agingBucketAt = (i: number): AgingBucket => agingBuckets[3 - i]!

// ---------------------------------------------------------------------------------------------
// Utilisation

/**
 * A doctor's working minutes in `[from, to)`: the hours their schedule gives, less time off,
 * holidays and breaks, by the very rule availability uses (`Availability.prepare`).
 *
 * @since 0.1.0 @category rules
 */
export const workingMinutes = (
  zone: string,
  rules: DoctorRules,
  holidays: ReadonlyArray<string>,
  from: number,
  to: number
): number => {
  const context: AvailabilityContext = {
    zone,
    rules,
    holidays,
    busy: [],
    patientBusy: [],
    roomBusy: [],
    now: from,
    slotMinutes: 5,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 0,
    doctorActive: true,
    patientBlocked: false,
    serviceActive: true,
    performed: true,
    roomsActive: true
  }
  let ms = 0
  for (const [s, e] of prepare(context, from, to).working) {
    const a = Math.max(s, from)
    const b = Math.min(e, to)
    if (b > a) ms += b - a
  }
  return ms / MINUTE
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A range of clinic-local dates, both included, at most `Period.maxRangeDays` long. @since 0.1.0 @category inputs */
export const DashboardInput = Schema.Struct(rangeFields).pipe(Schema.filter(checkRange))
/** @since 0.1.0 @category inputs */
export type DashboardInput = typeof DashboardInput.Encoded

const Kind = <K extends string>(kind: K) => Schema.Literal(kind)

/** @since 0.1.0 @category inputs */
export const ReportInput = Schema.Union(
  Schema.Struct({ kind: Kind("revenue_by_period"), ...rangeFields, granularity: Granularity }).pipe(Schema.filter(checkRange)),
  Schema.Struct({ kind: Kind("revenue_by_doctor"), ...rangeFields }).pipe(Schema.filter(checkRange)),
  Schema.Struct({ kind: Kind("revenue_by_service"), ...rangeFields }).pipe(Schema.filter(checkRange)),
  Schema.Struct({ kind: Kind("receivables") }),
  Schema.Struct({ kind: Kind("no_shows"), ...rangeFields }).pipe(Schema.filter(checkRange)),
  Schema.Struct({ kind: Kind("utilisation"), ...rangeFields }).pipe(Schema.filter(checkRange)),
  Schema.Struct({ kind: Kind("expenses"), ...rangeFields, granularity: Granularity }).pipe(Schema.filter(checkRange))
)
/** @since 0.1.0 @category inputs */
export type ReportInput = typeof ReportInput.Encoded
/** @since 0.1.0 @category inputs */
export type ReportKind = ReportInput["kind"]

// ---------------------------------------------------------------------------------------------
// Figures

/** @since 0.1.0 @category models */
export interface Dashboard {
  readonly from: string
  readonly to: string
  readonly zone: string
  readonly currency: Currency
  /** The range's instants: the start of `from` and of the day after `to` in the clinic's zone. */
  readonly start: number
  readonly end: number
  /** When it was computed; upcoming counts from here. */
  readonly asOf: number
  /** Appointments starting in the range, whatever their status. */
  readonly totalAppointments: number
  /** Scheduled or confirmed, starting in the range and at or after `asOf`. */
  readonly upcomingAppointments: number
  readonly completedAppointments: number
  /** Paid payments received in the range, less what was refunded of them. */
  readonly revenueMinor: number
  /** Payments waiting for a confirmation now, whenever recorded. */
  readonly pendingPayments: { readonly count: number; readonly amountMinor: number }
  /** Reminders waiting to be sent now. */
  readonly pendingReminders: number
}

/** @since 0.1.0 @category models */
export interface RevenuePeriodRow extends Period {
  readonly payments: number
  readonly revenueMinor: number
}

/** @since 0.1.0 @category models */
export interface RevenueGroupRow {
  /** The doctor or service; `null` for payments linked to no appointment (or none with one). */
  readonly id: string | null
  readonly name: string | null
  readonly payments: number
  readonly revenueMinor: number
}

/** @since 0.1.0 @category models */
export interface AgingRow {
  readonly bucket: AgingBucket
  readonly invoices: number
  readonly outstandingMinor: number
  readonly overdueInvoices: number
  readonly overdueMinor: number
}

/** @since 0.1.0 @category models */
export interface NoShowRow {
  /** `null` in the clinic's total row. */
  readonly doctorId: string | null
  readonly doctorName: string | null
  readonly completed: number
  readonly noShows: number
  /** noShows / (completed + noShows); `null` without either. */
  readonly rate: number | null
}

/** @since 0.1.0 @category models */
export interface UtilisationRow {
  readonly doctorId: string
  readonly doctorName: string
  readonly bookedMinutes: number
  readonly workingMinutes: number
  /** booked / working; `null` without working time. */
  readonly utilisation: number | null
}

/** @since 0.1.0 @category models */
export interface NetPeriodRow extends Period {
  readonly revenueMinor: number
  readonly expensesMinor: number
  readonly netMinor: number
}

interface Head {
  readonly currency: Currency
  readonly zone: string
}
interface RangeHead extends Head {
  readonly from: string
  readonly to: string
}

/** @since 0.1.0 @category models */
export type Report =
  | (RangeHead & { readonly kind: "revenue_by_period"; readonly granularity: Granularity; readonly rows: ReadonlyArray<RevenuePeriodRow> })
  | (RangeHead & { readonly kind: "revenue_by_doctor"; readonly rows: ReadonlyArray<RevenueGroupRow> })
  | (RangeHead & { readonly kind: "revenue_by_service"; readonly rows: ReadonlyArray<RevenueGroupRow> })
  | (Head & { readonly kind: "receivables"; readonly asOf: string; readonly rows: ReadonlyArray<AgingRow> })
  | (RangeHead & { readonly kind: "no_shows"; readonly total: NoShowRow; readonly rows: ReadonlyArray<NoShowRow> })
  | (RangeHead & { readonly kind: "utilisation"; readonly rows: ReadonlyArray<UtilisationRow> })
  | (RangeHead & { readonly kind: "expenses"; readonly granularity: Granularity; readonly rows: ReadonlyArray<NetPeriodRow> })

/** The report of one kind. @since 0.1.0 @category models */
export type ReportOf<K extends ReportKind> = Extract<Report, { readonly kind: K }>

// ---------------------------------------------------------------------------------------------
// Tables

/** An exact decimal number written by the library (an amount), never text from a user. @since 0.1.0 @category models */
export interface Decimal {
  readonly decimal: string
}

/** A cell: text, a number, an exact decimal, or empty. @since 0.1.0 @category models */
export type Cell = string | number | Decimal | null

/** A report as a header and rows of cells: what its CSV holds. @since 0.1.0 @category models */
export interface Table {
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
}

const iso = (t: number) => new Date(t).toISOString()

/**
 * A report as a table: amounts as decimals in the clinic's currency, instants as ISO 8601 (UTC),
 * rates as fractions, empty cells for `null`.
 *
 * @since 0.1.0 @category tables
 */
export const table = (report: Report): Table => {
  const money = (amount: number): Decimal => ({ decimal: toDecimal({ amount, currency: report.currency }) })
  const period = (p: Period) => [p.label, p.firstDate, p.lastDate, iso(p.start), iso(p.end)]
  const periodHeader = ["period", "first_date", "last_date", "start", "end"]
  switch (report.kind) {
    case "revenue_by_period":
      return {
        header: [...periodHeader, "payments", "revenue", "currency"],
        rows: report.rows.map((r) => [...period(r), r.payments, money(r.revenueMinor), report.currency])
      }
    case "revenue_by_doctor":
    case "revenue_by_service": {
      const what = report.kind === "revenue_by_doctor" ? "doctor" : "service"
      return {
        header: [`${what}_id`, `${what}_name`, "payments", "revenue", "currency"],
        rows: report.rows.map((r) => [r.id, r.name, r.payments, money(r.revenueMinor), report.currency])
      }
    }
    case "receivables":
      return {
        header: ["bucket", "invoices", "outstanding", "overdue_invoices", "overdue", "currency", "as_of"],
        rows: report.rows.map((r) => [
          r.bucket,
          r.invoices,
          money(r.outstandingMinor),
          r.overdueInvoices,
          money(r.overdueMinor),
          report.currency,
          report.asOf
        ])
      }
    case "no_shows":
      return {
        header: ["doctor_id", "doctor_name", "completed", "no_shows", "no_show_rate"],
        rows: [...report.rows, report.total].map((r) => [r.doctorId, r.doctorName, r.completed, r.noShows, r.rate])
      }
    case "utilisation":
      return {
        header: ["doctor_id", "doctor_name", "booked_minutes", "working_minutes", "utilisation"],
        rows: report.rows.map((r) => [r.doctorId, r.doctorName, r.bookedMinutes, r.workingMinutes, r.utilisation])
      }
    case "expenses":
      return {
        header: [...periodHeader, "revenue", "expenses", "net", "currency"],
        rows: report.rows.map((r) => [
          ...period(r),
          money(r.revenueMinor),
          money(r.expensesMinor),
          money(r.netMinor),
          report.currency
        ])
      }
  }
}
