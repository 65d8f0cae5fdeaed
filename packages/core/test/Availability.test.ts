import { describe, expect, it } from "@effect/vitest"
import { type Context, prepare, reasons, slots, zoned } from "../src/Availability.js"
import type { DoctorRules } from "../src/Schedule.js"

const zone = "Europe/London"
const at = (date: string, time: string) => zoned.instant(zone, date, time)
const HOUR = 3_600_000

// 2027-03-01 is a Monday.
const rules: DoctorRules = {
  weekly: [{ weekday: 1, start: "09:00", end: "13:00" }, { weekday: 2, start: "09:00", end: "13:00" },
    { weekday: 5, start: "09:00", end: "13:00" }],
  breaks: [{ _tag: "weekly", weekday: 1, start: "10:00", end: "10:30" }],
  timeOff: [{ _tag: "dates", from: "2027-03-02", to: "2027-03-04" }],
  overrides: []
}

const context = (over: Partial<Context> = {}): Context => ({
  zone,
  rules,
  holidays: [],
  busy: [],
  now: at("2027-02-01", "00:00"),
  slotMinutes: 15,
  minimumNoticeMinutes: 60,
  bookingHorizonDays: 365,
  patientBusy: [],
  roomBusy: [],
  doctorActive: true,
  patientBlocked: false,
  serviceActive: true,
  performed: true,
  roomsActive: true,
  ...over
})

const codes = (c: Context, date: string, start: string, end: string, buffers: [number, number] = [0, 0]) => {
  const s = at(date, start)
  const e = at(date, end)
  return reasons(prepare(c, s - 2 * HOUR, e + 2 * HOUR), { start: s, end: e, bufferBeforeMinutes: buffers[0], bufferAfterMinutes: buffers[1] })
}

describe("availability rules", () => {
  it("working hours, breaks and time off", () => {
    expect(codes(context(), "2027-03-01", "12:30", "13:30")).toEqual([{ code: "outside_hours" }])
    expect(codes(context(), "2027-03-01", "12:00", "12:30")).toEqual([])
    expect(codes(context(), "2027-03-01", "10:15", "10:45")).toEqual([{ code: "break" }])
    expect(codes(context(), "2027-03-01", "10:30", "11:00")).toEqual([])
    expect(codes(context(), "2027-03-02", "09:00", "09:30")).toEqual([{ code: "time_off" }])
    expect(codes(context(), "2027-03-05", "09:00", "09:30")).toEqual([])
  })

  it("booked and buffered appointments are named", () => {
    const busy = [{ id: "a1", start: at("2027-03-01", "11:00"), end: at("2027-03-01", "11:30"), busyStart: at("2027-03-01", "11:00"), busyEnd: at("2027-03-01", "11:45") }]
    expect(codes(context({ busy }), "2027-03-01", "11:15", "11:45")).toEqual([{ code: "booked", appointmentIds: ["a1"] }])
    expect(codes(context({ busy }), "2027-03-01", "11:30", "12:00")).toEqual([{ code: "buffer", appointmentIds: ["a1"] }])
    expect(codes(context({ busy }), "2027-03-01", "11:45", "12:15")).toEqual([])
    expect(codes(context({ busy }), "2027-03-01", "10:30", "11:00", [0, 5])).toEqual([{ code: "buffer", appointmentIds: ["a1"] }])
  })

  it("notice, horizon, past, holidays, overrides, inactive doctor, blocked patient", () => {
    const now = at("2027-03-01", "10:45")
    expect(codes(context({ now }), "2027-03-01", "09:00", "09:30")).toEqual([{ code: "past" }])
    expect(codes(context({ now }), "2027-03-01", "11:00", "11:30")).toEqual([{ code: "notice" }])
    expect(codes(context({ now, bookingHorizonDays: 3 }), "2027-03-05", "09:00", "09:30")).toEqual([{ code: "horizon" }])
    expect(codes(context({ holidays: ["2027-03-05"] }), "2027-03-05", "09:00", "09:30")).toEqual([{ code: "holiday" }])
    const override = { ...rules, overrides: [{ date: "2027-03-03", windows: [{ start: "14:00", end: "15:00" }] }] }
    expect(codes(context({ rules: override }), "2027-03-03", "14:00", "14:30")).toEqual([])
    expect(codes(context({ rules: override, doctorActive: false, patientBlocked: true }), "2027-03-03", "14:00", "14:30"))
      .toEqual([{ code: "doctor_inactive" }, { code: "patient_blocked" }])
  })

  it("a window whose end is not after its start runs past midnight", () => {
    const night: DoctorRules = { weekly: [{ weekday: 1, start: "22:00", end: "06:00" }], breaks: [], timeOff: [], overrides: [] }
    expect(codes(context({ rules: night }), "2027-03-02", "05:00", "05:30")).toEqual([])
    expect(codes(context({ rules: night }), "2027-03-02", "06:00", "06:30")).toEqual([{ code: "outside_hours" }])
  })

  it("lists exactly the grid starts that book", () => {
    const c = context()
    const p = prepare(c, at("2027-03-01", "00:00"), at("2027-03-02", "00:00"))
    const listed = slots(p, { durationMinutes: 30, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }).map((s) => zoned.date(zone, s.start) + " " + new Date(s.start).toISOString().slice(11, 16))
    expect(listed).toEqual([
      "2027-03-01 09:00", "2027-03-01 09:15", "2027-03-01 09:30",
      "2027-03-01 10:30", "2027-03-01 10:45", "2027-03-01 11:00", "2027-03-01 11:15", "2027-03-01 11:30",
      "2027-03-01 11:45", "2027-03-01 12:00", "2027-03-01 12:15", "2027-03-01 12:30"
    ])
  })

  it("follows the DST policy: a missing local time moves forward, a repeated one takes the earlier offset", () => {
    // London: 2027-03-28 01:00 → 02:00 (gap); 2027-10-31 02:00 → 01:00 (repeat).
    expect(new Date(zoned.instant(zone, "2027-03-28", "01:30")).toISOString()).toBe("2027-03-28T01:30:00.000Z")
    expect(new Date(zoned.instant(zone, "2027-10-31", "01:30")).toISOString()).toBe("2027-10-31T00:30:00.000Z")
    expect(new Date(zoned.instant("America/New_York", "2027-03-14", "02:30")).toISOString()).toBe("2027-03-14T07:30:00.000Z")
    // A window across the spring gap is an hour shorter in real time; a 09:00–17:00 one is 8 hours.
    expect(zoned.instant(zone, "2027-03-28", "04:00") - zoned.instant(zone, "2027-03-28", "00:00")).toBe(3 * HOUR)
    expect(zoned.instant(zone, "2027-03-28", "17:00") - zoned.instant(zone, "2027-03-28", "09:00")).toBe(8 * HOUR)
  })
})
