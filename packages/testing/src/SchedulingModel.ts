/**
 * Model-based command sets for scheduling (fast-check `fc.commands`): book, reschedule, cancel,
 * status change, public request and expiry across several clinics, each followed by the
 * invariants checked with SQL over the whole database — no overlapping blocking rows per doctor,
 * patient or room (buffers included), no row referencing another clinic — and idempotency keys
 * honoured. Teams can run them against their own setup and add commands of their own.
 *
 * @since 0.1.0
 */
import * as Actor from "@clinicore/core/Actor"
import type { Appointment } from "@clinicore/core/Appointment"
import { Scheduling } from "@clinicore/core/Scheduling"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import type * as Fixtures from "./Fixtures.js"
import { RawAccess } from "./RawAccess.js"

const QUARTER = 900_000
const blocking = "('requested', 'scheduled', 'confirmed', 'checked_in', 'completed')"

/** The clinics the commands act in, and counters of what succeeded. @since 0.1.0 @category models */
export interface World {
  readonly clinics: ReadonlyArray<{
    readonly fixture: Fixtures.ClinicFixture
    readonly doctors: ReadonlyArray<string>
    readonly patients: ReadonlyArray<string>
    readonly serviceId: string
  }>
  readonly base: number
  /** Successful commands by kind, so the test can show the sequences did real work. */
  readonly stats: Record<string, number>
}

const count = (world: World, kind: string) => {
  world.stats[kind] = (world.stats[kind] ?? 0) + 1
}

/** What the commands remember between steps. @since 0.1.0 @category models */
export interface Model {
  readonly appointments: Array<{ readonly clinic: number; readonly id: string }>
  readonly keys: Map<string, string>
}

/** Runs an effect in the test's runtime. @since 0.1.0 @category models */
export type Run = <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>

const isDomainFailure = (e: unknown) =>
  typeof e === "object" && e !== null && "_tag" in e &&
  ["Conflict", "ValidationError", "NotFound", "PermissionDenied"].includes(String(e._tag))

/** The invariants, checked with SQL over the whole database. */
/** @since 0.1.0 @category invariants */
export const invariants = Effect.gen(function*() {
  const raw = yield* RawAccess
  const overlap = (column: string, table = "appointments", flag = `status IN ${blocking}`) =>
    raw.execute(
      `SELECT x.${column} FROM ${table} x JOIN ${table} y
         ON x.clinic_id = y.clinic_id AND x.${column} = y.${column} AND x.${table === "appointments" ? "id" : "appointment_id"} < y.${table === "appointments" ? "id" : "appointment_id"}
       WHERE x.busy_start < y.busy_end AND y.busy_start < x.busy_end AND x.${flag} AND y.${flag}`
    )
  expect(yield* overlap("doctor_id")).toEqual([])
  expect(yield* overlap("patient_id")).toEqual([])
  expect(yield* raw.execute(
    `SELECT x.room_id FROM appointment_rooms x JOIN appointment_rooms y
       ON x.clinic_id = y.clinic_id AND x.room_id = y.room_id AND x.appointment_id < y.appointment_id
     WHERE x.busy_start < y.busy_end AND y.busy_start < x.busy_end AND x.blocking = ? AND y.blocking = ?`,
    raw.dialect === "pg" ? [true, true] : [1, 1]
  )).toEqual([])
  expect(yield* raw.execute(
    `SELECT a.id FROM appointments a
       LEFT JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
       LEFT JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
     WHERE d.id IS NULL OR (a.patient_id IS NOT NULL AND p.id IS NULL)`
  )).toEqual([])
  // Only a public request staff have not matched is nobody's: it was never accepted.
  expect(yield* raw.execute(
    `SELECT id, status FROM appointments
     WHERE patient_id IS NULL AND (source <> 'public' OR status NOT IN ('requested', 'cancelled', 'expired'))`
  )).toEqual([])
})

/** @since 0.1.0 @category commands */
export class Book implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly clinic: number,
    readonly doctor: number,
    readonly patient: number,
    readonly quarter: number,
    readonly quarters: number,
    readonly withService: boolean,
    readonly key: string | undefined,
    readonly run_: Run
  ) {}
  check = () => true
  async run(model: Model, world: World) {
    const c = world.clinics[this.clinic]!
    const start = world.base + this.quarter * QUARTER
    const input = {
      doctorId: c.doctors[this.doctor]!,
      patientId: c.patients[this.patient]!,
      start,
      ...(this.withService ? { serviceId: c.serviceId } : { end: start + this.quarters * QUARTER }),
      ...(this.key === undefined ? {} : { idempotencyKey: `${this.clinic}-${this.key}` })
    }
    const result = await this.run_(Effect.either(Effect.flatMap(Scheduling, (s) => s.book(input)).pipe(c.fixture.asAdmin)))
    if (result._tag === "Left") expect(isDomainFailure(result.left)).toBe(true)
    else {
      count(world, "book")
      if (this.key !== undefined) {
        const previous = model.keys.get(`${this.clinic}-${this.key}`)
        if (previous !== undefined) expect(result.right.id).toBe(previous)
        model.keys.set(`${this.clinic}-${this.key}`, result.right.id)
      }
      if (!model.appointments.some((a) => a.id === result.right.id)) model.appointments.push({ clinic: this.clinic, id: result.right.id })
    }
    await this.run_(invariants)
  }
  toString = () => `book(c${this.clinic} d${this.doctor} p${this.patient} q${this.quarter}+${this.quarters} ${this.withService ? "svc" : ""} ${this.key ?? ""})`
}

/** @since 0.1.0 @category commands */
export class Change implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly kind: "reschedule" | "cancel" | "status" | "expire" | "match",
    readonly pick: number,
    readonly quarter: number,
    readonly status: Appointment["status"],
    readonly run_: Run
  ) {}
  check = (model: Readonly<Model>) => model.appointments.length > 0
  async run(model: Model, world: World) {
    const target = model.appointments[this.pick % model.appointments.length]!
    const c = world.clinics[target.clinic]!
    const other = world.clinics[(target.clinic + 1) % world.clinics.length]!
    // Another clinic's admin never reaches it.
    if (other !== c) {
      const foreign = await this.run_(Effect.either(Effect.flatMap(Scheduling, (s) => s.get(target.id)).pipe(other.fixture.asAdmin)))
      expect(foreign._tag === "Left" && (foreign.left as { _tag: string })._tag).toBe("NotFound")
    }
    const effect: Effect.Effect<unknown, unknown, Actor.Actor | Scheduling | RawAccess> = this.kind === "reschedule"
      ? Effect.flatMap(Scheduling, (s) => s.reschedule({ id: target.id, start: world.base + this.quarter * QUARTER }))
      : this.kind === "cancel"
      ? Effect.flatMap(Scheduling, (s) => s.cancel({ id: target.id, reason: "model" }))
      : this.kind === "status"
      ? Effect.flatMap(Scheduling, (s) => s.setStatus({ id: target.id, status: this.status }))
      : this.kind === "match"
      ? Effect.flatMap(Scheduling, (s) => s.confirmRequest({ id: target.id, patientId: c.patients[this.quarter % c.patients.length]! }))
      : Effect.gen(function*() {
        const raw = yield* RawAccess
        yield* raw.execute("UPDATE appointments SET expires_at = ? WHERE id = ? AND status = 'requested'", [raw.instant(Date.now() - 1), target.id])
        return yield* Effect.flatMap(Scheduling, (s) => s.expireRequests())
      })
    const result = await this.run_(Effect.either(effect.pipe(c.fixture.asAdmin)))
    if (result._tag === "Left") expect(isDomainFailure(result.left)).toBe(true)
    else count(world, this.kind)
    await this.run_(invariants)
  }
  toString = () => `${this.kind}(#${this.pick} q${this.quarter} ${this.status})`
}

/** @since 0.1.0 @category commands */
export class Request implements fc.AsyncCommand<Model, World> {
  constructor(readonly clinic: number, readonly doctor: number, readonly quarter: number, readonly phone: number, readonly run_: Run) {}
  check = () => true
  async run(model: Model, world: World) {
    const c = world.clinics[this.clinic]!
    const result = await this.run_(Effect.either(Effect.flatMap(Scheduling, (s) =>
      s.request({
        doctorId: c.doctors[this.doctor]!,
        serviceId: c.serviceId,
        start: world.base + this.quarter * QUARTER,
        patient: { fullName: "Model Public", phone: `+1 415 555 ${String(1000 + this.phone)}` }
      })).pipe(Actor.asPublic(c.fixture.clinic.slug))))
    if (result._tag === "Left") expect(isDomainFailure(result.left)).toBe(true)
    else {
      count(world, "request")
      model.appointments.push({ clinic: this.clinic, id: result.right.id })
    }
    await this.run_(invariants)
  }
  toString = () => `request(c${this.clinic} d${this.doctor} q${this.quarter})`
}


/**
 * The command arbitraries over `world`'s clinics: starts on the quarter hours of the 6¼ hours
 * after `world.base`.
 *
 * @since 0.1.0 @category commands
 */
export const commands = (
  run: Run,
  shape: { readonly clinics: number; readonly doctors: number; readonly patients: number } = { clinics: 2, doctors: 2, patients: 3 }
) => {
  const quarter = fc.integer({ min: 0, max: 24 })
  const clinic = fc.nat(shape.clinics - 1)
  const doctor = fc.nat(shape.doctors - 1)
  const commands = [
    fc.tuple(clinic, doctor, fc.nat(shape.patients - 1), quarter, fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: undefined }))
      .map(([c, d, p, q, n, s, k]) => new Book(c, d, p, q, n, s, k, run)),
    fc.tuple(fc.constantFrom("reschedule", "cancel", "status", "expire", "match") as fc.Arbitrary<Change["kind"]>, fc.nat(), quarter,
      fc.constantFrom("scheduled", "confirmed", "checked_in", "completed", "no_show", "cancelled") as fc.Arbitrary<Appointment["status"]>)
      .map(([k, pick, q, st]) => new Change(k, pick, q, st, run)),
    fc.tuple(clinic, doctor, quarter, fc.nat(20)).map(([c, d, q, ph]) => new Request(c, d, q, ph, run))
  ]
  return commands
}
