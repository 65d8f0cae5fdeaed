/**
 * Date ranges of exports, in the clinic's zone: from local midnight to local midnight, whatever
 * the day's length (a DST change makes a day 23 or 25 hours long).
 */
import { dayNumber, instantOf, isoDate, localDayOf, weekdayOf } from "../zone.js"

/** A named period, or local dates `from`…`to` (both included). */
export type Range = "today" | "this_week" | "this_month" | { readonly from: string; readonly to: string }

/** `[from, to)` as instants: weeks start on Monday (ISO 8601). */
export const instantsOf = (zone: string, now: number, range: Range): { readonly from: number; readonly to: number } => {
  const midnight = (day: number) => instantOf(zone, day, 0)
  const today = localDayOf(zone, now)
  if (range === "today") return { from: midnight(today), to: midnight(today + 1) }
  if (range === "this_week") {
    const monday = today - (weekdayOf(today) - 1)
    return { from: midnight(monday), to: midnight(monday + 7) }
  }
  if (range === "this_month") {
    const date = isoDate(today)
    const first = dayNumber(`${date.slice(0, 7)}-01`)
    const year = +date.slice(0, 4)
    const month = +date.slice(5, 7)
    const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, "0")}-01`
    return { from: midnight(first), to: midnight(dayNumber(next)) }
  }
  return { from: midnight(dayNumber(range.from)), to: midnight(dayNumber(range.to) + 1) }
}
