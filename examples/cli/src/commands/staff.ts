import { Staff } from "@clinicore/core"
import type { StaffAccount } from "@clinicore/core/StaffAccount"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope, table } from "../Host.js"

const line = (s: StaffAccount) => `${s.name} <${s.email}> ${s.role} ${s.status} ${s.id}`
const id = Args.text({ name: "staff-id" }).pipe(Args.withDescription("The staff account's id"))

const create = Command.make("create", {
  ...scope,
  name: Options.text("name"),
  email: Options.text("email"),
  role: Options.choice("role", ["doctor", "receptionist", "nurse"]),
  pending: Options.boolean("pending").pipe(Options.withDescription("Create it pending approval (self-signup)"))
}, (o) =>
  run(
    o,
    Effect.flatMap(Staff.Staff, (s) => s.create({ name: o.name, email: o.email, role: o.role, status: o.pending ? "pending" : "active" }))
      .pipe(asStaff(o), Effect.flatMap((a) => print(o, a, line)))
  )).pipe(Command.withDescription("Create a staff account"))

const list = Command.make("list", {
  ...scope,
  status: Options.choice("status", ["pending", "active", "inactive", "rejected"]).pipe(Options.optional),
  role: Options.choice("role", ["admin", "doctor", "receptionist", "nurse"]).pipe(Options.optional)
}, (o) =>
  run(
    o,
    Effect.flatMap(Staff.Staff, (s) =>
      s.list({
        ...Option.match(o.status, { onNone: () => ({}), onSome: (status) => ({ status }) }),
        ...Option.match(o.role, { onNone: () => ({}), onSome: (role) => ({ role }) })
      })).pipe(
        asStaff(o),
        Effect.flatMap((all) => print(o, all, (rows) => table(["name", "email", "role", "status", "id"], rows.map((s) => [s.name, s.email, s.role, s.status, s.id]))))
      )
  )).pipe(Command.withDescription("List the clinic's staff"))

const transition = (name: "approve" | "deactivate", description: string) =>
  Command.make(name, { ...scope, id }, (o) =>
    run(o, Effect.flatMap(Staff.Staff, (s) => s[name](o.id)).pipe(asStaff(o), Effect.flatMap((a) => print(o, a, line)))))
    .pipe(Command.withDescription(description))

export const staff = Command.make("staff").pipe(
  Command.withDescription("Staff accounts: create, list, approve, deactivate"),
  Command.withSubcommands([
    create,
    list,
    transition("approve", "Approve a pending account (pending → active)"),
    transition("deactivate", "Deactivate an account (departing staff are deactivated, not deleted)")
  ])
)
