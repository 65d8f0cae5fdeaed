/**
 * The analytics storage port: aggregates computed by the database (`count`, `sum` with `GROUP
 * BY`), never by loading rows. Which statuses count, where periods and aging buckets begin (as
 * instants in the clinic's zone) and what the sums mean are decided in core (`Report`, `Period`)
 * and passed in; the storage only counts and sums what it is told to. Adapters provide it beside
 * `Storage`; its methods run on the connection of the current `Storage.transaction`, so they see
 * the clinic its tenant setting names, and every query scopes by the clinic id as well.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { AppointmentStatus } from "./Appointment.js"
import type { ClinicId } from "./Ids.js"
import type { InvoiceStatus } from "./Invoice.js"
import type { PaymentStatus } from "./Payment.js"
import type { DayRun } from "./Period.js"
import type { ReminderStatus } from "./Reminder.js"
import type { DoctorRules } from "./Schedule.js"

/** Instants `[start, end)`. @since 0.1.0 @category models */
export interface Span {
  readonly start: number
  readonly end: number
}

/** @since 0.1.0 @category models */
export interface DashboardQuery extends Span {
  /** Upcoming appointments start at or after this instant (and before `end`). */
  readonly upcomingFrom: number
  readonly upcomingStatuses: ReadonlyArray<AppointmentStatus>
  readonly completedStatuses: ReadonlyArray<AppointmentStatus>
  /** Payments received (`paid_at`) in the span with these statuses. */
  readonly revenueStatuses: ReadonlyArray<PaymentStatus>
  /** Payments with these statuses now, whenever recorded. */
  readonly pendingPaymentStatuses: ReadonlyArray<PaymentStatus>
  readonly pendingReminderStatuses: ReadonlyArray<ReminderStatus>
}

/** @since 0.1.0 @category models */
export interface DashboardSums {
  /** Appointments starting in the span. */
  readonly appointments: number
  readonly upcoming: number
  readonly completed: number
  /** Sums of `amount` and `refunded` of the revenue payments. */
  readonly revenueAmountMinor: number
  readonly revenueRefundedMinor: number
  readonly pendingPayments: number
  readonly pendingPaymentsMinor: number
  readonly pendingReminders: number
}

/** Payment sums of one group. @since 0.1.0 @category models */
export interface PaymentSums {
  readonly payments: number
  readonly amountMinor: number
  readonly refundedMinor: number
}

/**
 * Buckets given by ascending boundaries: a value below `boundaries[0]` is in bucket 0, one at or
 * above `boundaries[i − 1]` and below `boundaries[i]` in bucket `i`, one at or above the last in
 * bucket `boundaries.length`.
 *
 * @since 0.1.0 @category models
 */
export interface Bucketed<B> {
  readonly boundaries: ReadonlyArray<B>
}

/** @since 0.1.0 @category models */
export interface ReceivablesQuery extends Bucketed<number> {
  readonly statuses: ReadonlyArray<InvoiceStatus>
  /** Clinic-local today: an invoice due before it is overdue. */
  readonly today: string
}

/** @since 0.1.0 @category models */
export interface ReceivableSums {
  readonly bucket: number
  readonly invoices: number
  readonly balanceMinor: number
  readonly overdueInvoices: number
  readonly overdueMinor: number
}

/** A doctor a per-doctor figure belongs to. @since 0.1.0 @category models */
export interface DoctorFigures {
  readonly doctorId: string
  readonly doctorName: string
  readonly active: boolean
}

/** @since 0.1.0 @category ports */
export interface AnalyticsStorage {
  /** The dashboard's counts and sums, in one statement. */
  readonly dashboard: (clinicId: ClinicId, query: DashboardQuery) => Effect.Effect<DashboardSums>
  /**
   * Revenue payments received in the span, summed per period of `paid_at` (`bucket`; periods
   * without any absent). Daily: the local day of each payment (day 0 = the span's first) comes
   * from `days` (`Period.dayRuns`). Otherwise period `i` starts at instant `boundaries[i − 1]`.
   */
  readonly revenueByPeriod: (
    clinicId: ClinicId,
    query: Span & {
      readonly periods: { readonly days: ReadonlyArray<DayRun> } | { readonly boundaries: ReadonlyArray<number> }
      readonly statuses: ReadonlyArray<PaymentStatus>
    }
  ) => Effect.Effect<ReadonlyArray<PaymentSums & { readonly bucket: number }>>
  /**
   * Revenue payments received in the span, summed per doctor or service of their appointment (the
   * payment's own, else its invoice's); `id: null` for payments with none.
   */
  readonly revenueBy: (
    clinicId: ClinicId,
    by: "doctor" | "service",
    query: Span & { readonly statuses: ReadonlyArray<PaymentStatus> }
  ) => Effect.Effect<ReadonlyArray<PaymentSums & { readonly id: string | null; readonly name: string | null }>>
  /** Open invoices summed per bucket of `issued_at`, with the overdue part of each. */
  readonly receivables: (clinicId: ClinicId, query: ReceivablesQuery) => Effect.Effect<ReadonlyArray<ReceivableSums>>
  /**
   * Every doctor of the clinic, each with its appointments starting in the span with these
   * statuses counted per status (no counts for a doctor without any).
   */
  readonly appointmentsByDoctor: (
    clinicId: ClinicId,
    query: Span & { readonly statuses: ReadonlyArray<AppointmentStatus> }
  ) => Effect.Effect<ReadonlyArray<DoctorFigures & { readonly counts: ReadonlyArray<{ readonly status: AppointmentStatus; readonly count: number }> }>>
  /**
   * Every doctor of the clinic with its working rules, and the milliseconds of its appointments
   * with these statuses inside the span (each appointment clipped to it).
   */
  readonly bookedTime: (
    clinicId: ClinicId,
    query: Span & { readonly statuses: ReadonlyArray<AppointmentStatus> }
  ) => Effect.Effect<ReadonlyArray<DoctorFigures & { readonly rules: Option.Option<DoctorRules>; readonly bookedMs: number }>>
  /**
   * Expenses dated `firstDate` to `lastDate` (local dates), summed per period: period `i` starts on
   * local date `periodStartDates[i − 1]` (`bucket`; periods without any absent).
   */
  readonly expensesByPeriod: (
    clinicId: ClinicId,
    query: { readonly firstDate: string; readonly lastDate: string; readonly periodStartDates: ReadonlyArray<string> }
  ) => Effect.Effect<ReadonlyArray<{ readonly bucket: number; readonly expenses: number; readonly amountMinor: number }>>
  /** Expenses dated `firstDate` to `lastDate` (local dates), summed per date (dates without any absent). */
  readonly expensesByDate: (
    clinicId: ClinicId,
    query: { readonly firstDate: string; readonly lastDate: string }
  ) => Effect.Effect<ReadonlyArray<{ readonly date: string; readonly expenses: number; readonly amountMinor: number }>>
}

/** @since 0.1.0 @category tags */
export const AnalyticsStorage: Context.Tag<AnalyticsStorage, AnalyticsStorage> = Context.GenericTag<AnalyticsStorage>(
  "@clinicore/core/AnalyticsStorage"
)
