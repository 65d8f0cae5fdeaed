/**
 * `pnpm bench:booking`: bookings per second through the library (`Scheduling.book`: permission
 * check, availability rule, database-enforced no-overlap, audit event) against a raw SQL insert
 * guarded by the same constraint, in the same run, on the same database. One JSON line per case.
 *
 * - Postgres: a throwaway cluster (or TEST_DATABASE_URL), 16 concurrent clients on the runtime
 *   role's pool. The raw baseline is the least a correct write does under row-level security:
 *   BEGIN, set the tenant, INSERT, COMMIT. A second baseline does by hand the work a booking must
 *   do (principal read, guarded INSERT, chained audit event), so the output also says what the
 *   library's code costs and what the guarantees cost on their own (docs/benchmarks.md).
 * - SQLite: one file, several connections (each a `ClinicoreSqlite.layer`), writes serialised by
 *   BEGIN IMMEDIATE; the raw baseline inserts through the same connections.
 *
 * Each client books its own doctor's consecutive slots (each path once unmeasured, to warm the JIT,
 * then once timed), plus a contended phase where every client
 * tries the same doctor's overlapping times; `double_bookings` is counted by SQL afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto"
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

type Row = { readonly clinicId: string; readonly staffId: string; readonly doctorId: string; readonly patientId: string; readonly start: number; readonly end: number }

/** A way of writing one booking without the library, timed against it. */
interface Baseline {
  readonly name: string
  readonly book: (row: Row) => Effect.Effect<unknown, unknown>
}

/**
 * Runs the library phase and each baseline's phase for one adapter. `bookers` are the Scheduling
 * services to spread clients over (one per connection on SQLite). `raw` inserts one row guarded
 * by the constraint alone; `byHand`, if given, does by hand what a booking must do (DESIGN §5, §7,
 * §10): read the principal, insert guarded by the facts the rule needs, append a chained audit event.
 */
const compare = (
  adapter: string,
  bookers: ReadonlyArray<SchedulingModule.Scheduling>,
  raw: Baseline,
  byHand?: Baseline
) =>
  Effect.gen(function*() {
    const { a, doctors, patients } = yield* setup
    const base = Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY
    const clients = doctors.map((doctorId, c) => ({ doctorId, patientId: patients[c]!, c }))
    // Each phase books PER_CLIENT consecutive half hours per client, on days of its own.
    const phase = (from: number, book: (row: Row, c: number) => Effect.Effect<unknown, unknown>) =>
      Effect.forEach(clients, ({ c, doctorId, patientId }) =>
        Effect.forEach(Array.from({ length: PER_CLIENT }, (_, i) => i), (i) => {
          const start = from + i * 30 * MINUTE
          return book({ clinicId: a.clinicId, staffId: a.admin.id, doctorId, patientId, start, end: start + 30 * MINUTE }, c)
        }, { discard: true }), { concurrency: CLIENTS, discard: true })
    const library = (row: Row, c: number) =>
      bookers[c % bookers.length]!.book({ doctorId: row.doctorId, patientId: row.patientId, start: row.start, end: row.end }).pipe(a.asAdmin)
    const paths = [library, raw.book, ...(byHand === undefined ? [] : [byHand.book])]
    // Every path runs once unmeasured first, so none is timed while the JIT is still cold.
    yield* Effect.forEach(paths, (book, p) => phase(base + 2 * p * DAY, book), { discard: true })
    const rate = (p: number) =>
      Effect.map(seconds(phase(base + 2 * (paths.length + p) * DAY, paths[p]!)), (s) => (CLIENTS * PER_CLIENT) / s)
    const libRate = yield* rate(0)
    const rawRate = yield* rate(1)
    const byHandRate = byHand === undefined ? undefined : yield* rate(2)
    // Contended: every client tries overlapping times of doctor 0 (distinct patients).
    const contendedBase = base + 4 * paths.length * DAY
    const contended = Effect.forEach(Array.from({ length: CLIENTS * 8 }, (_, i) => i), (i) => {
      const start = contendedBase + (i % 20) * 10 * MINUTE
      return Effect.either(
        bookers[i % bookers.length]!.book({ doctorId: doctors[0]!, patientId: patients[i % CLIENTS]!, start, end: start + 30 * MINUTE })
          .pipe(a.asAdmin)
      )
    }, { concurrency: CLIENTS })
    const attempts = yield* contended
    const doubles = yield* doubleBookings(a.clinicId)
    const versus = (name: string, value: number, baseline: number, baselineName: string) =>
      line({
        name,
        value: Math.round(value),
        unit: "bookings/s",
        baseline: Math.round(baseline),
        baseline_name: baselineName,
        ratio: Number((value / baseline).toFixed(3)),
        double_bookings: doubles,
        contended_succeeded: attempts.filter((r) => r._tag === "Right").length,
        contended_attempts: attempts.length
      })
    versus(`${adapter}: book, ${CLIENTS} clients`, libRate, rawRate, raw.name)
    if (byHand !== undefined && byHandRate !== undefined) {
      versus(`${adapter}: book vs the same work by hand, ${CLIENTS} clients`, libRate, byHandRate, byHand.name)
      versus(`${adapter}: the same work by hand vs raw insert, ${CLIENTS} clients`, byHandRate, rawRate, raw.name)
    }
  })

const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

/** HMAC-SHA-256 pads of a throwaway chain key, for the by-hand audit event (RFC 2104, as the adapter signs). */
const [innerPad, outerPad] = (() => {
  const key = Buffer.concat([randomBytes(32), Buffer.alloc(32)])
  return [Buffer.from(key.map((b) => b ^ 0x36)), Buffer.from(key.map((b) => b ^ 0x5c))]
})()

/**
 * A booking written by hand as a careful developer would on Postgres, with the library's guarantees
 * and none of its code: the principal and its permission read and checked, then one statement that
 * inserts only if the doctor is active, the patient not blocked and the day no holiday (the
 * exclusion constraint refusing overlaps), locks the clinic's audit head, and appends the event
 * signed after it. Fails when the principal may not book or nothing was written.
 */
const byHand = (sql: SqlClient.SqlClient, r: Row) =>
  Effect.gen(function*() {
    const [p] = yield* sql<{ active: boolean; role: string | null; status: string | null; granted: boolean | null }>`
      SELECT c.active, s.role, s.status, rp.granted FROM clinics c
        LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${r.staffId}
        LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = s.role AND rp.permission_key = 'appointments.create'
      WHERE c.id = ${r.clinicId}`
    if (p === undefined || !p.active || p.status !== "active" || (p.role !== "admin" && p.granted !== true)) {
      return yield* Effect.fail("not allowed")
    }
    const id = randomUUID()
    const at = new Date()
    const body = JSON.stringify([r.clinicId, at.getTime(), "user", r.staffId, p.role, "Scheduling.book", "appointments.create", "Appointment", id, "ok", null])
    const written = yield* sql`WITH ins AS (
        INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
        SELECT ${r.clinicId}, ${id}, ${r.doctorId}, ${r.patientId}, ${r.staffId}, ${new Date(r.start)}, ${new Date(r.end)},
          ${new Date(r.start)}, ${new Date(r.end)}, 'scheduled', ${at}, ${at}
        WHERE EXISTS (SELECT 1 FROM doctors WHERE clinic_id = ${r.clinicId} AND id = ${r.doctorId} AND active)
          AND EXISTS (SELECT 1 FROM patients WHERE clinic_id = ${r.clinicId} AND id = ${r.patientId} AND NOT blocked)
          AND NOT EXISTS (SELECT 1 FROM clinic_holidays WHERE clinic_id = ${r.clinicId} AND date = ${new Date(r.start).toISOString().slice(0, 10)})
        ON CONFLICT DO NOTHING RETURNING id
      ), head AS (
        SELECT seq, hash FROM audit_heads WHERE clinic_id = ${r.clinicId} AND EXISTS (SELECT 1 FROM ins) FOR UPDATE
      ), next AS (
        SELECT seq + 1 AS seq, hash AS prev_hash, rtrim(translate(encode(sha256(${outerPad}::bytea || sha256(${innerPad}::bytea
          || convert_to(hash || E'\\n' || (seq + 1)::text || E'\\n' || ${body}::text, 'UTF8'))), 'base64'), '+/', '-_'), '=') AS hash
        FROM head
      ), moved AS (
        UPDATE audit_heads h SET seq = next.seq, hash = next.hash FROM next WHERE h.clinic_id = ${r.clinicId}
      )
      INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key, entity_type, entity_id,
        outcome, reason, prev_hash, hash)
      SELECT ${r.clinicId}, next.seq, ${at}, 'user', ${r.staffId}, ${p.role}, 'Scheduling.book', 'appointments.create', 'Appointment',
        ${id}, 'ok', null, next.prev_hash, next.hash
      FROM next RETURNING seq`
    if (written.length === 0) return yield* Effect.fail("not written")
  })

const postgres = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: CLIENTS })
  yield* Effect.gen(function*() {
    const booker = yield* Scheduling
    const sql = yield* SqlClient.SqlClient
    const tenant = (r: Row) => sql`SELECT set_config('clinicore.clinic_id', ${r.clinicId}, true)`
    yield* compare("postgres", [booker], {
      name: "raw guarded INSERT, same run",
      book: (r) =>
        sql.withTransaction(Effect.zipRight(
          tenant(r),
          sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
            VALUES (${r.clinicId}, ${randomUUID()}, ${r.doctorId}, ${r.patientId}, ${new Date(r.start)}, ${new Date(r.end)},
              ${new Date(r.start)}, ${new Date(r.end)}, 'scheduled', now(), now())`
        ))
    }, {
      name: "by hand: principal read, then guarded INSERT and chained audit event in one statement, same run",
      book: (r) => sql.withTransaction(Effect.gen(function*() { yield* tenant(r); yield* byHand(sql, r) }))
    })
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
    yield* compare("sqlite", [booker, ...others], {
      name: "raw guarded INSERT, same run",
      book: (r) =>
        sql.withTransaction(
          sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
            VALUES (${r.clinicId}, ${randomUUID()}, ${r.doctorId}, ${r.patientId}, ${r.start}, ${r.end}, ${r.start}, ${r.end}, 'scheduled', ${Date.now()}, ${Date.now()})`
        )
    })
  }).pipe(Effect.scoped, Effect.provide(first))
})

Effect.runPromise(Effect.gen(function*() {
  yield* postgres
  yield* sqlite
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
