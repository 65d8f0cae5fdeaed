/**
 * Several processes on one SQLite file: each has its own connection (in one process the adapter
 * also queues writers in memory; across processes only BEGIN IMMEDIATE, the busy timeout and the
 * triggers keep bookings apart). Overlapping bookings from 4 processes never double-book.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { zoned } from "@clinicore/core/Availability"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as ClinicoreSqlite from "../src/ClinicoreSqlite.js"
import { freshFile } from "./utils/layer.js"

const run = promisify(execFile)
const filename = freshFile()
const masterKey = randomBytes(32).toString("base64")
const MINUTE = 60_000

const Live = Clinicore.layer.pipe(
  Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(masterKey) } })),
  Layer.provideMerge(ClinicoreSqlite.layer({ filename }))
)

layer(Live, { timeout: "180 seconds", excludeTestServices: true })("SQLite across processes", (it) => {
  it.effect("4 processes booking overlapping times for one doctor: successes never overlap", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Procs", { timeZone: "UTC" })
      const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Shared", specialty: "GP" })).pipe(a.asAdmin)
      yield* Effect.flatMap(Schedules, (s) =>
        s.set({ doctorId: doctor.id, rules: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })) } })
      ).pipe(a.asAdmin)
      // A 10-minute grid, so every attempt below starts on it.
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ slotMinutes: 10 })).pipe(a.asAdmin)
      const patients = yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) =>
        Effect.flatMap(Patients, (p) => p.create({ fullName: `Proc ${i}`, phone: `+1 212 555 ${String(4000 + i)}` })).pipe(a.asAdmin))
      const base = zoned.instant("UTC", new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10), "09:00")
      const worker = fileURLToPath(new URL("./utils/bookingProcess.ts", import.meta.url))
      const jobs = Array.from({ length: 4 }, (_, w) => ({
        filename,
        clinicId: a.clinicId,
        adminId: a.admin.id,
        doctorId: doctor.id,
        attempts: Array.from({ length: 25 }, (_, i) => {
          const start = base + ((i * 7 + w * 3) % 30) * 10 * MINUTE
          return { patientId: patients[(i + w) % patients.length]!.id, start, end: start + 30 * MINUTE }
        })
      }))
      const outputs = yield* Effect.promise(() =>
        Promise.all(jobs.map((job) =>
          run(process.execPath, ["--import", "tsx", "--conditions=@clinicore/source", worker, JSON.stringify(job)], {
            env: { ...process.env, CLINICORE_MASTER_KEY: masterKey },
            timeout: 150_000
          })
        ))
      )
      const outcomes = outputs.flatMap((o) => JSON.parse(o.stdout.trim().split("\n").pop()!) as Array<{ ok?: string; failed?: string }>)
      expect(outcomes).toHaveLength(100)
      const failures = [...new Set(outcomes.flatMap((o) => (o.failed === undefined ? [] : [o.failed])))]
      expect(failures.filter((f) => f !== "Conflict:slot_taken")).toEqual([])
      expect(outcomes.filter((o) => o.ok !== undefined).length).toBeGreaterThan(0)
      const sql = yield* SqlClient.SqlClient
      const overlaps = yield* sql`SELECT x.id FROM appointments x JOIN appointments y
          ON x.clinic_id = y.clinic_id AND x.id < y.id AND (x.doctor_id = y.doctor_id OR x.patient_id = y.patient_id)
        WHERE x.busy_start < y.busy_end AND y.busy_start < x.busy_end
          AND x.status NOT IN ('cancelled', 'no_show', 'expired') AND y.status NOT IN ('cancelled', 'no_show', 'expired')`
      expect(overlaps).toEqual([])
      const [{ n }] = (yield* sql`SELECT count(*) AS n FROM appointments WHERE doctor_id = ${doctor.id}`) as unknown as Array<{ n: number }>
      expect(n).toBe(outcomes.filter((o) => o.ok !== undefined).length)
    }))
})
