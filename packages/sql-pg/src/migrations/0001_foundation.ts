import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Clinics, staff, doctors, patients and the base of appointments. Every tenant key (primary,
 * unique, foreign) starts with `clinic_id`, so a cross-clinic reference cannot be stored.
 *
 * Row-level security is the second line of defence behind the repositories' own `clinic_id`
 * filters: every table is FORCED so that even the owner (who a small installation may well run
 * as) is filtered, and the policies compare with a transaction-local setting so a tenant can never
 * outlive the transaction that set it on a pooled connection.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // Not used by this migration: the scheduling migrations need it for exclusion constraints over
  // (clinic_id, doctor_id, time range), and installing it early keeps those migrations privilege-free.
  yield* sql`CREATE EXTENSION IF NOT EXISTS btree_gist`

  // NULLIF turns "never set" and "set to ''" (what a reset leaves behind) into NULL, and
  // `clinic_id = NULL` is never true: no tenant means no rows. SQL-language and STABLE so the
  // planner inlines it and can still use the (clinic_id, …) indexes.
  yield* sql`CREATE FUNCTION clinicore_current_clinic() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('clinicore.clinic_id', true), '')::uuid $$`

  yield* sql`CREATE TABLE clinics (
    id uuid PRIMARY KEY,
    slug text NOT NULL CONSTRAINT clinics_slug_key UNIQUE,
    name text NOT NULL,
    time_zone text NOT NULL,
    currency text NOT NULL,
    active boolean NOT NULL,
    settings jsonb NOT NULL,
    data_key text NOT NULL,
    created_at timestamptz NOT NULL
  )`
  yield* sql`CREATE TABLE staff (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'doctor', 'receptionist', 'nurse')),
    status text NOT NULL CHECK (status IN ('pending', 'active', 'inactive', 'rejected')),
    password_hash text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT staff_email_key UNIQUE (clinic_id, email)
  )`
  yield* sql`CREATE TABLE doctors (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    name text NOT NULL,
    specialty text NOT NULL,
    staff_id uuid,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT doctors_staff_fkey FOREIGN KEY (clinic_id, staff_id) REFERENCES staff (clinic_id, id)
  )`
  yield* sql`CREATE TABLE patients (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    full_name text NOT NULL,
    phone text NOT NULL,
    email text,
    date_of_birth text,
    national_id_cipher text,
    national_id_index text,
    blocked boolean NOT NULL,
    blocked_reason text,
    primary_doctor_id uuid,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT patients_phone_key UNIQUE (clinic_id, phone),
    CONSTRAINT patients_national_id_key UNIQUE (clinic_id, national_id_index),
    CONSTRAINT patients_primary_doctor_fkey FOREIGN KEY (clinic_id, primary_doctor_id) REFERENCES doctors (clinic_id, id)
  )`
  yield* sql`CREATE INDEX patients_created_idx ON patients (clinic_id, created_at)`
  yield* sql`CREATE TABLE appointments (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    doctor_id uuid NOT NULL,
    patient_id uuid NOT NULL,
    created_by uuid,
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CHECK (end_at > start_at),
    FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, created_by) REFERENCES staff (clinic_id, id)
  )`
  yield* sql`CREATE INDEX appointments_doctor_idx ON appointments (clinic_id, doctor_id, start_at)`
  yield* sql`CREATE INDEX appointments_patient_idx ON appointments (clinic_id, patient_id, start_at)`
  yield* sql`CREATE INDEX appointments_created_by_idx ON appointments (clinic_id, created_by)`
  yield* sql`CREATE INDEX doctors_staff_idx ON doctors (clinic_id, staff_id)`
  yield* sql`CREATE INDEX patients_primary_doctor_idx ON patients (clinic_id, primary_doctor_id)`

  // A clinic is its own tenant: creating one sets the tenant to the new id first, so the insert
  // passes WITH CHECK, and a clinic can never read or change another clinic's row.
  yield* sql`ALTER TABLE clinics ENABLE ROW LEVEL SECURITY`
  yield* sql`ALTER TABLE clinics FORCE ROW LEVEL SECURITY`
  yield* sql`CREATE POLICY clinics_tenant ON clinics
    USING (id = clinicore_current_clinic())
    WITH CHECK (id = clinicore_current_clinic())`

  for (const table of ["staff", "doctors", "patients", "appointments"]) {
    yield* sql`ALTER TABLE ${sql(table)} ENABLE ROW LEVEL SECURITY`
    yield* sql`ALTER TABLE ${sql(table)} FORCE ROW LEVEL SECURITY`
    yield* sql`CREATE POLICY ${sql(`${table}_tenant`)} ON ${sql(table)}
      USING (clinic_id = clinicore_current_clinic())
      WITH CHECK (clinic_id = clinicore_current_clinic())`
  }
})
