/**
 * Patients, as stored: the national id only as ciphertext and blind index.
 */
import { Conflict } from "@clinicore/core/Errors"
import { ClinicId, DoctorId, PatientId } from "@clinicore/core/Ids"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { crossClinic } from "./guard.js"
import { all, Bool, first, Instant, NullableText, orDie } from "./rows.js"

/** A `patients` row as the port's `PatientRow`. */
const PatientRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    full_name: Schema.String,
    phone: Schema.String,
    email: NullableText,
    date_of_birth: NullableText,
    national_id_cipher: NullableText,
    national_id_index: NullableText,
    blocked: Bool,
    blocked_reason: NullableText,
    primary_doctor_id: NullableText,
    gender: NullableText,
    blood_group: NullableText,
    address: NullableText,
    created_at: Instant
  }),
  Schema.Struct({
    id: PatientId,
    clinicId: ClinicId,
    fullName: Schema.String,
    phone: Schema.String,
    email: NullableText,
    dateOfBirth: NullableText,
    nationalIdCipher: NullableText,
    nationalIdIndex: NullableText,
    blocked: Schema.Boolean,
    blockedReason: NullableText,
    primaryDoctorId: Schema.NullOr(DoctorId),
    gender: NullableText,
    bloodGroup: NullableText,
    address: NullableText,
    createdAt: Schema.Number
  }),
  {
    strict: true,
    decode: (r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      fullName: r.full_name,
      phone: r.phone,
      email: r.email,
      dateOfBirth: r.date_of_birth,
      nationalIdCipher: r.national_id_cipher,
      nationalIdIndex: r.national_id_index,
      blocked: r.blocked,
      blockedReason: r.blocked_reason,
      primaryDoctorId: r.primary_doctor_id,
      gender: r.gender,
      bloodGroup: r.blood_group,
      address: r.address,
      createdAt: r.created_at
    }),
    encode: (p) => ({
      id: p.id,
      clinic_id: p.clinicId,
      full_name: p.fullName,
      phone: p.phone,
      email: p.email,
      date_of_birth: p.dateOfBirth,
      national_id_cipher: p.nationalIdCipher,
      national_id_index: p.nationalIdIndex,
      blocked: p.blocked,
      blocked_reason: p.blockedReason,
      primary_doctor_id: p.primaryDoctorId,
      gender: p.gender,
      blood_group: p.bloodGroup,
      address: p.address,
      created_at: p.createdAt
    })
  }
)

/** @internal */
export const decodePatientRow = Schema.decodeUnknownSync(PatientRow)

const firstPatient = first(PatientRow)
const allPatients = all(PatientRow)

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

const conflicts = (p: Storage.PatientRow) => ({
  unique: (detail: string) =>
    detail.includes("phone")
      ? new Conflict({ reason: { _tag: "duplicate_phone", phone: p.phone } })
      : detail.includes("national_id")
      ? new Conflict({ reason: { _tag: "duplicate_national_id" } })
      : undefined,
  foreignKey: () => crossClinic("primaryDoctorId")
})

/** @internal */
export const make = (context: Context): Storage.PatientRepository => {
  const { dialect, guard, sql } = context
  const dependents = context.dependents([["appointments", "appointments", "patient_id"], ["invoices", "invoices", "patient_id"]])

  return {
    insert: (p) =>
      guard(
        sql`INSERT INTO patients (clinic_id, id, full_name, phone, email, date_of_birth, national_id_cipher,
              national_id_index, blocked, blocked_reason, primary_doctor_id, gender, blood_group, address, created_at)
            VALUES (${p.clinicId}, ${p.id}, ${p.fullName}, ${p.phone}, ${p.email}, ${p.dateOfBirth},
              ${p.nationalIdCipher}, ${p.nationalIdIndex}, ${dialect.bool(p.blocked)}, ${p.blockedReason},
              ${p.primaryDoctorId}, ${p.gender}, ${p.bloodGroup}, ${p.address}, ${dialect.instant(p.createdAt)})`,
        conflicts(p)
      ),
    findById: (clinicId, id) =>
      orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.map(firstPatient)),
    findByPhone: (clinicId, phone) =>
      orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND phone = ${phone}`).pipe(Effect.map(firstPatient)),
    findByNationalIdIndex: (clinicId, index) =>
      orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND national_id_index = ${index}`).pipe(
        Effect.map(allPatients)
      ),
    search: (clinicId, { limit, offset, text }) => {
      const needle = text?.trim().toLowerCase() ?? ""
      const digits = needle.replace(/\D/g, "")
      const match = needle === ""
        ? []
        : [sql`(lower(full_name) LIKE ${`%${escapeLike(needle)}%`} ESCAPE '\\'${
          digits.length >= 3 ? sql` OR phone LIKE ${`%${digits}%`}` : sql``
        })`]
      return orDie(sql`SELECT * FROM patients WHERE ${sql.and([sql`clinic_id = ${clinicId}`, ...match])}
          ORDER BY created_at DESC, id LIMIT ${limit} OFFSET ${offset}`).pipe(Effect.map(allPatients))
    },
    update: (p) =>
      guard(
        sql`UPDATE patients SET full_name = ${p.fullName}, phone = ${p.phone}, email = ${p.email},
            date_of_birth = ${p.dateOfBirth}, national_id_cipher = ${p.nationalIdCipher},
            national_id_index = ${p.nationalIdIndex}, blocked = ${dialect.bool(p.blocked)},
            blocked_reason = ${p.blockedReason}, primary_doctor_id = ${p.primaryDoctorId},
            gender = ${p.gender}, blood_group = ${p.bloodGroup}, address = ${p.address}
            WHERE clinic_id = ${p.clinicId} AND id = ${p.id}`,
        conflicts(p)
      ).pipe(Effect.asVoid),
    delete: context.remove("patients", dependents),
    dependents
  }
}
