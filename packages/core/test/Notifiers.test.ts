import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { SMTPServer } from "smtp-server"
import * as Console from "effect/Console"
import * as Notifier from "../src/Notifier.js"
import type { Message } from "../src/Notifier.js"
import * as NotifierSmtp from "../src/NotifierSmtp.js"
import * as NotifierWebhook from "../src/NotifierWebhook.js"

const message = (over: Partial<Message> = {}): Message => ({
  reminderId: "5b0c6f3e-8a1d-4a55-9a55-7f6d2f1b9e01",
  clinicId: "0d3f8e7a-2b1c-4d5e-8f9a-0b1c2d3e4f50",
  channel: "email",
  to: "rita@example.test",
  subject: "Your appointment on 2027-03-28",
  body: "Dear Rita, see you at 15:00.",
  idempotencyKey: "reminder-5b0c6f3e-8a1d-4a55-9a55-7f6d2f1b9e01",
  ...over
})

const listen = (server: Server | SMTPServer) =>
  new Promise<number>((resolve) => {
    const http = server instanceof SMTPServer ? server.server : server
    server.listen(0, "127.0.0.1", () => resolve((http.address() as AddressInfo).port))
  })

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = ""
    req.on("data", (c) => (data += c))
    req.on("end", () => resolve(data))
  })

describe("webhook notifier", () => {
  it.live("a real local HTTP server gets the message signed; a 500 then a 200 delivers it once, with one idempotency key", () =>
    Effect.gen(function*() {
      const secret = "whsec-test-0123456789"
      const requests: Array<{ key: string | undefined; valid: boolean; body: string }> = []
      const accepted = new Set<string>()
      const server = createServer(async (req, res) => {
        const body = await readBody(req)
        const valid = NotifierWebhook.verify(
          secret,
          { timestamp: req.headers["x-clinicore-timestamp"] as string, signature: req.headers["x-clinicore-signature"] as string },
          body,
          Math.floor(Date.now() / 1000)
        )
        const key = req.headers["idempotency-key"] as string | undefined
        requests.push({ key, valid, body })
        if (requests.length === 1) {
          res.writeHead(500).end("boom")
          return
        }
        if (valid && key !== undefined) accepted.add(key)
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "wh-123" }))
      })
      const port = yield* Effect.promise(() => listen(server))
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      const notifier = NotifierWebhook.make({ url: `http://127.0.0.1:${port}/hook`, secret: Redacted.make(secret) })
      const delivery = yield* notifier.send(message({ channel: "sms", to: "+442079460101", subject: null }))
      expect(delivery.providerMessageId).toBe("wh-123")
      expect(requests.length).toBe(2)
      expect(requests.every((r) => r.valid && r.key === "reminder-5b0c6f3e-8a1d-4a55-9a55-7f6d2f1b9e01")).toBe(true)
      expect(accepted.size).toBe(1)
      expect(JSON.parse(requests[1]!.body)).toMatchObject({ channel: "sms", to: "+442079460101" })
      // A wrong secret or a stale timestamp does not verify.
      const body = requests[1]!.body
      const ts = Math.floor(Date.now() / 1000)
      expect(NotifierWebhook.verify("other", { timestamp: String(ts), signature: NotifierWebhook.sign(secret, ts, body) }, body, ts)).toBe(false)
      expect(NotifierWebhook.verify(secret, { timestamp: String(ts - 3600), signature: NotifierWebhook.sign(secret, ts - 3600, body) }, body, ts))
        .toBe(false)
    }).pipe(Effect.scoped))

  it.live("a 4xx is rejected at once; a server that keeps failing ends failed; no answer in time is unknown", () =>
    Effect.gen(function*() {
      let hits = 0
      const server = createServer(async (req, res) => {
        hits++
        await readBody(req)
        if (req.url === "/gone") return void res.writeHead(410).end()
        if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end(), 2000)
        res.writeHead(503).end()
      })
      const port = yield* Effect.promise(() => listen(server))
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      const make = (path: string) =>
        NotifierWebhook.make({ url: `http://127.0.0.1:${port}${path}`, secret: Redacted.make("s"), retries: 2, timeout: "300 millis" })
      expect(yield* Effect.flip(make("/gone").send(message()))).toMatchObject({ outcome: "rejected", reason: "http_410" })
      expect(hits).toBe(1)
      expect(yield* Effect.flip(make("/down").send(message()))).toMatchObject({ outcome: "failed", reason: "http_503" })
      expect(hits).toBe(4)
      expect(yield* Effect.flip(make("/slow").send(message()))).toMatchObject({ outcome: "unknown", reason: "timeout" })
    }).pipe(Effect.scoped))
})

describe("SMTP notifier", () => {
  it.live("a real local SMTP server receives the reminder once, with the reminder's Message-ID; a refused recipient is rejected", () =>
    Effect.gen(function*() {
      const received: Array<{ to: ReadonlyArray<string>; data: string }> = []
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS"],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (address.address.endsWith("@refused.test")) return callback(new Error("no such user"))
          callback()
        },
        onData(stream, session, callback) {
          let data = ""
          stream.on("data", (c: Buffer) => (data += c.toString()))
          stream.on("end", () => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address), data })
            callback()
          })
        }
      })
      const port = yield* Effect.promise(() => listen(server))
      yield* Effect.addFinalizer(() => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))))
      const notifier = yield* NotifierSmtp.make({ host: "127.0.0.1", port, from: "Clinic <reminders@clinic.test>" })
      const delivery = yield* notifier.send(message())
      expect(delivery.providerMessageId).toBe("<reminder-5b0c6f3e-8a1d-4a55-9a55-7f6d2f1b9e01@clinicore>")
      expect(received.length).toBe(1)
      expect(received[0]!.to).toEqual(["rita@example.test"])
      expect(received[0]!.data).toContain("Message-ID: <reminder-5b0c6f3e-8a1d-4a55-9a55-7f6d2f1b9e01@clinicore>")
      expect(received[0]!.data).toContain("Subject: Your appointment on 2027-03-28")
      expect(received[0]!.data).toContain("see you at 15:00")
      expect(yield* Effect.flip(notifier.send(message({ to: "nobody@refused.test" })))).toMatchObject({ outcome: "rejected" })
      expect(yield* Effect.flip(notifier.send(message({ channel: "sms" })))).toMatchObject({ outcome: "rejected" })
      expect(received.length).toBe(1)
      // Nothing listening: nothing was sent, so it may be retried.
      const closed = yield* NotifierSmtp.make({ host: "127.0.0.1", port: 1, from: "x@clinic.test", timeout: "2 seconds" })
      expect(yield* Effect.flip(closed.send(message()))).toMatchObject({ outcome: "failed" })
    }).pipe(Effect.scoped))
})

describe("console notifier and routing", () => {
  it.effect("the console notifier masks the address and prints no body unless asked; route refuses a channel it has no notifier for", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const current = yield* Effect.console
      const capture = {
        ...current,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
      } as Console.Console
      const quiet = Notifier.console()
      yield* quiet.send(message({ body: "Your HIV test follow-up" })).pipe(Effect.withConsole(capture))
      expect(lines.join("\n")).not.toContain("HIV")
      expect(lines.join("\n")).not.toContain("rita@example.test")
      expect(lines.join("\n")).toContain("********test")
      yield* Notifier.console({ showBody: true }).send(message({ body: "shown on purpose" })).pipe(Effect.withConsole(capture))
      expect(lines.at(-1)).toContain("shown on purpose")
      const routed = Notifier.route({ email: Notifier.noop })
      expect((yield* routed.send(message())).providerMessageId).toContain("noop-")
      expect(yield* Effect.flip(routed.send(message({ channel: "call" })))).toMatchObject({ outcome: "rejected", reason: "no_notifier_for_call" })
    }))
})
