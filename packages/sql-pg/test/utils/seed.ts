/**
 * Clinics with a doctor and patients, created through the library (so through row-level security
 * as the app role), plus an appointment inserted as the superuser because no service books yet.
 */
import { randomBytes, randomUUID } from "node:crypto"
import * as Actor from "@clinicore/core/Actor"
import type { Clinic } from "@clinicore/core/Clinic"
import { Clinics } from "@clinicore/core/Clinics"
import type { Doctor } from "@clinicore/core/Doctor"
import { Doctors } from "@clinicore/core/Doctors"
import type { Patient } from "@clinicore/core/Patient"
import { Patients } from "@clinicore/core/Patients"
import type { StaffAccount } from "@clinicore/core/StaffAccount"
import { RawAccess } from "@clinicore/testing/RawAccess"
import * as Effect from "effect/Effect"

export interface SeededClinic {
  readonly clinic: Clinic
  readonly admin: StaffAccount
  readonly doctor: Doctor
  readonly patients: ReadonlyArray<Patient>
}

export const seedClinic = (label: string, patientCount = 1) =>
  Effect.gen(function*() {
    const tag = `${label.toLowerCase()}-${randomBytes(4).toString("hex")}`
    const { admin, clinic } = yield* Effect.flatMap(Clinics, (clinics) =>
      clinics.create({
        name: `Clinic ${label}`,
        slug: tag,
        timeZone: "America/New_York",
        currency: "USD",
        admin: { name: `Admin ${label}`, email: `admin@${tag}.example.com` }
      })).pipe(Actor.asPlatform)
    const asAdmin = Actor.withUser(clinic.id, admin.id)
    const doctor = yield* Effect.flatMap(Doctors, (doctors) => doctors.create({ name: `Dr ${label}`, specialty: "General" }))
      .pipe(asAdmin)
    const patients = yield* Effect.forEach(
      Array.from({ length: patientCount }, (_, i) => i),
      (i) =>
        Effect.flatMap(Patients, (patients) =>
          patients.create({
            fullName: `Patient ${label} ${i}`,
            phone: `+1 212 555 ${String(1000 + i).padStart(4, "0")}`,
            primaryDoctorId: doctor.id
          })).pipe(asAdmin)
    )
    const raw = yield* RawAccess
    const start = Date.UTC(2030, 0, 7, 9)
    yield* raw.execute(
      `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', ?)`,
      [clinic.id, randomUUID(), doctor.id, patients[0]!.id, admin.id, raw.instant(start), raw.instant(start + 1_800_000), raw.instant(Date.now())]
    )
    return { clinic, admin, doctor, patients } satisfies SeededClinic
  })
