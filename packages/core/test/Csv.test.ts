import { describe, expect, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import * as fc from "fast-check"
import * as Csv from "../src/Csv.js"
import { ambiguous } from "../src/internal/export/calendar.js"
import { instantsOf } from "../src/internal/export/range.js"
import { recognise } from "../src/internal/import/layouts.js"
import { read } from "../src/internal/import/records.js"
import { parseInstant } from "../src/internal/import/time.js"

const HOUR = 3_600_000

describe("csv", () => {
  it("neutralising is undone exactly by restoring, and leaves no formula", () =>
    fc.assert(fc.property(fc.string(), (s) => {
      expect(Csv.restore(Csv.neutralize(s))).toBe(s)
      expect(Csv.isFormulaLike(Csv.neutralize(s))).toBe(false)
    }), { numRuns: 2000 }))

  it("lines are RFC 4180 and parse back to the cells", () =>
    fc.assert(fc.property(fc.array(fc.array(fc.oneof(fc.string(), fc.constantFrom("a\r\nb", "x,\"y\"", "\r", "\n")), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (rows) => {
      const parsed = parse(Csv.lines(rows)) as Array<Array<string>>
      expect(parsed.map((r) => r.map(Csv.restore))).toEqual(rows)
    }), { numRuns: 500 }))

  it("a foreign apostrophe stays", () => {
    expect(Csv.restore("'abc")).toBe("'abc")
    expect(Csv.neutralize("'abc")).toBe("''abc")
    expect(Csv.neutralize("+14155550101")).toBe("'+14155550101")
  })
})

describe("ranges", () => {
  it("this week and this month run from local midnight to local midnight across DST", () => {
    const now = Date.UTC(2026, 2, 25, 12)
    const week = instantsOf("Europe/London", now, "this_week")
    expect(week).toEqual({ from: Date.UTC(2026, 2, 23), to: Date.UTC(2026, 2, 29, 23) })
    expect((week.to - week.from) / HOUR).toBe(167)
    expect(instantsOf("Europe/London", now, "this_month")).toEqual({ from: Date.UTC(2026, 2, 1), to: Date.UTC(2026, 2, 31, 23) })
    expect(instantsOf("America/New_York", Date.UTC(2026, 11, 31, 12), "this_month").to).toBe(Date.UTC(2027, 0, 1, 5))
    expect(instantsOf("Asia/Tokyo", now, { from: "2026-03-01", to: "2026-03-01" })).toEqual({
      from: Date.UTC(2026, 1, 28, 15),
      to: Date.UTC(2026, 2, 1, 15)
    })
  })

  it("an autumn repeated hour is ambiguous, other times are not", () => {
    expect(ambiguous("America/New_York", Date.UTC(2026, 10, 1, 5, 30))).toBe(true)
    expect(ambiguous("America/New_York", Date.UTC(2026, 10, 1, 6, 30))).toBe(true)
    expect(ambiguous("America/New_York", Date.UTC(2026, 10, 1, 7, 30))).toBe(false)
    expect(ambiguous("America/New_York", Date.UTC(2026, 2, 8, 7, 30))).toBe(false)
    expect(ambiguous("UTC", Date.UTC(2026, 10, 1, 5, 30))).toBe(false)
  })
})

describe("import files", () => {
  it("reads instants with a zone as they are and local ones in the clinic's zone", () => {
    expect(parseInstant("Europe/London", "2026-03-29T08:00:00.000Z")).toBe(Date.UTC(2026, 2, 29, 8))
    expect(parseInstant("Europe/London", "2026-03-29 09:00")).toBe(Date.UTC(2026, 2, 29, 8))
    expect(parseInstant("Europe/London", "2026-03-29T09:00:30")).toBe(Date.UTC(2026, 2, 29, 8, 0, 30))
    expect(parseInstant("Europe/London", "2026-02-30 09:00")).toBeUndefined()
    expect(parseInstant("Europe/London", "yesterday")).toBeUndefined()
  })

  it("numbers records by the line they start on, with a BOM and any line ends", () => {
    const file = read("\uFEFFID,Full Name\r\n1,\"a\r\nb\"\r\n\r\n2,c\r\n")
    expect(file).toMatchObject({ header: ["ID", "Full Name"], records: [{ line: 2, cells: ["1", "a\r\nb"] }, { line: 5, cells: ["2", "c"] }] })
  })

  it("recognises layouts by their headers", () => {
    const layout = (kind: "patients" | "appointments", header: string) => {
      const r = recognise(kind, header.split(","))
      return "layout" in r ? r.layout : r._tag
    }
    expect(layout("patients", Csv.headers.patients.join(","))).toBe("clinicore")
    expect(layout("appointments", Csv.headers.appointments.join(","))).toBe("clinicore")
    expect(layout("appointments", "ID,Patient Name,Doctor Name,Start Time,End Time,Status,Notes")).toBe("carenova")
    expect(layout("patients", "id,full_name,phone,email,date_of_birth")).toBe("clinicops")
    expect(layout("appointments", "id,patient_id,doctor_name,appointment_date,appointment_time,status")).toBe("clinicops")
    expect(layout("patients", "foo,bar")).toBe("ValidationError")
  })
})
