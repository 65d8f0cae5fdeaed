import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { common, print, run, target, UsageError } from "../Host.js"
import { createClinic, newClinic } from "./clinic.js"

const optional = <A>(o: Options.Options<A>) => Options.optional(o)

export const init = Command.make("init", {
  ...common,
  name: optional(newClinic.name),
  slug: optional(newClinic.slug),
  timeZone: newClinic.timeZone,
  currency: newClinic.currency,
  adminName: optional(newClinic.adminName),
  adminEmail: optional(newClinic.adminEmail)
}, (o) =>
  run(
    o,
    Effect.gen(function*() {
      // Building the services ran the adapter's migrations: the database is ready.
      const where = target(o)
      const database = where._tag === "sqlite" ? { sqlite: where.filename } : { postgres: true }
      const parts = { name: o.name, slug: o.slug, adminName: o.adminName, adminEmail: o.adminEmail }
      const wanted = Option.all(parts)
      if (Option.isNone(wanted) && Object.values(parts).some(Option.isSome)) {
        return yield* new UsageError({ message: "a clinic needs all of --name, --slug, --admin-name and --admin-email" })
      }
      const created = Option.isSome(wanted)
        ? yield* createClinic({ ...wanted.value, timeZone: o.timeZone, currency: o.currency })
        : undefined
      yield* print(o, { database, ...created }, () => [
        `database ready (${where._tag === "sqlite" ? where.filename : "Postgres at DATABASE_URL"}, migrations applied)`,
        ...(created === undefined
          ? ["no clinic created (give --name, --slug, --admin-name and --admin-email to create one)"]
          : [
            `created clinic ${created.clinic.name} (${created.clinic.slug}) ${created.clinic.id}`,
            `first admin: ${created.admin.name} <${created.admin.email}>`,
            `act in it with: --clinic ${created.clinic.slug} --as ${created.admin.email}`
          ])
      ])
    })
  )).pipe(Command.withDescription("Create the database (migrations) and, optionally, a clinic with its first admin"))
