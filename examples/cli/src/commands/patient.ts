import { Patients } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope, table } from "../Host.js"

const given = <K extends string>(key: K, value: Option.Option<string>): { [P in K]?: string } =>
  Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as { [P in K]?: string } })

const create = Command.make("create", {
  ...scope,
  name: Options.text("name").pipe(Options.withDescription("Full name")),
  phone: Options.text("phone").pipe(Options.withDescription("Phone number (normalised with the clinic's region)")),
  email: Options.text("email").pipe(Options.optional),
  dateOfBirth: Options.text("date-of-birth").pipe(Options.withDescription("YYYY-MM-DD"), Options.optional),
  nationalId: Options.text("national-id").pipe(Options.withDescription("Stored encrypted"), Options.optional),
  doctor: Options.text("doctor").pipe(Options.withDescription("Primary doctor's id"), Options.optional)
}, (o) =>
  run(
    o,
    Effect.flatMap(Patients.Patients, (p) =>
      p.create({
        fullName: o.name,
        phone: o.phone,
        ...given("email", o.email),
        ...given("dateOfBirth", o.dateOfBirth),
        ...given("nationalId", o.nationalId),
        ...given("primaryDoctorId", o.doctor)
      })).pipe(asStaff(o), Effect.flatMap((pt) => print(o, pt, (x) => `${x.fullName} ${x.phone} ${x.id}`)))
  )).pipe(Command.withDescription("Add a patient"))

const search = Command.make("search", {
  ...scope,
  text: Options.text("text").pipe(Options.withDescription("Part of the name or of the phone number"), Options.optional),
  limit: Options.integer("limit").pipe(Options.withDefault(50))
}, (o) =>
  run(
    o,
    Effect.flatMap(Patients.Patients, (p) => p.search({ ...given("text", o.text), limit: o.limit })).pipe(
      asStaff(o),
      Effect.flatMap((all) => print(o, all, (rows) => table(["name", "phone", "id"], rows.map((x) => [x.fullName, x.phone, x.id]))))
    )
  )).pipe(Command.withDescription("Find patients by a part of the name or phone (newest first)"))

export const patient = Command.make("patient").pipe(
  Command.withDescription("Patients: create, search"),
  Command.withSubcommands([create, search])
)
