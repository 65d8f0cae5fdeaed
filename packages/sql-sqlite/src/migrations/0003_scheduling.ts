import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

const statuses = `'requested', 'scheduled', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', 'expired'`
/** The time-blocking statuses (every one but cancelled, no_show, expired). */
const blocking = `('requested', 'scheduled', 'confirmed', 'checked_in', 'completed')`
/** Epoch milliseconds now, as the adapter stores instants. */
const nowMs = `(CAST(unixepoch('now', 'subsec') * 1000 AS INTEGER))`

/**
 * Scheduling: services and rooms, doctors' working-time rules, clinic holidays, and the full
 * appointment row. The no-overlap rule (DESIGN §7) is the database's: triggers refuse a blocking
 * row whose busy interval (buffers included, half-open so back-to-back is fine) overlaps another
 * blocking row of the same doctor, patient or room. The adapter's transactions begin IMMEDIATE,
 * holding the database's one write lock from their first statement, so the check and the write
 * it guards cannot be separated by another writer.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE TABLE services (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    buffer_before_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    price_minor INTEGER NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL DEFAULT ${sql.literal(nowMs)},
    PRIMARY KEY (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE TABLE rooms (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('room', 'equipment')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE TABLE service_doctors (
    clinic_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    PRIMARY KEY (clinic_id, service_id, doctor_id),
    CONSTRAINT service_doctors_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
    CONSTRAINT service_doctors_doctor_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX service_doctors_doctor_idx ON service_doctors (clinic_id, doctor_id)`
  yield* sql`CREATE TABLE service_rooms (
    clinic_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    PRIMARY KEY (clinic_id, service_id, room_id),
    CONSTRAINT service_rooms_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id),
    CONSTRAINT service_rooms_room_fkey FOREIGN KEY (clinic_id, room_id) REFERENCES rooms (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX service_rooms_room_idx ON service_rooms (clinic_id, room_id)`

  // A doctor's rules go with the doctor (who can only be deleted without appointments anyway).
  yield* sql`CREATE TABLE doctor_schedules (
    clinic_id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    rules TEXT NOT NULL CHECK (json_valid(rules)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, doctor_id),
    CONSTRAINT doctor_schedules_doctor_fkey FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id)
      ON DELETE CASCADE
  ) STRICT`
  yield* sql`CREATE TABLE clinic_holidays (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    name TEXT NOT NULL,
    PRIMARY KEY (clinic_id, date)
  ) STRICT`

  // SQLite cannot add a table constraint (the status check, a composite foreign key) to an
  // existing table: the table is rebuilt and its rows copied. Nothing references appointments
  // yet, so dropping the old table trips no foreign key and no other table needs rewriting.
  // The busy interval is stored (the triggers and indexes read it) but can only be the one the
  // start, end and buffers give, whoever writes the row: the library, a host's own SQL, a fixture.
  yield* sql`CREATE TABLE appointments_0003 (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    service_id TEXT,
    created_by TEXT,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    buffer_before_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
    busy_start INTEGER NOT NULL,
    busy_end INTEGER NOT NULL,
    status TEXT NOT NULL CONSTRAINT appointments_status_check CHECK (status IN (${sql.literal(statuses)})),
    notes TEXT,
    cancel_reason TEXT,
    idempotency_key TEXT,
    request_fingerprint TEXT,
    source TEXT NOT NULL DEFAULT 'staff' CHECK (source IN ('staff', 'public')),
    expires_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL DEFAULT ${sql.literal(nowMs)},
    PRIMARY KEY (clinic_id, id),
    CHECK (end_at > start_at),
    CONSTRAINT appointments_busy_check CHECK (
      busy_start = start_at - buffer_before_minutes * 60000 AND busy_end = end_at + buffer_after_minutes * 60000
    ),
    CONSTRAINT appointments_idempotency_key UNIQUE (clinic_id, idempotency_key),
    FOREIGN KEY (clinic_id, doctor_id) REFERENCES doctors (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, created_by) REFERENCES staff (clinic_id, id),
    CONSTRAINT appointments_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id)
  ) STRICT`
  yield* sql`INSERT INTO appointments_0003
      (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, busy_start, busy_end, status, created_at,
        updated_at)
    SELECT clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, start_at, end_at, status, created_at,
      created_at
    FROM appointments`
  yield* sql`DROP TABLE appointments`
  yield* sql`ALTER TABLE appointments_0003 RENAME TO appointments`
  yield* sql`CREATE INDEX appointments_doctor_idx ON appointments (clinic_id, doctor_id, start_at)`
  yield* sql`CREATE INDEX appointments_patient_idx ON appointments (clinic_id, patient_id, start_at)`
  yield* sql`CREATE INDEX appointments_created_by_idx ON appointments (clinic_id, created_by)`
  yield* sql`CREATE INDEX appointments_start_idx ON appointments (clinic_id, start_at)`
  yield* sql`CREATE INDEX appointments_service_idx ON appointments (clinic_id, service_id)`
  yield* sql`CREATE INDEX appointments_requested_idx ON appointments (clinic_id, expires_at) WHERE status = 'requested'`
  // By end: new bookings lie ahead, so `busy_end > new start` reads the few future rows, not the
  // whole history that `busy_start < new end` would.
  yield* sql`CREATE INDEX appointments_doctor_busy_idx ON appointments (clinic_id, doctor_id, busy_end)`
  yield* sql`CREATE INDEX appointments_patient_busy_idx ON appointments (clinic_id, patient_id, busy_end)`

  // One row per room an appointment occupies, with a copy of its busy interval and whether it
  // blocks (written with the appointment), so that rooms get an overlap guard of their own.
  yield* sql`CREATE TABLE appointment_rooms (
    clinic_id TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    busy_start INTEGER NOT NULL,
    busy_end INTEGER NOT NULL,
    blocking INTEGER NOT NULL CHECK (blocking IN (0, 1)),
    PRIMARY KEY (clinic_id, appointment_id, room_id),
    CHECK (busy_end > busy_start),
    CONSTRAINT appointment_rooms_appointment_fkey FOREIGN KEY (clinic_id, appointment_id)
      REFERENCES appointments (clinic_id, id),
    CONSTRAINT appointment_rooms_room_fkey FOREIGN KEY (clinic_id, room_id) REFERENCES rooms (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX appointment_rooms_room_busy_idx ON appointment_rooms (clinic_id, room_id, busy_end)`

  // The overlap guard, named like the Postgres constraints: the message is
  // `clinicore_overlap:<constraint>`, which the dialect classifies as an exclusion violation.
  // Inserts and updates alike (a reschedule moves the row; `other.id <> NEW.id` keeps it from
  // conflicting with its own previous time); only a blocking NEW row is checked.
  const guards = [
    { name: "appointments_doctor_overlap", table: "appointments", column: "doctor_id", self: "id", when: `NEW.status IN ${blocking}`, other: `other.status IN ${blocking}` },
    { name: "appointments_patient_overlap", table: "appointments", column: "patient_id", self: "id", when: `NEW.status IN ${blocking}`, other: `other.status IN ${blocking}` },
    { name: "appointment_rooms_overlap", table: "appointment_rooms", column: "room_id", self: "appointment_id", when: "NEW.blocking = 1", other: "other.blocking = 1" }
  ]
  for (const g of guards) {
    for (const event of ["INSERT", "UPDATE"]) {
      yield* sql.unsafe(`CREATE TRIGGER ${g.name}_${event.toLowerCase()} BEFORE ${event} ON ${g.table}
        WHEN ${g.when}
        BEGIN
          SELECT RAISE(ABORT, 'clinicore_overlap:${g.name}')
          WHERE EXISTS (
            SELECT 1 FROM ${g.table} other
            WHERE other.clinic_id = NEW.clinic_id AND other.${g.column} = NEW.${g.column}
              AND ${g.other} AND other.${g.self} <> NEW.${g.self}
              AND other.busy_end > NEW.busy_start AND other.busy_start < NEW.busy_end
          );
        END`)
    }
  }
})
