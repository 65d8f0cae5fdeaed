import { Scheduling } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, instant, iso, print, run, scope, table } from "../Host.js"

export const slots = Command.make("slots", {
  ...scope,
  service: Options.text("service").pipe(Options.withDescription("The service's id")),
  doctors: Options.text("doctor").pipe(Options.withDescription("A doctor's id (repeat; none: every doctor who performs it)"), Options.repeated),
  from: Options.text("from").pipe(Options.withDescription("ISO date-time with offset or epoch ms (default: now)"), Options.optional),
  to: Options.text("to").pipe(Options.withDescription("ISO date-time with offset or epoch ms (default: from + 7 days)"), Options.optional),
  limit: Options.integer("limit").pipe(Options.withDescription("Print at most this many (text output)"), Options.withDefault(20))
}, (o) =>
  Effect.gen(function*() {
    const from = Option.match(o.from, { onNone: () => Date.now(), onSome: instant })
    const to = Option.match(o.to, {
      onNone: () => (typeof from === "number" ? from : Date.parse(from)) + 7 * 86_400_000,
      onSome: instant
    })
    yield* run(
      o,
      Effect.flatMap(Scheduling.Scheduling, (s) =>
        s.availableSlots({ serviceId: o.service, from, to, ...(o.doctors.length > 0 ? { doctorIds: o.doctors } : {}) })).pipe(
          asStaff(o),
          Effect.flatMap((all) =>
            print(o, all, (rows) => [
              ...table(["start", "end", "doctor"], rows.slice(0, o.limit).map((s) => [iso(s.start), iso(s.end), s.doctorId])),
              ...(rows.length > o.limit ? [`… ${rows.length - o.limit} more (--limit)`] : [])
            ])
          )
        )
    )
  })).pipe(Command.withDescription("List bookable slots of a service"))
