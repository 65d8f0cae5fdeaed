/**
 * Doctors: the people appointments are booked with. A doctor may be linked to a staff account.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId, DoctorId, StaffId } from "./Ids.js"
import { PersonName } from "./StaffAccount.js"

/** @since 0.1.0 @category models */
export const Specialty = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(200, { message: () => "must be at most 200 characters" })
)

/** @since 0.1.0 @category models */
export class Doctor extends Schema.Class<Doctor>("@clinicore/core/Doctor")({
  id: DoctorId,
  clinicId: ClinicId,
  name: PersonName,
  specialty: Specialty,
  staffId: Schema.OptionFromNullOr(StaffId),
  active: Schema.Boolean,
  createdAt: Schema.Number,
  /** Moves on with every change; a booking is written only if it has not moved since it was read. */
  version: Schema.Int
}) {}

/** @since 0.1.0 @category inputs */
export const CreateDoctor = Schema.Struct({
  name: PersonName,
  specialty: Specialty,
  staffId: Schema.optional(StaffId)
})
/** @since 0.1.0 @category inputs */
export type CreateDoctor = typeof CreateDoctor.Encoded

/** @since 0.1.0 @category inputs */
export const UpdateDoctor = Schema.Struct({
  id: DoctorId,
  name: Schema.optional(PersonName),
  specialty: Schema.optional(Specialty),
  staffId: Schema.optional(Schema.NullOr(StaffId))
})
/** @since 0.1.0 @category inputs */
export type UpdateDoctor = typeof UpdateDoctor.Encoded
