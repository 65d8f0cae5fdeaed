/**
 * Reminder dispatchers as separate processes on one Postgres database, SIGKILLed at random while
 * they work through 1,000 due reminders: e-mail goes to a real local SMTP server (`smtp-server`),
 * SMS to a local webhook. Every e-mail reminder arrives (by its Message-ID), every SMS at most once
 * with the rest marked for reconciliation, killed workers' claims are recovered after the lease,
 * and nothing is sent after its appointment's start.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import { Patients } from "@clinicore/core/Patients"
import { Reminders } from "@clinicore/core/Reminders"
import { Scheduling } from "@clinicore/core/Scheduling"
import * as NotifierWebhook from "@clinicore/core/NotifierWebhook"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { SMTPServer } from "smtp-server"
import { inject } from "vitest"
import { ClinicorePg } from "../src/index.js"
import { rawAccessLayer, TestDatabase, withFreshDatabase } from "./utils/layer.js"

const masterKey = randomBytes(32).toString("base64")
const MINUTE = 60_000

const TestLayer = withFreshDatabase(inject("pgAdminUrl"), (db) =>
  Layer.mergeAll(
    ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl) }),
    FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(masterKey) } }),
    rawAccessLayer(db.adminUrl)
  ))

/** The request's body, or `undefined` when its sender died mid-request (a killed worker resets its connection). */
const readBody = (req: IncomingMessage) =>
  new Promise<string | undefined>((resolve) => {
    let data = ""
    req.on("data", (c) => (data += c))
    req.on("end", () => resolve(data))
    req.on("error", () => resolve(undefined))
  })

layer(TestLayer, { timeout: "300 seconds", excludeTestServices: true })("reminder dispatchers across processes", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect("4 dispatcher processes with random SIGKILLs over 1,000 due reminders: e-mail exactly once, SMS at most once", () =>
      Effect.gen(function*() {
        const a = yield* Fixtures.clinic("Killed", { timeZone: "UTC" })
        const reminders = yield* Reminders
        const policy = yield* reminders.policy().pipe(a.asAdmin)
        // Both offsets are already past when booked: `send_now` makes each due at once.
        yield* reminders.setPolicy({
          ...policy,
          lateBooking: "send_now",
          offsets: [{ minutes: 2880, channels: ["sms", "email"] }, { minutes: 1440, channels: ["sms", "email"] }]
        }).pipe(a.asAdmin)
        const doctors = yield* Effect.forEach([0, 1, 2, 3, 4], (i) =>
          Effect.flatMap(Doctors, (d) => d.create({ name: `Dr ${i}`, specialty: "GP" })).pipe(a.asAdmin))
        const patients = yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => i), (i) =>
          Effect.flatMap(Patients, (p) =>
            p.create({ fullName: `Patient ${i}`, phone: `+1 212 555 ${String(3000 + i)}`, email: `p${i}@example.test` })).pipe(a.asAdmin))
        const s = yield* Scheduling
        const base = Math.ceil((Date.now() + 3 * 60 * MINUTE) / (15 * MINUTE)) * 15 * MINUTE
        for (let k = 0; k < 50; k++) {
          for (let d = 0; d < 5; d++) {
            const start = base + k * 15 * MINUTE
            yield* s.book({ doctorId: doctors[d]!.id, patientId: patients[(k * 5 + d) % 50]!.id, start, end: start + 15 * MINUTE, override: true })
              .pipe(a.asAdmin)
          }
        }
        const raw = yield* RawAccess
        const count = (where: string) =>
          Effect.map(raw.execute(`SELECT count(*) AS n FROM reminders WHERE clinic_id = ? AND ${where}`, [a.clinicId]), (r) => Number(r[0]!.n))
        expect(yield* count("status = 'pending'")).toBe(1000)

        // The receivers.
        const mails: Array<string> = []
        const smtp = new SMTPServer({
          authOptional: true,
          disabledCommands: ["STARTTLS"],
          logger: false,
          onData(stream, _session, callback) {
            let data = ""
            stream.on("data", (c: Buffer) => (data += c.toString()))
            stream.on("end", () => {
              mails.push(/^Message-ID: <(.+?)@clinicore>/im.exec(data)?.[1] ?? "none")
              callback()
            })
          }
        })
        const secret = "whsec-kill-test"
        const texts: Array<{ key: string; valid: boolean; at: number }> = []
        const webhook = createServer(async (req, res) => {
          const body = await readBody(req)
          // Cut off by a kill before it was whole: nothing was received, nothing is answered.
          if (body === undefined) return void res.destroy()
          texts.push({
            key: String(req.headers["idempotency-key"]),
            valid: NotifierWebhook.verify(
              secret,
              { timestamp: req.headers["x-clinicore-timestamp"] as string, signature: req.headers["x-clinicore-signature"] as string },
              body,
              Math.floor(Date.now() / 1000)
            ),
            at: Date.now()
          })
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: `sms-${texts.length}` }))
        })
        // A worker killed mid-conversation resets its connection; the server reports it as an
        // error event, which here is expected (the test counts what was received).
        smtp.on("error", () => {})
        webhook.on("clientError", (_error, socket) => socket.destroy())
        const smtpPort = yield* Effect.promise(() => new Promise<number>((r) => smtp.listen(0, "127.0.0.1", () => r((smtp.server.address() as AddressInfo).port))))
        const webhookPort = yield* Effect.promise(() => new Promise<number>((r) => webhook.listen(0, "127.0.0.1", () => r((webhook.address() as AddressInfo).port))))
        yield* Effect.addFinalizer(() => Effect.sync(() => {
          webhook.close()
          smtp.close()
        }))

        // The workers, and a killer.
        const db = yield* TestDatabase
        const script = fileURLToPath(new URL("./utils/dispatchProcess.ts", import.meta.url))
        let spawned = 0
        const exits: Array<Promise<number | null>> = []
        const start = () => {
          const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@clinicore/source", script, JSON.stringify({
            appUrl: db.appUrl,
            ownerUrl: db.ownerUrl,
            smtpPort,
            webhookPort,
            secret,
            owner: `worker-${spawned++}`
          })], { env: { ...process.env, CLINICORE_MASTER_KEY: masterKey }, stdio: ["ignore", "pipe", "inherit"] })
          exits.push(new Promise((resolve) => child.on("exit", (code) => resolve(code))))
          return child
        }
        const live: Array<ChildProcess> = [start(), start(), start(), start()]
        let kills = 0
        yield* Effect.promise(async () => {
          // Kill a random worker whenever sending is under way, until six have died mid-batch.
          while (kills < 6) {
            await new Promise((r) => setTimeout(r, 250 + Math.random() * 500))
            if (mails.length + texts.length === 0) continue
            const i = Math.floor(Math.random() * live.length)
            live[i]!.kill("SIGKILL")
            kills++
            live[i] = start()
          }
          await Promise.all(exits)
        })

        expect(kills).toBe(6)
        expect(yield* count("status IN ('pending', 'sending')")).toBe(0)
        const rows = yield* raw.execute(
          `SELECT r.id, r.channel, r.status, r.reason, r.reconcile, r.sent_at, r.attempts, a.start_at
           FROM reminders r JOIN appointments a ON a.clinic_id = r.clinic_id AND a.id = r.appointment_id WHERE r.clinic_id = ?`,
          [a.clinicId]
        )
        const emails = rows.filter((r) => r.channel === "email")
        const sms = rows.filter((r) => r.channel === "sms")
        // E-mail: every reminder sent and received, by its Message-ID; a worker killed between the
        // server's acceptance and its commit makes the next one send the same Message-ID again (at
        // most one per kill: the workers commit each outcome on its own, `deliveryBatch: 1`).
        expect(emails.every((r) => r.status === "sent")).toBe(true)
        expect(new Set(mails)).toEqual(new Set(emails.map((r) => `reminder-${r.id}`)))
        const duplicates = mails.length - new Set(mails).size
        expect(duplicates).toBeLessThanOrEqual(kills)
        // SMS: never twice; the ones a killed worker held are marked for reconciliation.
        const keys = texts.map((t) => t.key)
        expect(new Set(keys).size).toBe(keys.length)
        expect(texts.every((t) => t.valid)).toBe(true)
        const reconcile = sms.filter((r) => r.reconcile === true)
        expect(sms.every((r) => r.status === "sent" || (r.status === "failed" && r.reconcile === true))).toBe(true)
        expect(reconcile.length).toBeGreaterThan(0)
        for (const r of sms.filter((r) => r.status === "sent")) expect(keys).toContain(`reminder-${r.id}`)
        // Claims of killed workers were taken over after their lease.
        expect(rows.filter((r) => r.reason === "outcome_unknown").length + emails.filter((r) => Number(r.attempts) > 1).length)
          .toBeGreaterThan(0)
        // Nothing after its start.
        expect(rows.every((r) => r.sent_at === null || new Date(r.sent_at as Date).getTime() < new Date(r.start_at as Date).getTime()))
          .toBe(true)
        console.log(JSON.stringify({ kills, spawned, mails: mails.length, duplicates, texts: texts.length, reconcile: reconcile.length }))
      }).pipe(Effect.scoped), { timeout: 280_000 })
  })
})
