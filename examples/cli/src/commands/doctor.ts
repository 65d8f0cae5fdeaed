import { Doctors } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope, table } from "../Host.js"

const create = Command.make("create", {
  ...scope,
  name: Options.text("name"),
  specialty: Options.text("specialty"),
  staffId: Options.text("staff-id").pipe(Options.withDescription("The doctor's own staff account, if any"), Options.optional)
}, (o) =>
  run(
    o,
    Effect.flatMap(Doctors.Doctors, (d) =>
      d.create({ name: o.name, specialty: o.specialty, ...Option.match(o.staffId, { onNone: () => ({}), onSome: (staffId) => ({ staffId }) }) }))
      .pipe(asStaff(o), Effect.flatMap((doc) => print(o, doc, (x) => `${x.name} (${x.specialty}) ${x.id}`)))
  )).pipe(Command.withDescription("Add a doctor"))

const list = Command.make("list", scope, (o) =>
  run(
    o,
    Effect.flatMap(Doctors.Doctors, (d) => d.list()).pipe(
      asStaff(o),
      Effect.flatMap((all) => print(o, all, (rows) => table(["name", "specialty", "active", "id"], rows.map((d) => [d.name, d.specialty, String(d.active), d.id]))))
    )
  )).pipe(Command.withDescription("List the clinic's doctors"))

export const doctor = Command.make("doctor").pipe(
  Command.withDescription("Doctors: create, list"),
  Command.withSubcommands([create, list])
)
