import { type Context, prepare, reasons, slots, zoned } from "@clinicore/core/Availability"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Arb from "../src/Arbitraries.js"

// Weeks around real DST transitions in the southern and northern hemispheres.
const baseDates = fc.constantFrom("2027-03-26", "2027-04-01", "2027-09-22", "2027-10-28", "2027-11-04", "2027-03-12")
const QUARTER = 900_000

const scenario = baseDates.chain((date) =>
  fc.record({
    date: fc.constant(date),
    zone: Arb.dstZone,
    rules: Arb.doctorRules(date, 10),
    service: Arb.serviceShape,
    slotMinutes: fc.constantFrom(15, 30, 60),
    busyOffsets: fc.array(fc.record({ q: fc.nat(10 * 96), len: fc.integer({ min: 1, max: 8 }), id: fc.uuid() }), { maxLength: 10 })
  }))


const contextOf = (s: {
  date: string
  zone: string
  rules: Context["rules"]
  slotMinutes: number
  busyOffsets: ReadonlyArray<{ q: number; len: number; id: string }>
}) => {
  const from = zoned.instant(s.zone, s.date, "00:00")
  const to = from + 10 * 86_400_000
  const busy = s.busyOffsets.map((b) => {
    const start = from + b.q * QUARTER
    return { id: b.id, start, end: start + b.len * QUARTER, busyStart: start - QUARTER, busyEnd: start + b.len * QUARTER }
  })
  const context: Context = {
    zone: s.zone,
    rules: s.rules,
    holidays: [],
    busy,
    now: from - 86_400_000,
    slotMinutes: s.slotMinutes,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 365,
    patientBusy: [],
    roomBusy: [],
    doctorActive: true,
    patientBlocked: false,
    serviceActive: true,
    performed: true,
    roomsActive: true
  }
  return { context, from, to }
}

describe("availability properties", () => {
  it("every listed slot books, and every bookable grid start is listed", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { context, from, to } = contextOf(s)
        const p = prepare(context, from, to)
        const listed = new Set(slots(p, s.service).map((x) => x.start))
        const duration = s.service.durationMinutes * 60_000
        // Every zone offset is a whole number of quarter hours, so the local grid is a subset of UTC quarters.
        for (let t = from; t < to; t += QUARTER) {
          const local = t + zoned.offsetMinutes(s.zone, t) * 60_000
          const onGrid = local % (s.slotMinutes * 60_000) === 0
          const bookable = reasons(p, { start: t, end: t + duration, ...s.service }).length === 0
          expect({ t, listed: listed.has(t) }).toEqual({ t, listed: onGrid && bookable })
        }
      }),
      { numRuns: 60 }
    )
  })

  it("adding a busy interval never adds a slot", () => {
    fc.assert(
      fc.property(scenario, fc.nat(10 * 96), fc.integer({ min: 1, max: 8 }), (s, q, len) => {
        const { context, from, to } = contextOf(s)
        const before = new Set(slots(prepare(context, from, to), s.service).map((x) => x.start))
        const start = from + q * QUARTER
        const more = { ...context, busy: [...context.busy, { id: "extra", start, end: start + len * QUARTER, busyStart: start, busyEnd: start + len * QUARTER }] }
        for (const slot of slots(prepare(more, from, to), s.service)) expect(before.has(slot.start)).toBe(true)
      }),
      { numRuns: 100 }
    )
  })

  it("a 09:00–17:00 window lasts 8 hours of real time, also on DST days", () => {
    fc.assert(
      fc.property(Arb.dstZone, fc.integer({ min: 0, max: 730 }), (zone, n) => {
        const date = new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)
        expect(zoned.instant(zone, date, "17:00") - zoned.instant(zone, date, "09:00")).toBe(8 * 3_600_000)
      }),
      { numRuns: 2000 }
    )
  })

  it("results are identical under TZ=UTC and TZ=Pacific/Chatham", () => {
    const original = process.env.TZ
    try {
      fc.assert(
        fc.property(scenario, (s) => {
          const run = (tz: string) => {
            process.env.TZ = tz
            const { context, from, to } = contextOf(s)
            return slots(prepare(context, from, to), s.service)
          }
          expect(run("UTC")).toEqual(run("Pacific/Chatham"))
        }),
        { numRuns: 40 }
      )
    } finally {
      if (original === undefined) delete process.env.TZ
      else process.env.TZ = original
    }
  })
})
