/**
 * The Schedules service: doctors' working-time rules and clinic holidays.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import { type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { DoctorId } from "./Ids.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { IsoDate } from "./Patient.js"
import { DoctorRules, emptyRules, Holiday } from "./Schedule.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Schedules {
  /** A doctor's rules (no working time when none were set). */
  readonly get: (doctorId: string) => Effect.Effect<DoctorRules, ValidationError | NotFound | Refusal, Actor>
  /** Replaces a doctor's rules. */
  readonly set: (
    input: { readonly doctorId: string; readonly rules: typeof DoctorRules.Encoded }
  ) => Effect.Effect<DoctorRules, ValidationError | NotFound | Refusal, Actor>
  /** Holidays between two ISO dates, inclusive. */
  readonly holidays: (
    range: { readonly from: string; readonly to: string }
  ) => Effect.Effect<ReadonlyArray<Holiday>, ValidationError | Refusal, Actor>
  readonly setHoliday: (holiday: Holiday) => Effect.Effect<Holiday, ValidationError | Refusal, Actor>
  readonly removeHoliday: (date: string) => Effect.Effect<void, ValidationError | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Schedules: Context.Tag<Schedules, Schedules> = Context.GenericTag<Schedules>("@clinicore/core/Schedules")

const SetInput = Schema.Struct({ doctorId: DoctorId, rules: DoctorRules })
const Range = Schema.Struct({ from: IsoDate, to: IsoDate })
const DateInput = Schema.Struct({ date: IsoDate })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Schedules, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { storage } = deps

  const doctorOf = (clinicId: Parameters<typeof storage.doctors.findById>[0], raw: string) =>
    Effect.gen(function*() {
      const { doctorId } = yield* decode(Schema.Struct({ doctorId: DoctorId }), { doctorId: raw })
      const doctor = yield* storage.doctors.findById(clinicId, doctorId)
      if (Option.isNone(doctor)) return yield* new NotFound({ entity: "Doctor", id: doctorId })
      return doctor.value
    })

  return {
    get: (doctorId) =>
      clinicOperation(deps, "Schedules.get", ({ clinic }) =>
        Effect.gen(function*() {
          const doctor = yield* doctorOf(clinic.id, doctorId)
          return Option.getOrElse(yield* storage.schedules.rules(clinic.id, doctor.id), () => emptyRules)
        }), () => doctorId),
    set: (input) =>
      clinicOperation(deps, "Schedules.set", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(SetInput, input)
          const doctor = yield* doctorOf(clinic.id, valid.doctorId)
          yield* storage.schedules.setRules(clinic.id, doctor.id, valid.rules, yield* Clock.currentTimeMillis)
          return valid.rules
        }), () => input.doctorId),
    holidays: (range) =>
      clinicOperation(deps, "Schedules.holidays", ({ clinic }) =>
        Effect.flatMap(decode(Range, range), (valid) => storage.schedules.holidays(clinic.id, valid.from, valid.to))),
    setHoliday: (holiday) =>
      clinicOperation(deps, "Schedules.setHoliday", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(Holiday, holiday)
          yield* storage.schedules.putHoliday(clinic.id, valid)
          return valid
        }), (h) => h.date),
    removeHoliday: (date) =>
      clinicOperation(deps, "Schedules.removeHoliday", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(DateInput, { date })
          yield* storage.schedules.deleteHoliday(clinic.id, valid.date)
          return valid.date
        }), (d) => d).pipe(Effect.asVoid)
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Schedules, never, Storage | FieldCrypto> = Layer.effect(Schedules, make)
