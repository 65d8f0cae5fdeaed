/**
 * Moving data out and in: CSV exports of patients, appointments, invoices and payments (streamed),
 * a doctor's calendar (iCalendar), and imports of patients and appointment history (a CSV body).
 */
import { Export, Import } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, CsvText, download, ImportRejectedError, staffGroup, streamed } from "../Http.js"

const exact = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

/**
 * The period as query text: `range=today|this_week|this_month`, or local dates `from` and `to`
 * (both included); `statuses` comma-separated. The service checks every value.
 */
const Period = {
  range: exact(Schema.String),
  from: exact(Schema.String),
  to: exact(Schema.String)
}
const ExportQuery = Schema.Struct({ ...Period, statuses: exact(Schema.String), doctorId: exact(Schema.String) })
const CalendarQuery = Schema.Struct({ ...Period, doctorId: Schema.String })
const ImportQuery = Schema.Struct({ mode: exact(Schema.String) })

/** The query as the service's input (no rule here: the service validates every field). */
const periodOf = (q: { readonly range?: string; readonly from?: string; readonly to?: string }) =>
  q.from !== undefined || q.to !== undefined ? { range: { from: q.from, to: q.to } } : q.range !== undefined ? { range: q.range } : {}
const filtersOf = (q: typeof ExportQuery.Type) => ({
  ...periodOf(q),
  ...(q.statuses === undefined ? {} : { statuses: q.statuses.split(",") }),
  ...(q.doctorId === undefined ? {} : { doctorId: q.doctorId })
})

const csv = { contentType: "text/csv; charset=utf-8" }
const exportEndpoint = <const Name extends string>(name: Name, path: `/${string}`) =>
  HttpApiEndpoint.get(name, path).setUrlParams(ExportQuery).addSuccess(CsvText)
const importEndpoint = <const Name extends string>(name: Name, path: `/${string}`) =>
  HttpApiEndpoint.post(name, path).setPayload(CsvText).setUrlParams(ImportQuery).addSuccess(Import.ImportReport)
    .addError(ImportRejectedError)

export const group = staffGroup("transfer", "CSV exports and imports, a doctor's calendar")
  .add(exportEndpoint("exportPatients", "/exports/patients.csv"))
  .add(exportEndpoint("exportAppointments", "/exports/appointments.csv"))
  .add(exportEndpoint("exportInvoices", "/exports/invoices.csv"))
  .add(exportEndpoint("exportPayments", "/exports/payments.csv"))
  .add(
    HttpApiEndpoint.get("exportCalendar", "/exports/calendar.ics").setUrlParams(CalendarQuery)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/calendar" }))
  )
  .add(importEndpoint("importPatients", "/imports/patients"))
  .add(importEndpoint("importAppointments", "/imports/appointments"))

export const live = HttpApiBuilder.group(apiOf(group), "transfer", (handlers) =>
  Effect.gen(function*() {
    const exports = yield* Export.Export
    const imports = yield* Import.Import
    return handlers
      .handle("exportPatients", ({ urlParams }) =>
        streamed(exports.patients(filtersOf(urlParams) as Export.PatientExport), { ...csv, filename: "patients.csv" }))
      .handle("exportAppointments", ({ urlParams }) =>
        streamed(exports.appointments(filtersOf(urlParams) as Export.AppointmentExport), { ...csv, filename: "appointments.csv" }))
      .handle("exportInvoices", ({ urlParams }) =>
        streamed(exports.invoices(filtersOf(urlParams) as Export.InvoiceExport), { ...csv, filename: "invoices.csv" }))
      .handle("exportPayments", ({ urlParams }) =>
        streamed(exports.payments(filtersOf(urlParams) as Export.PaymentExport), { ...csv, filename: "payments.csv" }))
      .handle("exportCalendar", ({ urlParams }) =>
        Effect.map(
          exports.calendar({ ...periodOf(urlParams), doctorId: urlParams.doctorId } as Export.CalendarExport),
          (ics) => download(ics, { contentType: "text/calendar; charset=utf-8", filename: "calendar.ics" })
        ))
      .handle("importPatients", ({ payload, urlParams }) => imports.patients({ csv: payload, ...urlParams } as Import.ImportInput))
      .handle("importAppointments", ({ payload, urlParams }) => imports.appointments({ csv: payload, ...urlParams } as Import.ImportInput))
  }))
