/** The dashboard, the reports, and any report as CSV. */
import { Analytics, Report } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, CsvText, download, staffGroup, wire } from "../Http.js"

const Dashboard = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  zone: Schema.String,
  currency: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  asOf: Schema.Number,
  totalAppointments: Schema.Number,
  upcomingAppointments: Schema.Number,
  completedAppointments: Schema.Number,
  revenueMinor: Schema.Number,
  pendingPayments: Schema.Struct({ count: Schema.Number, amountMinor: Schema.Number }),
  pendingReminders: Schema.Number
}).annotations({ identifier: "Dashboard" })

/** A report: its kind, currency, zone and rows (the fields of each kind are in docs/analytics.md). */
const ReportBody = Schema.Struct(
  {
    kind: Schema.String,
    currency: Schema.String,
    zone: Schema.String,
    rows: Schema.Array(Schema.Unknown)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "Report" })

export const group = staffGroup("analytics", "The dashboard, reports and report CSV")
  .add(HttpApiEndpoint.get("dashboard", "/analytics/dashboard").setUrlParams(wire(Report.DashboardInput)).addSuccess(Dashboard))
  .add(HttpApiEndpoint.post("report", "/analytics/reports").setPayload(wire(Report.ReportInput)).addSuccess(ReportBody))
  .add(HttpApiEndpoint.post("exportReport", "/analytics/reports/csv").setPayload(wire(Report.ReportInput)).addSuccess(CsvText))

export const live = HttpApiBuilder.group(apiOf(group), "analytics", (handlers) =>
  Effect.gen(function*() {
    const analytics = yield* Analytics.Analytics
    return handlers
      .handle("dashboard", ({ urlParams }) => analytics.dashboard(urlParams))
      // The report's own interfaces carry no index signature; its fields go out as they are.
      .handle("report", ({ payload }) => Effect.map(analytics.report(payload), (report) => report as unknown as typeof ReportBody.Type))
      .handle("exportReport", ({ payload }) =>
        Effect.map(analytics.exportReport(payload), (csv) =>
          download(csv, { contentType: "text/csv; charset=utf-8", filename: `${payload.kind}.csv` })))
  }))
