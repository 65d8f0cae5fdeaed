/**
 * `pnpm bench:booking`: bookings through the library (`Scheduling.book`) against **the same work
 * by hand** (DESIGN §13), in the same run, on the same database, through the same stock
 * `@effect/sql` client (the `SqlClient` that `ClinicorePg.layer` / `ClinicoreSqlite.layer`
 * provide). One JSON line per case.
 *
 * The same work by hand, with no library code on its path, in one transaction: set the tenant
 * (Postgres), read the principal and its permission (the query shape of the repositories'
 * `access.principal`), one INSERT of the appointment guarded by the same overlap constraint and
 * the same facts (doctor active and its staff account too, patient not blocked, the doctor has
 * working rules, the day no holiday), then a chained audit event computed in the process with
 * `node:crypto` (the head read `FOR UPDATE`, `HMAC-SHA256(key, prevHash \n seq \n body)`, the
 * event's INSERT, the head's UPDATE), commit. No key in any SQL text or parameter.
 *
 * Cases: Postgres with 16 clients in one clinic, Postgres with 16 clients over 16 clinics, SQLite
 * with four connections to one file; single-client p50/p99 latency of both paths on each database;
 * a bare guarded INSERT (BEGIN, tenant, INSERT, COMMIT) as an information line. Every path first
 * runs unmeasured (JIT warm-up); the timed runs then alternate between the paths, in rotating
 * order, so drift in the machine's load hits each alike. A contended phase (every client trying
 * overlapping times of one doctor, through both paths) ends each case; `double_bookings` counts
 * overlapping blocking pairs by SQL afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import * as SchedulingModule from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { ClinicorePg, Tenancy } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"
import * as Plain from "./plain.js"

const CLIENTS = 16
/** Timed bookings per client and path in each round, and the rounds. */
const PER_ROUND = Number(process.env.BENCH_BOOKINGS_PER_ROUND ?? 25)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4)
/** Unmeasured bookings per client and path before timing. */
const WARM = 15
/** Bookings per path in the single-client latency run. */
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 500)
const MINUTE = 60_000
const DAY = 86_400_000
const HALF_HOUR = 30 * MINUTE

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const round3 = (x: number) => Number(x.toFixed(3))

type Dialect = Plain.Dialect

/** One client's share: its clinic, the admin acting, its own doctor and patient, its next free half hour. */
interface Client {
  readonly fixture: Fixtures.ClinicFixture
  readonly doctorId: string
  readonly patientId: string
  next: number
}

type Row = {
  readonly clinicId: string
  readonly staffId: string
  readonly doctorId: string
  readonly patientId: string
  readonly start: number
  readonly end: number
}

/** A way of writing one booking; `c` is the client (which picks the connection on SQLite). */
type Path = (row: Row, c: number, client: Client) => Effect.Effect<unknown, unknown>

/** A doctor open around the clock and a patient, in the fixture's clinic. */
const doctorAndPatient = (a: Fixtures.ClinicFixture, i: number) =>
  Effect.gen(function*() {
    const d = yield* Effect.flatMap(Doctors, (s) => s.create({ name: `Dr ${i}`, specialty: "GP" })).pipe(a.asAdmin)
    yield* Effect.flatMap(Schedules, (s) =>
      s.set({ doctorId: d.id, rules: { weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })) } })
    ).pipe(a.asAdmin)
    const p = yield* Effect.flatMap(Patients, (s) => s.create({ fullName: `Bench ${i}`, phone: `+1 212 555 ${String(3000 + i)}` })).pipe(
      a.asAdmin
    )
    return { doctorId: d.id as string, patientId: p.id as string }
  })

/** `CLIENTS` clients, in one clinic (`clinics: 1`) or each in a clinic of its own. */
const setup = (clinics: 1 | typeof CLIENTS) =>
  Effect.gen(function*() {
    const base = Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY
    const fixtures = yield* Effect.forEach(Array.from({ length: clinics }, (_, i) => i), (i) =>
      Fixtures.clinic(`Bench${i}`, { timeZone: "UTC" }))
    return yield* Effect.forEach(Array.from({ length: CLIENTS }, (_, i) => i), (i) =>
      Effect.map(doctorAndPatient(fixtures[i % clinics]!, i), (dp): Client => ({ fixture: fixtures[i % clinics]!, ...dp, next: base })))
  })

/**
 * Names the tenant by hand on Postgres: the setting and its proof (`Tenancy`), as a host's own SQL
 * does; nothing on SQLite.
 */
type Tenant = (sql: SqlClient.SqlClient, clinicId: string) => Effect.Effect<unknown, SqlError>
const noTenant: Tenant = () => Effect.void
const pgTenant = (tenancy: Tenancy.Tenancy): Tenant => (sql, clinicId) =>
  sql`SELECT set_config('clinicore.clinic_id', ${clinicId}, true),
    set_config('clinicore.clinic_id_proof', ${tenancy.proof("clinic_id", clinicId)}, true)`

/** Every pair of overlapping blocking rows of one doctor or patient in the clinics, counted by SQL. */
const doubleBookings = (sql: SqlClient.SqlClient, clinicIds: ReadonlyArray<string>, tenant: Tenant) =>
  Effect.map(
    Effect.forEach(clinicIds, (clinicId) =>
      sql.withTransaction(Effect.zipRight(
        tenant(sql, clinicId),
        sql<{ n: number }>`SELECT count(*) AS n FROM appointments x JOIN appointments y
          ON x.clinic_id = y.clinic_id AND x.id < y.id AND (x.doctor_id = y.doctor_id OR x.patient_id = y.patient_id)
          WHERE x.clinic_id = ${clinicId} AND x.busy_start < y.busy_end AND y.busy_start < x.busy_end
            AND x.status NOT IN ('cancelled', 'no_show', 'expired') AND y.status NOT IN ('cancelled', 'no_show', 'expired')`
      ))),
    (counts) => counts.reduce((n, rows) => n + Number(rows[0]!.n), 0)
  )

const seconds = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([d]) => Duration.toMillis(d) / 1000)

const rowOf = (client: Client): Row => {
  const start = client.next
  client.next += HALF_HOUR
  return {
    clinicId: client.fixture.clinicId,
    staffId: client.fixture.admin.id,
    doctorId: client.doctorId,
    patientId: client.patientId,
    start,
    end: start + HALF_HOUR
  }
}

/** Every client books `n` of its next half hours through `path`, the clients side by side. */
const phase = (clients: ReadonlyArray<Client>, n: number, path: Path) =>
  Effect.forEach(clients, (client, c) =>
    Effect.forEach(Array.from({ length: n }, (_, i) => i), () =>
      Effect.suspend(() => path(rowOf(client), c, client)), { discard: true }), { concurrency: clients.length, discard: true })

/** The chain key of the by-hand path: kept in the process, as the library keeps its own. */
const chainKey = randomBytes(32)

/**
 * A booking written by hand, as a careful developer would with the stock client and none of the
 * library: inside the caller's transaction (tenant already set on Postgres), the principal and its
 * permission read and checked, one guarded INSERT, then the chained audit event.
 */
const byHand = (sql: SqlClient.SqlClient, dialect: Dialect, r: Row) =>
  Effect.gen(function*() {
    const p = yield* Plain.principal(sql, r.clinicId, r.staffId, null, "appointments.create")
    if (
      p === undefined || !p.active || p.s_status !== "active" ||
      (p.s_role !== "admin" && !Plain.truthy(p.rp_granted))
    ) {
      return yield* Effect.fail("not allowed")
    }
    const id = randomUUID()
    const now = Date.now()
    const t = (ms: number) => (dialect === "pg" ? new Date(ms) : ms)
    const yes = dialect === "pg" ? sql.literal("true") : sql.literal("1")
    const day = new Date(r.start).toISOString().slice(0, 10)
    // Guarded by the overlap constraint (trigger on SQLite) and by the facts the rule needs.
    const written = yield* sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at,
        busy_start, busy_end, status, source, version, created_at, updated_at)
      SELECT ${r.clinicId}, ${id}, ${r.doctorId}, ${r.patientId}, ${r.staffId}, ${t(r.start)}, ${t(r.end)},
        ${t(r.start)}, ${t(r.end)}, 'scheduled', 'staff', 1, ${t(now)}, ${t(now)}
      WHERE EXISTS (SELECT 1 FROM doctors d LEFT JOIN staff s ON s.clinic_id = d.clinic_id AND s.id = d.staff_id
          WHERE d.clinic_id = ${r.clinicId} AND d.id = ${r.doctorId} AND d.active = ${yes}
            AND (d.staff_id IS NULL OR s.status = 'active'))
        AND EXISTS (SELECT 1 FROM patients WHERE clinic_id = ${r.clinicId} AND id = ${r.patientId} AND blocked <> ${yes})
        AND EXISTS (SELECT 1 FROM doctor_schedules WHERE clinic_id = ${r.clinicId} AND doctor_id = ${r.doctorId})
        AND NOT EXISTS (SELECT 1 FROM clinic_holidays WHERE clinic_id = ${r.clinicId} AND date = ${day})
      ${dialect === "pg" ? sql.literal("ON CONFLICT DO NOTHING") : sql.literal("")} RETURNING id`
    if (written.length === 0) return yield* Effect.fail("not written")
    // The audit event, chained in the process: the key never reaches SQL.
    yield* Plain.appendAudit(sql, dialect, chainKey, {
      clinicId: r.clinicId,
      at: now,
      actorType: "user",
      actorId: r.staffId,
      role: p.s_role,
      action: "Scheduling.book",
      permissionKey: "appointments.create",
      entityType: "Appointment",
      entityId: id,
      outcome: "ok",
      reason: null
    })
  })

/** The by-hand booking in its own transaction, the tenant set first on Postgres. */
const byHandPath = (sqlOf: (c: number) => SqlClient.SqlClient, dialect: Dialect, tenant: Tenant): Path => (r, c) => {
  const sql = sqlOf(c)
  return sql.withTransaction(Effect.zipRight(tenant(sql, r.clinicId), byHand(sql, dialect, r)))
}

/** The floor, for information: BEGIN, the tenant, one INSERT guarded by the constraint alone, COMMIT. */
const rawPath = (sqlOf: (c: number) => SqlClient.SqlClient, dialect: Dialect, tenant: Tenant): Path => (r, c) => {
  const sql = sqlOf(c)
  const t = (ms: number) => (dialect === "pg" ? new Date(ms) : ms)
  const insert = sql`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end,
      status, created_at, updated_at)
    VALUES (${r.clinicId}, ${randomUUID()}, ${r.doctorId}, ${r.patientId}, ${t(r.start)}, ${t(r.end)}, ${t(r.start)},
      ${t(r.end)}, 'scheduled', ${t(Date.now())}, ${t(Date.now())})`
  return sql.withTransaction(Effect.zipRight(tenant(sql, r.clinicId), insert))
}

const libraryPath = (bookers: ReadonlyArray<SchedulingModule.Scheduling>): Path => (r, c, client) =>
  bookers[c % bookers.length]!.book({ doctorId: r.doctorId, patientId: r.patientId, start: r.start, end: r.end }).pipe(
    client.fixture.asAdmin
  )

/**
 * SQL statements per booking of a path (`sql.execute` spans of `@effect/sql`; `BEGIN` and `COMMIT`
 * are not statements of that kind and come on top), over a few sequential bookings of client 0.
 */
const statementsPerBooking = (client: Client, path: Path, n = 20) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    let statements = 0
    const counting = Tracer.make({
      span: (name, ...rest) => {
        if (name === "sql.execute") statements++
        return base.span(name, ...rest)
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), () => Effect.suspend(() => path(rowOf(client), 0, client)), {
      discard: true
    }).pipe(Effect.withTracer(counting))
    return statements / n
  })

/**
 * One throughput case: warm-up, then `ROUNDS` rounds in which each path runs one phase, in an
 * order that rotates each round; then the contended phase and the count of double bookings.
 */
const throughput = (
  name: string,
  clients: ReadonlyArray<Client>,
  paths: { library: Path; byHand: Path; raw: Path; tenant: Tenant },
  sql: SqlClient.SqlClient
) =>
  Effect.gen(function*() {
    if (process.env.BENCH_LATENCY_ONLY === "1") return
    const order = [paths.library, paths.byHand, paths.raw]
    for (const path of order) yield* phase(clients, WARM, path)
    const time = [0, 0, 0]
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < order.length; k++) {
        const p = (round + k) % order.length
        time[p]! += yield* seconds(phase(clients, PER_ROUND, order[p]!))
      }
    }
    const [library, hand, raw] = time.map((s) => (clients.length * PER_ROUND * ROUNDS) / s) as [number, number, number]
    // Contended: every client tries overlapping times of client 0's doctor, half through each path.
    const target = clients[0]!
    const contendedBase = Math.max(...clients.map((c) => c.next)) + 2 * DAY
    const attempts = yield* Effect.forEach(Array.from({ length: CLIENTS * 8 }, (_, i) => i), (i) => {
      const start = contendedBase + (i % 20) * 10 * MINUTE
      const patient = clients.find((c, k) => k === i % CLIENTS && c.fixture.clinicId === target.fixture.clinicId) ?? target
      const row: Row = {
        clinicId: target.fixture.clinicId,
        staffId: target.fixture.admin.id,
        doctorId: target.doctorId,
        patientId: patient.patientId,
        start,
        end: start + HALF_HOUR
      }
      const path = i % 2 === 0 ? paths.library : paths.byHand
      return Effect.map(Effect.either(path(row, i % CLIENTS, target)), (e) => ({ path: i % 2 === 0 ? "library" : "by_hand", ok: e._tag === "Right" }))
    }, { concurrency: CLIENTS })
    // Later bookings of these clients start after the contended times.
    for (const c of clients) c.next = contendedBase + 2 * DAY
    const doubles = yield* doubleBookings(sql, [...new Set(clients.map((c) => c.fixture.clinicId))], paths.tenant)
    const contended = {
      contended_attempts: attempts.length,
      contended_succeeded_library: attempts.filter((a) => a.path === "library" && a.ok).length,
      contended_succeeded_by_hand: attempts.filter((a) => a.path === "by_hand" && a.ok).length
    }
    line({
      name: `${name}: book vs the same work by hand`,
      value: Math.round(library),
      unit: "bookings/s",
      baseline: Math.round(hand),
      baseline_name: "the same work by hand, same client, same run",
      ratio: round3(library / hand),
      double_bookings: doubles,
      ...contended
    })
    line({
      name: `${name}: bare guarded INSERT (information)`,
      value: Math.round(raw),
      unit: "bookings/s",
      baseline: Math.round(hand),
      baseline_name: "the same work by hand, same run",
      ratio: round3(raw / hand),
      library_vs_bare: round3(library / raw),
      double_bookings: doubles
    })
  })

/** Single-client latency: one booking of each path after the other (order alternating), p50 and p99. */
const latency = (name: string, lib: Client, hand: Client, paths: { library: Path; byHand: Path; tenant: Tenant }, sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    const one = (client: Client, path: Path) =>
      Effect.map(Effect.timed(Effect.suspend(() => path(rowOf(client), 0, client))), ([d]) => Duration.toMillis(d))
    for (let i = 0; i < 50; i++) {
      yield* one(lib, paths.library)
      yield* one(hand, paths.byHand)
    }
    const l: Array<number> = []
    const h: Array<number> = []
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      if (i % 2 === 0) {
        l.push(yield* one(lib, paths.library))
        h.push(yield* one(hand, paths.byHand))
      } else {
        h.push(yield* one(hand, paths.byHand))
        l.push(yield* one(lib, paths.library))
      }
    }
    const q = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
    const statements = {
      statements_library: yield* statementsPerBooking(lib, paths.library),
      statements_by_hand: yield* statementsPerBooking(hand, paths.byHand)
    }
    const doubles = yield* doubleBookings(sql, [...new Set([lib.fixture.clinicId, hand.fixture.clinicId])], paths.tenant)
    for (const [label, p] of [["p50", 0.5], ["p99", 0.99]] as const) {
      line({
        name: `${name}: single-client latency ${label}`,
        value: round3(q(l, p)),
        unit: "ms/booking",
        baseline: round3(q(h, p)),
        baseline_name: "the same work by hand, same run, interleaved",
        ratio: round3(q(l, p) / q(h, p)),
        double_bookings: doubles,
        samples: LATENCY_SAMPLES,
        ...statements
      })
    }
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
    const tenant = pgTenant(yield* Tenancy.Tenancy)
    const paths = {
      library: libraryPath([booker]),
      byHand: byHandPath(() => sql, "pg", tenant),
      raw: rawPath(() => sql, "pg", tenant),
      tenant
    }
    const one = yield* setup(1)
    yield* throughput(`postgres, ${CLIENTS} clients, one clinic`, one, paths, sql)
    const spread = yield* setup(CLIENTS)
    yield* throughput(`postgres, ${CLIENTS} clients, ${CLIENTS} clinics`, spread, paths, sql)
    yield* latency("postgres", one[0]!, one[1]!, paths, sql)
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
    const others = yield* Effect.forEach(Array.from({ length: connections - 1 }, () => 0), () =>
      Effect.flatMap(Layer.build(ClinicoreSqlite.layer({ filename })), (ctx) =>
        Effect.map(
          SchedulingModule.make.pipe(
            Effect.provideService(Storage, Context.get(ctx, Storage)),
            Effect.provideService(BillingStorage, Context.get(ctx, BillingStorage))
          ),
          (booker) => ({ booker, sql: Context.get(ctx, SqlClient.SqlClient) })
        )))
    const sql = yield* SqlClient.SqlClient
    const bookers = [yield* Scheduling, ...others.map((o) => o.booker)]
    const clientsSql = [sql, ...others.map((o) => o.sql)]
    const sqlOf = (c: number) => clientsSql[c % clientsSql.length]!
    const paths = {
      library: libraryPath(bookers),
      byHand: byHandPath(sqlOf, "sqlite", noTenant),
      raw: rawPath(sqlOf, "sqlite", noTenant),
      tenant: noTenant
    }
    const one = yield* setup(1)
    yield* throughput(`sqlite, ${CLIENTS} clients on ${connections} connections, one clinic`, one, paths, sql)
    yield* latency("sqlite", one[0]!, one[1]!, paths, sql)
  }).pipe(Effect.scoped, Effect.provide(first))
})

Effect.runPromise(Effect.gen(function*() {
  yield* postgres
  yield* sqlite
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
