import { Scheduling } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { asStaff, print, run, scope } from "../Host.js"
import { appointmentLine } from "./book.js"

export const cancel = Command.make("cancel", {
  ...scope,
  id: Args.text({ name: "appointment-id" }),
  reason: Options.text("reason").pipe(Options.withDefault("cancelled by staff"))
}, (o) =>
  run(
    o,
    Effect.flatMap(Scheduling.Scheduling, (s) => s.cancel({ id: o.id, reason: o.reason })).pipe(
      asStaff(o),
      Effect.flatMap((a) => print(o, a, appointmentLine))
    )
  )).pipe(Command.withDescription("Cancel an appointment"))
