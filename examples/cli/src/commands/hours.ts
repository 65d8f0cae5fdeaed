import { Schedules } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope } from "../Host.js"

const days = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

/** `--weekday 1 --weekday 2 … --start 09:00 --end 17:00 [--break 12:00-13:00]`: the same window on each weekday. */
export const hours = Command.make("hours", {
  ...scope,
  doctorId: Args.text({ name: "doctor-id" }),
  weekdays: Options.integer("weekday").pipe(
    Options.withDescription("ISO weekday, 1 = Monday … 7 = Sunday; repeat it (default Monday to Friday)"),
    Options.repeated
  ),
  start: Options.text("start").pipe(Options.withDescription("Start of the working day, HH:MM local"), Options.withDefault("09:00")),
  end: Options.text("end").pipe(Options.withDescription("End of the working day, HH:MM local"), Options.withDefault("17:00")),
  break: Options.text("break").pipe(Options.withDescription("A daily break, HH:MM-HH:MM"), Options.optional)
}, (o) => {
  const weekdays = o.weekdays.length > 0 ? o.weekdays : [1, 2, 3, 4, 5]
  const [breakStart, breakEnd] = Option.match(o.break, { onNone: () => [], onSome: (b) => b.split("-") })
  const rules = {
    weekly: weekdays.map((weekday) => ({ weekday, start: o.start, end: o.end })),
    breaks: breakStart === undefined
      ? []
      : weekdays.map((weekday) => ({ _tag: "weekly" as const, weekday, start: breakStart, end: breakEnd ?? "" }))
  }
  return run(
    o,
    Effect.flatMap(Schedules.Schedules, (s) => s.set({ doctorId: o.doctorId, rules })).pipe(
      asStaff(o),
      Effect.flatMap((set) =>
        print(o, set, (r) => [
          ...r.weekly.map((w) => `${days[w.weekday]} ${w.start}–${w.end}`),
          ...r.breaks.map((b) => `break ${"weekday" in b ? days[b.weekday] : b.date} ${b.start}–${b.end}`)
        ])
      )
    )
  )
}).pipe(Command.withDescription("Set a doctor's weekly working hours (replaces the doctor's rules)"))
