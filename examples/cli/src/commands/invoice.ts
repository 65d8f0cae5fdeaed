import { Billing } from "@clinicore/core"
import type { Invoice } from "@clinicore/core/Invoice"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope } from "../Host.js"

const line = (i: Invoice) =>
  `${i.status} ${i.number ?? "(draft, no number)"} total ${i.totalMinor} ${i.currency}, balance ${i.balanceMinor} ${i.id}`

const create = Command.make("create", {
  ...scope,
  appointment: Options.text("appointment").pipe(Options.withDescription("A completed appointment's id")),
  taxPercent: Options.float("tax-percent").pipe(Options.withDefault(0)),
  discount: Options.integer("discount").pipe(Options.withDescription("Minor units"), Options.withDefault(0)),
  dueDays: Options.integer("due-days").pipe(Options.optional),
  issue: Options.boolean("issue").pipe(Options.withDescription("Issue it right away (numbered)"))
}, (o) =>
  run(
    o,
    Effect.gen(function*() {
      const billing = yield* Billing.Billing
      const draft = yield* billing.invoiceAppointment({
        appointmentId: o.appointment,
        taxPercent: o.taxPercent,
        discountMinor: o.discount,
        ...Option.match(o.dueDays, { onNone: () => ({}), onSome: (dueDays) => ({ dueDays }) })
      })
      return o.issue ? yield* billing.issueInvoice(draft.id) : draft
    }).pipe(asStaff(o), Effect.flatMap((i) => print(o, i, line)))
  )).pipe(Command.withDescription("Create the draft invoice of a completed appointment (--issue to issue it too)"))

const issue = Command.make("issue", { ...scope, id: Args.text({ name: "invoice-id" }) }, (o) =>
  run(o, Effect.flatMap(Billing.Billing, (b) => b.issueInvoice(o.id)).pipe(asStaff(o), Effect.flatMap((i) => print(o, i, line)))))
  .pipe(Command.withDescription("Issue a draft invoice: the next number of the clinic's series, and its due date"))

export const invoice = Command.make("invoice").pipe(
  Command.withDescription("Invoices: create one for an appointment, issue it"),
  Command.withSubcommands([create, issue])
)
