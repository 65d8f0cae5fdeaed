/**
 * The patient rules shared by every path that writes a patient (the service, the import): the
 * checks that need the clinic or the clock, and the row a valid input makes.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { zoned } from "../Availability.js"
import type { Clinic } from "../Clinic.js"
import type { FieldIssue } from "../Errors.js"
import type { FieldCrypto } from "../FieldCrypto.js"
import type { ClinicId, PatientId } from "../Ids.js"
import { type CreatePatient, Patient } from "../Patient.js"
import { normalizePhone } from "../Phone.js"
import type { PatientRow } from "../Storage.js"
import { rawString } from "./validation.js"

/** Where a patient's national id is sealed: the additional data its ciphertext is bound to. */
export const nationalIdAt = (clinicId: ClinicId, rowId: string) => ({ clinicId, table: "patients", column: "national_id", rowId })

/** The patient a stored row holds, its national id decrypted (and `Redacted`). */
export const patientOf = (fieldCrypto: FieldCrypto, dataKey: string, row: PatientRow) =>
  Effect.gen(function*() {
    const nationalId = row.nationalIdCipher === null
      ? Option.none()
      : Option.some(Redacted.make(yield* fieldCrypto.decrypt(dataKey, nationalIdAt(row.clinicId, row.id), row.nationalIdCipher)))
    return new Patient({
      id: row.id,
      clinicId: row.clinicId,
      fullName: row.fullName,
      phone: row.phone,
      email: Option.fromNullable(row.email),
      dateOfBirth: Option.fromNullable(row.dateOfBirth),
      nationalId,
      blocked: row.blocked,
      blockedReason: Option.fromNullable(row.blockedReason),
      primaryDoctorId: Option.fromNullable(row.primaryDoctorId),
      gender: Option.fromNullable(row.gender),
      bloodGroup: Option.fromNullable(row.bloodGroup),
      address: Option.fromNullable(row.address),
      createdAt: row.createdAt
    })
  })

/** Checks that need the clinic or the clock, run on raw input beside schema decoding. */
export const contextIssues = (clinic: Clinic, now: number, input: unknown): Array<FieldIssue> => {
  const issues: Array<FieldIssue> = []
  const phone = rawString(input, "phone")
  if (phone !== undefined && phone.trim() !== "") {
    const normalized = normalizePhone(phone, clinic.settings.defaultPhoneRegion)
    if (Either.isLeft(normalized)) issues.push({ path: "phone", message: normalized.left })
  }
  const dob = rawString(input, "dateOfBirth")
  if (dob !== undefined && dob > zoned.date(clinic.timeZone, now)) {
    issues.push({ path: "dateOfBirth", message: "must not be in the future" })
  }
  return issues
}

/** The phone in E.164 (only after `contextIssues` found nothing wrong with it). */
export const phoneOf = (clinic: Clinic, phone: string): string =>
  Either.getOrThrow(normalizePhone(phone, clinic.settings.defaultPhoneRegion))

/** The stored row of a new patient from a decoded input, without a national id. */
export const newPatientRow = (
  clinic: Clinic,
  id: PatientId,
  valid: typeof CreatePatient.Type,
  createdAt: number
): PatientRow => ({
  id,
  clinicId: clinic.id,
  fullName: valid.fullName,
  phone: phoneOf(clinic, valid.phone),
  email: valid.email ?? null,
  dateOfBirth: valid.dateOfBirth ?? null,
  nationalIdCipher: null,
  nationalIdIndex: null,
  blocked: false,
  blockedReason: null,
  primaryDoctorId: valid.primaryDoctorId ?? null,
  gender: valid.gender ?? null,
  bloodGroup: valid.bloodGroup ?? null,
  address: valid.address ?? null,
  createdAt
})
