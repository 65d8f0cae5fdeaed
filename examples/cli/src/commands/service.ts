import { Catalog } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { asStaff, print, run, scope, table } from "../Host.js"

const create = Command.make("create", {
  ...scope,
  name: Options.text("name"),
  duration: Options.integer("duration").pipe(Options.withDescription("Minutes")),
  bufferBefore: Options.integer("buffer-before").pipe(Options.withDescription("Minutes kept free before"), Options.withDefault(0)),
  bufferAfter: Options.integer("buffer-after").pipe(Options.withDescription("Minutes kept free after"), Options.withDefault(0)),
  price: Options.integer("price").pipe(Options.withDescription("Price in minor units (cents)"), Options.withDefault(0)),
  doctors: Options.text("doctor").pipe(Options.withDescription("A doctor who performs it (repeat; none: every doctor)"), Options.repeated)
}, (o) =>
  run(
    o,
    Effect.flatMap(Catalog.Catalog, (c) =>
      c.createService({
        name: o.name,
        durationMinutes: o.duration,
        bufferBeforeMinutes: o.bufferBefore,
        bufferAfterMinutes: o.bufferAfter,
        priceMinor: o.price,
        doctorIds: o.doctors
      })).pipe(asStaff(o), Effect.flatMap((s) => print(o, s, (x) => `${x.name} (${x.durationMinutes} min, ${x.priceMinor}) ${x.id}`)))
  )).pipe(Command.withDescription("Add a service to the catalog"))

const list = Command.make("list", scope, (o) =>
  run(
    o,
    Effect.flatMap(Catalog.Catalog, (c) => c.listServices()).pipe(
      asStaff(o),
      Effect.flatMap((all) =>
        print(o, all, (rows) =>
          table(
            ["name", "minutes", "price", "active", "id"],
            rows.map((s) => [s.name, String(s.durationMinutes), String(s.priceMinor), String(s.active), s.id])
          ))
      )
    )
  )).pipe(Command.withDescription("List the catalog's services"))

export const service = Command.make("service").pipe(
  Command.withDescription("Services: create, list"),
  Command.withSubcommands([create, list])
)
