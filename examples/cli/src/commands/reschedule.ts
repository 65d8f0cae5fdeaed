import { Scheduling } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { asStaff, instant, print, run, scope } from "../Host.js"
import { appointmentLine } from "./book.js"

export const reschedule = Command.make("reschedule", {
  ...scope,
  id: Args.text({ name: "appointment-id" }),
  start: Options.text("start").pipe(Options.withDescription("The new start: ISO date-time with offset or epoch ms")),
  override: Options.boolean("override").pipe(Options.withDescription("Outside working time (needs appointments.override)"))
}, (o) =>
  run(
    o,
    Effect.flatMap(Scheduling.Scheduling, (s) => s.reschedule({ id: o.id, start: instant(o.start), override: o.override })).pipe(
      asStaff(o),
      Effect.flatMap((a) => print(o, a, appointmentLine))
    )
  )).pipe(Command.withDescription("Move an appointment, keeping its id and length"))
