/**
 * End to end over a real socket, on SQLite and on Postgres: every route group's status codes and
 * bodies, tenancy (another clinic's id is a 404 exactly like a random id), 401 without a
 * credential, 403 naming the missing key, sessions and API keys, and the OpenAPI document.
 */
import { randomUUID } from "node:crypto"
import { compileErrors, validate } from "@readme/openapi-parser"
import { parse } from "csv-parse/sync"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import type {} from "../../../packages/sql-pg/test/globalSetup.js"
import { Api } from "../src/Api.js"
import { type Clinic, makeClinic, password, signIn } from "./utils/fixture.js"
import { type Kind, type RunningHost, startHost } from "./utils/host.js"
import * as HttpApi from "@effect/platform/HttpApi"

/** Every endpoint of the API: method and OpenAPI path. */
const endpoints = (() => {
  const out: Array<{ group: string; name: string; method: string; path: string }> = []
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, group }) => {
      out.push({ group: group.identifier, name: endpoint.name, method: endpoint.method, path: endpoint.path.replace(/:(\w+)/g, "{$1}") })
    }
  })
  return out
})()

/** The same 404 whatever the id: only the id itself differs. */
const expectSameNotFound = (a: { status: number; body: any }, b: { status: number; body: any }) => {
  expect(a.status).toBe(404)
  expect(b.status).toBe(404)
  expect({ ...a.body, id: "x" }).toEqual({ ...b.body, id: "x" })
}

describe.each<Kind>(["sqlite", "pg"])("HTTP host on %s", (kind) => {
  let host: RunningHost
  let a: Clinic
  let b: Clinic

  beforeAll(async () => {
    host = await startHost(kind, kind === "pg" ? inject("pgAdminUrl") : undefined)
    a = await makeClinic(host, "alpha")
    b = await makeClinic(host, "beta")
  })
  afterAll(async () => {
    await host?.close()
  })

  it("serves an OpenAPI 3.1 document that validates and lists every route", async () => {
    const doc = await host.call("GET", "/openapi.json")
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toMatch(/^3\.1\./)
    const result = await validate(structuredClone(doc.body))
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true)
    for (const e of endpoints) {
      expect(doc.body.paths[e.path]?.[e.method.toLowerCase()], `${e.method} ${e.path}`).toBeDefined()
    }
    const groups = new Set(endpoints.map((e) => e.group))
    for (
      const g of ["auth", "platform", "clinic", "staff", "access", "doctors", "patients", "catalog", "scheduling", "billing", "reminders", "audit", "public", "analytics", "transfer"]
    ) expect(groups).toContain(g)
    const docs = await host.call("GET", "/docs")
    expect(docs.status).toBe(200)
    expect(String(docs.body)).toContain("swagger-ui")
    // The CSV routes are documented with their content types.
    expect(doc.body.paths["/exports/patients.csv"].get.responses["200"].content["text/csv"]).toBeDefined()
    expect(doc.body.paths["/imports/patients"].post.requestBody.content["text/csv"]).toBeDefined()
    expect(doc.body.paths["/imports/patients"].post.responses["422"]).toBeDefined()
  })

  it("answers 401 without a credential on every staff and platform route, and with a forged or revoked one", async () => {
    for (const e of endpoints.filter((e) => e.group !== "public" && e.group !== "auth")) {
      const path = e.path.replace(/\{\w+\}/g, randomUUID())
      const res = await host.call(e.method, path, e.method === "GET" || e.method === "DELETE" ? {} : { body: {} })
      expect(res.status, `${e.method} ${e.path}`).toBe(401)
      expect(res.body).toEqual({ _tag: "Unauthenticated" })
    }
    const forged = a.admin.slice(0, -4) + "AAAA"
    expect((await host.call("GET", "/clinic", { token: forged })).status).toBe(401)
    expect((await host.call("GET", "/clinic", { token: "cs_nonsense" })).status).toBe(401)
    // The platform token is not a clinic credential, and a clinic credential is not the platform's.
    expect((await host.call("GET", "/clinic", { token: host.platformToken })).status).toBe(401)
    expect((await host.call("POST", `/platform/clinics/${a.clinicId}/deactivate`, { token: a.admin })).status).toBe(401)
  })

  it("auth: login gives an expiring bearer token, logout revokes it; wrong credentials are one 401", async () => {
    const wrong = await host.call("POST", "/auth/login", { body: { clinic: a.slug, email: `admin@${a.slug}.example`, password: "Wrong!pass1" } })
    const unknown = await host.call("POST", "/auth/login", { body: { clinic: "no-such-clinic", email: "x@y.example", password } })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body).toEqual(unknown.body)
    const login = await host.call("POST", "/auth/login", { body: { clinic: a.slug, email: `admin@${a.slug}.example`, password } })
    expect(login.status).toBe(200)
    expect(login.body.expiresAt).toBeGreaterThan(Date.now())
    expect(login.body.clinicId).toBe(a.clinicId)
    expect((await host.call("GET", "/clinic", { token: login.body.token })).status).toBe(200)
    expect((await host.call("POST", "/auth/logout", { token: login.body.token })).status).toBe(204)
    expect((await host.call("GET", "/clinic", { token: login.body.token })).status).toBe(401)
    expect((await host.call("POST", "/auth/logout", { token: login.body.token })).status).toBe(401)
    // Stored hashed: the token itself is nowhere in the database.
    const tables = JSON.stringify(await host.snapshot())
    expect(tables).not.toContain(login.body.token.split("_")[3])
  })

  it("platform: creates, deactivates and activates clinics; bad input is a 400 naming the fields", async () => {
    const bad = await host.call("POST", "/platform/clinics", {
      token: host.platformToken,
      body: { name: "", slug: "Not A Slug", timeZone: "Mars/Olympus", currency: "XXZ", admin: { name: "A", email: "nope" } }
    })
    expect(bad.status).toBe(400)
    expect(bad.body._tag).toBe("ValidationError")
    expect(bad.body.fields.map((f: any) => f.path).sort()).toEqual(["admin.email", "currency", "name", "slug", "timeZone"])
    const dup = await host.call("POST", "/platform/clinics", {
      token: host.platformToken,
      body: { name: "Again", slug: a.slug, timeZone: "Europe/Lisbon", currency: "EUR", admin: { name: "A", email: "a@b.example" } }
    })
    expect(dup.status).toBe(409)
    expect(dup.body.reason._tag).toBe("duplicate_slug")
    const listed = await host.call("GET", "/platform/clinics", { token: host.platformToken })
    expect(listed.status).toBe(200)
    expect(listed.body.map((x: any) => x.slug)).toEqual(expect.arrayContaining([a.slug, b.slug]))
    expect((await host.call("GET", "/platform/clinics", { token: a.admin })).status).toBe(401)
    const c = await makeClinic(host, "gamma")
    const off = await host.call("POST", `/platform/clinics/${c.clinicId}/deactivate`, { token: host.platformToken })
    expect(off.status).toBe(200)
    expect(off.body.active).toBe(false)
    const refused = await c.call("GET", "/clinic")
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ _tag: "Inactive", reason: "clinic_inactive" })
    expect((await host.call("POST", `/platform/clinics/${c.clinicId}/activate`, { token: host.platformToken })).status).toBe(200)
    expect((await c.call("GET", "/clinic")).status).toBe(200)
    expect((await host.call("POST", `/platform/clinics/${randomUUID()}/activate`, { token: host.platformToken })).status).toBe(404)
    const restore = await host.call("POST", `/platform/clinics/${c.clinicId}/restore-admin`, {
      token: host.platformToken,
      body: { admin: { name: "Other", email: "other@x.example" } }
    })
    expect(restore.status).toBe(409)
    expect(restore.body.reason._tag).toBe("has_admin")
  })

  it("clinic: reads and changes its settings; a role without settings.edit gets a 403 naming it", async () => {
    const got = await a.call("GET", "/clinic")
    expect(got.status).toBe(200)
    expect(got.body.slug).toBe(a.slug)
    const patched = await a.call("PATCH", "/clinic/settings", { requestHoldMinutes: 45 })
    expect(patched.status).toBe(200)
    expect(patched.body.settings.requestHoldMinutes).toBe(45)
    const bad = await a.call("PATCH", "/clinic/settings", { requestHoldMinutes: 1 })
    expect(bad.status).toBe(400)
    expect(bad.body.fields[0].path).toBe("requestHoldMinutes")
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("PATCH", "/clinic/settings", { requestHoldMinutes: 50 }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body).toEqual({ _tag: "PermissionDenied", permission: "settings.edit", reason: "not_granted" })
  })

  it("staff and API keys: accounts, passwords, role-bound keys resolved through the matrix, revocation", async () => {
    const created = await a.call("POST", "/staff", { name: "Rita Reception", email: "Rita@Alpha.example ", role: "receptionist" })
    expect(created.status).toBe(201)
    expect(created.body.email).toBe("rita@alpha.example")
    const dup = await a.call("POST", "/staff", { name: "Rita", email: "rita@alpha.example", role: "nurse" })
    expect(dup.status).toBe(409)
    expect(dup.body.reason._tag).toBe("duplicate_email")
    const noAdmin = await a.call("POST", "/staff", { name: "X", email: "x@alpha.example", role: "admin" })
    expect(noAdmin.status).toBe(400)
    const list = await a.call("GET", "/staff?role=receptionist")
    expect(list.status).toBe(200)
    expect(list.body.map((s: any) => s.id)).toContain(created.body.id)
    expect((await a.call("GET", `/staff/${created.body.id}`)).status).toBe(200)
    expectSameNotFound(await a.call("GET", `/staff/${b.adminId}`), await a.call("GET", `/staff/${randomUUID()}`))
    const weak = await a.call("PUT", `/staff/${created.body.id}/password`, { password: "short" })
    expect(weak.status).toBe(400)
    expect(weak.body.fields[0].path).toBe("password")
    expect(JSON.stringify(weak.body)).not.toContain("short\"")
    expect((await a.call("POST", `/staff/${created.body.id}/deactivate`)).status).toBe(200)
    expect((await a.call("POST", `/staff/${created.body.id}/reactivate`)).status).toBe(200)

    const key = await a.call("POST", "/api-keys", { name: "Front desk kiosk", role: "nurse" })
    expect(key.status).toBe(201)
    expect(key.body.apiKey.role).toBe("nurse")
    const k = key.body.key as string
    expect((await a.call("GET", "/patients", undefined, k)).status).toBe(200)
    const denied = await a.call("POST", "/patients", { fullName: "Bob", phone: "+351 912 000 111" }, k)
    expect(denied.status).toBe(403)
    expect(denied.body).toEqual({ _tag: "PermissionDenied", permission: "patients.create", reason: "not_granted" })
    // The matrix applies on the very next call: grant nurses patients.create, then the key may.
    expect((await a.call("PATCH", "/access/matrix", { changes: [{ role: "nurse", key: "patients.create", granted: true }] })).status)
      .toBe(200)
    expect((await a.call("POST", "/patients", { fullName: "Bob Key", phone: "+351 912 000 111" }, k)).status).toBe(201)
    // A key cannot manage keys or the matrix, whatever its role.
    expect((await a.call("GET", "/api-keys", undefined, k)).status).toBe(403)
    const keys = await a.call("GET", "/api-keys")
    expect(keys.body.map((x: any) => x.id)).toContain(key.body.apiKey.id)
    expect(JSON.stringify(keys.body)).not.toContain(k.split("_")[3])
    expectSameNotFound(await b.call("DELETE", `/api-keys/${key.body.apiKey.id}`), await b.call("DELETE", `/api-keys/${randomUUID()}`))
    const revoked = await a.call("DELETE", `/api-keys/${key.body.apiKey.id}`)
    expect(revoked.status).toBe(200)
    expect(revoked.body.revokedAt).not.toBeNull()
    expect((await a.call("GET", "/patients", undefined, k)).status).toBe(401)
    // Another clinic's key names its own clinic: it never reaches clinic A.
    const other = await b.call("POST", "/api-keys", { name: "B", role: "admin" })
    expect((await host.call("GET", `/patients/${a.patientId}`, { token: other.body.key })).status).toBe(404)
    const nurse = await signIn(host, a, "nurse")
    const change = await a.call("POST", "/account/password", { current: password, next: "N3w!password-x" }, nurse.token)
    expect(change.status).toBe(204)
  })

  it("access: only the admin reads or changes the matrix", async () => {
    const matrix = await a.call("GET", "/access/matrix")
    expect(matrix.status).toBe(200)
    expect(matrix.body.keys).toContain("patients.view")
    const receptionist = await signIn(host, a, "receptionist")
    const denied = await a.call("GET", "/access/matrix", undefined, receptionist.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("admin")
    const bad = await a.call("PATCH", "/access/matrix", { changes: [{ role: "nurse", key: "no.such_key", granted: true }] })
    expect(bad.status).toBe(400)
    expect((await a.call("POST", "/access/matrix/seed-defaults")).status).toBe(204)
  })

  it("doctors and schedules", async () => {
    const created = await a.call("POST", "/doctors", { name: "Dr Alan Turing", specialty: "Paediatrics" })
    expect(created.status).toBe(201)
    const id = created.body.id
    expect((await a.call("GET", "/doctors?active=true")).body.map((d: any) => d.id)).toContain(id)
    expect((await a.call("PATCH", `/doctors/${id}`, { specialty: "Cardiology" })).body.specialty).toBe("Cardiology")
    expectSameNotFound(await b.call("GET", `/doctors/${id}`), await b.call("GET", `/doctors/${randomUUID()}`))
    expectSameNotFound(await b.call("PATCH", `/doctors/${id}`, { name: "X" }), await b.call("PATCH", `/doctors/${randomUUID()}`, { name: "X" }))
    const rules = await a.call("PUT", `/doctors/${id}/schedule`, { weekly: [{ weekday: 1, start: "09:00", end: "13:00" }] })
    expect(rules.status).toBe(200)
    expect((await a.call("GET", `/doctors/${id}/schedule`)).body.weekly).toHaveLength(1)
    const badRules = await a.call("PUT", `/doctors/${id}/schedule`, { weekly: [{ weekday: 9, start: "25:00", end: "13:00" }] })
    expect(badRules.status).toBe(400)
    expect(badRules.body.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(["rules.weekly.0.weekday", "rules.weekly.0.start"]))
    expect((await a.call("PUT", "/holidays/2031-12-25", { name: "Christmas" })).status).toBe(200)
    expect((await a.call("GET", "/holidays?from=2031-01-01&to=2031-12-31")).body).toEqual([{ date: "2031-12-25", name: "Christmas" }])
    expect((await a.call("DELETE", "/holidays/2031-12-25")).status).toBe(204)
    expect((await a.call("POST", `/doctors/${id}/deactivate`)).body.active).toBe(false)
    expect((await a.call("DELETE", `/doctors/${id}`)).status).toBe(204)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("POST", "/doctors", { name: "Dr X", specialty: "Y" }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("staff.create")
  })

  it("patients", async () => {
    const created = await a.call("POST", "/patients", {
      fullName: "Carla Dias",
      phone: "912 111 222",
      dateOfBirth: "1990-05-01",
      nationalId: "123456789"
    })
    expect(created.status).toBe(201)
    expect(created.body.phone).toBe("+351912111222")
    const dup = await a.call("POST", "/patients", { fullName: "Other", phone: "+351912111222" })
    expect(dup.status).toBe(409)
    expect(dup.body.reason).toEqual({ _tag: "duplicate_phone", phone: "+351912111222" })
    const bad = await a.call("POST", "/patients", { fullName: "", phone: "abc", dateOfBirth: "2999-01-01" })
    expect(bad.status).toBe(400)
    expect(bad.body.fields.map((f: any) => f.path).sort()).toEqual(["dateOfBirth", "fullName", "phone"])
    expect((await a.call("GET", `/patients/${created.body.id}`)).body.fullName).toBe("Carla Dias")
    expectSameNotFound(await b.call("GET", `/patients/${created.body.id}`), await b.call("GET", `/patients/${randomUUID()}`))
    expectSameNotFound(
      await b.call("DELETE", `/patients/${created.body.id}`),
      await b.call("DELETE", `/patients/${randomUUID()}`)
    )
    expect((await a.call("GET", `/patients/not-a-uuid`)).status).toBe(400)
    expect((await a.call("GET", "/patients?text=Carla")).body.map((p: any) => p.id)).toEqual([created.body.id])
    expect((await b.call("GET", "/patients?text=Carla")).body).toEqual([])
    expect((await a.call("POST", "/patients/lookup", { nationalId: "123 456 789" })).body.patient.id).toBe(created.body.id)
    expect((await b.call("POST", "/patients/lookup", { nationalId: "123456789" })).body.patient).toBeNull()
    expect((await a.call("PATCH", `/patients/${created.body.id}`, { email: "carla@example.com" })).body.email).toBe("carla@example.com")
    expect((await a.call("POST", `/patients/${created.body.id}/block`, { reason: "unpaid" })).body.blocked).toBe(true)
    expect((await a.call("POST", `/patients/${created.body.id}/unblock`)).body.blocked).toBe(false)
    const doctor = await signIn(host, a, "doctor")
    const denied = await a.call("DELETE", `/patients/${created.body.id}`, undefined, doctor.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("patients.delete")
    expect((await a.call("DELETE", `/patients/${created.body.id}`)).status).toBe(204)
  })

  it("catalog", async () => {
    const service = await a.call("POST", "/services", { name: "Vaccination", durationMinutes: 15 })
    expect(service.status).toBe(201)
    expect((await a.call("PATCH", `/services/${service.body.id}`, { priceMinor: 4000 })).body.priceMinor).toBe(4000)
    expect((await a.call("GET", "/services?active=true")).body.map((s: any) => s.id)).toContain(service.body.id)
    expectSameNotFound(
      await b.call("PATCH", `/services/${service.body.id}`, { priceMinor: 1 }),
      await b.call("PATCH", `/services/${randomUUID()}`, { priceMinor: 1 })
    )
    const bad = await a.call("POST", "/services", { name: "X", durationMinutes: 0 })
    expect(bad.status).toBe(400)
    expect(bad.body.fields[0].path).toBe("durationMinutes")
    const room = await a.call("POST", "/rooms", { name: "Room 1" })
    expect(room.status).toBe(201)
    expect((await a.call("PATCH", `/rooms/${room.body.id}`, { active: false })).body.active).toBe(false)
    expect((await a.call("GET", "/rooms")).body.map((r: any) => r.id)).toContain(room.body.id)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("POST", "/rooms", { name: "Room 2" }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("services.create")
  })

  it("scheduling: availability, booking, a double booking refused with the reason, lifecycle", async () => {
    const from = Date.now()
    const slots = await a.call("POST", "/availability", { serviceId: a.serviceId, from, to: from + 3 * 86_400_000 })
    expect(slots.status).toBe(200)
    expect(slots.body.length).toBeGreaterThan(2)
    const [first, second] = slots.body
    const booked = await a.call("POST", "/appointments", {
      doctorId: first.doctorId,
      patientId: a.patientId,
      serviceId: a.serviceId,
      start: first.start,
      idempotencyKey: "k-1"
    })
    expect(booked.status).toBe(201)
    expect(booked.body.status).toBe("scheduled")
    const again = await a.call("POST", "/appointments", {
      doctorId: first.doctorId,
      patientId: a.patientId,
      serviceId: a.serviceId,
      start: first.start,
      idempotencyKey: "k-1"
    })
    expect(again.status).toBe(201)
    expect(again.body.id).toBe(booked.body.id)
    const other = await a.call("POST", "/patients", { fullName: "Dan Silva", phone: "+351 913 333 444" })
    const clash = await a.call("POST", "/appointments", {
      doctorId: first.doctorId,
      patientId: other.body.id,
      serviceId: a.serviceId,
      start: first.start
    })
    expect(clash.status).toBe(409)
    expect(["slot_taken", "not_bookable"]).toContain(clash.body.reason._tag)
    const explain = await a.call("POST", "/availability/explain", { doctorId: first.doctorId, serviceId: a.serviceId, start: first.start })
    expect(explain.body.bookable).toBe(false)
    expect((await a.call("POST", "/availability/first", { serviceId: a.serviceId, from, to: from + 86_400_000 * 3 })).body.slot)
      .not.toBeNull()
    expect((await a.call("GET", `/appointments/${booked.body.id}`)).body.id).toBe(booked.body.id)
    expectSameNotFound(await b.call("GET", `/appointments/${booked.body.id}`), await b.call("GET", `/appointments/${randomUUID()}`))
    const crossRef = await b.call("POST", "/appointments", { doctorId: a.doctorId, patientId: b.patientId, serviceId: b.serviceId, start: first.start })
    expect(crossRef.status).toBe(404)
    expect((await a.call("POST", "/appointments/search", { patientId: a.patientId })).body.map((x: any) => x.id)).toContain(booked.body.id)
    const moved = await a.call("POST", `/appointments/${booked.body.id}/reschedule`, { start: second.start })
    expect(moved.status, JSON.stringify(moved.body)).toBe(200)
    expect(moved.body.start).toBe(second.start)
    expect((await a.call("POST", `/appointments/${booked.body.id}/status`, { status: "confirmed" })).body.status).toBe("confirmed")
    const invalid = await a.call("POST", `/appointments/${booked.body.id}/status`, { status: "requested" })
    expect(invalid.status).toBe(409)
    expect(invalid.body.reason._tag).toBe("invalid_transition")
    // A key bound to the doctor role owns no appointments: the own-records rule refuses it.
    const doctorKey = await a.call("POST", "/api-keys", { name: "Doctor tablet", role: "doctor" })
    const notOwn = await a.call("POST", `/appointments/${booked.body.id}/status`, { status: "checked_in" }, doctorKey.body.key)
    expect(notOwn.status).toBe(403)
    expect(notOwn.body).toEqual({ _tag: "PermissionDenied", permission: "appointments.edit", reason: "not_own_record" })
    expect((await a.call("POST", `/appointments/${booked.body.id}/cancel`, { reason: "patient called" })).body.status).toBe("cancelled")
    const badTime = await a.call("POST", "/appointments", { doctorId: a.doctorId, patientId: a.patientId, serviceId: a.serviceId, start: "2026-13-45" })
    expect(badTime.status).toBe(400)
    expect(badTime.body.fields?.[0]?.path ?? badTime.body.issues?.[0]?.path?.join(".")).toContain("start")
    expect((await a.call("POST", "/appointments/expire-requests")).status).toBe(200)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("POST", "/appointments", { doctorId: a.doctorId, patientId: a.patientId, start: second.start }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("appointments.create")
  })

  it("billing: invoice a completed appointment, issue it, pay it; expenses", async () => {
    const from = Date.now()
    const slots = await a.call("POST", "/availability", { serviceId: a.serviceId, from, to: from + 3 * 86_400_000 })
    const slot = slots.body[slots.body.length - 1]
    const patient = await a.call("POST", "/patients", { fullName: "Eva Billing", phone: "+351 914 555 666" })
    const appt = await a.call("POST", "/appointments", { doctorId: slot.doctorId, patientId: patient.body.id, serviceId: a.serviceId, start: slot.start })
    expect(appt.status).toBe(201)
    const notDone = await a.call("POST", "/invoices/from-appointment", { appointmentId: appt.body.id })
    expect(notDone.status).toBe(409)
    expect(notDone.body.reason._tag).toBe("appointment_not_completed")
    expect((await a.call("POST", `/appointments/${appt.body.id}/status`, { status: "completed" })).status).toBe(200)
    const invoices = await a.call("POST", "/invoices/search", { appointmentId: appt.body.id })
    let invoice = invoices.body[0]
    if (invoice === undefined) {
      const created = await a.call("POST", "/invoices/from-appointment", { appointmentId: appt.body.id })
      expect(created.status).toBe(201)
      invoice = created.body
    }
    const issued = await a.call("POST", `/invoices/${invoice.id}/issue`)
    expect(issued.status).toBe(200)
    expect(issued.body.number).toMatch(/\d/)
    expectSameNotFound(await b.call("GET", `/invoices/${invoice.id}`), await b.call("GET", `/invoices/${randomUUID()}`))
    const over = await a.call("POST", "/payments", { invoiceId: invoice.id, amountMinor: 999_999, method: "cash", idempotencyKey: "p-over" })
    expect(over.status).toBe(409)
    expect(over.body.reason._tag).toBe("overpayment")
    const paid = await a.call("POST", "/payments", { invoiceId: invoice.id, amountMinor: issued.body.totalMinor, method: "card", idempotencyKey: "p-1" })
    expect(paid.status, JSON.stringify(paid.body)).toBe(201)
    expect((await a.call("GET", `/invoices/${invoice.id}`)).body.status).toBe("paid")
    expect((await a.call("GET", `/payments/${paid.body.id}`)).body.id).toBe(paid.body.id)
    expect((await a.call("POST", "/payments/search", { invoiceId: invoice.id })).body).toHaveLength(1)
    const refund = await a.call("POST", `/payments/${paid.body.id}/refunds`, { amountMinor: 100 })
    expect(refund.status, JSON.stringify(refund.body)).toBe(201)
    const draft = await a.call("POST", "/invoices", { patientId: patient.body.id, lines: [{ description: "Extra", quantity: 1, unitPriceMinor: 1000 }] })
    expect(draft.status, JSON.stringify(draft.body)).toBe(201)
    expect((await a.call("PATCH", `/invoices/${draft.body.id}`, { discountMinor: 100 })).body.discountMinor).toBe(100)
    expect((await a.call("DELETE", `/invoices/${draft.body.id}`)).status).toBe(204)
    const expense = await a.call("POST", "/expenses", { category: "supplies", amountMinor: 2500, date: "2030-01-15" })
    expect(expense.status, JSON.stringify(expense.body)).toBe(201)
    expect((await a.call("GET", "/expenses?from=2030-01-01&to=2030-01-31")).body.map((e: any) => e.id)).toEqual([expense.body.id])
    expect((await b.call("GET", "/expenses?from=2030-01-01&to=2030-01-31")).body).toEqual([])
    expect((await a.call("DELETE", `/expenses/${expense.body.id}`)).status).toBe(204)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("POST", `/payments/${paid.body.id}/refunds`, { amountMinor: 1 }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("billing.refund")
  })

  it("reminders: policy, reminders of a booking, consent, inbound SMS", async () => {
    const policy = await a.call("GET", "/reminders/policy")
    expect(policy.status).toBe(200)
    expect((await a.call("PUT", "/reminders/policy", policy.body)).status).toBe(200)
    const from = Date.now() + 2 * 86_400_000
    const slots = await a.call("POST", "/availability", { serviceId: a.serviceId, from, to: from + 86_400_000 })
    const patient = await a.call("POST", "/patients", { fullName: "Fay Reminder", phone: "+351 915 777 888" })
    const appt = await a.call("POST", "/appointments", {
      doctorId: slots.body[0].doctorId,
      patientId: patient.body.id,
      serviceId: a.serviceId,
      start: slots.body[0].start
    })
    expect(appt.status).toBe(201)
    const reminders = await a.call("POST", "/reminders/search", { appointmentId: appt.body.id })
    expect(reminders.status).toBe(200)
    const manual = await a.call("POST", "/reminders", { appointmentId: appt.body.id, channel: "sms" })
    expect(manual.status, JSON.stringify(manual.body)).toBe(201)
    expect((await a.call("GET", `/reminders/${manual.body.id}`)).body.id).toBe(manual.body.id)
    expectSameNotFound(await b.call("GET", `/reminders/${manual.body.id}`), await b.call("GET", `/reminders/${randomUUID()}`))
    expect((await a.call("POST", `/reminders/${manual.body.id}/cancel`)).body.status).toBe("cancelled")
    const consent = await a.call("PUT", "/consents", { patientId: patient.body.id, channel: "email", granted: false })
    expect(consent.status).toBe(200)
    expect((await a.call("GET", `/patients/${patient.body.id}/consents`)).body.map((c: any) => c.channel)).toContain("email")
    const stop = await a.call("POST", "/reminders/inbound-sms", { from: "+351915777888", text: "STOP" })
    expect(stop.body).toMatchObject({ applied: "stop", changed: true })
    expect((await a.call("POST", "/reminders/receipts", { providerMessageId: "unknown", outcome: "delivered" })).body).toEqual({ reminder: null })
    expect((await a.call("POST", "/recalls/contacts/search", {})).status).toBe(200)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("POST", "/reminders", { appointmentId: appt.body.id, channel: "sms" }, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("reminders.create")
  })

  it("audit: events, a verified chain, checkpoints; denials are recorded", async () => {
    const events = await a.call("POST", "/audit/events/search", { limit: 1000 })
    expect(events.status).toBe(200)
    expect(events.body.length).toBeGreaterThan(5)
    expect(events.body.some((e: any) => e.outcome === "denied")).toBe(true)
    const checkpoint = await a.call("GET", "/audit/checkpoint")
    expect(checkpoint.status).toBe(200)
    const verified = await a.call("POST", "/audit/verify", { anchor: checkpoint.body })
    expect(verified.status).toBe(200)
    expect(verified.body.firstBreak).toBeUndefined()
    expect(verified.body.events).toBeGreaterThan(5)
    const receptionist = await signIn(host, a, "receptionist")
    const denied = await a.call("POST", "/audit/verify", {}, receptionist.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("audit.view")
    // The other clinic's chain is its own.
    expect((await b.call("POST", "/audit/events/search", {})).body.every((e: any) => e.clinicId === b.clinicId)).toBe(true)
  })

  it("public: catalog, live slots, a request holding its slot, a taken slot refused; unknown slug is a 401", async () => {
    const catalog = await host.call("GET", `/public/clinics/${a.slug}`)
    expect(catalog.status).toBe(200)
    expect(catalog.body.clinic.timeZone).toBe("Europe/Lisbon")
    expect(catalog.body.services.map((s: any) => s.id)).toContain(a.serviceId)
    const from = Date.now() + 86_400_000
    const q = `serviceId=${a.serviceId}&from=${from}&to=${from + 86_400_000}`
    const slots = await host.call("GET", `/public/clinics/${a.slug}/slots?${q}`)
    expect(slots.status).toBe(200)
    const slot = slots.body[0]
    const request = await host.call("POST", `/public/clinics/${a.slug}/requests`, {
      body: { doctorId: slot.doctorId, serviceId: a.serviceId, start: slot.start, patient: { fullName: "Gil Public", phone: "+351 916 999 000" } }
    })
    expect(request.status).toBe(201)
    expect(request.body.status).toBe("requested")
    expect(request.body.expiresAt).toBeGreaterThan(Date.now())
    expect(Object.keys(request.body).sort()).toEqual(["doctorId", "end", "expiresAt", "id", "serviceId", "start", "status"])
    const after = await host.call("GET", `/public/clinics/${a.slug}/slots?${q}&doctorId=${slot.doctorId}`)
    expect(after.body.map((s: any) => s.start)).not.toContain(slot.start)
    const taken = await host.call("POST", `/public/clinics/${a.slug}/requests`, {
      body: { doctorId: slot.doctorId, serviceId: a.serviceId, start: slot.start, patient: { fullName: "Hal", phone: "+351 917 000 111" } }
    })
    expect(taken.status).toBe(409)
    expect(["slot_taken", "not_bookable"]).toContain(taken.body.reason._tag)
    // Staff see the request with the caller's contact, matched to nobody yet, and accept it by
    // matching it: here, no patient has the phone, so a new one is made from the contact.
    const seen = (await a.call("GET", `/appointments/${request.body.id}`)).body
    expect([seen.source, seen.patientId, seen.requester]).toEqual(["public", null, { fullName: "Gil Public", phone: "+351916999000", email: null }])
    const unmatched = await a.call("POST", `/appointments/${request.body.id}/status`, { status: "confirmed" })
    expect([unmatched.status, unmatched.body.reason._tag]).toEqual([409, "unmatched_request"])
    expect((await a.call("GET", `/appointments/${request.body.id}/request-matches`)).body).toEqual([])
    const accepted = await a.call("POST", `/appointments/${request.body.id}/confirm-request`, { status: "confirmed" })
    expect([accepted.status, accepted.body.status]).toEqual([200, "confirmed"])
    expect((await a.call("GET", `/patients/${accepted.body.patientId}`)).body).toMatchObject({ fullName: "Gil Public", phone: "+351916999000" })
    const unknown = await host.call("GET", `/public/clinics/no-such-clinic-${randomUUID().slice(0, 8)}`)
    expect(unknown.status).toBe(401)
    const bad = await host.call("POST", `/public/clinics/${a.slug}/requests`, {
      body: { doctorId: slot.doctorId, serviceId: a.serviceId, start: slot.start, patient: { fullName: "", phone: "x" } }
    })
    expect(bad.status).toBe(400)
    expect(bad.body.fields.map((f: any) => f.path).sort()).toEqual(["patient.fullName", "patient.phone"])
  })

  it("analytics: dashboard, reports, a report as CSV; a role without the key gets a 403 naming it", async () => {
    const today = new Date().toISOString().slice(0, 10)
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
    const to = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
    const dashboard = await a.call("GET", `/analytics/dashboard?from=${from}&to=${to}`)
    expect(dashboard.status, JSON.stringify(dashboard.body)).toBe(200)
    expect(dashboard.body).toMatchObject({ from, to, zone: "Europe/Lisbon", currency: "EUR" })
    expect(dashboard.body.totalAppointments).toBeGreaterThanOrEqual(0)
    const reversed = await a.call("GET", `/analytics/dashboard?from=${to}&to=${from}`)
    expect(reversed.status).toBe(400)
    expect((await a.call("GET", "/analytics/dashboard?from=yesterday&to=2026-01-01")).status).toBe(400)
    const report = await a.call("POST", "/analytics/reports", { kind: "revenue_by_doctor", from, to })
    expect(report.status, JSON.stringify(report.body)).toBe(200)
    expect(report.body).toMatchObject({ kind: "revenue_by_doctor", from, to, currency: "EUR" })
    expect(Array.isArray(report.body.rows)).toBe(true)
    const noShows = await a.call("POST", "/analytics/reports", { kind: "no_shows", from, to })
    expect(noShows.status).toBe(200)
    expect(noShows.body.total).toBeDefined()
    expect((await a.call("POST", "/analytics/reports", { kind: "receivables" })).body.asOf).toBe(today)
    expect((await a.call("POST", "/analytics/reports", { kind: "no_such_report" })).status).toBe(400)
    const csv = await a.call("POST", "/analytics/reports/csv", { kind: "revenue_by_period", from, to, granularity: "week" })
    expect(csv.status).toBe(200)
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8")
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="revenue_by_period.csv"')
    const rows = parse(csv.body) as Array<Array<string>>
    expect(rows[0]).toEqual(["period", "first_date", "last_date", "start", "end", "payments", "revenue", "currency"])
    expect(rows.length).toBeGreaterThan(1)
    const nurse = await signIn(host, a, "nurse")
    const denied = await a.call("GET", `/analytics/dashboard?from=${from}&to=${to}`, undefined, nurse.token)
    expect(denied.status).toBe(403)
    expect(denied.body.permission).toBe("analytics.dashboard")
    const receptionist = await signIn(host, a, "receptionist")
    const noExport = await a.call("POST", "/analytics/reports/csv", { kind: "receivables" }, receptionist.token)
    expect(noExport.status).toBe(403)
    expect(noExport.body.permission).toBe("analytics.export")
  })

  it("transfer: CSV exports stream out and parse back, a calendar, imports into another clinic report each row", async () => {
    // Something to export: a booked appointment and a paid invoice.
    const from = Date.now() + 86_400_000
    const slots = await a.call("POST", "/availability", { serviceId: a.serviceId, from, to: from + 2 * 86_400_000 })
    const patient = await a.call("POST", "/patients", { fullName: "Gil \"Export\", Jr", phone: "+351 916 000 111", email: "gil@example.com" })
    expect(patient.status).toBe(201)
    const booked = await a.call("POST", "/appointments", {
      doctorId: a.doctorId,
      patientId: patient.body.id,
      serviceId: a.serviceId,
      start: slots.body.find((s: any) => s.doctorId === a.doctorId).start,
      notes: "=cmd|' /C calc'!A0"
    })
    expect(booked.status, JSON.stringify(booked.body)).toBe(201)

    const patients = await a.call("GET", "/exports/patients.csv")
    expect(patients.status).toBe(200)
    expect(patients.headers.get("content-type")).toBe("text/csv; charset=utf-8")
    expect(patients.headers.get("content-disposition")).toBe('attachment; filename="patients.csv"')
    // Streamed as it is read: chunked, no length known up front.
    expect(patients.headers.get("content-length")).toBeNull()
    expect(patients.headers.get("transfer-encoding")).toBe("chunked")
    const patientRows = parse(patients.body) as Array<Array<string>>
    expect(patientRows[0]).toEqual(["ID", "Full Name", "Email", "Phone", "Date of Birth", "Gender", "Blood Group", "Address", "Created At"])
    const gil = patientRows.find((r) => r[0] === patient.body.id)!
    expect(gil[1]).toBe("Gil \"Export\", Jr")
    expect(gil[3]).toBe("'+351916000111") // a leading + is neutralised (docs/export-import.md)
    expect(patientRows.map((r) => r[0])).toContain(a.patientId)

    const appointments = await a.call("GET", `/exports/appointments.csv?statuses=scheduled,confirmed&doctorId=${a.doctorId}`)
    expect(appointments.status).toBe(200)
    expect(appointments.headers.get("content-disposition")).toBe('attachment; filename="appointments.csv"')
    const appointmentRows = parse(appointments.body) as Array<Array<string>>
    expect(appointmentRows[0]!.slice(0, 7)).toEqual(["ID", "Patient Name", "Doctor Name", "Start Time", "End Time", "Status", "Notes"])
    const row = appointmentRows.find((r) => r[0] === booked.body.id)!
    expect(row[5]).toBe("scheduled")
    expect(row[6]!.startsWith("=")).toBe(false) // neutralised against formula injection
    expect(appointmentRows.slice(1).every((r) => r[5] === "scheduled" || r[5] === "confirmed")).toBe(true)

    for (const what of ["invoices", "payments"]) {
      const res = await a.call("GET", `/exports/${what}.csv?range=this_month`)
      expect(res.status, what).toBe(200)
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8")
      expect((parse(res.body) as Array<Array<string>>)[0]![0]).toBe("ID")
    }
    const badRange = await a.call("GET", "/exports/invoices.csv?from=2026-05-01&to=2026-04-01")
    expect(badRange.status).toBe(400)
    expect(badRange.body.fields.map((f: any) => f.path)).toContain("range.to")
    expect((await a.call("GET", "/exports/payments.csv?statuses=lost")).status).toBe(400)

    const ics = await a.call("GET", `/exports/calendar.ics?doctorId=${a.doctorId}&range=this_month`)
    expect(ics.status, String(ics.body)).toBe(200)
    expect(ics.headers.get("content-type")).toBe("text/calendar; charset=utf-8")
    expect(String(ics.body)).toMatch(/^BEGIN:VCALENDAR/)
    const nextWeek = new Date(from).toISOString().slice(0, 10)
    const ics2 = await a.call("GET", `/exports/calendar.ics?doctorId=${a.doctorId}&from=${nextWeek}&to=${nextWeek}`)
    expect(String(ics2.body)).toContain(`UID:${booked.body.id}@clinicore`)
    expectSameNotFound(
      await b.call("GET", `/exports/calendar.ics?doctorId=${a.doctorId}&range=today`),
      await b.call("GET", `/exports/calendar.ics?doctorId=${randomUUID()}&range=today`)
    )

    // Permissions: each export and import names its key.
    const receptionist = await signIn(host, a, "receptionist")
    const noExport = await a.call("GET", "/exports/patients.csv", undefined, receptionist.token)
    expect(noExport.status).toBe(403)
    expect(noExport.body).toMatchObject({ _tag: "PermissionDenied", permission: "patients.export" })
    const csvBody = (token: string, text: string) => ({ token, raw: text, headers: { "content-type": "text/csv" } })
    const noImport = await host.call("POST", "/imports/appointments", csvBody(receptionist.token, appointments.body))
    expect(noImport.status).toBe(403)
    expect(noImport.body.permission).toBe("appointments.import")
    expect((await host.call("POST", "/imports/patients", { raw: patients.body, headers: { "content-type": "text/csv" } })).status).toBe(401)

    // Into another clinic: its own Alice has the same phone, so all-or-nothing refuses the file
    // (422, that row reported, nothing written) and accept_valid writes the rest.
    const before = await host.snapshot()
    const refused = await host.call("POST", "/imports/patients", csvBody(b.admin, patients.body))
    expect(refused.status, JSON.stringify(refused.body)).toBe(422)
    expect(refused.body._tag).toBe("ImportRejected")
    expect(refused.body.report.layout).toBe("clinicore")
    const aliceLine = patientRows.findIndex((r) => r[0] === a.patientId) + 1
    expect(refused.body.report.rejected.map((r: any) => r.line)).toContain(aliceLine)
    expect(await host.snapshot()).toEqual(before)
    const imported = await host.call("POST", "/imports/patients?mode=accept_valid", csvBody(b.admin, patients.body))
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    expect(imported.body.rows).toBe(patientRows.length - 1)
    expect(imported.body.created).toBe(patientRows.length - 1 - new Set(imported.body.rejected.map((r: any) => r.line)).size)
    expect(imported.body.created).toBeGreaterThan(0)
    const again = await host.call("POST", "/imports/patients?mode=accept_valid", csvBody(b.admin, patients.body))
    expect(again.body.created).toBe(0)
    expect(again.body.unchanged).toBe(imported.body.created)
    const exportedByB = parse((await b.call("GET", "/exports/patients.csv")).body) as Array<Array<string>>
    expect(exportedByB.map((r) => r[1])).toContain("Gil \"Export\", Jr")
    const history = await host.call("POST", "/imports/appointments?mode=accept_valid", csvBody(b.admin, appointments.body))
    expect(history.status, JSON.stringify(history.body)).toBe(200)
    expect(history.body.rows).toBe(appointmentRows.length - 1)
    expect(history.body.created).toBeGreaterThan(0)

    // A bad file: every rejected row named (line, column, reason), nothing written.
    const bad = "ID,Full Name,Phone\nx-1,,+351 917 000 000\n,No Id,+351 917 000 001\nx-3,Bad Phone,not a phone\n"
    const snapshot = await host.snapshot()
    const rejected = await host.call("POST", "/imports/patients", csvBody(b.admin, bad))
    expect(rejected.status).toBe(422)
    expect(rejected.body.report.rejected.map((r: any) => [r.line, r.field])).toEqual(
      expect.arrayContaining([[2, "Full Name"], [3, "ID"], [4, "Phone"]])
    )
    expect(await host.snapshot()).toEqual(snapshot)
    const unreadable = await host.call("POST", "/imports/patients", csvBody(b.admin, "no,header,we,know\n1,2,3,4\n"))
    expect(unreadable.status).toBe(400)
    expect(unreadable.body._tag).toBe("ValidationError")
    const badMode = await host.call("POST", "/imports/patients?mode=sometimes", csvBody(b.admin, bad))
    expect(badMode.status).toBe(400)
    // The import route takes files above the general 256 KiB limit; other routes keep it.
    const big = "ID,Full Name,Phone,Address\n" + Array.from({ length: 300 }, (_, i) => `big-${i},Big Patient ${i},nope,${"x".repeat(1_100)}`).join("\n")
    expect(big.length).toBeGreaterThan(300_000)
    const large = await host.call("POST", "/imports/patients", csvBody(b.admin, big))
    expect(large.status).toBe(422)
    expect(large.body.report.rows).toBe(300)
    expect((await host.call("POST", "/patients/search", csvBody(b.admin, big))).status).toBe(413)
  })

  it("malformed requests: bad JSON, wrong content type, huge or length-less bodies, unknown routes are 4xx, never 500", async () => {
    const json = await host.call("POST", "/patients", { token: a.admin, raw: "{not json", headers: { "content-type": "application/json" } })
    expect(json.status).toBe(400)
    expect(json.body._tag).toBe("MalformedRequest")
    const text = await host.call("POST", "/patients", { token: a.admin, raw: "hello", headers: { "content-type": "text/plain" } })
    expect(text.status).toBe(400)
    const xml = await host.call("POST", "/patients", { token: a.admin, raw: "<p/>", headers: { "content-type": "application/xml" } })
    expect(xml.status).toBe(400)
    const huge = await host.call("POST", "/patients", { token: a.admin, body: { fullName: "x".repeat(400_000), phone: "1" } })
    expect(huge.status).toBe(413)
    const nothing = await host.call("POST", "/patients", { token: a.admin })
    expect(nothing.status).toBe(400)
    const route = await host.call("GET", "/no/such/route")
    expect(route.status).toBe(404)
    expect(route.body._tag).toBe("RouteNotFound")
  })
})
