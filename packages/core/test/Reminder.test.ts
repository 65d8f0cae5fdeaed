import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { zoned } from "../src/Availability.js"
import { isDue, monthsBefore } from "../src/Recall.js"
import {
  defaultPolicy,
  fence,
  inQuietHours,
  keyword,
  nextAttempt,
  onTransition,
  plan,
  plannedAt,
  ReminderPolicy,
  unknownVariables
} from "../src/Reminder.js"

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Zones with DST, half-hour DST, southern-hemisphere DST, and odd offsets. */
const zones = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "Europe/Berlin", "Asia/Kolkata"]
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) =>
  `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`
)
// 2026–2028, with extra weight on the days around transitions.
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 11, 31) }),
  fc.constantFrom("2027-03-28", "2027-03-14", "2027-10-31", "2027-11-07", "2027-04-04", "2027-09-26", "2027-04-04")
    .chain((day) => fc.integer({ min: -36, max: 36 }).map((h) => Date.parse(`${day}T12:00:00Z`) + h * HOUR))
)

describe("Reminder", () => {
  it("quiet hours move a reminder earlier, out of quiet hours, never past the start (DST-heavy zones)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), hhmm, hhmm, instant, fc.integer({ min: 1, max: 3 * 1440 }), (zone, start, end, t, offset) => {
        const quiet = { start, end }
        const due = plannedAt(zone, { quietHours: quiet }, t, offset)
        expect(due).toBeLessThanOrEqual(t - offset * MINUTE)
        expect(due).toBeLessThan(t)
        expect(inQuietHours(zone, quiet, due)).toBe(false)
        // Outside quiet hours nothing moves.
        if (!inQuietHours(zone, quiet, t - offset * MINUTE)) expect(due).toBe(t - offset * MINUTE)
      }),
      { numRuns: 3000 }
    )
  })

  it("the 1 h reminder of a 15:00 appointment is due at 14:00 local time on transition days", () => {
    for (const [zone, day] of [["Europe/London", "2027-03-28"], ["Europe/London", "2027-10-31"], ["America/New_York", "2027-03-14"], ["America/New_York", "2027-11-07"], ["Australia/Lord_Howe", "2027-04-04"]] as const) {
      const start = zoned.instant(zone, day, "15:00")
      expect(plannedAt(zone, { quietHours: null }, start, 60)).toBe(zoned.instant(zone, day, "14:00"))
    }
  })

  it("quiet hours 21:00–08:00 move a 07:30 reminder to 20:59 the evening before", () => {
    const zone = "Europe/London"
    const start = zoned.instant(zone, "2027-03-28", "08:30")
    expect(plannedAt(zone, { quietHours: { start: "21:00", end: "08:00" } }, start, 60)).toBe(zoned.instant(zone, "2027-03-27", "20:59"))
  })

  it("late bookings are skipped or sent once now, never after the cut-off or in quiet hours", () => {
    const zone = "UTC"
    const now = Date.UTC(2027, 0, 10, 12)
    const policy = { ...defaultPolicy([1440]), cutoffMinutes: 30 }
    expect(plan(zone, policy, now + 2 * HOUR, 1440, now)).toMatchObject({ _tag: "skipped", reason: "late_booking" })
    expect(plan(zone, { ...policy, lateBooking: "send_now" }, now + 2 * HOUR, 1440, now)).toEqual({ _tag: "due", dueAt: now, deadline: now + 90 * MINUTE })
    expect(plan(zone, { ...policy, lateBooking: "send_now" }, now + 20 * MINUTE, 1440, now)).toMatchObject({ _tag: "skipped", reason: "after_cutoff" })
    expect(plan(zone, { ...policy, lateBooking: "send_now", quietHours: { start: "11:00", end: "13:00" } }, now + 2 * HOUR, 1440, now))
      .toMatchObject({ _tag: "skipped", reason: "quiet_hours" })
    expect(plan(zone, policy, now + 2 * HOUR, 20, now)).toMatchObject({ _tag: "skipped", reason: "after_cutoff" })
    expect(plan(zone, policy, now + 48 * HOUR, 1440, now)).toEqual({ _tag: "due", dueAt: now + 24 * HOUR, deadline: now + 48 * HOUR - 30 * MINUTE })
  })

  it("backoff is capped and stops before the deadline", () => {
    expect(nextAttempt(0, 1, HOUR)).toBe(MINUTE)
    expect(nextAttempt(0, 3, HOUR)).toBe(4 * MINUTE)
    expect(nextAttempt(0, 20, 10 * HOUR)).toBe(HOUR)
    expect(nextAttempt(0, 7, HOUR)).toBeUndefined()
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 50 }), fc.nat(), (now, attempts, d) => {
      const next = nextAttempt(now, attempts, now + d)
      if (next !== undefined) expect(next).toBeLessThan(now + d)
    }))
  })

  it("STOP and START keywords and their synonyms, any case, first word only", () => {
    for (const t of ["STOP", "stop", " Stop.", "unsubscribe", "STOPALL", "cancel please", "Quit", "end"]) expect(keyword(t)).toBe("stop")
    for (const t of ["START", "start", "Unstop", "YES", "subscribe"]) expect(keyword(t)).toBe("start")
    for (const t of ["", "hello", "please stop", "stopping"]) expect(keyword(t)).toBeUndefined()
  })

  it("templates name only known variables; an unknown one is refused with the field", () => {
    expect(unknownVariables("{{patient.name}} {{ start.local }} {{link}}")).toEqual([])
    expect(unknownVariables("{{patient.name}} {{diagnosis}} {{diagnosis}} {{x}}")).toEqual(["diagnosis", "x"])
    const policy = defaultPolicy([60])
    const bad = Schema.decodeUnknownEither(ReminderPolicy)({ ...policy, templates: { ...policy.templates, email: { subject: "{{nope}}", body: "ok" } } })
    expect(Either.isLeft(bad)).toBe(true)
  })

  it("fencing: a changed, moved, ended or past appointment, an opt-out and a missing address each stop the send", () => {
    const r = { kind: "auto" as const, appointmentVersion: 2, appointmentStart: 10 * HOUR, deadline: 10 * HOUR, channel: "sms" as const }
    const ok = { status: "scheduled", version: 2, start: 10 * HOUR }
    const patient = { optedOut: new Set<"sms" | "email" | "call">(), hasAddress: true }
    expect(fence(r, ok, patient, HOUR)).toBeUndefined()
    expect(fence(r, undefined, patient, HOUR)).toMatchObject({ status: "cancelled", reason: "appointment_missing" })
    expect(fence(r, { ...ok, status: "cancelled" }, patient, HOUR)).toMatchObject({ status: "cancelled", reason: "appointment_cancelled" })
    expect(fence(r, { ...ok, version: 3 }, patient, HOUR)).toMatchObject({ reason: "superseded" })
    expect(fence(r, { ...ok, start: 11 * HOUR }, patient, HOUR)).toMatchObject({ reason: "superseded" })
    expect(fence(r, ok, patient, 10 * HOUR)).toMatchObject({ status: "failed", reason: "deadline_passed" })
    expect(fence(r, ok, { ...patient, optedOut: new Set(["sms"]) }, HOUR)).toMatchObject({ status: "skipped", reason: "opted_out" })
    expect(fence(r, ok, { ...patient, hasAddress: false }, HOUR)).toMatchObject({ status: "skipped", reason: "no_address" })
  })

  it("status changes carry, create or cancel reminders", () => {
    expect(onTransition("scheduled", "confirmed")).toBe("carry")
    expect(onTransition("requested", "confirmed")).toBe("create")
    for (const to of ["cancelled", "no_show", "expired", "checked_in", "completed"]) expect(onTransition("scheduled", to)).toBe("cancel")
  })
})

describe("Recall", () => {
  it("months are calendar months in the clinic's zone; due means older than that and nothing upcoming", () => {
    const zone = "Europe/London"
    const now = zoned.instant(zone, "2027-08-31", "10:00")
    expect(monthsBefore(zone, now, 6)).toBe(zoned.instant(zone, "2027-02-28", "10:00"))
    expect(monthsBefore(zone, now, 1)).toBe(zoned.instant(zone, "2027-07-31", "10:00"))
    expect(monthsBefore(zone, zoned.instant(zone, "2027-03-15", "09:00"), 12)).toBe(zoned.instant(zone, "2026-03-15", "09:00"))
    const cutoff = monthsBefore(zone, now, 6)
    const facts = { patientId: "p" as never, lastVisit: cutoff - 1, upcoming: false }
    expect(isDue(zone, { monthsSinceLastVisit: 6 }, facts, now)).toBe(true)
    expect(isDue(zone, { monthsSinceLastVisit: 6 }, { ...facts, lastVisit: cutoff }, now)).toBe(false)
    expect(isDue(zone, { monthsSinceLastVisit: 6 }, { ...facts, upcoming: true }, now)).toBe(false)
  })
})
