import { Actor, Catalog, Doctors, Patients, Reminders, Schedules, Scheduling } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { common, print, run } from "../Host.js"
import { bar } from "../Progress.js"
import { createClinic } from "./clinic.js"

const doctorNames = ["Dr Grace Hopper", "Dr Alan Turing", "Dr Ada Lovelace", "Dr Edsger Dijkstra", "Dr Barbara Liskov", "Dr Donald Knuth"]
const specialties = ["General practice", "Paediatrics", "Dermatology", "Cardiology", "Physiotherapy", "Dentistry"]
const first = ["Alice", "Bob", "Carmen", "Dmitri", "Esther", "Farid", "Gloria", "Hiro", "Ines", "Jamal", "Kofi", "Lena"]
const last = ["Moreno", "Lee", "Okafor", "Ivanova", "Cohen", "Haddad", "Santos", "Tanaka", "Silva", "Brown", "Mensah", "Novak"]
const services = [
  { name: "Check-up", durationMinutes: 30, bufferAfterMinutes: 10, priceMinor: 9500 },
  { name: "Consultation", durationMinutes: 45, bufferAfterMinutes: 0, priceMinor: 12000 },
  { name: "Follow-up", durationMinutes: 15, bufferAfterMinutes: 5, priceMinor: 4500 }
]

/**
 * Demo data for a new clinic, entirely through the services: the clinic and its admin (as the
 * platform), then, as that admin, doctors working every day 08:00–20:00 local, services, patients
 * and appointments at each doctor's next free slots. The clinic's reminder policy sends late
 * reminders at once (`lateBooking: send_now`), so the first appointments give the dispatcher work.
 */
export const seed = Command.make("seed", {
  ...common,
  slug: Options.text("slug").pipe(Options.withDefault("demo")),
  name: Options.text("name").pipe(Options.withDefault("Demo Family Practice")),
  timeZone: Options.text("time-zone").pipe(Options.withDefault("UTC")),
  currency: Options.text("currency").pipe(Options.withDefault("USD")),
  adminName: Options.text("admin-name").pipe(Options.withDefault("Demo Admin")),
  adminEmail: Options.text("admin-email").pipe(Options.withDefault("admin@demo.example")),
  doctors: Options.integer("doctors").pipe(Options.withDefault(3)),
  patients: Options.integer("patients").pipe(Options.withDefault(30)),
  appointments: Options.integer("appointments").pipe(Options.withDefault(40))
}, (o) =>
  run(
    o,
    Effect.scoped(Effect.gen(function*() {
      const doctorCount = Math.max(1, Math.min(o.doctors, doctorNames.length))
      const total = 2 + doctorCount * 2 + services.length + o.patients + o.appointments
      const progress = yield* bar(o, "seeding", total)
      let step = 0
      const tick = (status: string) => progress.update(++step, status)

      const { admin, clinic } = yield* createClinic(o)
      yield* tick("clinic")
      const asAdmin = Actor.withUser(clinic.id, admin.id)
      const body = Effect.gen(function*() {
        const reminders = yield* Reminders.Reminders
        const policy = yield* reminders.policy()
        yield* reminders.setPolicy({ ...policy, lateBooking: "send_now" })
        yield* tick("reminder policy")

        const doctors = yield* Doctors.Doctors
        const schedules = yield* Schedules.Schedules
        const doctorIds: Array<string> = []
        for (let i = 0; i < doctorCount; i++) {
          const d = yield* doctors.create({ name: doctorNames[i]!, specialty: specialties[i]! })
          yield* tick(d.name)
          yield* schedules.set({
            doctorId: d.id,
            rules: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "08:00", end: "20:00" })) }
          })
          yield* tick("hours")
          doctorIds.push(d.id)
        }

        const catalog = yield* Catalog.Catalog
        const serviceIds: Array<string> = []
        for (const s of services) {
          serviceIds.push((yield* catalog.createService(s)).id)
          yield* tick(s.name)
        }

        const patients = yield* Patients.Patients
        const patientIds: Array<string> = []
        for (let i = 0; i < o.patients; i++) {
          const fullName = `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]}${i >= first.length * last.length ? ` ${i}` : ""}`
          const p = yield* patients.create({ fullName, phone: `+1 415 555 ${String(1000 + i).padStart(4, "0")}` })
          patientIds.push(p.id)
          yield* tick("patients")
        }

        const scheduling = yield* Scheduling.Scheduling
        const now = Date.now()
        const until = now + 14 * 86_400_000
        const cursor = doctorIds.map(() => now)
        let booked = 0
        for (let k = 0; k < o.appointments && patientIds.length > 0; k++) {
          const d = k % doctorIds.length
          const patientId = patientIds[k % patientIds.length]!
          const serviceId = serviceIds[k % serviceIds.length]!
          const slot = yield* scheduling.firstAvailable({ doctorIds: [doctorIds[d]!], serviceId, patientId, from: cursor[d]!, to: until })
          if (Option.isSome(slot)) {
            yield* scheduling.book({ doctorId: slot.value.doctorId, patientId, serviceId, start: slot.value.start })
            cursor[d] = slot.value.end
            booked++
          }
          yield* tick("appointments")
        }
        return { doctors: doctorIds.length, services: serviceIds.length, patients: patientIds.length, appointments: booked }
      }).pipe(asAdmin)
      const counts = yield* body
      return { clinic, admin, ...counts }
    })).pipe(Effect.flatMap((r) =>
      print(o, r, (x) => [
        `seeded clinic ${x.clinic.name} (${x.clinic.slug}): ${x.doctors} doctors, ${x.services} services, ${x.patients} patients, ${x.appointments} appointments`,
        `act in it with: --clinic ${x.clinic.slug} --as ${x.admin.email}`
      ])
    ))
  )).pipe(Command.withDescription("Create a demo clinic with doctors, hours, services, patients and appointments"))
