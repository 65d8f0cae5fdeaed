/**
 * The dashboard and each report, from the storage's sums and the rules of `Report` and `Period`.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { upcomingStatuses } from "../../Appointment.js"
import type { AnalyticsStorage, PaymentSums } from "../../AnalyticsStorage.js"
import type { Clinic } from "../../Clinic.js"
import * as Period from "../../Period.js"
import {
  agingBoundaries,
  agingBucketAt,
  agingBuckets,
  attendedStatuses,
  bookedStatuses,
  completedStatuses,
  type Dashboard,
  type NoShowRow,
  noShowStatuses,
  pendingPaymentStatuses,
  pendingReminderStatuses,
  rate,
  receivableStatuses,
  type Report,
  type ReportInput,
  revenueStatuses,
  workingMinutes
} from "../../Report.js"
import { emptyRules } from "../../Schedule.js"
import type { Storage } from "../../Storage.js"
import { zoned } from "../../Availability.js"

type Decoded = typeof import("../../Report.js").ReportInput.Type

const MINUTE = 60_000

/** Revenue of a group of payments: what was paid, less what was refunded of it. */
const revenueOf = (s: PaymentSums) => s.amountMinor - s.refundedMinor

/** @internal */
export const dashboard = (analytics: AnalyticsStorage, clinic: Clinic, from: string, to: string, now: number): Effect.Effect<Dashboard> => {
  const r = Period.range(clinic.timeZone, from, to)
  return Effect.map(
    analytics.dashboard(clinic.id, {
      start: r.start,
      end: r.end,
      upcomingFrom: Math.max(now, r.start),
      upcomingStatuses,
      completedStatuses,
      revenueStatuses,
      pendingPaymentStatuses,
      pendingReminderStatuses
    }),
    (sums) => ({
      from,
      to,
      zone: clinic.timeZone,
      currency: clinic.currency,
      start: r.start,
      end: r.end,
      asOf: now,
      totalAppointments: sums.appointments,
      upcomingAppointments: sums.upcoming,
      completedAppointments: sums.completed,
      revenueMinor: sums.revenueAmountMinor - sums.revenueRefundedMinor,
      pendingPayments: { count: sums.pendingPayments, amountMinor: sums.pendingPaymentsMinor },
      pendingReminders: sums.pendingReminders
    })
  )
}

/**
 * Revenue per period, summed by the storage per local day (daily) or per period. Rows are written
 * field by field: `{ ...period, figure }` (a spread followed by more properties) costs V8 about two
 * microseconds a row, which a daily report over months paid on every call.
 */
const revenuePerPeriod = (
  analytics: AnalyticsStorage,
  clinic: Clinic,
  granularity: Period.Granularity,
  ps: ReadonlyArray<Period.Period>
) =>
  Effect.map(
    analytics.revenueByPeriod(clinic.id, {
      start: ps[0]!.start,
      end: ps[ps.length - 1]!.end,
      periods: granularity === "day" ? { days: Period.dayRuns(ps) } : { boundaries: Period.boundaries(ps) },
      statuses: revenueStatuses
    }),
    (rows) => {
      const byBucket = new Map(rows.map((r) => [r.bucket, r]))
      return ps.map((p, i) => {
        const s = byBucket.get(i)
        const { end, firstDate, label, lastDate, start } = p
        return { label, firstDate, lastDate, start, end, payments: s?.payments ?? 0, revenueMinor: s === undefined ? 0 : revenueOf(s) }
      })
    }
  )

/** @internal */
export const report = (
  deps: { readonly storage: Storage; readonly analytics: AnalyticsStorage },
  clinic: Clinic,
  input: Decoded,
  now: number
): Effect.Effect<Report> => {
  const { analytics, storage } = deps
  const head = { currency: clinic.currency, zone: clinic.timeZone }
  const zone = clinic.timeZone
  switch (input.kind) {
    case "revenue_by_period":
      return Effect.map(
        revenuePerPeriod(analytics, clinic, input.granularity, Period.periods(zone, input.from, input.to, input.granularity)),
        (rows): Report => ({ ...head, kind: input.kind, from: input.from, to: input.to, granularity: input.granularity, rows })
      )
    case "revenue_by_doctor":
    case "revenue_by_service": {
      const r = Period.range(zone, input.from, input.to)
      return Effect.map(
        analytics.revenueBy(clinic.id, input.kind === "revenue_by_doctor" ? "doctor" : "service", {
          start: r.start,
          end: r.end,
          statuses: revenueStatuses
        }),
        (rows): Report => ({
          ...head,
          kind: input.kind,
          from: input.from,
          to: input.to,
          rows: rows
            .map((g) => ({ id: g.id, name: g.name, payments: g.payments, revenueMinor: revenueOf(g) }))
            .sort((a, b) => b.revenueMinor - a.revenueMinor || String(a.name).localeCompare(String(b.name)))
        })
      )
    }
    case "receivables": {
      const today = zoned.date(zone, now)
      return Effect.map(
        analytics.receivables(clinic.id, { statuses: receivableStatuses, boundaries: agingBoundaries(zone, today), today }),
        (sums): Report => {
          const byBucket = new Map(sums.map((s) => [agingBucketAt(s.bucket), s]))
          return {
            ...head,
            kind: "receivables",
            asOf: today,
            rows: agingBuckets.map((bucket) => {
              const s = byBucket.get(bucket)
              return {
                bucket,
                invoices: s?.invoices ?? 0,
                outstandingMinor: s?.balanceMinor ?? 0,
                overdueInvoices: s?.overdueInvoices ?? 0,
                overdueMinor: s?.overdueMinor ?? 0
              }
            })
          }
        }
      )
    }
    case "no_shows": {
      const r = Period.range(zone, input.from, input.to)
      return Effect.map(
        analytics.appointmentsByDoctor(clinic.id, { start: r.start, end: r.end, statuses: [...attendedStatuses, ...noShowStatuses] }),
        (doctors): Report => {
          const row = (doctorId: string | null, doctorName: string | null, counts: ReadonlyArray<{ status: string; count: number }>): NoShowRow => {
            const sum = (statuses: ReadonlyArray<string>) => counts.filter((c) => statuses.includes(c.status)).reduce((n, c) => n + c.count, 0)
            const completed = sum(attendedStatuses)
            const noShows = sum(noShowStatuses)
            return { doctorId, doctorName, completed, noShows, rate: rate(noShows, completed + noShows) }
          }
          const shown = doctors.filter((d) => d.active || d.counts.length > 0)
          return {
            ...head,
            kind: "no_shows",
            from: input.from,
            to: input.to,
            rows: shown.map((d) => row(d.doctorId, d.doctorName, d.counts)),
            total: row(null, null, doctors.flatMap((d) => d.counts))
          }
        }
      )
    }
    case "utilisation": {
      const r = Period.range(zone, input.from, input.to)
      return Effect.gen(function*() {
        const doctors = yield* analytics.bookedTime(clinic.id, { start: r.start, end: r.end, statuses: bookedStatuses })
        const holidays = (yield* storage.schedules.holidays(clinic.id, Period.addDays(input.from, -1), Period.addDays(input.to, 1)))
          .map((h) => h.date)
        return {
          ...head,
          kind: "utilisation",
          from: input.from,
          to: input.to,
          rows: doctors.filter((d) => d.active || d.bookedMs > 0).map((d) => {
            const working = workingMinutes(zone, Option.getOrElse(d.rules, () => emptyRules), holidays, r.start, r.end)
            const bookedMinutes = d.bookedMs / MINUTE
            return {
              doctorId: d.doctorId,
              doctorName: d.doctorName,
              bookedMinutes,
              workingMinutes: working,
              utilisation: rate(bookedMinutes, working)
            }
          })
        }
      })
    }
    case "expenses": {
      const ps = Period.periods(zone, input.from, input.to, input.granularity)
      return Effect.gen(function*() {
        const revenue = yield* revenuePerPeriod(analytics, clinic, input.granularity, ps)
        const byPeriod = ps.map(() => 0)
        if (input.granularity === "day") {
          const expenses = yield* analytics.expensesByDate(clinic.id, { firstDate: input.from, lastDate: input.to })
          for (const e of expenses) byPeriod[Period.dayOfRange(input.from, e.date)]! += e.amountMinor
        } else {
          const expenses = yield* analytics.expensesByPeriod(clinic.id, {
            firstDate: input.from,
            lastDate: input.to,
            periodStartDates: ps.slice(1).map((p) => p.firstDate)
          })
          for (const e of expenses) byPeriod[e.bucket]! += e.amountMinor
        }
        return {
          ...head,
          kind: "expenses",
          from: input.from,
          to: input.to,
          granularity: input.granularity,
          rows: revenue.map((p, i) => {
            const expensesMinor = byPeriod[i]!
            const { end, firstDate, label, lastDate, revenueMinor, start } = p
            return { label, firstDate, lastDate, start, end, revenueMinor, expensesMinor, netMinor: revenueMinor - expensesMinor }
          })
        }
      })
    }
  }
}

/** What the audit trail records of an export: the report's kind. */
export const kindOf = (input: ReportInput): string | null =>
  typeof input === "object" && input !== null && typeof input.kind === "string" ? input.kind : null
