/**
 * Reporting periods in a clinic's zone, as plain functions: a range of local dates and the days,
 * weeks (ISO, Monday first) or months that cover it, each with the instants where it starts and
 * ends. The storage aggregates by these instants, so the zone's rules (DST included) live here
 * only and one SQL statement serves every database.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { dayNumber, instantOf, isoDate, weekdayOf } from "./internal/zone.js"
import { IsoDate } from "./Patient.js"

const DAY = 86_400_000

/** The longest range a dashboard or report covers, in days (both ends included). @since 0.1.0 @category limits */
export const maxRangeDays = 731

/** @since 0.1.0 @category models */
export const Granularity = Schema.Literal("day", "week", "month")
/** @since 0.1.0 @category models */
export type Granularity = typeof Granularity.Type

/**
 * The fields of a range of clinic-local dates, both included. Combine with `checkRange`, which
 * names `to` when it is before `from` or too far after it.
 *
 * @since 0.1.0 @category inputs
 */
export const rangeFields = { from: IsoDate, to: IsoDate }

/** Why a range of local dates is refused, if it is. @since 0.1.0 @category rules */
export const rangeIssue = (range: { readonly from: string; readonly to: string }): string | undefined => {
  const days = dayNumber(range.to) - dayNumber(range.from) + 1
  if (days < 1) return "must not be before from"
  if (days > maxRangeDays) return `must be at most ${maxRangeDays - 1} days after from`
  return undefined
}

/**
 * A filter for a struct with `from` and `to`, reporting the issue on `to`.
 *
 * @since 0.1.0 @category inputs
 */
export const checkRange = <A extends { readonly from: string; readonly to: string }>(range: A) => {
  const message = rangeIssue(range)
  return message === undefined ? undefined : { path: ["to"], message }
}

/** A range of local dates as instants: from the start of `from` to the start of the day after `to`. @since 0.1.0 @category models */
export interface Range {
  readonly from: string
  readonly to: string
  readonly start: number
  readonly end: number
}

/** @since 0.1.0 @category rules */
export const range = (zone: string, from: string, to: string): Range => ({
  from,
  to,
  start: instantOf(zone, dayNumber(from), 0),
  end: instantOf(zone, dayNumber(to) + 1, 0)
})

/** One period of a report, clipped to the range. @since 0.1.0 @category models */
export interface Period {
  /** The calendar period's first date (the day; the week's Monday; the month's 1st), even when clipped. */
  readonly label: string
  /** The first and last dates of the period inside the range. */
  readonly firstDate: string
  readonly lastDate: string
  /** Instants of the start of `firstDate` and of the day after `lastDate`, in the clinic's zone. */
  readonly start: number
  readonly end: number
}

const calendarStart = (day: number, granularity: Granularity): number => {
  if (granularity === "day") return day
  if (granularity === "week") return day - (weekdayOf(day) - 1)
  const d = new Date(day * DAY)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY
}

const nextStart = (day: number, granularity: Granularity): number => {
  if (granularity === "day") return day + 1
  if (granularity === "week") return calendarStart(day, "week") + 7
  const d = new Date(day * DAY)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY
}

/**
 * The periods that cover local dates `from` to `to` (both included), in order, the first and last
 * clipped to the range. Their instants follow the zone's offsets, so a day across a DST change is
 * 23 or 25 hours long.
 *
 * @since 0.1.0 @category rules
 */
export const periods = (zone: string, from: string, to: string, granularity: Granularity): ReadonlyArray<Period> => {
  const last = dayNumber(to)
  const out: Array<Period> = []
  let day = dayNumber(from)
  // Each boundary converted once: a period starts where the one before it ended.
  let start = instantOf(zone, day, 0)
  while (day <= last) {
    const next = Math.min(nextStart(day, granularity), last + 1)
    const end = instantOf(zone, next, 0)
    const firstDate = isoDate(day)
    const label = granularity === "day" ? firstDate : isoDate(calendarStart(day, granularity))
    out.push({ label, firstDate, lastDate: next - 1 === day ? firstDate : isoDate(next - 1), start, end })
    day = next
    start = end
  }
  return out
}

/**
 * The instants between consecutive periods (one fewer than the periods): a time `t` in the range
 * belongs to period `i` when it is at or after boundary `i − 1` and before boundary `i`.
 *
 * @since 0.1.0 @category rules
 */
export const boundaries = (ps: ReadonlyArray<Period>): ReadonlyArray<number> => ps.slice(1).map((p) => p.start)

/**
 * A run of local days of the range: inside a `regular` run every day is 24 hours long, so the
 * day of an instant `t` is `firstDay + ⌊(t − start) / 24 h⌋`; an irregular run is one day of 23 or
 * 25 hours (a DST change), whose instants are all day `firstDay`. Day 0 is the range's first date.
 *
 * @since 0.1.0 @category models
 */
export interface DayRun {
  readonly start: number
  readonly firstDay: number
  readonly regular: boolean
}

/**
 * The runs of the range's days (`periods(…, "day")`): one per stretch between DST changes, and
 * one per day of a change, so at most a handful for any range. The storage turns an instant into
 * its local day with them by arithmetic, without knowing the zone.
 *
 * @since 0.1.0 @category rules
 */
export const dayRuns = (days: ReadonlyArray<Period>): ReadonlyArray<DayRun> => {
  const out: Array<DayRun> = []
  for (const [i, d] of days.entries()) {
    const regular = d.end - d.start === DAY
    const last = out[out.length - 1]
    if (last !== undefined && last.regular && regular) continue
    out.push({ start: d.start, firstDay: i, regular })
  }
  return out
}

/**
 * For each day of the range (day 0 = `from`), the index of the period of `ps` it belongs to.
 *
 * @since 0.1.0 @category rules
 */
export const periodOfDay = (ps: ReadonlyArray<Period>): ReadonlyArray<number> =>
  ps.flatMap((p, i) => Array.from({ length: dayNumber(p.lastDate) - dayNumber(p.firstDate) + 1 }, () => i))

/** The day of the range (day 0 = `from`) of a local date. @since 0.1.0 @category rules */
export const dayOfRange = (from: string, date: string): number => dayNumber(date) - dayNumber(from)

/** The local date `days` after `date` (before, when negative). @since 0.1.0 @category rules */
export const addDays = (date: string, days: number): string => isoDate(dayNumber(date) + days)

/** The instant a local date starts in `zone`. @since 0.1.0 @category rules */
export const startOf = (zone: string, date: string): number => instantOf(zone, dayNumber(date), 0)
