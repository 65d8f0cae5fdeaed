import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Clinics, staff, doctors, patients and the base of appointments. Every tenant key (primary,
 * unique, foreign) starts with `clinic_id`, so a cross-clinic reference cannot be stored.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE clinics (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL CONSTRAINT clinics_slug_key UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    settings TEXT NOT NULL,
    data_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT`
  yield* sql`CREATE TABLE staff (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'doctor', 'receptionist', 'nurse')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'inactive', 'rejected')),
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT staff_email_key UNIQUE (clinic_id, email)
  ) STRICT`
  yield* sql`CREATE TABLE doctors (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    specialty TEXT NOT NULL,
    staff_id TEXT,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT doctors_staff_fkey FOREIGN KEY (clinic_id, staff_id) REFERENCES staff (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE TABLE patients (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    full_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT,
    date_of_birth TEXT,
    national_id_cipher TEXT,
    national_id_index TEXT,
    blocked INTEGER NOT NULL CHECK (blocked IN (0, 1)),
    blocked_reason TEXT,
    primary_doctor_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT patients_phone_key UNIQUE (clinic_id, phone),
    CONSTRAINT patients_national_id_key UNIQUE (clinic_id, national_id_index),
    CONSTRAINT patients_primary_doctor_fkey FOREIGN KEY (clinic_id, primary_doctor_id) REFERENCES doctors (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX patients_created_idx ON patients (clinic_id, created_at)`
  yield* sql`CREATE TABLE appointments (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    created_by TEXT,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CHECK (end_at > start_at),
    FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, created_by) REFERENCES staff (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX appointments_doctor_idx ON appointments (clinic_id, doctor_id, start_at)`
  yield* sql`CREATE INDEX appointments_patient_idx ON appointments (clinic_id, patient_id, start_at)`
  yield* sql`CREATE INDEX appointments_created_by_idx ON appointments (clinic_id, created_by)`
  yield* sql`CREATE INDEX doctors_staff_idx ON doctors (clinic_id, staff_id)`
  yield* sql`CREATE INDEX patients_primary_doctor_idx ON patients (clinic_id, primary_doctor_id)`
})
