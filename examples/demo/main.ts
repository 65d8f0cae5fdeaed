/**
 * `pnpm demo`: the main flow on an embedded SQLite file. Creates a clinic with its admin, a doctor
 * and two patients, shows a duplicate phone refused, and prints what it did.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync, rmSync } from "node:fs"
import { Actor, Catalog, Clinicore, Clinics, Doctors, FieldCrypto, Patients, Schedules, Scheduling } from "@clinicore/core"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const filename = process.env.CLINICORE_SQLITE_FILE ?? ".tmp/demo.db"
mkdirSync(".tmp", { recursive: true })
for (const suffix of ["", "-wal", "-shm"]) rmSync(`${filename}${suffix}`, { force: true })

// A real host reads the master key from its secret store (FieldCrypto.layerConfig reads
// CLINICORE_MASTER_KEY); the demo makes a throwaway one when none is set.
const masterKey = process.env.CLINICORE_MASTER_KEY ?? randomBytes(32).toString("base64")

const Live = Clinicore.layer.pipe(
  Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(masterKey) } })),
  Layer.provideMerge(ClinicoreSqlite.layer({ filename }))
)

const say = (line: string) => Effect.sync(() => console.log(line))

const program = Effect.gen(function*() {
  const clinics = yield* Clinics.Clinics
  const { admin, clinic } = yield* clinics.create({
    name: "Harbour Family Practice",
    slug: "harbour-family",
    timeZone: "America/Los_Angeles",
    currency: "USD",
    admin: { name: "Ada Admin", email: "Ada@Harbour.example " }
  }).pipe(Actor.asPlatform)
  yield* say(`created clinic "${clinic.name}" (${clinic.slug}, ${clinic.timeZone}, ${clinic.currency})`)
  yield* say(`  first admin: ${admin.name} <${admin.email}>`)

  const asAdmin = Actor.withUser(clinic.id, admin.id)
  const doctors = yield* Doctors.Doctors
  const doctor = yield* doctors.create({ name: "Dr Grace Hopper", specialty: "General practice" }).pipe(asAdmin)
  yield* say(`added doctor ${doctor.name} (${doctor.specialty})`)

  const patients = yield* Patients.Patients
  const alice = yield* patients.create({
    fullName: "Alice Moreno",
    phone: "+1 415 555 0101",
    dateOfBirth: "1988-04-12",
    nationalId: "123-45-6789",
    primaryDoctorId: doctor.id
  }).pipe(asAdmin)
  yield* say(`added patient ${alice.fullName}, phone stored as ${alice.phone}, national id stored encrypted`)
  const bob = yield* patients.create({ fullName: "Bob Lee", phone: "(415) 555-0199" }).pipe(asAdmin)
  yield* say(`added patient ${bob.fullName}, phone stored as ${bob.phone}`)

  const refused = yield* patients.create({ fullName: "Alicia Moreno", phone: "(415) 555-0101" }).pipe(asAdmin, Effect.flip)
  yield* say(`a third patient with "(415) 555-0101" was refused: ${refused._tag}: ${refused.message}`)

  const found = yield* patients.findByNationalId("123 45 6789").pipe(asAdmin)
  yield* say(`exact lookup by national id finds: ${found._tag === "Some" ? found.value.fullName : "nobody"}`)
  const listed = yield* patients.search({}).pipe(asAdmin)
  yield* say(`the clinic now has ${listed.length} patients`)

  // Scheduling: working hours, a service, live availability, a booking, and a refused double booking.
  yield* Effect.flatMap(Schedules.Schedules, (s) =>
    s.set({
      doctorId: doctor.id,
      rules: {
        weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: "09:00", end: "17:00" })),
        breaks: [1, 2, 3, 4, 5].map((weekday) => ({ _tag: "weekly" as const, weekday, start: "12:00", end: "13:00" }))
      }
    })).pipe(asAdmin)
  const checkup = yield* Effect.flatMap(Catalog.Catalog, (c) =>
    c.createService({ name: "Check-up", durationMinutes: 30, bufferAfterMinutes: 10, priceMinor: 9500 })).pipe(asAdmin)
  yield* say(`doctor works Mon–Fri 09:00–17:00 (lunch 12:00–13:00); service "${checkup.name}" takes 30 min + 10 min buffer`)
  const scheduling = yield* Scheduling.Scheduling
  const now = Date.now()
  const slots = yield* scheduling.availableSlots({
    doctorIds: [doctor.id],
    serviceId: checkup.id,
    from: now,
    to: now + 7 * 86_400_000
  }).pipe(asAdmin)
  const local = (t: number) =>
    new Intl.DateTimeFormat("en-US", { timeZone: clinic.timeZone, dateStyle: "medium", timeStyle: "short" }).format(t)
  yield* say(`next 7 days: ${slots.length} free slots, the first at ${local(slots[0]!.start)} (${clinic.timeZone})`)
  const booked = yield* scheduling.book({ doctorId: doctor.id, patientId: alice.id, serviceId: checkup.id, start: slots[0]!.start })
    .pipe(asAdmin)
  yield* say(`booked ${alice.fullName} at ${local(booked.start)} (${booked.status})`)
  const clash = yield* scheduling.book({ doctorId: doctor.id, patientId: bob.id, serviceId: checkup.id, start: slots[0]!.start })
    .pipe(asAdmin, Effect.flip)
  yield* say(`${bob.fullName} at the same time was refused: ${clash._tag}: ${clash.message}`)
  yield* say(`database file: ${filename}`)
})

Effect.runPromise(program.pipe(Effect.provide(Live))).catch((error) => {
  console.error(error)
  process.exit(1)
})
