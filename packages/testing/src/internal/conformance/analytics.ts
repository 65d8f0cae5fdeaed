/**
 * Analytics on one adapter (DESIGN §10, issue 14): the dashboard's figures (an empty clinic,
 * which payments and appointments count), tenancy of every figure, aging buckets, utilisation and
 * no-show rate against a reference computed here from the raw rows (property), the CSV export
 * read back with csv-parse, permissions and bad input.
 */
import { randomUUID } from "node:crypto"
import type * as Actor from "@clinicore/core/Actor"
import { Analytics } from "@clinicore/core/Analytics"
import * as Csv from "@clinicore/core/Csv"
import { Audit } from "@clinicore/core/Audit"
import { zoned } from "@clinicore/core/Availability"
import { Billing } from "@clinicore/core/Billing"
import { Doctors } from "@clinicore/core/Doctors"
import { Patients } from "@clinicore/core/Patients"
import { Reminders } from "@clinicore/core/Reminders"
import * as Report from "@clinicore/core/Report"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import type { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as fc from "fast-check"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const MINUTE = 60_000
const DAY = 86_400_000

let phones = 0
const nextPhone = () => `+1 332 555 ${String(1000 + (phones++ % 9000))}`
let keys = 0
const key = () => `an-${process.pid}-${keys++}`

const dashboardOf = (from: string, to: string) => Effect.flatMap(Analytics, (s) => s.dashboard({ from, to }))
const reportOf = <I extends Report.ReportInput>(input: I) => Effect.flatMap(Analytics, (s) => s.report(input))

/** A doctor and a patient of the clinic. */
const people = (a: Fixtures.ClinicFixture, label: string) =>
  Effect.gen(function*() {
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: `Dr ${label}`, specialty: "GP" })).pipe(a.asAdmin, Effect.orDie)
    const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: `${label} Patient`, phone: nextPhone() })).pipe(
      a.asAdmin,
      Effect.orDie
    )
    return { doctorId: doctor.id, patientId: patient.id }
  })

/** An appointment row written as a host's own SQL would (past ones cannot be booked). */
const appointment = (clinicId: string, row: {
  readonly doctorId: string
  readonly patientId: string
  readonly start: number
  readonly end: number
  readonly status: string
  readonly id?: string
}) =>
  Effect.flatMap(RawAccess, (raw) =>
    raw.execute(
      `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [clinicId, row.id ?? randomUUID(), row.doctorId, row.patientId, raw.instant(row.start), raw.instant(row.end), raw.instant(row.start),
        raw.instant(row.end), row.status, raw.instant(row.start), raw.instant(row.start)]
    ))

/** An invoice row with the given status, issue instant, due date and balance. */
const invoice = (clinicId: string, patientId: string, row: {
  readonly status: string
  readonly issuedAt: number | null
  readonly dueDate: string | null
  readonly balanceMinor: number
}) =>
  Effect.flatMap(RawAccess, (raw) =>
    raw.execute(
      `INSERT INTO invoices (clinic_id, id, patient_id, currency, tax_basis_points, discount_minor, rounding_mode, rounding_scope,
         subtotal_minor, tax_minor, total_minor, paid_minor, refunded_minor, credited_minor, balance_minor, status, due_days,
         issued_at, due_date, created_at, updated_at)
       VALUES (?, ?, ?, 'USD', 0, 0, 'half_up', 'invoice', ?, 0, ?, 0, 0, 0, ?, ?, 30, ?, ?, ?, ?)`,
      [clinicId, randomUUID(), patientId, row.balanceMinor, row.balanceMinor, row.balanceMinor, row.status,
        row.issuedAt === null ? null : raw.instant(row.issuedAt), row.dueDate, raw.instant(Date.now()), raw.instant(Date.now())]
    ))

/** Local date and minutes after midnight of an instant, read with Intl (independently of core's zone code). */
const localParts = (() => {
  const formats = new Map<string, Intl.DateTimeFormat>()
  return (zone: string, t: number) => {
    let f = formats.get(zone)
    if (f === undefined) {
      f = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit"
      })
      formats.set(zone, f)
    }
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]))
    return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) }
  }
})()

const dayIndex = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY
const isoWeekday = (date: string) => ((dayIndex(date) + 3) % 7 + 7) % 7 + 1
const plusDays = (date: string, n: number) => new Date((dayIndex(date) + n) * DAY).toISOString().slice(0, 10)

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`

const statuses = ["requested", "scheduled", "confirmed", "checked_in", "completed", "cancelled", "no_show", "expired"] as const

/** A random clinic's month: doctors with weekly hours, holidays, time off, appointments and invoices. */
const World = fc.record({
  zone: fc.constantFrom("UTC", "Europe/London", "America/New_York", "Australia/Sydney"),
  // Ranges around DST changes (and one away from them).
  from: fc.constantFrom("2025-03-26", "2025-03-30", "2025-10-01", "2025-10-24", "2025-06-10"),
  days: fc.integer({ min: 1, max: 16 }),
  doctors: fc.array(
    fc.record({
      weekly: fc.array(
        // Windows from 04:00 on: a window's edge inside a DST gap moves by the DST policy, which the
        // quarter-hour reference below does not model (the scheduling suite tests that policy).
        fc.record({ weekday: fc.integer({ min: 1, max: 7 }), start: fc.integer({ min: 16, max: 80 }), quarters: fc.integer({ min: 1, max: 40 }) }),
        { maxLength: 7 }
      ),
      timeOff: fc.option(fc.record({ offset: fc.integer({ min: -3, max: 16 }), length: fc.integer({ min: 0, max: 4 }) }), { nil: undefined }),
      appointments: fc.array(
        fc.record({ gapQuarters: fc.integer({ min: 0, max: 120 }), quarters: fc.integer({ min: 1, max: 16 }), status: fc.constantFrom(...statuses) }),
        { maxLength: 40 }
      )
    }),
    { minLength: 1, maxLength: 3 }
  ),
  holidays: fc.uniqueArray(fc.integer({ min: -2, max: 17 }), { maxLength: 3 }),
  invoices: fc.array(
    fc.record({
      status: fc.constantFrom("draft", "issued", "partially_paid", "paid", "void", "credited"),
      ageMs: fc.integer({ min: 0, max: 200 * DAY }),
      dueOffset: fc.integer({ min: -120, max: 60 }),
      balanceMinor: fc.integer({ min: 0, max: 1_000_000 })
    }),
    { maxLength: 25 }
  )
})
type World = typeof World extends fc.Arbitrary<infer A> ? A : never

/** Weekly windows of one doctor that do not overlap on a weekday and end by midnight. */
const windowsOf = (weekly: World["doctors"][number]["weekly"]) => {
  const byDay = new Map<number, { weekday: number; start: string; end: string }>()
  for (const w of weekly) {
    const start = w.start * 15
    const end = Math.min(start + w.quarters * 15, 23 * 60 + 45)
    if (end > start && !byDay.has(w.weekday)) byDay.set(w.weekday, { weekday: w.weekday, start: hhmm(start), end: hhmm(end) })
  }
  return [...byDay.values()]
}

export const analytics = (it: SuiteIt, runs = 15) => {
  it.effect("analytics: the dashboard of a clinic with no data is all zeros and revenue 0; its reports are empty or zero", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("AnEmpty")
      const d = yield* dashboardOf("2025-01-01", "2026-12-31").pipe(a.asAdmin)
      expect(d).toMatchObject({
        totalAppointments: 0,
        upcomingAppointments: 0,
        completedAppointments: 0,
        revenueMinor: 0,
        pendingPayments: { count: 0, amountMinor: 0 },
        pendingReminders: 0
      })
      const receivables = yield* reportOf({ kind: "receivables" }).pipe(a.asAdmin)
      expect(receivables.rows.map((r) => [r.bucket, r.invoices, r.outstandingMinor, r.overdueMinor])).toEqual(
        Report.agingBuckets.map((b) => [b, 0, 0, 0])
      )
      const revenue = yield* reportOf({ kind: "revenue_by_period", from: "2025-01-01", to: "2025-12-31", granularity: "month" }).pipe(a.asAdmin)
      expect(revenue.rows.map((r) => r.revenueMinor)).toEqual(Array(12).fill(0))
    }))

  it.effect("analytics: revenue counts only paid payments (refunded and failed do not); pending payments and reminders are counted; upcoming never counts completed, cancelled or past", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("AnRevenue", { timeZone: "UTC" })
      const { doctorId, patientId } = yield* people(a, "Rev")
      const billing = yield* Billing
      const now = Date.now()
      const today = zoned.date("UTC", now)
      // Payments need an invoice or an appointment: a future appointment booked through the service.
      const booked = yield* Effect.flatMap(Scheduling, (s) =>
        s.book({ doctorId, patientId, start: now + 3 * DAY - (now % MINUTE), end: now + 3 * DAY - (now % MINUTE) + 30 * MINUTE, override: true })
      ).pipe(a.asAdmin)
      const pay = (amountMinor: number, status: "paid" | "pending" = "paid") =>
        billing.recordPayment({ appointmentId: booked.id, amountMinor, method: "cash", idempotencyKey: key(), status }).pipe(a.asAdmin)
      yield* pay(10_000)
      const failed = yield* pay(5_000)
      yield* billing.setPaymentStatus({ id: failed.id, status: "failed" }).pipe(a.asAdmin)
      const refunded = yield* pay(3_000)
      yield* billing.refundPayment({ paymentId: refunded.id, amountMinor: 3_000 }).pipe(a.asAdmin)
      const partly = yield* pay(2_000)
      yield* billing.refundPayment({ paymentId: partly.id, amountMinor: 500 }).pipe(a.asAdmin)
      yield* pay(700, "pending")
      yield* Effect.flatMap(Reminders, (r) => r.create({ appointmentId: booked.id, channel: "sms" })).pipe(a.asAdmin)
      const pendingReminders = yield* Effect.flatMap(RawAccess, (raw) =>
        raw.execute("SELECT count(*) AS n FROM reminders WHERE clinic_id = ? AND status = 'pending'", [a.clinicId]))

      // Appointments of every status, in the past and in the future.
      const p2 = yield* people(a, "Rev2")
      const hour = (h: number) => now - (now % (15 * MINUTE)) + h * 3_600_000
      const at = (h: number, status: string) =>
        appointment(a.clinicId, { doctorId: p2.doctorId, patientId: p2.patientId, start: hour(h), end: hour(h) + 30 * MINUTE, status })
      yield* at(-30, "completed")
      yield* at(-28, "scheduled") // past: not upcoming
      yield* at(-26, "confirmed") // past: not upcoming
      yield* at(-24, "no_show")
      yield* at(30, "scheduled")
      yield* at(32, "confirmed")
      yield* at(34, "cancelled")
      yield* at(36, "completed") // marked completed ahead of time: still not upcoming
      yield* at(38, "requested")
      const d = yield* dashboardOf(plusDays(today, -5), plusDays(today, 5)).pipe(a.asAdmin)
      expect(d.revenueMinor).toBe(10_000 + 1_500)
      expect(d.pendingPayments).toEqual({ count: 1, amountMinor: 700 })
      expect(d.pendingReminders).toBe(Number(pendingReminders[0]!.n))
      expect(d.pendingReminders).toBeGreaterThanOrEqual(1)
      // booked (scheduled) + scheduled + confirmed in the future.
      expect(d.upcomingAppointments).toBe(3)
      expect(d.completedAppointments).toBe(2)
      expect(d.totalAppointments).toBe(10)
      // A range that ended yesterday has nothing upcoming, whatever the statuses.
      const past = yield* dashboardOf(plusDays(today, -5), plusDays(today, -1)).pipe(a.asAdmin)
      expect(past.upcomingAppointments).toBe(0)
      expect(past.revenueMinor).toBe(0)
    }))

  it.effect("analytics: another clinic's appointments, payments, invoices, expenses and reminders never change a clinic's figures", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const today = zoned.date("UTC", now)
      const from = plusDays(today, -40)
      const to = plusDays(today, 40)
      const seed = (a: Fixtures.ClinicFixture, label: string, scale: number) =>
        Effect.gen(function*() {
          const { doctorId, patientId } = yield* people(a, label)
          const start = now + 2 * DAY - (now % (15 * MINUTE))
          const booked = yield* Effect.flatMap(Scheduling, (s) => s.book({ doctorId, patientId, start, end: start + 30 * MINUTE, override: true }))
            .pipe(a.asAdmin)
          yield* Effect.flatMap(Reminders, (r) => r.create({ appointmentId: booked.id, channel: "sms" })).pipe(a.asAdmin)
          const billing = yield* Billing
          yield* billing.recordPayment({ appointmentId: booked.id, amountMinor: 1000 * scale, method: "card", idempotencyKey: key() }).pipe(a.asAdmin)
          yield* billing.recordPayment({ appointmentId: booked.id, amountMinor: 300 * scale, method: "card", idempotencyKey: key(), status: "pending" })
            .pipe(a.asAdmin)
          yield* billing.createExpense({ category: "rent", amountMinor: 500 * scale, date: today }).pipe(a.asAdmin)
          yield* appointment(a.clinicId, { doctorId, patientId, start: now - 3 * DAY, end: now - 3 * DAY + 30 * MINUTE, status: "no_show" })
          yield* appointment(a.clinicId, { doctorId, patientId, start: now - 4 * DAY, end: now - 4 * DAY + 45 * MINUTE, status: "completed" })
          yield* invoice(a.clinicId, patientId, { status: "issued", issuedAt: now - 45 * DAY, dueDate: plusDays(today, -15), balanceMinor: 2000 * scale })
        })
      const figures = (a: Fixtures.ClinicFixture) =>
        Effect.all([
          dashboardOf(from, to),
          ...([
            { kind: "revenue_by_period", from, to, granularity: "week" },
            { kind: "revenue_by_doctor", from, to },
            { kind: "revenue_by_service", from, to },
            { kind: "receivables" },
            { kind: "no_shows", from, to },
            { kind: "utilisation", from, to },
            { kind: "expenses", from, to, granularity: "month" }
          ] as const).map(reportOf)
        ]).pipe(a.asAdmin, Effect.map((all) => JSON.parse(JSON.stringify(all, (k, v) => (k === "asOf" ? undefined : v)))))
      const a = yield* Fixtures.clinic("AnMine", { timeZone: "UTC" })
      yield* seed(a, "Mine", 1)
      const before = yield* figures(a)
      expect(before[0]).toMatchObject({ revenueMinor: 1000, pendingPayments: { count: 1, amountMinor: 300 } })
      expect(before[0].pendingReminders).toBeGreaterThanOrEqual(1)
      const b = yield* Fixtures.clinic("AnTheirs", { timeZone: "UTC" })
      yield* seed(b, "Theirs", 7)
      yield* seed(b, "Theirs2", 3)
      expect(yield* figures(a)).toEqual(before)
      expect((yield* dashboardOf(from, to).pipe(b.asAdmin)).revenueMinor).toBe(10_000)
    }))

  it.effect("analytics: aging buckets, utilisation and no-show rate match a reference computed from the raw rows, for random data", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<Exclude<Fixtures.Services, Actor.Actor> | Storage | RawAccess>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(World, (w) =>
            Runtime.runPromise(runtime)(Effect.gen(function*() {
              const a = yield* Fixtures.clinic("AnProp", { timeZone: w.zone })
              const to = plusDays(w.from, w.days - 1)
              const rangeStart = zoned.instant(w.zone, w.from, "00:00")
              const rangeEnd = zoned.instant(w.zone, plusDays(to, 1), "00:00")
              const holidays = w.holidays.map((o) => plusDays(w.from, o))
              for (const date of holidays) yield* Effect.flatMap(Schedules, (s) => s.setHoliday({ date, name: "Closed" })).pipe(a.asAdmin)
              const doctors: Array<{
                id: string
                weekly: ReturnType<typeof windowsOf>
                off: readonly [string, string] | undefined
                rows: Array<{ start: number; end: number; status: string }>
              }> = []
              for (const [i, spec] of w.doctors.entries()) {
                const { doctorId, patientId } = yield* people(a, `P${i}`)
                const weekly = windowsOf(spec.weekly)
                const off = spec.timeOff === undefined
                  ? undefined
                  : [plusDays(w.from, spec.timeOff.offset), plusDays(w.from, spec.timeOff.offset + spec.timeOff.length)] as const
                yield* Effect.flatMap(Schedules, (s) =>
                  s.set({ doctorId, rules: { weekly, timeOff: off === undefined ? [] : [{ _tag: "dates", from: off[0], to: off[1] }] } })
                ).pipe(a.asAdmin)
                // Non-overlapping appointments from a day before the range on, some across its edges.
                let t = rangeStart - DAY
                const rows: Array<{ start: number; end: number; status: string }> = []
                for (const x of spec.appointments) {
                  const start = t + x.gapQuarters * 15 * MINUTE
                  const end = start + x.quarters * 15 * MINUTE
                  rows.push({ start, end, status: x.status })
                  yield* appointment(a.clinicId, { doctorId, patientId, start, end, status: x.status })
                  t = end
                }
                doctors.push({ id: doctorId, weekly, off, rows })
              }
              const now = Date.now()
              const patient = yield* people(a, "Inv")
              for (const inv of w.invoices) {
                yield* invoice(a.clinicId, patient.patientId, {
                  status: inv.status,
                  issuedAt: inv.status === "draft" ? null : now - inv.ageMs,
                  dueDate: inv.status === "draft" ? null : plusDays(localParts(w.zone, now).date, inv.dueOffset),
                  balanceMinor: inv.balanceMinor
                })
              }

              // Aging: open invoices by whole local days since their issue date.
              const receivables = yield* reportOf({ kind: "receivables" }).pipe(a.asAdmin)
              const today = localParts(w.zone, Date.now()).date
              const expected = new Map(Report.agingBuckets.map((b) => [b, { invoices: 0, outstandingMinor: 0, overdueInvoices: 0, overdueMinor: 0 }]))
              for (const inv of w.invoices) {
                if (inv.status !== "issued" && inv.status !== "partially_paid") continue
                const age = dayIndex(today) - dayIndex(localParts(w.zone, now - inv.ageMs).date)
                const bucket = age <= 30 ? "0-30" : age <= 60 ? "31-60" : age <= 90 ? "61-90" : "90+"
                const e = expected.get(bucket)!
                e.invoices++
                e.outstandingMinor += inv.balanceMinor
                if (inv.dueOffset < 0) {
                  e.overdueInvoices++
                  e.overdueMinor += inv.balanceMinor
                }
              }
              expect(receivables.rows).toEqual(Report.agingBuckets.map((bucket) => ({ bucket, ...expected.get(bucket)! })))

              // No-shows: per doctor, among appointments starting in the range.
              const noShows = yield* reportOf({ kind: "no_shows", from: w.from, to }).pipe(a.asAdmin)
              let totalCompleted = 0
              let totalNoShows = 0
              for (const d of doctors) {
                const inRange = d.rows.filter((r) => r.start >= rangeStart && r.start < rangeEnd)
                const completed = inRange.filter((r) => r.status === "completed").length
                const missed = inRange.filter((r) => r.status === "no_show").length
                totalCompleted += completed
                totalNoShows += missed
                const row = noShows.rows.find((r) => r.doctorId === d.id)
                expect(row).toMatchObject({ completed, noShows: missed })
                expect(row!.rate).toBe(completed + missed === 0 ? null : missed / (completed + missed))
              }
              expect(noShows.total).toMatchObject({ completed: totalCompleted, noShows: totalNoShows })

              // Utilisation: booked minutes clipped to the range over working minutes, the latter
              // counted quarter-hour by quarter-hour from the local wall clock.
              const utilisation = yield* reportOf({ kind: "utilisation", from: w.from, to }).pipe(a.asAdmin)
              for (const d of doctors) {
                const bookedMs = d.rows
                  .filter((r) => ["scheduled", "confirmed", "checked_in", "completed"].includes(r.status))
                  .reduce((sum, r) => sum + Math.max(0, Math.min(r.end, rangeEnd) - Math.max(r.start, rangeStart)), 0)
                let working = 0
                for (let q = rangeStart; q < rangeEnd; q += 15 * MINUTE) {
                  const { date, minutes } = localParts(w.zone, q)
                  if (holidays.includes(date)) continue
                  if (d.off !== undefined && d.off[0] <= date && date <= d.off[1]) continue
                  const win = d.weekly.find((x) => x.weekday === isoWeekday(date))
                  if (win === undefined) continue
                  const [sh, sm] = win.start.split(":").map(Number)
                  const [eh, em] = win.end.split(":").map(Number)
                  if (minutes >= sh! * 60 + sm! && minutes < eh! * 60 + em!) working += 15
                }
                const row = utilisation.rows.find((r) => r.doctorId === d.id)
                expect(row).toMatchObject({ bookedMinutes: bookedMs / MINUTE, workingMinutes: working })
                if (working === 0) expect(row!.utilisation).toBeNull()
                else expect(row!.utilisation).toBeCloseTo(bookedMs / MINUTE / working, 9)
              }
            }).pipe(Effect.orDie))
          ),
          { numRuns: runs }
        )
      )
    }), { timeout: 300_000 })

  it.effect("analytics: revenue by day follows the clinic's zone across a DST change; expenses and net by period", () =>
    Effect.gen(function*() {
      const zone = "Europe/London"
      const a = yield* Fixtures.clinic("AnDst", { timeZone: zone })
      const { doctorId, patientId } = yield* people(a, "Dst")
      const start = Date.now() + 2 * DAY - (Date.now() % (15 * MINUTE))
      const booked = yield* Effect.flatMap(Scheduling, (s) => s.book({ doctorId, patientId, start, end: start + 30 * MINUTE, override: true }))
        .pipe(a.asAdmin)
      const billing = yield* Billing
      // 2025-03-30: clocks go forward at 01:00 UTC. 23:30 local that day is 22:30 UTC.
      const paidAt = [
        Date.UTC(2025, 2, 29, 23, 30), // 23:30 GMT on the 29th
        Date.UTC(2025, 2, 30, 22, 30), // 23:30 BST on the 30th
        Date.UTC(2025, 2, 30, 23, 30) // 00:30 BST on the 31st
      ]
      for (const [i, t] of paidAt.entries()) {
        yield* billing.recordPayment({ appointmentId: booked.id, amountMinor: 100 * (i + 1), method: "card", idempotencyKey: key(), paidAt: t })
          .pipe(a.asAdmin)
      }
      yield* billing.createExpense({ category: "rent", amountMinor: 250, date: "2025-03-30" }).pipe(a.asAdmin)
      yield* billing.createExpense({ category: "rent", amountMinor: 1000, date: "2025-04-01" }).pipe(a.asAdmin)
      const days = yield* reportOf({ kind: "revenue_by_period", from: "2025-03-29", to: "2025-03-31", granularity: "day" }).pipe(a.asAdmin)
      expect(days.rows.map((r) => [r.label, r.revenueMinor, r.end - r.start])).toEqual([
        ["2025-03-29", 100, 24 * 3_600_000],
        ["2025-03-30", 200, 23 * 3_600_000],
        ["2025-03-31", 300, 24 * 3_600_000]
      ])
      const net = yield* reportOf({ kind: "expenses", from: "2025-03-15", to: "2025-04-10", granularity: "month" }).pipe(a.asAdmin)
      expect(net.rows.map((r) => [r.label, r.firstDate, r.lastDate, r.revenueMinor, r.expensesMinor, r.netMinor])).toEqual([
        ["2025-03-01", "2025-03-15", "2025-03-31", 600, 250, 350],
        ["2025-04-01", "2025-04-01", "2025-04-10", 0, 1000, -1000]
      ])
      const byDoctor = yield* reportOf({ kind: "revenue_by_doctor", from: "2025-03-01", to: "2025-03-31" }).pipe(a.asAdmin)
      expect(byDoctor.rows).toEqual([{ id: doctorId, name: "Dr Dst", payments: 3, revenueMinor: 600 }])
      const byService = yield* reportOf({ kind: "revenue_by_service", from: "2025-03-01", to: "2025-03-31" }).pipe(a.asAdmin)
      expect(byService.rows).toEqual([{ id: null, name: null, payments: 3, revenueMinor: 600 }])
    }))

  it.effect("analytics: a report's CSV parses back (csv-parse) to the report's values, with formula-like names neutralised", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<Exclude<Fixtures.Services, Actor.Actor> | Storage | RawAccess>()
      const tricky = fc.oneof(
        fc.constantFrom("=SUM(A1:A9)", "+1 call", "-minus", "@at", "\tTab", "'apostrophe", "' =x", "Comma, Quote \"Q\"", "Line\nbreak", "Plain"),
        fc.string({ minLength: 1, maxLength: 30 })
      ).map((s) => `${s.trim() === "" ? "x" : s}`).filter((s) => s.trim().length > 0 && !s.includes("\u0000"))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(tricky, { minLength: 1, maxLength: 4 }), (names) =>
            Runtime.runPromise(runtime)(Effect.gen(function*() {
              const a = yield* Fixtures.clinic("AnCsv", { timeZone: "America/New_York" })
              const { id: patientId } = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Csv Patient", phone: nextPhone() }))
                .pipe(a.asAdmin)
              const now = Date.now()
              for (const [i, name] of names.entries()) {
                const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name, specialty: "GP" })).pipe(a.asAdmin)
                const start = now - (i + 2) * DAY
                yield* appointment(a.clinicId, { doctorId: doctor.id, patientId, start, end: start + 30 * MINUTE, status: i % 2 === 0 ? "no_show" : "completed" })
              }
              const from = plusDays(localParts("America/New_York", now).date, -10)
              const to = plusDays(from, 12)
              for (const input of [{ kind: "no_shows", from, to }, { kind: "revenue_by_period", from, to, granularity: "week" }] as const) {
                const report = yield* reportOf(input).pipe(a.asAdmin)
                const csv = yield* Effect.flatMap(Analytics, (s) => s.exportReport(input)).pipe(a.asAdmin)
                const parsed: Array<Array<string>> = parse(csv)
                const table = Report.table(report)
                const text = (c: Report.Cell) =>
                  c === null ? "" : typeof c === "number" ? String(c) : typeof c === "string" ? Csv.neutralize(c) : c.decimal
                expect(parsed[0]).toEqual(table.header)
                expect(parsed.slice(1)).toEqual(table.rows.map((r) => r.map(text)))
                // No cell would run as a formula.
                for (const row of parsed) for (const cell of row) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?!\d)/)
                if (input.kind === "no_shows") {
                  // The names come back exactly once the neutralising quote is taken off (`Csv.restore`).
                  const back = parsed.slice(1, -1).map((r) => Csv.restore(r[1]!))
                  expect(back.sort()).toEqual(names.map((n) => n.trim()).sort())
                }
                // Instants are ISO 8601.
                if (input.kind === "revenue_by_period") {
                  for (const r of parsed.slice(1)) expect(new Date(r[3]!).toISOString()).toBe(r[3])
                }
              }
            }).pipe(Effect.orDie))
          ),
          { numRuns: 8 }
        )
      )
    }), { timeout: 120_000 })

  it.effect("analytics: roles without the key are refused (dashboard, reports, export) and the refusal is audited; bad ranges name the field", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("AnPerm")
      const doctor = yield* Fixtures.staffMember(a, "doctor")
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      const nurse = yield* Fixtures.staffMember(a, "nurse")
      const range = { from: "2026-01-01", to: "2026-01-31" }
      const dashboard = dashboardOf(range.from, range.to)
      const report = reportOf({ kind: "no_shows", ...range })
      const exported = Effect.flatMap(Analytics, (s) => s.exportReport({ kind: "no_shows", ...range }))
      // The default matrix: doctor and receptionist see the dashboard; reports and export are admin only.
      yield* dashboard.pipe(a.as(doctor.id))
      yield* dashboard.pipe(a.as(receptionist.id))
      expect(yield* Effect.flip(dashboard.pipe(a.as(nurse.id)))).toMatchObject({ _tag: "PermissionDenied", permission: "analytics.dashboard" })
      for (const who of [doctor, receptionist, nurse]) {
        expect(yield* Effect.flip(report.pipe(a.as(who.id)))).toMatchObject({ _tag: "PermissionDenied", permission: "analytics.reports" })
        expect(yield* Effect.flip(exported.pipe(a.as(who.id)))).toMatchObject({ _tag: "PermissionDenied", permission: "analytics.export" })
      }
      const denied = yield* Effect.flatMap(Audit, (s) => s.list({ outcome: "denied", permissionKey: "analytics.export", limit: 100 })).pipe(a.asAdmin)
      expect(denied.map((e) => e.actorId).sort()).toEqual([doctor.id, receptionist.id, nurse.id].sort())
      // An export that succeeds is recorded with the report's kind.
      yield* exported.pipe(a.asAdmin)
      const ok = yield* Effect.flatMap(Audit, (s) => s.list({ outcome: "ok", action: "Analytics.exportReport" })).pipe(a.asAdmin)
      expect(ok.map((e) => e.entityId)).toEqual(["no_shows"])

      const bad = (input: unknown) => Effect.flip(Effect.flatMap(Analytics, (s) => s.report(input as Report.ReportInput))).pipe(a.asAdmin)
      expect(yield* bad({ kind: "no_shows", from: "2026-02-01", to: "2026-01-31" })).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "to", message: "must not be before from" }]
      })
      expect(yield* bad({ kind: "utilisation", from: "2024-01-01", to: "2026-01-31" })).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "to" }]
      })
      expect(yield* bad({ kind: "expenses", from: "2026-01-01", to: "2026-01-31", granularity: "hour" })).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "granularity" }]
      })
      expect(yield* bad({ kind: "no_shows", from: "2026-02-30", to: "2026-03-01" })).toMatchObject({ _tag: "ValidationError", fields: [{ path: "from" }] })
      expect(yield* Effect.flip(dashboardOf("2026-01-10", "2026-01-09").pipe(a.asAdmin))).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "to" }]
      })
    }))
}
