import { Scheduling } from "@clinicore/core"
import type { Appointment } from "@clinicore/core/Appointment"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { asStaff, instant, iso, print, run, scope } from "../Host.js"

/** One line per appointment, for people. */
export const appointmentLine = (a: Appointment) => `${a.status} ${iso(a.start)}–${iso(a.end)} ${a.id}`

export const book = Command.make("book", {
  ...scope,
  doctor: Options.text("doctor").pipe(Options.withDescription("The doctor's id")),
  patient: Options.text("patient").pipe(Options.withDescription("The patient's id")),
  service: Options.text("service").pipe(Options.withDescription("The service's id")),
  start: Options.text("start").pipe(Options.withDescription("ISO date-time with offset or epoch ms")),
  notes: Options.text("notes").pipe(Options.optional),
  idempotencyKey: Options.text("idempotency-key").pipe(Options.withDescription("Retrying with the same key books once"), Options.optional),
  override: Options.boolean("override").pipe(Options.withDescription("Book outside working time (needs appointments.override)"))
}, (o) =>
  run(
    o,
    Effect.flatMap(Scheduling.Scheduling, (s) =>
      s.book({
        doctorId: o.doctor,
        patientId: o.patient,
        serviceId: o.service,
        start: instant(o.start),
        override: o.override,
        ...Option.match(o.notes, { onNone: () => ({}), onSome: (notes) => ({ notes }) }),
        ...Option.match(o.idempotencyKey, { onNone: () => ({}), onSome: (idempotencyKey) => ({ idempotencyKey }) })
      })).pipe(asStaff(o), Effect.flatMap((a) => print(o, a, appointmentLine)))
  )).pipe(Command.withDescription("Book an appointment"))
