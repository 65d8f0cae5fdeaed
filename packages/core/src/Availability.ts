/**
 * Availability: one pure function decides whether a time is bookable, and listing is that same
 * function applied to every start on the clinic's grid, so every listed slot books and every
 * bookable grid start is listed. It works on epoch-millisecond numbers; zone conversions happen
 * once per window boundary, never per slot.
 *
 * @since 0.1.0
 */
import { covers, type Interval, normalize, overlapsAny, subtract } from "./internal/intervals.js"
import { dayNumber, instantOf, isoDate, localDayOf, offsetAt, weekdayOf } from "./internal/zone.js"
import { type DoctorRules, minutesOf } from "./Schedule.js"

const MINUTE = 60_000
const DAY = 86_400_000

/** Why a time is not bookable. @since 0.1.0 @category models */
export type ReasonCode =
  | "outside_hours"
  | "break"
  | "time_off"
  | "holiday"
  | "booked"
  | "buffer"
  | "notice"
  | "horizon"
  | "past"
  | "patient_blocked"
  | "doctor_inactive"
  | "service_inactive"
  | "room_inactive"
  | "not_performed"
  | "off_grid"
  | "room_booked"
  | "patient_booked"

/**
 * The reasons an `appointments.override` books through: the working-time rules, the grid, notice
 * and horizon. Never a conflict, the past, or an inactive or blocked party.
 *
 * @since 0.1.0 @category models
 */
export const overridable: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  "outside_hours",
  "break",
  "time_off",
  "holiday",
  "notice",
  "horizon",
  "off_grid"
])

/** Reasons that name the appointments in the way. @since 0.1.0 @category models */
export const conflictCodes: ReadonlySet<ReasonCode> = new Set<ReasonCode>(["booked", "buffer", "room_booked", "patient_booked"])

/**
 * The patient's own reasons: what matching a public request to a patient is decided on when staff
 * confirm it (the rest of the time was decided when it was requested, and it has held the slot).
 *
 * @since 0.3.0 @category models
 */
export const patientCodes: ReadonlySet<ReasonCode> = new Set<ReasonCode>(["patient_blocked", "patient_booked"])

/** @since 0.1.0 @category models */
export interface Reason {
  readonly code: ReasonCode
  /** The conflicting appointments, for `booked`, `buffer`, `room_booked` and `patient_booked`. */
  readonly appointmentIds?: ReadonlyArray<string>
}

/** Another appointment's occupation of the doctor, patient or rooms. @since 0.1.0 @category models */
export interface Busy {
  readonly id: string
  readonly start: number
  readonly end: number
  /** `start` minus its buffer before. */
  readonly busyStart: number
  /** `end` plus its buffer after. */
  readonly busyEnd: number
}

/** Everything availability depends on, as plain data. @since 0.1.0 @category models */
export interface Context {
  readonly zone: string
  readonly rules: DoctorRules
  /** Clinic holidays, ISO dates. */
  readonly holidays: ReadonlyArray<string>
  /** The doctor's other blocking appointments. */
  readonly busy: ReadonlyArray<Busy>
  /** The patient's other blocking appointments (with any doctor). */
  readonly patientBusy: ReadonlyArray<Busy>
  /** Other blocking appointments in any of the rooms the appointment needs. */
  readonly roomBusy: ReadonlyArray<Busy>
  readonly now: number
  readonly slotMinutes: number
  readonly minimumNoticeMinutes: number
  readonly bookingHorizonDays: number
  /** The doctor is active and so is the staff account it links to, if any. */
  readonly doctorActive: boolean
  readonly patientBlocked: boolean
  /** The service is active (true without a service). */
  readonly serviceActive: boolean
  /** The doctor performs the service (true without a service, or when every doctor does). */
  readonly performed: boolean
  /** Every room the appointment needs is active. */
  readonly roomsActive: boolean
}

/** An appointment's time and buffers. @since 0.1.0 @category models */
export interface Slot {
  readonly start: number
  readonly end: number
  readonly bufferBeforeMinutes: number
  readonly bufferAfterMinutes: number
}

/** A context with its intervals computed for a range. @since 0.1.0 @category models */
export interface Prepared {
  readonly context: Context
  readonly from: number
  readonly to: number
  /** Working time: hours − closed days − instant time off − breaks. */
  readonly working: ReadonlyArray<Interval>
  /** Weekly or overridden hours before anything is taken away. */
  readonly hours: ReadonlyArray<Interval>
  readonly holidays: ReadonlyArray<Interval>
  readonly timeOff: ReadonlyArray<Interval>
  readonly breaks: ReadonlyArray<Interval>
  /** Every busy interval (doctor, patient, rooms), merged: all listing needs. */
  readonly busy: ReadonlyArray<Interval>
}

const window = (zone: string, day: number, start: string, end: string): Interval => {
  const s = minutesOf(start)
  let e = minutesOf(end)
  if (e <= s) e += 1440 // runs past midnight
  return [instantOf(zone, day, s), instantOf(zone, day, e)]
}

/**
 * Computes the intervals of `context` that matter for times in `[from, to)`.
 *
 * Precedence for each local date: an override replaces the day's hours and wins over time off and
 * holidays; otherwise a date-range time off, then a holiday, closes the day; otherwise the weekly
 * hours apply. Time off given as instants, and breaks, are taken away from whatever remains.
 *
 * @since 0.1.0 @category availability
 */
export const prepare = (context: Context, from: number, to: number): Prepared => {
  const { rules, zone } = context
  const overrides = new Map(rules.overrides.map((o) => [o.date, o.windows]))
  const holidaySet = new Set(context.holidays)
  const dateOff = rules.timeOff.flatMap((t) => (t._tag === "dates" ? [[dayNumber(t.from), dayNumber(t.to)] as const] : []))
  const hours: Array<Interval> = []
  const open: Array<Interval> = []
  const holidays: Array<Interval> = []
  const timeOff: Array<Interval> = rules.timeOff.flatMap((t) => (t._tag === "instants" ? [[t.start, t.end] as const] : []))
  const breaks: Array<Interval> = []
  const firstDay = localDayOf(zone, from) - 1
  const lastDay = localDayOf(zone, to) + 1
  for (let day = firstDay; day <= lastDay; day++) {
    const date = isoDate(day)
    const weekday = weekdayOf(day)
    const override = overrides.get(date)
    const windows = override ?? rules.weekly.filter((w) => w.weekday === weekday)
    const dayHours = windows.map((w) => window(zone, day, w.start, w.end))
    hours.push(...dayHours)
    const wholeDay: Interval = [instantOf(zone, day, 0), instantOf(zone, day + 1, 0)]
    if (override === undefined && dateOff.some(([a, b]) => a <= day && day <= b)) timeOff.push(wholeDay)
    else if (override === undefined && holidaySet.has(date)) holidays.push(wholeDay)
    else open.push(...dayHours)
    for (const b of rules.breaks) {
      if (b._tag === "weekly" ? b.weekday === weekday : b.date === date) breaks.push(window(zone, day, b.start, b.end))
    }
  }
  const n = {
    hours: normalize(hours),
    holidays: normalize(holidays),
    timeOff: normalize(timeOff),
    breaks: normalize(breaks),
    busy: normalize([...context.busy, ...context.patientBusy, ...context.roomBusy].map((b) => [b.busyStart, b.busyEnd] as const))
  }
  return {
    context,
    from,
    to,
    ...n,
    working: subtract(subtract(normalize(open), n.timeOff), n.breaks)
  }
}

/**
 * Every reason `slot` is not bookable; empty when it is. The one rule behind booking, `explain`
 * and listing.
 *
 * @since 0.1.0 @category availability
 */
export const reasons = (p: Prepared, slot: Slot): Array<Reason> => check(p, slot, true, false)

const overlapping = (busy: ReadonlyArray<Busy>, from: number, to: number) =>
  busy.flatMap((b) => (b.busyStart < to && from < b.busyEnd ? [b.id] : []))

/**
 * `reasons`, for listing too: `withIds` collects the conflicting appointment ids, and `onGridKnown`
 * skips the grid check for starts the caller took from the grid (listing skips that work).
 */
const check = (p: Prepared, slot: Slot, withIds: boolean, onGridKnown: boolean): Array<Reason> => {
  const c = p.context
  const { end, start } = slot
  const out: Array<Reason> = []
  if (!c.doctorActive) out.push({ code: "doctor_inactive" })
  if (c.patientBlocked) out.push({ code: "patient_blocked" })
  if (!c.serviceActive) out.push({ code: "service_inactive" })
  if (!c.performed) out.push({ code: "not_performed" })
  if (!c.roomsActive) out.push({ code: "room_inactive" })
  if (start < c.now) out.push({ code: "past" })
  else if (start < c.now + c.minimumNoticeMinutes * MINUTE) out.push({ code: "notice" })
  if (start >= c.now + c.bookingHorizonDays * DAY) out.push({ code: "horizon" })
  if (!onGridKnown && !onGrid(c.zone, c.slotMinutes, start)) out.push({ code: "off_grid" })
  if (!covers(p.working, start, end)) {
    const before = out.length
    if (overlapsAny(p.holidays, start, end)) out.push({ code: "holiday" })
    if (overlapsAny(p.timeOff, start, end)) out.push({ code: "time_off" })
    if (overlapsAny(p.breaks, start, end) && covers(p.hours, start, end)) out.push({ code: "break" })
    if (out.length === before) out.push({ code: "outside_hours" })
  }
  const busyStart = start - slot.bufferBeforeMinutes * MINUTE
  const busyEnd = end + slot.bufferAfterMinutes * MINUTE
  if (overlapsAny(p.busy, busyStart, busyEnd)) {
    if (!withIds) out.push({ code: "booked" })
    else {
      const booked: Array<string> = []
      const buffer: Array<string> = []
      for (const b of c.busy) {
        if (b.start < end && start < b.end) booked.push(b.id)
        else if (b.busyStart < busyEnd && busyStart < b.busyEnd) buffer.push(b.id)
      }
      const patient = overlapping(c.patientBusy, busyStart, busyEnd)
      const room = overlapping(c.roomBusy, busyStart, busyEnd)
      if (booked.length > 0) out.push({ code: "booked", appointmentIds: booked })
      if (buffer.length > 0) out.push({ code: "buffer", appointmentIds: buffer })
      if (room.length > 0) out.push({ code: "room_booked", appointmentIds: [...new Set(room)] })
      if (patient.length > 0) out.push({ code: "patient_booked", appointmentIds: patient })
    }
  }
  return out
}

/**
 * The bookable starts on the clinic's grid within `[p.from, p.to)`: local wall-clock times that
 * are a multiple of `slotMinutes` after local midnight, for an appointment of `durationMinutes`
 * with the given buffers.
 *
 * @since 0.1.0 @category availability
 */
export const slots = (
  p: Prepared,
  service: { readonly durationMinutes: number; readonly bufferBeforeMinutes: number; readonly bufferAfterMinutes: number },
  page: {
    /** Only slots starting at or after this instant. */
    readonly from?: number | undefined
    /** At most this many: the walk stops there, so the work is bounded too. */
    readonly limit?: number | undefined
  } = {}
): Array<{ readonly start: number; readonly end: number }> => {
  const from = Math.max(p.from, page.from ?? p.from)
  const limit = page.limit ?? Infinity
  const { zone } = p.context
  const c = p.context
  // Nothing on the grid can book: no need to walk it.
  if (!c.doctorActive || c.patientBlocked || !c.serviceActive || !c.performed || !c.roomsActive) return []
  const grid = p.context.slotMinutes * MINUTE
  const duration = service.durationMinutes * MINUTE
  const out: Array<{ start: number; end: number }> = []
  for (const [ws, we] of p.working) {
    if (we <= from || ws >= p.to) continue
    let offset = offsetAt(zone, Math.max(ws, from))
    let s = Math.ceil((Math.max(ws, from) + offset) / grid) * grid - offset
    while (s < p.to && s + duration <= we) {
      if (out.length >= limit) return out
      const here = offsetAt(zone, s)
      if (here !== offset) {
        // A DST change inside the window: realign to the local grid.
        offset = here
        const aligned = Math.ceil((s + offset) / grid) * grid - offset
        if (aligned !== s) {
          s = aligned
          continue
        }
      }
      const slot = { start: s, end: s + duration, bufferBeforeMinutes: service.bufferBeforeMinutes, bufferAfterMinutes: service.bufferAfterMinutes }
      if (check(p, slot, false, true).length === 0) out.push({ start: slot.start, end: slot.end })
      s += grid
    }
  }
  return out
}

/** Whether `t` is a start on the clinic's local grid. @since 0.1.0 @category availability */
export const onGrid = (zone: string, slotMinutes: number, t: number): boolean =>
  ((t + offsetAt(zone, t)) % (slotMinutes * MINUTE) + slotMinutes * MINUTE) % (slotMinutes * MINUTE) === 0

/** Local wall-clock helpers, for hosts and tests. @since 0.1.0 @category time */
export const zoned = {
  /** The instant of a local date and `HH:MM` in `zone`, by the DST policy. */
  instant: (zone: string, date: string, time: string): number => instantOf(zone, dayNumber(date), minutesOf(time)),
  /** The local ISO date of an instant. */
  date: (zone: string, t: number): string => isoDate(localDayOf(zone, t)),
  /** The zone's offset at an instant, in minutes. */
  offsetMinutes: (zone: string, t: number): number => offsetAt(zone, t) / MINUTE
}
