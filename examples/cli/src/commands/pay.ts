import { randomUUID } from "node:crypto"
import { Billing } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, print, run, scope } from "../Host.js"

export const pay = Command.make("pay", {
  ...scope,
  invoice: Options.text("invoice").pipe(Options.withDescription("The invoice's id")),
  amount: Options.integer("amount").pipe(Options.withDescription("Minor units (cents)")),
  method: Options.choice("method", ["cash", "card", "bank_transfer", "insurance", "other"]).pipe(Options.withDefault("cash" as const)),
  idempotencyKey: Options.text("idempotency-key").pipe(
    Options.withDescription("Retrying with the same key records the payment once (default: a new key)"),
    Options.optional
  ),
  reference: Options.text("reference").pipe(Options.withDescription("The payment provider's reference"), Options.optional)
}, (o) =>
  run(
    o,
    Effect.flatMap(Billing.Billing, (b) =>
      b.recordPayment({
        invoiceId: o.invoice,
        amountMinor: o.amount,
        method: o.method,
        idempotencyKey: Option.getOrElse(o.idempotencyKey, () => `cli-${randomUUID()}`),
        ...Option.match(o.reference, { onNone: () => ({}), onSome: (providerReference) => ({ providerReference }) })
      })).pipe(
        asStaff(o),
        Effect.flatMap((p) => print(o, p, (x) => `${x.status} ${x.amountMinor} ${x.currency} by ${x.method} ${x.id}`))
      )
  )).pipe(Command.withDescription("Record a payment against an invoice"))
