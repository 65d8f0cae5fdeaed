import { Actor, Clinics } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { asStaff, common, print, run, scope, table } from "../Host.js"

/** The options that describe a new clinic and its first admin (`clinic create`, `init`). */
export const newClinic = {
  name: Options.text("name").pipe(Options.withDescription("The clinic's name")),
  slug: Options.text("slug").pipe(Options.withDescription("Its short unique name (lowercase, digits, dashes)")),
  timeZone: Options.text("time-zone").pipe(Options.withDescription("IANA time zone"), Options.withDefault("UTC")),
  currency: Options.text("currency").pipe(Options.withDescription("ISO 4217 currency"), Options.withDefault("USD")),
  adminName: Options.text("admin-name").pipe(Options.withDescription("The first admin's name")),
  adminEmail: Options.text("admin-email").pipe(Options.withDescription("The first admin's email"))
}

/** Creates a clinic as the platform principal (the only principal allowed to). */
export const createClinic = (o: {
  readonly name: string
  readonly slug: string
  readonly timeZone: string
  readonly currency: string
  readonly adminName: string
  readonly adminEmail: string
}) =>
  Effect.flatMap(Clinics.Clinics, (clinics) =>
    clinics.create({
      name: o.name,
      slug: o.slug,
      timeZone: o.timeZone,
      currency: o.currency,
      admin: { name: o.adminName, email: o.adminEmail }
    })).pipe(Actor.asPlatform)

const create = Command.make("create", { ...common, ...newClinic }, (o) =>
  run(
    o,
    Effect.flatMap(createClinic(o), (created) =>
      print(o, created, ({ admin, clinic }) => [
        `created clinic ${clinic.name} (${clinic.slug}, ${clinic.timeZone}, ${clinic.currency}) ${clinic.id}`,
        `first admin: ${admin.name} <${admin.email}> ${admin.id}`,
        `act in it with: --clinic ${clinic.slug} --as ${admin.email}`
      ]))
  )).pipe(Command.withDescription("Create a clinic with its first admin (as the platform)"))

const list = Command.make("list", common, (o) =>
  run(
    o,
    Effect.flatMap(Clinics.Clinics, (c) => c.list()).pipe(
      Actor.asPlatform,
      Effect.flatMap((all) =>
        print(o, all, (rows) =>
          table(
            ["name", "slug", "time zone", "currency", "active", "id"],
            rows.map((c) => [c.name, c.slug, c.timeZone, c.currency, String(c.active), c.id])
          ))
      )
    )
  )).pipe(Command.withDescription("List every clinic of the installation (as the platform)"))

const show = Command.make("show", scope, (o) =>
  run(
    o,
    Effect.flatMap(Clinics.Clinics, (c) => c.get()).pipe(
      asStaff(o),
      Effect.flatMap((clinic) =>
        print(o, clinic, (c) => [
          `${c.name} (${c.slug}) ${c.id}`,
          `time zone ${c.timeZone}, currency ${c.currency}, ${c.active ? "active" : "inactive"}`,
          `settings: ${JSON.stringify(c.settings)}`
        ])
      )
    )
  )).pipe(Command.withDescription("Show the clinic and its settings"))

export const clinic = Command.make("clinic").pipe(
  Command.withDescription("Clinics: create one or list them all (platform), show yours"),
  Command.withSubcommands([create, list, show])
)
