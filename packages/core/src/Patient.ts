/**
 * Patients. The phone is stored in E.164 and unique per clinic; the national id is stored only
 * encrypted, with a keyed blind index for exact lookup.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId, DoctorId, PatientId } from "./Ids.js"
import { Email, PersonName } from "./StaffAccount.js"

/** `YYYY-MM-DD`, a real calendar date. @since 0.1.0 @category models */
export const IsoDate = Schema.String.pipe(
  Schema.filter((s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
    if (!m) return false
    const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!))
    return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!
  }, { message: () => "must be a date written YYYY-MM-DD" })
)

/** A phone number as typed; normalised to E.164 with the clinic's region by the service. @since 0.1.0 @category models */
export const PhoneInput = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(40, { message: () => "must be at most 40 characters" })
)

/**
 * A national id as typed. The schema's messages never repeat the value.
 *
 * @since 0.1.0 @category models
 */
export const NationalId = Schema.String.pipe(
  Schema.filter((s) => /^[A-Za-z0-9][A-Za-z0-9 .\-/]{2,39}$/.test(s.trim()), {
    message: () => "must be 3–40 letters, digits, spaces, dots, dashes or slashes"
  })
)

/** Gender as the clinic records it (free text, e.g. `female`, `male`, `other`). @since 0.2.0 @category models */
export const Gender = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(40, { message: () => "must be at most 40 characters" })
)

/** ABO group and Rh factor, written `A+`, `O-`, `AB+`…; stored upper-case. @since 0.2.0 @category models */
export const BloodGroup = Schema.compose(Schema.Trim, Schema.Uppercase).pipe(
  Schema.pattern(/^(A|B|AB|O)[+-]$/, { message: () => "must be one of A+, A-, B+, B-, AB+, AB-, O+, O-" })
)

/** A postal address, one free-text field (line breaks allowed). @since 0.2.0 @category models */
export const Address = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(500, { message: () => "must be at most 500 characters" })
)

/** @since 0.1.0 @category models */
export class Patient extends Schema.Class<Patient>("@clinicore/core/Patient")({
  id: PatientId,
  clinicId: ClinicId,
  fullName: PersonName,
  /** E.164, e.g. `+14155550101`. */
  phone: Schema.String,
  email: Schema.OptionFromNullOr(Email),
  dateOfBirth: Schema.OptionFromNullOr(IsoDate),
  /** Decrypted on read; `Redacted` so it never lands in a log by accident. */
  nationalId: Schema.OptionFromNullOr(Schema.Redacted(Schema.String)),
  blocked: Schema.Boolean,
  blockedReason: Schema.OptionFromNullOr(Schema.String),
  primaryDoctorId: Schema.OptionFromNullOr(DoctorId),
  gender: Schema.OptionFromNullOr(Schema.String),
  bloodGroup: Schema.OptionFromNullOr(Schema.String),
  address: Schema.OptionFromNullOr(Schema.String),
  createdAt: Schema.Number
}) {}

/** @since 0.1.0 @category inputs */
export const CreatePatient = Schema.Struct({
  fullName: PersonName,
  phone: PhoneInput,
  email: Schema.optional(Email),
  dateOfBirth: Schema.optional(IsoDate),
  nationalId: Schema.optional(NationalId),
  primaryDoctorId: Schema.optional(DoctorId),
  gender: Schema.optional(Gender),
  bloodGroup: Schema.optional(BloodGroup),
  address: Schema.optional(Address)
})
/** @since 0.1.0 @category inputs */
export type CreatePatient = typeof CreatePatient.Encoded

/** Only the given fields change; `null` clears an optional one. @since 0.1.0 @category inputs */
export const UpdatePatient = Schema.Struct({
  id: PatientId,
  fullName: Schema.optional(PersonName),
  phone: Schema.optional(PhoneInput),
  email: Schema.optional(Schema.NullOr(Email)),
  dateOfBirth: Schema.optional(Schema.NullOr(IsoDate)),
  nationalId: Schema.optional(Schema.NullOr(NationalId)),
  primaryDoctorId: Schema.optional(Schema.NullOr(DoctorId)),
  gender: Schema.optional(Schema.NullOr(Gender)),
  bloodGroup: Schema.optional(Schema.NullOr(BloodGroup)),
  address: Schema.optional(Schema.NullOr(Address))
})
/** @since 0.1.0 @category inputs */
export type UpdatePatient = typeof UpdatePatient.Encoded

/** @since 0.1.0 @category inputs */
export const PatientSearch = Schema.Struct({
  /** Matches a part of the name (case-insensitive) or of the phone digits. */
  text: Schema.optional(Schema.String),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 500)), { default: () => 50 }),
  offset: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 })
})
/** @since 0.1.0 @category inputs */
export type PatientSearch = typeof PatientSearch.Encoded
