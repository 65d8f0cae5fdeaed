import { Analytics, Clinics, Money, Report } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, iso, print, run, scope, table } from "../Host.js"

const from = Options.text("from").pipe(Options.withDescription("First local date of the clinic, YYYY-MM-DD (included)"), Options.optional)
const to = Options.text("to").pipe(Options.withDescription("Last local date of the clinic, YYYY-MM-DD (included)"), Options.optional)

const given = (key: string, value: Option.Option<string>): Record<string, string> =>
  Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) })

/** Today's date in the clinic's zone, for a dashboard without --from/--to. */
const today = Effect.map(Clinics.Clinics, (c) => c.get()).pipe(
  Effect.flatten,
  Effect.map((clinic) => new Intl.DateTimeFormat("en-CA", { timeZone: clinic.timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(Date.now()))
)

const money = (amount: number, currency: string) => `${Money.toDecimal({ amount, currency: currency as Money.Money["currency"] })} ${currency}`

const dashboard = Command.make("dashboard", { ...scope, from, to }, (o) =>
  run(
    o,
    Effect.gen(function*() {
      const day = Option.isNone(o.from) || Option.isNone(o.to) ? yield* today : undefined
      const analytics = yield* Analytics.Analytics
      return yield* analytics.dashboard({ from: Option.getOrElse(o.from, () => day!), to: Option.getOrElse(o.to, () => Option.getOrElse(o.from, () => day!)) })
    }).pipe(
      asStaff(o),
      Effect.flatMap((d) =>
        print(o, d, (x) => [
          `${x.from} to ${x.to} (${x.zone}), as of ${iso(x.asOf)}`,
          `appointments: ${x.totalAppointments} total, ${x.upcomingAppointments} upcoming, ${x.completedAppointments} completed`,
          `revenue: ${money(x.revenueMinor, x.currency)}`,
          `pending payments now: ${x.pendingPayments.count} (${money(x.pendingPayments.amountMinor, x.currency)})`,
          `pending reminders now: ${x.pendingReminders}`
        ])
      )
    )
  )).pipe(Command.withDescription("The clinic's counters for --from to --to (default: today; --from alone: that day)"))

const cell = (c: Report.Cell): string => c === null ? "" : typeof c === "object" ? c.decimal : String(c)

const report = Command.make("report", {
  ...scope,
  kind: Args.text({ name: "kind" }).pipe(
    Args.withDescription("revenue_by_period, revenue_by_doctor, revenue_by_service, receivables, no_shows, utilisation or expenses")
  ),
  from,
  to,
  granularity: Options.text("granularity").pipe(Options.withDescription("day, week or month (revenue_by_period, expenses)"), Options.optional),
  csv: Options.boolean("csv").pipe(Options.withDescription("Print the report as CSV (Analytics.exportReport, audited)"))
}, (o) => {
  // The library decodes the input: an unknown kind, a missing or bad date is its ValidationError.
  const input = { kind: o.kind, ...given("from", o.from), ...given("to", o.to), ...given("granularity", o.granularity) } as unknown as Report.ReportInput
  return run(
    o,
    Effect.flatMap(Analytics.Analytics, (analytics) =>
      o.csv
        ? Effect.flatMap(analytics.exportReport(input), (csv) =>
          o.json ? print(o, { kind: o.kind, csv }, () => "") : Effect.sync(() => void process.stdout.write(csv)))
        : Effect.flatMap(analytics.report(input), (r) =>
          print(o, r, (x) => {
            const t = Report.table(x)
            return [`${x.kind} (${x.currency})`, ...table(t.header, t.rows.map((row) => row.map(cell)))]
          }))).pipe(asStaff(o))
  )
}).pipe(Command.withDescription("One report (text table, --json, or --csv)"))

export const analytics = Command.make("analytics").pipe(
  Command.withDescription("Analytics: the dashboard and the reports"),
  Command.withSubcommands([dashboard, report])
)
