/**
 * The host's runtime: login and public routes are rate-limited per client address; request logs
 * carry no patient data; an export a client abandons ends its transaction; shutting down lets an
 * in-flight request finish.
 */
import { request } from "node:http"
import type { Notifier } from "@clinicore/core"
import * as Effect from "effect/Effect"
import pg from "pg"
import { describe, expect, inject, it } from "vitest"
import type {} from "../../../packages/sql-pg/test/globalSetup.js"
import { makeClinic } from "./utils/fixture.js"
import { startHost } from "./utils/host.js"

describe("host runtime", () => {
  it("rate-limits login and public routes with a 429 naming when to retry", async () => {
    const host = await startHost("sqlite", undefined, {
      rateLimits: { login: { requests: 3, windowMs: 60_000 }, public: { requests: 5, windowMs: 60_000 } }
    })
    try {
      const login = () => host.call("POST", "/auth/login", { body: { clinic: "nope", email: "a@b.example", password: "x" } })
      for (let i = 0; i < 3; i++) expect((await login()).status).toBe(401)
      const limited = await login()
      expect(limited.status).toBe(429)
      expect(limited.body._tag).toBe("TooManyRequests")
      expect(limited.body.retryAfterSeconds).toBeGreaterThan(0)
      for (let i = 0; i < 5; i++) expect((await host.call("GET", "/public/clinics/nope")).status).toBe(401)
      expect((await host.call("GET", "/public/clinics/nope")).status).toBe(429)
      // Staff routes are not limited.
      expect((await host.call("GET", "/clinic")).status).toBe(401)
    } finally {
      await host.close()
    }
  })

  it("logs one line per request without bodies, query strings or headers (no patient data)", async () => {
    const lines: Array<string> = []
    const host = await startHost("sqlite", undefined, { log: (line) => lines.push(line) })
    try {
      const a = await makeClinic(host, "logs")
      const created = await a.call("POST", "/patients", { fullName: "Zelda Secretname", phone: "+351 919 876 543", nationalId: "987654321" })
      expect(created.status).toBe(201)
      expect((await a.call("GET", "/patients?text=Secretname")).status).toBe(200)
      await host.call("POST", "/patients", { token: a.admin, raw: "{\"fullName\": \"Zelda Secretname\"", headers: { "content-type": "application/json" } })
      const log = lines.join("\n")
      expect(log).toContain("POST /patients 201")
      expect(log).toContain("GET /patients 200")
      expect(log).toContain("POST /patients 400")
      for (const secret of ["Secretname", "919876543", "987654321", a.admin]) expect(log).not.toContain(secret)
    } finally {
      await host.close()
    }
  })

  it("streams an export and ends its transaction when the client hangs up mid-file", async () => {
    const adminUrl = inject("pgAdminUrl")
    const host = await startHost("pg", adminUrl)
    const openTransactions = async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        const res = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND xact_start IS NOT NULL", [
          host.pgDatabase
        ])
        return res.rows[0].n as number
      } finally {
        await client.end()
      }
    }
    try {
      const a = await makeClinic(host, "stream")
      const rows = Array.from({ length: 2_000 }, (_, i) =>
        `s-${i},Stream Patient ${i},+351 92${String(i).padStart(7, "0")},${"Rua do Fluxo ".repeat(15).trim()} ${i}`)
      const imported = await host.call("POST", "/imports/patients", {
        token: a.admin,
        raw: ["ID,Full Name,Phone,Address", ...rows].join("\n"),
        headers: { "content-type": "text/csv" }
      })
      expect(imported.status, JSON.stringify(imported.body)).toBe(200)
      expect(imported.body.created).toBe(2_000)
      const controller = new AbortController()
      const response = await fetch(`${host.url}/exports/patients.csv`, {
        headers: { authorization: `Bearer ${a.admin}` },
        signal: controller.signal
      })
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      const first = await reader.read()
      expect(new TextDecoder().decode(first.value).startsWith("ID,Full Name")).toBe(true)
      controller.abort()
      await reader.cancel().catch(() => {})
      // No transaction is left open for the abandoned export (rolled back, not left waiting on a reader).
      await expect.poll(openTransactions, { timeout: 5_000, interval: 100 }).toBe(0)
      // …and it never finished: its audited read was not recorded.
      const audited = await a.call("POST", "/audit/events/search", { action: "Export.patients" })
      expect(audited.status).toBe(200)
      expect(audited.body).toHaveLength(0)
      // The export's transaction was ended: writes and other exports go on.
      const write = await a.call("POST", "/patients", { fullName: "After Abort", phone: "+351 939 000 001" })
      expect(write.status, JSON.stringify(write.body)).toBe(201)
      const full = await a.call("GET", "/exports/patients.csv")
      expect(full.status).toBe(200)
      expect(String(full.body).trim().split("\n")).toHaveLength(1 + 2_000 + 2)
      expect((await a.call("POST", "/audit/events/search", { action: "Export.patients" })).body).toHaveLength(1)
    } finally {
      await host.close()
    }
  }, 60_000)

  it("lets an in-flight request finish when it shuts down", async () => {
    const host = await startHost("sqlite", undefined)
    const a = await makeClinic(host, "shutdown")
    const body = JSON.stringify({ fullName: "Slow Upload", phone: "+351 918 000 001" })
    const url = new URL("/patients", host.url)
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${a.admin}` }
      }, (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
      })
      req.on("error", reject)
      // Half the body now, the rest after the shutdown has begun.
      req.write(body.slice(0, 10))
      setTimeout(() => req.end(body.slice(10)), 500)
    })
    await new Promise((r) => setTimeout(r, 100))
    const closing = host.close()
    expect(await answered).toBe(201)
    await closing
  })

  it("runs the reminder dispatcher in-process", async () => {
    const sent: Array<string> = []
    const notifier: Notifier.Notifier = {
      send: (m) => Effect.sync(() => (sent.push(m.reminderId), { providerMessageId: `test-${m.idempotencyKey}` }))
    }
    const host = await startHost("sqlite", undefined, { notifier, dispatchInterval: "200 millis" })
    try {
      const a = await makeClinic(host, "dispatch")
      const from = Date.now() + 86_400_000
      const slots = await a.call("POST", "/availability", { serviceId: a.serviceId, from, to: from + 86_400_000 })
      const appt = await a.call("POST", "/appointments", {
        doctorId: slots.body[0].doctorId,
        patientId: a.patientId,
        serviceId: a.serviceId,
        start: slots.body[0].start
      })
      const reminder = await a.call("POST", "/reminders", { appointmentId: appt.body.id, channel: "sms" })
      expect(reminder.status).toBe(201)
      let status = reminder.body.status
      for (let i = 0; i < 50 && status === "pending"; i++) {
        await new Promise((r) => setTimeout(r, 200))
        status = (await a.call("GET", `/reminders/${reminder.body.id}`)).body.status
      }
      expect(status).toBe("sent")
      expect(sent).toContain(reminder.body.id)
    } finally {
      await host.close()
    }
  })
})
