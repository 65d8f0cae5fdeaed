/**
 * One dispatcher process of the multi-process reminder test: its own pool on the database named
 * in argv, e-mail to the test's SMTP server and SMS to its webhook, rounds until it has been idle
 * for longer than a lease. It may be SIGKILLed at any moment; it prints its totals when it ends.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import * as Notifier from "@clinicore/core/Notifier"
import * as NotifierSmtp from "@clinicore/core/NotifierSmtp"
import * as NotifierWebhook from "@clinicore/core/NotifierWebhook"
import * as ReminderDispatcher from "@clinicore/core/ReminderDispatcher"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClinicorePg } from "../../src/index.js"

interface Job {
  readonly appUrl: string
  readonly ownerUrl: string
  readonly smtpPort: number
  readonly webhookPort: number
  readonly secret: string
  readonly owner: string
}

const job = JSON.parse(process.argv[2]!) as Job

const Live = Clinicore.layer.pipe(
  Layer.provideMerge(FieldCrypto.layerConfig()),
  Layer.provideMerge(ClinicorePg.layer({ url: Redacted.make(job.appUrl), ownerUrl: Redacted.make(job.ownerUrl), maxConnections: 3 }))
)

const program = Effect.gen(function*() {
  const notifier = Notifier.route({
    email: yield* NotifierSmtp.make({ host: "127.0.0.1", port: job.smtpPort, from: "Clinic <reminders@clinic.test>", timeout: "5 seconds" }),
    sms: NotifierWebhook.make({ url: `http://127.0.0.1:${job.webhookPort}/sms`, secret: Redacted.make(job.secret), timeout: "2 seconds" })
  })
  let idle = 0
  let sent = 0
  while (idle < 10) {
    const report = yield* ReminderDispatcher.runOnce({
      notifier,
      owner: job.owner,
      batchSize: 20,
      // One outcome committed per send: a kill can then re-send at most the one e-mail in flight.
      deliveryBatch: 1,
      lease: "3 seconds",
      sendTimeout: "3 seconds"
    })
    sent += report.sent
    if (report.claimed === 0 && report.reconcile === 0) {
      idle++
      yield* Effect.sleep("500 millis")
    } else {
      idle = 0
    }
  }
  return sent
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Live))).then(
  (sent) => {
    process.stdout.write(`${JSON.stringify({ sent })}\n`)
    process.exit(0)
  },
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
