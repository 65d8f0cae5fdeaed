import { Audit } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { asStaff, print, run, scope } from "../Host.js"
import { codes } from "../Exit.js"

/** Exits with `auditBroken` (9) when the chain does not verify, so a cron job can alert on it. */
const verify = Command.make("verify", scope, (o) =>
  run(
    o,
    Effect.flatMap(Audit.Audit, (a) => a.verify()).pipe(
      asStaff(o),
      Effect.tap((v) =>
        print(o, { ok: v.firstBreak === undefined, ...v }, (x) =>
          x.firstBreak === undefined
            ? `audit chain verified: ${x.events} events`
            : `audit chain BROKEN after ${x.events} events: ${JSON.stringify(x.firstBreak)}`)
      ),
      Effect.tap((v) => Effect.sync(() => {
        if (v.firstBreak !== undefined) process.exitCode = codes.auditBroken
      }))
    )
  )).pipe(Command.withDescription("Recompute the clinic's audit chain and report the first broken link"))

export const audit = Command.make("audit").pipe(
  Command.withDescription("The audit trail: verify the chain"),
  Command.withSubcommands([verify])
)
