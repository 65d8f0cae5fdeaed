/**
 * `pnpm bench:booking`: bookings per second through the library (`Scheduling.book`: permission
 * check, availability rule, database-enforced no-overlap, audit event) against a raw SQL insert
 * guarded by the same constraint, in the same run, on the same database. One JSON line per case.
 *
 * - Postgres: a throwaway cluster (or TEST_DATABASE_URL), 16 concurrent clients on the runtime
 *   role's pool. The raw baseline is the least a correct write does under row-level security:
 *   BEGIN, set the tenant, INSERT, COMMIT.
 * - SQLite: one file, several connections (each a `ClinicoreSqlite.layer`), writes serialised by
 *   BEGIN IMMEDIATE; the raw baseline inserts through the same connections.
 *
 * Each client books its own doctor's consecutive slots (each path once unmeasured, to warm the JIT,
 * then once timed), plus a contended phase where every client
 * tries the same doctor's overlapping times; `double_bookings` is counted by SQL afterwards.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import * as SchedulingModule from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { ClinicorePg } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"

const CLIENTS = 16
const PER_CLIENT = Number(process.env.BENCH_BOOKINGS_PER_CLIENT ?? 90)
const MINUTE = 60_000
const DAY = 86_400_000

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))

/** A clinic with one doctor per client, open around the clock, and one patient per client. */
const setup = Effect.gen(function*() {
  const a = yield* Fixtures.clinic("Bench", { timeZone: "UTC" })
  const doctors: Array<string> = []
  const patients: Array<string> = []
  for (let i = 0; i < CLIENTS; i++) {
    const d = yield* Effect.flatMap(Doctors, (s) => s.create({ name: `Dr ${i}`, specialty: "GP" })).pipe(a.asAdmin)
    yield* Effect.flatMap(Schedules, (s) =>
      s.set({ doctorId: d.id, rules: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })) } })
    ).pipe(a.asAdmin)
    const p = yield* Effect.flatMap(Patients, (s) => s.create({ fullName: `Bench ${i}`, phone: `+1 212 555 ${String(3000 + i)}` })).pipe(
      a.asAdmin
    )
    doctors.push(d.id)
    patients.push(p.id)
  }
  return { a, doctors, patients }
})

/** Every pair of overlapping blocking rows for one doctor or patient, counted by SQL. */
const doubleBookings = (clinicId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.zipRight(
      sql.onDialectOrElse({ pg: () => sql`SELECT set_config('clinicore.clinic_id', ${clinicId}, true)`, orElse: () => sql`SELECT 1` }),
      sql<{ n: number }>`SELECT count(*) AS n FROM appointments x JOIN appointments y
        ON x.clinic_id = y.clinic_id AND x.id < y.id AND (x.doctor_id = y.doctor_id OR x.patient_id = y.patient_id)
        WHERE x.clinic_id = ${clinicId} AND x.busy_start < y.busy_end AND y.busy_start < x.busy_end
          AND x.status NOT IN ('cancelled', 'no_show', 'expired') AND y.status NOT IN ('cancelled', 'no_show', 'expired')`
    ))).pipe(Effect.map((rows) => Number(rows[0]!.n)))

/** Wall-clock seconds an effect takes. */
const seconds = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([d]) => Duration.toMillis(d) / 1000)

/**
 * Runs the library phase and the raw phase for one adapter. `bookers` are the Scheduling services
 * to spread clients over (one per connection on SQLite); `raw` inserts one guarded row.
 */
const compare = (
  adapter: string,
  bookers: ReadonlyArray<SchedulingModule.Scheduling>,
  raw: (row: { clinicId: string; doctorId: string; patientId: string; start: number; end: number }) => Effect.Effect<unknown, unknown>
) =>
  Effect.gen(function*() {
    const { a, doctors, patients } = yield* setup
    const base = Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY
    const clients = doctors.map((doctorId, c) => ({ doctorId, patientId: patients[c]!, c }))
    // Each phase books PER_CLIENT consecutive half hours per client, on days of its own.
    const library = (from: number) =>
      Effect.forEach(clients, ({ c, doctorId, patientId }) =>
        Effect.forEach(Array.from({ length: PER_CLIENT }, (_, i) => i), (i) => {
          const start = from + i * 30 * MINUTE
          return bookers[c % bookers.length]!.book({ doctorId, patientId, start, end: start + 30 * MINUTE }).pipe(a.asAdmin)
        }, { discard: true }), { concurrency: CLIENTS, discard: true })
    const rawPhase = (from: number) =>
      Effect.forEach(clients, ({ doctorId, patientId }) =>
        Effect.forEach(Array.from({ length: PER_CLIENT }, (_, i) => i), (i) => {
          const start = from + i * 30 * MINUTE
          return raw({ clinicId: a.clinicId, doctorId, patientId, start, end: start + 30 * MINUTE })
        }, { discard: true }), { concurrency: CLIENTS, discard: true })
    // Both paths run once unmeasured first, so neither is timed while the JIT is still cold.
    yield* library(base)
    yield* rawPhase(base + 2 * DAY)
    const libSeconds = yield* seconds(library(base + 4 * DAY))
    const rawSeconds = yield* seconds(rawPhase(base + 6 * DAY))
    // Contended: every client tries overlapping times of doctor 0 (distinct patients).
    const contendedBase = base + 8 * DAY
    const contended = Effect.forEach(Array.from({ length: CLIENTS * 8 }, (_, i) => i), (i) => {
      const start = contendedBase + (i % 20) * 10 * MINUTE
      return Effect.either(
        bookers[i % bookers.length]!.book({ doctorId: doctors[0]!, patientId: patients[i % CLIENTS]!, start, end: start + 30 * MINUTE })
          .pipe(a.asAdmin)
      )
    }, { concurrency: CLIENTS })
    const attempts = yield* contended
    const doubles = yield* doubleBookings(a.clinicId)
    const total = CLIENTS * PER_CLIENT
    const libRate = total / libSeconds
    const rawRate = total / rawSeconds
    line({
      name: `${adapter}: book, ${CLIENTS} clients`,
      value: Math.round(libRate),
      unit: "bookings/s",
      baseline: Math.round(rawRate),
      baseline_name: "raw guarded INSERT, same run",
      ratio: Number((libRate / rawRate).toFixed(3)),
      double_bookings: doubles,
      contended_succeeded: attempts.filter((r) => r._tag === "Right").length,
      contended_attempts: attempts.length
    })
  })

const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

const postgres = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: CLIENTS })
  yield* Effect.gen(function*() {
    const booker = yield* Scheduling
    const sql = yield* SqlClient.SqlClient
    yield* compare("postgres", [booker], (r) =>
      sql.withTransaction(Effect.zipRight(
        sql`SELECT set_config('clinicore.clinic_id', ${r.clinicId}, true)`,
        sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
            VALUES (${r.clinicId}, ${randomUUID()}, ${r.doctorId}, ${r.patientId}, ${new Date(r.start)}, ${new Date(r.end)},
              ${new Date(r.start)}, ${new Date(r.end)}, 'scheduled', now(), now())`
      )))
  }).pipe(Effect.provide(services.pipe(Layer.provideMerge(storage))))
  yield* Effect.promise(() => db.drop())
  yield* Effect.promise(() => stop())
})

const sqlite = Effect.gen(function*() {
  const filename = join(mkdtempSync(join(tmpdir(), "clinicore-bench-")), "bench.db")
  const connections = 4
  // The first layer migrates; the others are further connections to the same file.
  const first = services.pipe(Layer.provideMerge(ClinicoreSqlite.layer({ filename })))
  yield* Effect.gen(function*() {
    const others = yield* Effect.forEach(Array.from({ length: connections - 1 }, (_, i) => i), () =>
      Effect.flatMap(Layer.build(ClinicoreSqlite.layer({ filename })), (ctx) =>
        SchedulingModule.make.pipe(Effect.provideService(Storage, ctx.unsafeMap.get(Storage.key) as Storage)))
    )
    const booker = yield* Scheduling
    const sql = yield* SqlClient.SqlClient
    yield* compare("sqlite", [booker, ...others], (r) =>
      sql.withTransaction(
        sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
            VALUES (${r.clinicId}, ${randomUUID()}, ${r.doctorId}, ${r.patientId}, ${r.start}, ${r.end}, ${r.start}, ${r.end}, 'scheduled', ${Date.now()}, ${Date.now()})`
      ))
  }).pipe(Effect.scoped, Effect.provide(first))
})

Effect.runPromise(Effect.gen(function*() {
  yield* postgres
  yield* sqlite
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
