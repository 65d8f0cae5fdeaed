import { Scheduling } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { asStaff, print, run, scope } from "../Host.js"
import { appointmentLine } from "./book.js"

export const status = Command.make("status", {
  ...scope,
  id: Args.text({ name: "appointment-id" }),
  to: Args.choice([
    ["confirmed", "confirmed"],
    ["scheduled", "scheduled"],
    ["checked_in", "checked_in"],
    ["completed", "completed"],
    ["no_show", "no_show"]
  ] as const, { name: "status" })
}, (o) =>
  run(
    o,
    Effect.flatMap(Scheduling.Scheduling, (s) => s.setStatus({ id: o.id, status: o.to })).pipe(
      asStaff(o),
      Effect.flatMap((a) => print(o, a, appointmentLine))
    )
  )).pipe(Command.withDescription("Move an appointment through its statuses (confirmed, checked_in, completed, no_show)"))
