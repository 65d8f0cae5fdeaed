/**
 * Working-time rules: weekly hours per doctor, breaks, time off, date overrides and clinic
 * holidays. Times of day are local wall-clock times (`HH:MM`) in the clinic's IANA zone.
 *
 * Precedence for a local date: an override replaces the day's hours (and wins over time off and
 * holidays); otherwise time off, then a clinic holiday, close the day; otherwise the weekly hours
 * apply. Breaks are then subtracted from whatever hours remain.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { IsoDate } from "./Patient.js"

/** `HH:MM`, 00:00–24:00. @since 0.1.0 @category models */
export const TimeOfDay = Schema.String.pipe(
  Schema.filter((s) => {
    const m = /^(\d{2}):(\d{2})$/.exec(s)
    return m !== null && (+m[1]! < 24 && +m[2]! < 60 || s === "24:00")
  }, { message: () => "must be a time of day written HH:MM" })
)

/** Minutes after midnight of a `HH:MM` time. @since 0.1.0 @category models */
export const minutesOf = (time: string): number => +time.slice(0, 2) * 60 + +time.slice(3, 5)

/** ISO weekday: 1 = Monday … 7 = Sunday. @since 0.1.0 @category models */
export const Weekday = Schema.Int.pipe(Schema.between(1, 7, { message: () => "must be 1 (Monday) to 7 (Sunday)" }))

/**
 * A window of working time on a weekday. When `end` ≤ `start` the window runs past midnight into
 * the next day (`22:00`–`06:00`).
 *
 * @since 0.1.0 @category models
 */
export const WeeklyWindow = Schema.Struct({ weekday: Weekday, start: TimeOfDay, end: TimeOfDay })
/** @since 0.1.0 @category models */
export type WeeklyWindow = typeof WeeklyWindow.Type

/** A window on one local date (overrides, dated breaks). @since 0.1.0 @category models */
export const DayWindow = Schema.Struct({ start: TimeOfDay, end: TimeOfDay })
/** @since 0.1.0 @category models */
export type DayWindow = typeof DayWindow.Type

/** A break: every week on a weekday, or on one date. @since 0.1.0 @category models */
export const Break = Schema.Union(
  Schema.TaggedStruct("weekly", { weekday: Weekday, start: TimeOfDay, end: TimeOfDay }),
  Schema.TaggedStruct("dated", { date: IsoDate, start: TimeOfDay, end: TimeOfDay })
)
/** @since 0.1.0 @category models */
export type Break = typeof Break.Type

/**
 * Time off: whole local dates (`from`–`to`, inclusive), or an exact span of instants (epoch ms,
 * `end` exclusive).
 *
 * @since 0.1.0 @category models
 */
export const TimeOff = Schema.Union(
  Schema.TaggedStruct("dates", { from: IsoDate, to: IsoDate, reason: Schema.optional(Schema.String) }),
  Schema.TaggedStruct("instants", { start: Schema.Number, end: Schema.Number, reason: Schema.optional(Schema.String) })
).pipe(Schema.filter((t) =>
  (t._tag === "dates" ? t.from <= t.to : t.start < t.end) || "must end after it starts"
))
/** @since 0.1.0 @category models */
export type TimeOff = typeof TimeOff.Type

/** One date's hours replaced (an empty list closes the day). @since 0.1.0 @category models */
export const Override = Schema.Struct({ date: IsoDate, windows: Schema.Array(DayWindow) })
/** @since 0.1.0 @category models */
export type Override = typeof Override.Type

/** A doctor's rules. @since 0.1.0 @category models */
export const DoctorRules = Schema.Struct({
  weekly: Schema.Array(WeeklyWindow),
  breaks: Schema.optionalWith(Schema.Array(Break), { default: () => [] }),
  timeOff: Schema.optionalWith(Schema.Array(TimeOff), { default: () => [] }),
  overrides: Schema.optionalWith(Schema.Array(Override), { default: () => [] })
})
/** @since 0.1.0 @category models */
export type DoctorRules = typeof DoctorRules.Type

/** A clinic-wide holiday on a local date. @since 0.1.0 @category models */
export const Holiday = Schema.Struct({ date: IsoDate, name: Schema.String })
/** @since 0.1.0 @category models */
export type Holiday = typeof Holiday.Type

/** No working time at all. @since 0.1.0 @category models */
export const emptyRules: DoctorRules = { weekly: [], breaks: [], timeOff: [], overrides: [] }
