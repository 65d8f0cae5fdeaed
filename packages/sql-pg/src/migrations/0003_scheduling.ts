import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Scheduling: services and rooms, doctors' working-time rules, clinic holidays, and the full
 * appointment row. The no-overlap rule (DESIGN §7) is the database's: exclusion constraints over
 * each appointment's busy interval (buffers included, half-open so back-to-back is fine) per
 * doctor, per patient and per room, for the time-blocking statuses only. Two writers racing for
 * the same time cannot both commit, whatever the code above checked first.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE TABLE services (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    name text NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
    buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    price_minor bigint NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clinic_id, id)
  )`
  yield* sql`CREATE TABLE rooms (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('room', 'equipment')),
    active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (clinic_id, id)
  )`
  yield* sql`CREATE TABLE service_doctors (
    clinic_id uuid NOT NULL,
    service_id uuid NOT NULL,
    doctor_id uuid NOT NULL,
    PRIMARY KEY (clinic_id, service_id, doctor_id),
    CONSTRAINT service_doctors_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
    CONSTRAINT service_doctors_doctor_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id)
  )`
  yield* sql`CREATE INDEX service_doctors_doctor_idx ON service_doctors (clinic_id, doctor_id)`
  yield* sql`CREATE TABLE service_rooms (
    clinic_id uuid NOT NULL,
    service_id uuid NOT NULL,
    room_id uuid NOT NULL,
    PRIMARY KEY (clinic_id, service_id, room_id),
    CONSTRAINT service_rooms_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
    CONSTRAINT service_rooms_room_fkey FOREIGN KEY (clinic_id, room_id) REFERENCES rooms (clinic_id, id)
  )`
  yield* sql`CREATE INDEX service_rooms_room_idx ON service_rooms (clinic_id, room_id)`

  // A doctor's rules go with the doctor (who can only be deleted without appointments anyway).
  yield* sql`CREATE TABLE doctor_schedules (
    clinic_id uuid NOT NULL,
    doctor_id uuid NOT NULL,
    rules jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, doctor_id),
    CONSTRAINT doctor_schedules_doctor_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id)
      ON DELETE CASCADE
  )`
  yield* sql`CREATE TABLE clinic_holidays (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    date text NOT NULL CHECK (date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    name text NOT NULL,
    PRIMARY KEY (clinic_id, date)
  )`

  yield* sql`ALTER TABLE appointments
    ADD COLUMN service_id uuid,
    ADD COLUMN buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    ADD COLUMN buffer_after_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    ADD COLUMN notes text,
    ADD COLUMN cancel_reason text,
    ADD COLUMN idempotency_key text,
    ADD COLUMN request_fingerprint text,
    ADD COLUMN source text NOT NULL DEFAULT 'staff' CHECK (source IN ('staff', 'public')),
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN busy_start timestamptz,
    ADD COLUMN busy_end timestamptz,
    ADD CONSTRAINT appointments_status_check CHECK (status IN (
      'requested', 'scheduled', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', 'expired'
    )),
    ADD CONSTRAINT appointments_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
    ADD CONSTRAINT appointments_idempotency_key UNIQUE (clinic_id, idempotency_key)`
  // Existing rows: last changed when created, no buffers. Row-level security is forced for the
  // owner too and no tenant is set here, so it is lifted for this one backfill, inside this
  // transaction.
  yield* sql`ALTER TABLE appointments NO FORCE ROW LEVEL SECURITY`
  yield* sql`UPDATE appointments SET updated_at = created_at, busy_start = start_at, busy_end = end_at`
  yield* sql`ALTER TABLE appointments FORCE ROW LEVEL SECURITY`
  // The busy interval is stored (the constraints below index it) but can only be the one the
  // start, end and buffers give, whoever writes the row: the library, a host's own SQL, a fixture.
  yield* sql`ALTER TABLE appointments
    ALTER COLUMN updated_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now(),
    ALTER COLUMN busy_start SET NOT NULL,
    ALTER COLUMN busy_end SET NOT NULL,
    ADD CONSTRAINT appointments_busy_check CHECK (
      busy_start = start_at - buffer_before_minutes * interval '1 minute'
      AND busy_end = end_at + buffer_after_minutes * interval '1 minute'
    )`

  // Checked per row as it is written; a concurrent writer of an overlapping row waits for this
  // transaction and then fails (23P01), so the loser never commits. `'[)'`: touching is fine.
  const blocking = sql.literal(`status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'completed')`)
  yield* sql`ALTER TABLE appointments ADD CONSTRAINT appointments_doctor_overlap EXCLUDE USING gist (
    clinic_id WITH =, doctor_id WITH =, tstzrange(busy_start, busy_end, '[)') WITH &&
  ) WHERE (${blocking})`
  yield* sql`ALTER TABLE appointments ADD CONSTRAINT appointments_patient_overlap EXCLUDE USING gist (
    clinic_id WITH =, patient_id WITH =, tstzrange(busy_start, busy_end, '[)') WITH &&
  ) WHERE (${blocking})`
  yield* sql`CREATE INDEX appointments_start_idx ON appointments (clinic_id, start_at)`
  yield* sql`CREATE INDEX appointments_service_idx ON appointments (clinic_id, service_id)`
  yield* sql`CREATE INDEX appointments_requested_idx ON appointments (clinic_id, expires_at) WHERE status = 'requested'`

  // One row per room an appointment occupies, with a copy of its busy interval and whether it
  // blocks (written with the appointment), so that rooms get an exclusion constraint of their own.
  yield* sql`CREATE TABLE appointment_rooms (
    clinic_id uuid NOT NULL,
    appointment_id uuid NOT NULL,
    room_id uuid NOT NULL,
    busy_start timestamptz NOT NULL,
    busy_end timestamptz NOT NULL,
    blocking boolean NOT NULL,
    PRIMARY KEY (clinic_id, appointment_id, room_id),
    CHECK (busy_end > busy_start),
    CONSTRAINT appointment_rooms_appointment_fkey FOREIGN KEY (clinic_id, appointment_id)
      REFERENCES appointments (clinic_id, id),
    CONSTRAINT appointment_rooms_room_fkey FOREIGN KEY (clinic_id, room_id) REFERENCES rooms (clinic_id, id),
    CONSTRAINT appointment_rooms_overlap EXCLUDE USING gist (
      clinic_id WITH =, room_id WITH =, tstzrange(busy_start, busy_end, '[)') WITH &&
    ) WHERE (blocking)
  )`
  yield* sql`CREATE INDEX appointment_rooms_room_idx ON appointment_rooms (clinic_id, room_id)`

  for (
    const table of [
      "services",
      "rooms",
      "service_doctors",
      "service_rooms",
      "doctor_schedules",
      "clinic_holidays",
      "appointment_rooms"
    ]
  ) {
    yield* sql`ALTER TABLE ${sql(table)} ENABLE ROW LEVEL SECURITY`
    yield* sql`ALTER TABLE ${sql(table)} FORCE ROW LEVEL SECURITY`
    yield* sql`CREATE POLICY ${sql(`${table}_tenant`)} ON ${sql(table)}
      USING (clinic_id = clinicore_current_clinic())
      WITH CHECK (clinic_id = clinicore_current_clinic())`
  }
})
