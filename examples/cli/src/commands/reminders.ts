import { Notifier, NotifierWebhook, ReminderDispatcher } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { common, type Common, print, run, UsageError } from "../Host.js"
import { bar } from "../Progress.js"

/**
 * Where messages go: a signed webhook (`--webhook <url>`, secret in `CLINICORE_WEBHOOK_SECRET`),
 * else the library's development notifier, whose masked lines go to stderr (and are left out when
 * a progress bar or `--json` owns the terminal).
 */
const notifier = (o: Common & { readonly webhook: Option.Option<string> }, quiet: boolean) =>
  Option.match(o.webhook, {
    onSome: (url) => {
      const secret = process.env.CLINICORE_WEBHOOK_SECRET
      return secret === undefined || secret === ""
        ? Effect.fail(new UsageError({ message: "--webhook needs CLINICORE_WEBHOOK_SECRET (the signing secret)" }))
        : Effect.succeed(NotifierWebhook.make({ url, secret: Redacted.make(secret) }))
    },
    onNone: () => {
      const dev = Notifier.console()
      return Effect.succeed<Notifier.Notifier>({
        send: (m) =>
          quiet
            ? Effect.succeed({ providerMessageId: `console-${m.idempotencyKey}` })
            : Console.consoleWith((c) => Effect.withConsole(dev.send(m), { ...c, log: (...args: ReadonlyArray<unknown>) => c.error(...args) }))
      })
    }
  })


/**
 * Runs the installation's dispatcher (`ReminderDispatcher.runOnce`): each clinic with due reminders
 * is served by its own system principal, as in a long-running host. Once, or round after round
 * until a round claims nothing (`--until-idle`).
 */
const dispatch = Command.make("dispatch", {
  ...common,
  untilIdle: Options.boolean("until-idle").pipe(Options.withDescription("Repeat rounds until no reminder is due")),
  batchSize: Options.integer("batch-size").pipe(Options.withDescription("Reminders claimed per clinic and round"), Options.withDefault(50)),
  maxRounds: Options.integer("max-rounds").pipe(Options.withDescription("Stop after this many rounds (--until-idle)"), Options.withDefault(1000)),
  webhook: Options.text("webhook").pipe(Options.withDescription("Send through a signed webhook at this URL"), Options.optional)
}, (o) =>
  run(
    o,
    Effect.scoped(Effect.gen(function*() {
      const progress = yield* bar(o, "dispatching", 0)
      const drawn = !o.json && process.stderr.isTTY === true
      const target = yield* notifier(o, o.json || drawn)
      let claimed = 0
      let done = 0
      let report = ReminderDispatcher.zero
      let rounds = 0
      const counting: Notifier.Notifier = {
        send: (m) => target.send(m).pipe(Effect.ensuring(Effect.suspend(() => progress.update(++done, `round ${rounds}`))))
      }
      while (rounds < (o.untilIdle ? o.maxRounds : 1)) {
        rounds++
        const round = yield* ReminderDispatcher.runOnce({
          notifier: counting,
          batchSize: o.batchSize,
          afterClaim: (ids) => Effect.suspend(() => progress.update(done, `round ${rounds}`, (claimed += ids.length)))
        })
        report = ReminderDispatcher.add(report, round)
        if (round.claimed === 0) break
      }
      yield* progress.update(done, `${rounds} round${rounds === 1 ? "" : "s"}`, Math.max(claimed, done))
      return { rounds, ...report }
    })).pipe(Effect.flatMap((r) =>
      print(o, r, (x) =>
        `${x.rounds} round(s): claimed ${x.claimed}, sent ${x.sent}, retried ${x.retried}, failed ${x.failed}, cancelled ${x.cancelled}, skipped ${x.skipped}, to reconcile ${x.reconcile}`)
    ))
  )).pipe(Command.withDescription("Send due reminders once, or until none is due (--until-idle), with progress"))

export const reminders = Command.make("reminders").pipe(
  Command.withDescription("Reminders: run the dispatcher"),
  Command.withSubcommands([dispatch])
)
