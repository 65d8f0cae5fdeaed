/** A clinic set up over the HTTP API (its first admin's password through the library, as a host's installer would). */
import { randomBytes } from "node:crypto"
import { Accounts, Actor, type Ids } from "@clinicore/core"
import * as Effect from "effect/Effect"
import { expect } from "vitest"
import type { RunningHost } from "./host.js"

export const password = "Str0ng!pass-word"

const weekdays = [1, 2, 3, 4, 5, 6, 7]

export const makeClinic = async (host: RunningHost, label: string) => {
  const slug = `${label}-${randomBytes(4).toString("hex")}`
  const created = await host.call("POST", "/platform/clinics", {
    token: host.platformToken,
    body: {
      name: `Clinic ${label}`,
      slug,
      timeZone: "Europe/Lisbon",
      currency: "EUR",
      settings: { defaultPhoneRegion: "PT" },
      admin: { name: "Ada Admin", email: `admin@${slug}.example` }
    }
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const clinicId = created.body.clinic.id as Ids.ClinicId
  const adminId = created.body.admin.id as Ids.StaffId
  await host.runtime.runPromise(
    Effect.flatMap(Accounts.Accounts, (a) => a.setPassword({ staffId: adminId, password })).pipe(Actor.withUser(clinicId, adminId))
  )
  const login = await host.call("POST", "/auth/login", { body: { clinic: slug, email: `admin@${slug}.example`, password } })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  const admin = login.body.token as string
  const call = (method: string, path: string, body?: unknown, token = admin) => host.call(method, path, { token, body })

  const doctor = await call("POST", "/doctors", { name: "Dr Grace Hopper", specialty: "General practice" })
  expect(doctor.status, JSON.stringify(doctor.body)).toBe(201)
  const schedule = await call("PUT", `/doctors/${doctor.body.id}/schedule`, {
    weekly: weekdays.map((weekday) => ({ weekday, start: "08:00", end: "20:00" }))
  })
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(200)
  const service = await call("POST", "/services", { name: "Check-up", durationMinutes: 30, priceMinor: 5000 })
  expect(service.status, JSON.stringify(service.body)).toBe(201)
  const patient = await call("POST", "/patients", { fullName: "Alice Moreno", phone: "+351 912 345 678" })
  expect(patient.status, JSON.stringify(patient.body)).toBe(201)
  return {
    slug,
    clinicId,
    adminId,
    admin,
    call,
    doctorId: doctor.body.id as string,
    serviceId: service.body.id as string,
    patientId: patient.body.id as string
  }
}

export type Clinic = Awaited<ReturnType<typeof makeClinic>>

/** Creates an account of `role`, sets its password and signs it in. */
export const signIn = async (host: RunningHost, clinic: Clinic, role: "doctor" | "receptionist" | "nurse") => {
  const email = `${role}-${randomBytes(3).toString("hex")}@${clinic.slug}.example`
  const created = await clinic.call("POST", "/staff", { name: `A ${role}`, email, role })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  if (created.body.status === "pending") expect((await clinic.call("POST", `/staff/${created.body.id}/approve`)).status).toBe(200)
  expect((await clinic.call("PUT", `/staff/${created.body.id}/password`, { password })).status).toBe(204)
  const login = await host.call("POST", "/auth/login", { body: { clinic: clinic.slug, email, password } })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  return { id: created.body.id as string, token: login.body.token as string }
}
