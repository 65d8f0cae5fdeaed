/**
 * Instants as import files write them: ISO 8601 with `Z` or an offset (clinicore's export), or a
 * local date and time without one (`2026-03-01 09:30`, or a date and a time in two columns),
 * read in the clinic's zone by the same DST policy as booking.
 */
import * as Schema from "effect/Schema"
import { zoned } from "../../Availability.js"
import { IsoDate } from "../../Patient.js"

const isDate = Schema.is(IsoDate)

const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/
const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i

/** Epoch milliseconds, or `undefined` when `text` is no instant. */
export const parseInstant = (zone: string, text: string): number | undefined => {
  if (withZone.test(text)) {
    const t = Date.parse(text)
    return Number.isNaN(t) || !isDate(text.slice(0, 10)) ? undefined : t
  }
  const m = local.exec(text)
  if (m === null || !isDate(m[1]!) || +m[2]! > 23 || +m[3]! > 59 || +(m[4] ?? 0) > 59) return undefined
  return zoned.instant(zone, m[1]!, `${m[2]}:${m[3]}`) + (m[4] === undefined ? 0 : +m[4] * 1000)
}
