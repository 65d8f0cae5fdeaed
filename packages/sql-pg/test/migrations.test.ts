/**
 * Upgrading a database written before the scheduling migration: 0003 backfills the new columns of
 * the appointments already there (lifting forced row-level security for the owner only while it
 * does) and puts them under the exclusion constraints.
 */
import { ClinicId } from "@clinicore/core/Ids"
import { Storage } from "@clinicore/core/Storage"
import { RawAccess } from "@clinicore/testing/RawAccess"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { inject } from "vitest"
import { ClinicorePg } from "../src/index.js"
import foundation from "../src/migrations/0001_foundation.js"
import accessAudit from "../src/migrations/0002_access_audit.js"
import { freshDatabase } from "./utils/freshDatabase.js"
import { rawAccessLayer } from "./utils/layer.js"

const clinic = "00000000-0000-4000-8000-0000000000c1"
const doctor = "00000000-0000-4000-8000-0000000000d1"
const patient = "00000000-0000-4000-8000-0000000000e1"

it.effect("0003 backfills existing appointments, keeps RLS forced, and guards them", () =>
  Effect.acquireUseRelease(
    Effect.promise(() => freshDatabase(inject("pgAdminUrl"))),
    (db) =>
      Effect.gen(function*() {
        // The schema as 0002 left it, migrated by the owner.
        yield* Migrator.make({})({
          loader: Migrator.fromRecord({ "0001_foundation": foundation, "0002_access_audit": accessAudit })
        }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(db.ownerUrl), maxConnections: 1 })))
        const raw = yield* RawAccess
        yield* raw.execute(`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
          VALUES (?, 'old', 'Old', 'UTC', 'USD', true, '{}', 'k', now())`, [clinic])
        yield* raw.execute(`INSERT INTO doctors (clinic_id, id, name, specialty, active, created_at) VALUES (?, ?, 'Dr', 'GP', true, now())`, [
          clinic,
          doctor
        ])
        yield* raw.execute(`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
          VALUES (?, ?, 'Pat', '+12125550100', false, now())`, [clinic, patient])
        yield* raw.execute(`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, status, created_at)
          VALUES (?, '00000000-0000-4000-8000-0000000000a1', ?, ?, '2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z', 'confirmed',
            '2029-12-01T00:00:00Z')`, [clinic, doctor, patient])

        // The adapter migrates the rest, as the owner, and runs as the app role.
        const seen = yield* Effect.gen(function*() {
          const storage = yield* Storage
          const clinicId = ClinicId.make(clinic)
          return yield* storage.appointments.list(clinicId, { order: "asc", limit: 10 }).pipe(storage.transaction(clinicId))
        }).pipe(Effect.provide(ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl) })))
        expect(seen.map((a) => [a.start, a.end, a.bufferBeforeMinutes, a.status, a.source, a.version, a.updatedAt, a.createdAt])).toEqual([
          [Date.UTC(2030, 0, 7, 9), Date.UTC(2030, 0, 7, 9, 30), 0, "confirmed", "staff", 1, Date.UTC(2029, 11, 1), Date.UTC(2029, 11, 1)]
        ])
        expect(yield* raw.execute(`SELECT busy_start, busy_end FROM appointments`)).toEqual([
          { busy_start: new Date(Date.UTC(2030, 0, 7, 9)), busy_end: new Date(Date.UTC(2030, 0, 7, 9, 30)) }
        ])
        expect(yield* raw.execute(`SELECT relforcerowsecurity AS forced FROM pg_class WHERE relname = 'appointments'`))
          .toEqual([{ forced: true }])
        const overlap = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.flip(sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end,
              status, created_at)
            VALUES (${clinic}, '00000000-0000-4000-8000-0000000000a2', ${doctor}, ${patient}, '2030-01-07T09:15:00Z',
              '2030-01-07T09:45:00Z', '2030-01-07T09:15:00Z', '2030-01-07T09:45:00Z', 'scheduled', now())`)).pipe(
          Effect.provide(PgClient.layer({ url: Redacted.make(db.adminUrl), maxConnections: 1 }))
        )
        expect(ClinicorePg.dialect.classify(overlap)).toMatchObject({ kind: "exclusion" })
      }).pipe(Effect.provide(rawAccessLayer(db.adminUrl).pipe(Layer.orDie))),
    (db) => Effect.promise(() => db.drop())
  ), { timeout: 60_000 })
