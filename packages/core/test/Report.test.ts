import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { zoned } from "../src/Availability.js"
import { neutralize as neutralise } from "../src/Csv.js"
import { toCsv } from "../src/internal/analytics/csv.js"
import { instantOf, isoDate } from "../src/internal/zone.js"
import { boundaries, dayRuns, periodOfDay, periods, range, rangeIssue } from "../src/Period.js"
import { agingBoundaries, agingBucket, agingBucketAt, table, workingMinutes } from "../src/Report.js"

const HOUR = 3_600_000

describe("local dates", () => {
  it("isoDate writes the date Date#toISOString writes, for any day (property)", () => {
    fc.assert(fc.property(fc.integer({ min: -1_000_000, max: 3_000_000 }), (day) => {
      expect(isoDate(day)).toBe(new Date(day * 86_400_000).toISOString().slice(0, 10))
    }), { numRuns: 2_000 })
  })

  it("instantOf agrees with the zone's wall clock at every local midnight, across DST (property)", () => {
    const zones = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Tehran", "UTC"]
    fc.assert(fc.property(fc.constantFrom(...zones), fc.integer({ min: 18_000, max: 22_000 }), (zone, day) => {
      const t = instantOf(zone, day, 0)
      const wall = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(t)
      // Midnight exists that day (or, in a gap, the first instant after it): the same local date.
      expect(wall).toBe(isoDate(day))
      // And it is the first such instant: a minute earlier is the day before.
      expect(new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(t - 60_000))
        .toBe(isoDate(day - 1))
    }), { numRuns: 2_000 })
  })
})

describe("periods", () => {
  it("days follow the zone across DST: 24, 23 and 25 hours", () => {
    const spring = periods("Europe/London", "2025-03-29", "2025-03-31", "day")
    expect(spring.map((p) => [p.label, (p.end - p.start) / HOUR])).toEqual([["2025-03-29", 24], ["2025-03-30", 23], ["2025-03-31", 24]])
    const autumn = periods("America/New_York", "2025-11-02", "2025-11-02", "day")
    expect((autumn[0]!.end - autumn[0]!.start) / HOUR).toBe(25)
    expect(spring[0]!.start).toBe(Date.UTC(2025, 2, 29))
  })

  it("weeks start on Monday and months on the 1st; the first and last are clipped to the range", () => {
    expect(periods("UTC", "2026-03-04", "2026-03-17", "week").map((p) => [p.label, p.firstDate, p.lastDate])).toEqual([
      ["2026-03-02", "2026-03-04", "2026-03-08"],
      ["2026-03-09", "2026-03-09", "2026-03-15"],
      ["2026-03-16", "2026-03-16", "2026-03-17"]
    ])
    expect(periods("UTC", "2026-01-15", "2026-03-02", "month").map((p) => [p.label, p.firstDate, p.lastDate])).toEqual([
      ["2026-01-01", "2026-01-15", "2026-01-31"],
      ["2026-02-01", "2026-02-01", "2026-02-28"],
      ["2026-03-01", "2026-03-01", "2026-03-02"]
    ])
  })

  it("periods tile the range exactly, for random zones, ranges and granularities", () => {
    fc.assert(fc.property(
      fc.constantFrom("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 730 }),
      fc.constantFrom("day" as const, "week" as const, "month" as const),
      (zone, offset, length, granularity) => {
        const from = new Date(Date.UTC(2020, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10)
        const to = new Date(Date.UTC(2020, 0, 1) + (offset + length) * 86_400_000).toISOString().slice(0, 10)
        const ps = periods(zone, from, to, granularity)
        const r = range(zone, from, to)
        expect(ps[0]!.start).toBe(r.start)
        expect(ps[ps.length - 1]!.end).toBe(r.end)
        for (let i = 1; i < ps.length; i++) expect(ps[i]!.start).toBe(ps[i - 1]!.end)
        expect(boundaries(ps)).toHaveLength(ps.length - 1)
        expect(ps.every((p) => zoned.date(zone, p.start) === p.firstDate)).toBe(true)
      }
    ))
  })

  it("day runs give every instant of the range its local day by arithmetic, across DST changes", () => {
    fc.assert(fc.property(
      fc.constantFrom("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"),
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 0, max: 400 }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (zone, offset, length, at) => {
        const day0 = Date.UTC(2021, 0, 1) + offset * 86_400_000
        const from = new Date(day0).toISOString().slice(0, 10)
        const to = new Date(day0 + length * 86_400_000).toISOString().slice(0, 10)
        const days = periods(zone, from, to, "day")
        const runs = dayRuns(days)
        const r = range(zone, from, to)
        const t = r.start + Math.floor(at * (r.end - r.start))
        const run = [...runs].reverse().find((x) => x.start <= t)!
        const day = run.regular ? run.firstDay + Math.floor((t - run.start) / 86_400_000) : run.firstDay
        expect(days[day]!.firstDate).toBe(zoned.date(zone, t))
        expect(runs.length).toBeLessThanOrEqual(2 * Math.ceil((length + 1) / 180) + 3)
        expect(periodOfDay(periods(zone, from, to, "month"))).toHaveLength(days.length)
      }
    ))
  })

  it("a range is refused when it ends before it starts or spans more than 731 days", () => {
    expect(rangeIssue({ from: "2026-01-02", to: "2026-01-01" })).toBe("must not be before from")
    expect(rangeIssue({ from: "2026-01-01", to: "2026-01-01" })).toBeUndefined()
    expect(rangeIssue({ from: "2024-01-01", to: "2025-12-31" })).toBeUndefined()
    expect(rangeIssue({ from: "2024-01-01", to: "2026-01-01" })).toMatch(/at most/)
  })
})

describe("rules", () => {
  it("aging buckets: 0–30, 31–60, 61–90, 91 and more; the boundaries agree with the days", () => {
    expect([0, 30, 31, 60, 61, 90, 91, 400].map(agingBucket)).toEqual(["0-30", "0-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+"])
    const zone = "Europe/London"
    const b = agingBoundaries(zone, "2026-04-15")
    const bucketOfInstant = (t: number) => agingBucketAt(b.filter((x) => t >= x).length)
    for (const age of [0, 30, 31, 60, 61, 90, 91]) {
      const day = new Date(Date.UTC(2026, 3, 15) - age * 86_400_000).toISOString().slice(0, 10)
      expect(bucketOfInstant(zoned.instant(zone, day, "00:00"))).toBe(agingBucket(age))
      expect(bucketOfInstant(zoned.instant(zone, day, "23:59"))).toBe(agingBucket(age))
    }
  })

  it("working minutes come from the same rule as availability: holidays and time off close the day, breaks subtract", () => {
    const rules = {
      weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: "09:00", end: "13:00" })),
      breaks: [{ _tag: "weekly" as const, weekday: 1, start: "10:00", end: "10:30" }],
      timeOff: [{ _tag: "dates" as const, from: "2026-03-04", to: "2026-03-04" }],
      overrides: [{ date: "2026-03-07", windows: [{ start: "10:00", end: "11:00" }] }]
    }
    // Mon 2 March to Sun 8 March: 5 × 240, less Monday's break (30), Wednesday off (240), Friday a
    // holiday (240), plus Saturday's override (60).
    const r = range("UTC", "2026-03-02", "2026-03-08")
    expect(workingMinutes("UTC", rules, ["2026-03-06"], r.start, r.end)).toBe(1200 - 30 - 240 - 240 + 60)
  })

  it("CSV cells that a spreadsheet would run are neutralised; the library's decimals and numbers are not", () => {
    expect(["=1+1", "+1", "-x", "@a", "\tt", "\rr", "ok", "a=b"].map(neutralise)).toEqual(["'=1+1", "'+1", "'-x", "'@a", "'\tt", "'\rr", "ok", "a=b"])
    const csv = toCsv({ header: ["name", "n", "amount", "empty"], rows: [["=HYPERLINK(\"x\")", -1, { decimal: "-10.50" }, null]] })
    expect(csv).toBe("name,n,amount,empty\r\n\"'=HYPERLINK(\"\"x\"\")\",-1,-10.50,\r\n")
    expect(table({
      kind: "receivables",
      currency: "JPY" as never,
      zone: "UTC",
      asOf: "2026-01-01",
      rows: [{ bucket: "0-30", invoices: 1, outstandingMinor: 500, overdueInvoices: 0, overdueMinor: 0 }]
    }).rows).toEqual([["0-30", 1, { decimal: "500" }, 0, { decimal: "0" }, "JPY", "2026-01-01"]])
  })
})
