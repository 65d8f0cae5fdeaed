/**
 * Doctors.
 */
import { Doctor } from "@clinicore/core/Doctor"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { crossClinic } from "./guard.js"
import { all, Bool, first, Instant, Integer, NullableText, orDie } from "./rows.js"

/** A `doctors` row as the doctor. */
export const DoctorRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    name: Schema.String,
    specialty: Schema.String,
    staff_id: NullableText,
    active: Bool,
    created_at: Instant,
    version: Integer
  }),
  Doctor,
  {
    strict: true,
    decode: (r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      name: r.name,
      specialty: r.specialty,
      staffId: r.staff_id,
      active: r.active,
      createdAt: r.created_at,
      version: r.version
    }),
    encode: (d) => ({
      id: d.id,
      clinic_id: d.clinicId,
      name: d.name,
      specialty: d.specialty,
      staff_id: d.staffId,
      active: d.active,
      created_at: d.createdAt,
      version: d.version
    })
  }
)

const firstDoctor = first(DoctorRow)
const allDoctors = all(DoctorRow)

/** @internal */
export const make = (context: Context): Storage.DoctorRepository => {
  const { byName, dialect, guard, sql } = context
  const dependents = context.dependents([
    ["appointments", "appointments", "doctor_id"],
    ["patients", "patients", "primary_doctor_id"],
    ["services", "service_doctors", "doctor_id"]
  ])

  return {
    insert: (d) =>
      guard(
        sql`INSERT INTO doctors (clinic_id, id, name, specialty, staff_id, active, created_at)
            VALUES (${d.clinicId}, ${d.id}, ${d.name}, ${d.specialty}, ${Option.getOrNull(d.staffId)},
              ${dialect.bool(d.active)}, ${dialect.instant(d.createdAt)})`,
        { foreignKey: () => crossClinic("staffId") }
      ),
    findById: (clinicId, id) =>
      orDie(sql`SELECT * FROM doctors WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.map(firstDoctor)),
    list: (clinicId, filter) => byName("doctors", clinicId, filter).pipe(Effect.map(allDoctors)),
    update: (d) =>
      guard(
        sql`UPDATE doctors SET name = ${d.name}, specialty = ${d.specialty}, staff_id = ${Option.getOrNull(d.staffId)},
            active = ${dialect.bool(d.active)}, version = version + 1 WHERE clinic_id = ${d.clinicId} AND id = ${d.id}`,
        { foreignKey: () => crossClinic("staffId") }
      ).pipe(Effect.asVoid),
    delete: context.remove("doctors", dependents),
    dependents
  }
}
