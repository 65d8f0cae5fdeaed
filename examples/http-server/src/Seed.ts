/** The demo clinic seeded on first start: an admin with a password, two doctors with hours, two services. */
import { randomBytes } from "node:crypto"
import { Accounts, Actor, Catalog, Clinics, Doctors, Schedules, Storage } from "@clinicore/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export const demoSlug = "harbour-family"

/** Creates the demo clinic unless it exists; returns the admin's credentials when it was created. */
export const seedDemo = Effect.gen(function*() {
  const storage = yield* Storage.Storage
  if (Option.isSome(yield* storage.clinicBySlug(demoSlug))) return Option.none()
  const clinics = yield* Clinics.Clinics
  const { admin, clinic } = yield* clinics.create({
    name: "Harbour Family Practice",
    slug: demoSlug,
    timeZone: "America/Los_Angeles",
    currency: "USD",
    admin: { name: "Ada Admin", email: "admin@harbour.example" }
  }).pipe(Actor.asPlatform)
  const asAdmin = Actor.withUser(clinic.id, admin.id)
  // Meets the password policy: upper, lower, digit and special character.
  const password = `Demo-${randomBytes(9).toString("base64url")}-7a`
  yield* Effect.flatMap(Accounts.Accounts, (a) => a.setPassword({ staffId: admin.id, password })).pipe(asAdmin)
  const doctors = yield* Doctors.Doctors
  const schedules = yield* Schedules.Schedules
  const weekdays = [1, 2, 3, 4, 5, 6]
  for (const [name, specialty] of [["Dr Grace Hopper", "General practice"], ["Dr Alan Turing", "Paediatrics"]] as const) {
    const doctor = yield* doctors.create({ name, specialty }).pipe(asAdmin)
    yield* schedules.set({
      doctorId: doctor.id,
      rules: {
        weekly: weekdays.map((weekday) => ({ weekday, start: "09:00", end: "17:00" })),
        breaks: weekdays.map((weekday) => ({ _tag: "weekly" as const, weekday, start: "12:00", end: "13:00" }))
      }
    }).pipe(asAdmin)
  }
  const catalog = yield* Catalog.Catalog
  yield* catalog.createService({ name: "Check-up", durationMinutes: 30, bufferAfterMinutes: 10, priceMinor: 9500 }).pipe(asAdmin)
  yield* catalog.createService({ name: "Vaccination", durationMinutes: 15, priceMinor: 4000 }).pipe(asAdmin)
  return Option.some({ email: admin.email, password })
})
