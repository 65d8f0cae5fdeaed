/**
 * Wall-clock ↔ instant in an IANA zone, without depending on the process's TZ. Offsets come from
 * Intl and are cached per zone in 15-minute buckets (every zone changes offset on a quarter hour).
 *
 * DST policy (the "compatible" disambiguation): a local time that does not exist (spring gap) is
 * moved forward by the gap's length; a local time that occurs twice (autumn overlap) takes the
 * earlier occurrence.
 */

const DAY = 86_400_000
const BUCKET = 900_000

interface ZoneCache {
  readonly format: Intl.DateTimeFormat
  readonly offsets: Map<number, number>
}

const zones = new Map<string, ZoneCache>()

const cacheOf = (zone: string): ZoneCache => {
  let cache = zones.get(zone)
  if (cache === undefined) {
    cache = {
      format: new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric"
      }),
      offsets: new Map()
    }
    zones.set(zone, cache)
  }
  return cache
}

/** The zone's UTC offset at instant `t`, in milliseconds (local = t + offset). */
export const offsetAt = (zone: string, t: number): number => {
  const cache = cacheOf(zone)
  const bucket = Math.floor(t / BUCKET) * BUCKET
  let offset = cache.offsets.get(bucket)
  if (offset === undefined) {
    const parts = cache.format.formatToParts(bucket)
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value)
    const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"))
    offset = local - bucket
    if (cache.offsets.size > 200_000) cache.offsets.clear()
    cache.offsets.set(bucket, offset)
  }
  return offset
}

/** Days since 1970-01-01 of an ISO date. */
export const dayNumber = (isoDate: string): number =>
  Date.UTC(+isoDate.slice(0, 4), +isoDate.slice(5, 7) - 1, +isoDate.slice(8, 10)) / DAY

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/**
 * The ISO date of a day number: the proleptic Gregorian date by integer arithmetic (days → civil
 * date, as in H. Hinnant's `civil_from_days`), since `Date#toISOString` costs about 1.7 µs a call
 * and reports format a date per period. Years outside 1000–9999 go through `Date`, whose ISO form
 * they need (sign, six digits).
 */
export const isoDate = (day: number): string => {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  if (y < 1000 || y > 9999) return new Date(day * DAY).toISOString().slice(0, 10)
  return `${y}-${pad2(m)}-${pad2(d)}`
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number. */
export const weekdayOf = (day: number): number => ((day + 3) % 7 + 7) % 7 + 1

/** The local day number containing instant `t`. */
export const localDayOf = (zone: string, t: number): number => Math.floor((t + offsetAt(zone, t)) / DAY)

/**
 * The instant of local wall-clock time `minutes` after midnight of local day `day` (minutes may be
 * 1440 or more: the next day's times), by the DST policy above.
 */
export const instantOf = (zone: string, day: number, minutes: number): number => {
  const wall = day * DAY + minutes * 60_000
  const before = offsetAt(zone, wall - DAY)
  const after = offsetAt(zone, wall + DAY)
  // No change of offset around it (nearly always): the one reading, checked.
  if (before === after && offsetAt(zone, wall - before) === before) return wall - before
  const early = wall - before
  const late = wall - after
  const earlyOk = offsetAt(zone, early) === before
  const lateOk = offsetAt(zone, late) === after
  if (earlyOk && lateOk) return Math.min(early, late) // repeated: the earlier occurrence
  if (earlyOk) return early
  if (lateOk) return late
  // In the gap: read with the offset before the transition, which lands after the gap.
  return early
}
