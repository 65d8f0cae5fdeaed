/**
 * Upgrading a database written before a migration that rebuilds `appointments` (0003, and 0012,
 * which other tables reference by then): the rows already there must come through whole, under
 * the same guards.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ClinicoreSqlite } from "../src/index.js"
import * as Client from "../src/internal/client.js"
import foundation from "../src/migrations/0001_foundation.js"
import accessAudit from "../src/migrations/0002_access_audit.js"
import { freshFile } from "./utils/layer.js"

const clinic = "00000000-0000-4000-8000-0000000000c1"
const doctor = "00000000-0000-4000-8000-0000000000d1"
const patient = "00000000-0000-4000-8000-0000000000e1"

const appointmentRow = (id: string, start: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, status, created_at)
      VALUES (${clinic}, ${id}, ${doctor}, ${patient}, ${start}, ${start + 1000}, 'confirmed', 500)`)

it.effect("0003 keeps existing appointments, with their own times as busy interval, and guards them", () =>
  Effect.gen(function*() {
    const filename = freshFile()
    // The schema as 0002 left it, with one appointment.
    yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Migrator.make({})({
        loader: Migrator.fromRecord({ "0001_foundation": foundation, "0002_access_audit": accessAudit })
      })
      yield* sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
        VALUES (${clinic}, 'old', 'Old', 'UTC', 'USD', 1, '{}', 'k', 1)`
      yield* sql`INSERT INTO doctors (clinic_id, id, name, specialty, active, created_at) VALUES (${clinic}, ${doctor}, 'Dr', 'GP', 1, 1)`
      yield* sql`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
        VALUES (${clinic}, ${patient}, 'Pat', '+12125550100', 0, 1)`
      yield* appointmentRow("00000000-0000-4000-8000-0000000000a1", 1000)
    }).pipe(Effect.provide(Client.layer({ filename, busyTimeoutMs: 5000 })))

    // The adapter's layer migrates the rest.
    const after = yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT id, start_at, end_at, busy_start, busy_end, buffer_before_minutes, buffer_after_minutes,
        status, source, version, created_at, updated_at FROM appointments`
      const overlap = yield* Effect.flip(
        sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status,
            created_at)
          VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a2', ${doctor}, ${patient}, 1500, 2500, 1500, 2500,
            'scheduled', 600)`
      )
      const migrations = yield* sql`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`
      return { rows, overlap: ClinicoreSqlite.dialect.classify(overlap), migrations: migrations.map((m) => m.migration_id) }
    }).pipe(Effect.provide(ClinicoreSqlite.layer({ filename })))

    expect(after).toEqual({
      rows: [{
        id: "00000000-0000-4000-8000-0000000000a1",
        start_at: 1000,
        end_at: 2000,
        busy_start: 1000,
        busy_end: 2000,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        status: "confirmed",
        source: "staff",
        version: 1,
        created_at: 500,
        updated_at: 500
      }],
      // The copied row blocks: a raw row overlapping it is refused by the trigger.
      // (Same doctor and same patient: either guard may be the one that speaks.)
      overlap: { kind: "exclusion", detail: expect.stringMatching(/^appointments_(doctor|patient)_overlap$/) },
      migrations: [1, 2, 3, 4, 5, 6, 7, 8, 9, 12]
    })
  }))

it.effect("0012 rebuilds a referenced appointments table: rows, references, guards and indexes come through; a request may have no patient", () =>
  Effect.gen(function*() {
    const filename = freshFile()
    const room = "00000000-0000-4000-8000-0000000000f1"
    // The schema as 0009 left it, with an appointment that a room row references.
    yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Migrator.make({})({ loader: Effect.map(ClinicoreSqlite.migrations, (all) => all.filter(([id]) => id < 12)) })
      yield* sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
        VALUES (${clinic}, 'old', 'Old', 'UTC', 'USD', 1, '{}', 'k', 1)`
      yield* sql`INSERT INTO doctors (clinic_id, id, name, specialty, active, created_at) VALUES (${clinic}, ${doctor}, 'Dr', 'GP', 1, 1)`
      yield* sql`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
        VALUES (${clinic}, ${patient}, 'Pat', '+12125550100', 0, 1)`
      yield* sql`INSERT INTO rooms (clinic_id, id, name, kind, active) VALUES (${clinic}, ${room}, 'Room', 'room', 1)`
      yield* sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status,
          created_at, updated_at)
        VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a1', ${doctor}, ${patient}, 1000, 2000, 1000, 2000, 'confirmed', 500, 500)`
      yield* sql`INSERT INTO appointment_rooms (clinic_id, appointment_id, room_id, busy_start, busy_end, blocking)
        VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a1', ${room}, 1000, 2000, 1)`
    }).pipe(Effect.provide(Client.layer({ filename, busyTimeoutMs: 5000 })))

    const after = yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT id, patient_id, status, requester_phone FROM appointments`
      const overlap = yield* Effect.flip(
        sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at)
          VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a2', ${doctor}, NULL, 1500, 2500, 1500, 2500, 'requested', 600)`
      )
      // A request without a patient, at a free time; a dangling reference is still refused.
      yield* sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status,
          requester_name, requester_phone, created_at)
        VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a3', ${doctor}, NULL, 3000, 4000, 3000, 4000, 'requested',
          'Walk In', '+12125550199', 700)`
      const dangling = yield* Effect.flip(
        sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at)
          VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a4', ${doctor}, '00000000-0000-4000-8000-0000000000e9', 5000, 6000,
            5000, 6000, 'scheduled', 800)`
      )
      const foreignKeys = yield* sql`PRAGMA foreign_keys`
      const objects = yield* sql`SELECT type, name FROM sqlite_master WHERE tbl_name = 'appointments' AND sql IS NOT NULL
        ORDER BY type, name`
      return {
        rows,
        overlap: ClinicoreSqlite.dialect.classify(overlap),
        dangling: ClinicoreSqlite.dialect.classify(dangling).kind,
        foreignKeys,
        objects: objects.length,
        migrations: (yield* sql`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`).map((m) => m.migration_id)
      }
    }).pipe(Effect.provide(ClinicoreSqlite.layer({ filename })))

    expect(after).toMatchObject({
      rows: [{ id: "00000000-0000-4000-8000-0000000000a1", patient_id: patient, status: "confirmed", requester_phone: null }],
      overlap: { kind: "exclusion", detail: "appointments_doctor_overlap" },
      dangling: "foreign_key",
      foreignKeys: [{ foreign_keys: 1 }],
      migrations: [1, 2, 3, 4, 5, 6, 7, 8, 9, 12]
    })
    // The table, its indexes and its triggers, and the new requester index.
    expect(after.objects).toBeGreaterThan(10)
  }))
