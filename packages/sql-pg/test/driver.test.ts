/**
 * What the stock `@effect/sql-pg` client keeps inside a clinic transaction: a span for the
 * operation with one span per statement under it, interruption that rolls back and gives the
 * connection back, and `sql.stream` under the clinic's row-level security.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import type { ClinicId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import pg from "pg"
import { inject } from "vitest"
import { makeTestLayer, TestDatabase, withFreshDatabase } from "./utils/layer.js"
import { seedClinic } from "./utils/seed.js"

const adminUrl = inject("pgAdminUrl")

const HOUR = 3_600_000

/** A clinic in UTC whose doctor works 08:00–18:00 every day, with one patient. */
const bookable = (label: string) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: "UTC" })
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: `Dr ${label}`, specialty: "GP" })).pipe(a.asAdmin)
    const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: `Patient ${label}`, phone: "+1 212 555 1000" }))
      .pipe(a.asAdmin)
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "08:00", end: "18:00" }))
    yield* Effect.flatMap(Schedules, (s) => s.set({ doctorId: doctor.id, rules: { weekly } })).pipe(a.asAdmin)
    const today = new Date()
    // Two days ahead at 10:00 UTC: inside the hours, past the notice, before the horizon.
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 2, 10)
    const book = Effect.flatMap(Scheduling, (s) =>
      s.book({ doctorId: doctor.id, patientId: patient.id, start, end: start + HOUR / 2 })).pipe(a.asAdmin)
    return { a, book }
  }).pipe(Effect.orDie)

/** What a booking left behind in its clinic, seen as the superuser (past row-level security). */
const written = (clinicId: ClinicId) =>
  Effect.flatMap(RawAccess, (raw) =>
    Effect.all({
      appointments: raw.execute("SELECT count(*)::int AS n FROM appointments WHERE clinic_id = ?", [clinicId]),
      bookEvents: raw.execute(
        "SELECT count(*)::int AS n FROM audit_events WHERE clinic_id = ? AND action = 'Scheduling.book'",
        [clinicId]
      ),
      head: raw.execute("SELECT seq::int AS seq FROM audit_heads WHERE clinic_id = ?", [clinicId])
    }))

/** The names of `span`'s ancestors, innermost first. */
const ancestors = (span: Tracer.Span): ReadonlyArray<Tracer.AnySpan> => {
  const found: Array<Tracer.AnySpan> = []
  let parent = span.parent
  while (Option.isSome(parent)) {
    found.push(parent.value)
    parent = parent.value._tag === "Span" ? parent.value.parent : Option.none()
  }
  return found
}

layer(withFreshDatabase(adminUrl, (db) => makeTestLayer(db)), { timeout: "120 seconds", excludeTestServices: true })(
  "stock driver",
  (it) => {
    it.layer(Clinicore.layer)((it) => {
      it.effect("a booking is a span named for the operation, with one span per SQL statement inside it", () =>
        Effect.gen(function*() {
          const { book } = yield* bookable("Spans")
          const spans: Array<Tracer.Span> = []
          const native = yield* Effect.tracer
          const recording = Tracer.make({
            span: (...args) => {
              const span = native.span(...args)
              spans.push(span)
              return span
            },
            context: native.context
          })
          yield* Effect.withTracer(book, recording)

          const operations = spans.filter((s) => s.name === "Scheduling.book")
          expect(operations).toHaveLength(1)
          const transactions = spans.filter((s) => s.name === "sql.transaction")
          expect(transactions).toHaveLength(1)
          expect(ancestors(transactions[0]!)).toContain(operations[0])
          const statements = spans.filter((s) => s.name === "sql.execute")
          const texts = statements.map((s) => String(s.attributes.get("db.query.text")))
          // Every statement ran in the booking's transaction, under the operation's span.
          for (const statement of statements) expect(ancestors(statement)).toContain(transactions[0])
          expect(texts[0]).toContain("set_config('clinicore.clinic_id'")
          expect(texts.some((t) => /INSERT INTO appointments/.test(t))).toBe(true)
          expect(texts.some((t) => /INSERT INTO audit_events/.test(t))).toBe(true)
          for (const statement of statements) expect(Option.isSome(statement.parent)).toBe(true)
          expect(statements.every((s) => s.status._tag === "Ended")).toBe(true)
        }))

      it.effect("sql.stream yields rows inside a clinic transaction, only that clinic's", () =>
        Effect.gen(function*() {
          const storage = yield* Storage
          const sql = yield* SqlClient.SqlClient
          const a = yield* seedClinic("StreamA", 3)
          yield* seedClinic("StreamB", 2)
          // 300 rows: more than one read of the cursor, all inside the transaction.
          const rows = sql<{ clinic_id: string; n: number }>`
            SELECT p.clinic_id, g AS n FROM patients p, generate_series(1, 100) AS g ORDER BY p.id, g`.stream
          const streamed = yield* storage.transaction(a.clinic.id)(Stream.runCollect(rows)).pipe(Effect.map(Chunk.toReadonlyArray))
          expect(streamed).toHaveLength(300)
          expect(new Set(streamed.map((r) => r.clinic_id))).toEqual(new Set([a.clinic.id]))
          // No tenant, no rows: the rows above were the transaction's, under its setting.
          expect(yield* Stream.runCollect(rows).pipe(Effect.map(Chunk.size))).toBe(0)
        }))

      it.scoped("interrupting a booking blocked on a lock cancels its statement, rolls back and frees the connection", () =>
        Effect.gen(function*() {
          const db = yield* TestDatabase
          const raw = yield* RawAccess
          const { a, book } = yield* bookable("Blocked")
          const before = yield* written(a.clinicId)
          // Another session holds a lock every booking's INSERT waits for.
          const holder = yield* Effect.acquireRelease(
            Effect.promise(async () => {
              const client = new pg.Client({ connectionString: db.adminUrl })
              // Dropping the database at the end of the suite ends this session too.
              client.on("error", () => {})
              await client.connect()
              await client.query("BEGIN")
              await client.query("LOCK TABLE appointments IN EXCLUSIVE MODE")
              return client
            }),
            (client) => Effect.promise(() => client.query("ROLLBACK").then(() => client.end()))
          )
          const waiting = raw.execute(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
              WHERE NOT l.granted AND s.usename = ?`,
            [db.appRole]
          ).pipe(Effect.map((rows) => rows[0]!.n as number))

          const fiber = yield* Effect.fork(book)
          yield* waiting.pipe(Effect.repeat({ until: (n) => n > 0, schedule: Schedule.spaced("20 millis") }), Effect.timeout("10 seconds"))
          // Still locked: the interruption can only return this soon if the statement was cancelled.
          const exit = yield* Fiber.interrupt(fiber).pipe(Effect.timeout("10 seconds"))
          expect(Exit.isInterrupted(exit)).toBe(true)
          const busy = yield* raw.execute("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = ? AND state <> 'idle'", [
            db.appRole
          ])
          expect(busy).toEqual([{ n: 0 }])
          yield* Effect.promise(() => holder.query("COMMIT"))
          expect(yield* written(a.clinicId)).toEqual(before)
          yield* book
        }))
    })
  }
)

/** Armed by a test: the next clinic transaction stops after its body, before COMMIT, until interrupted. */
let stopBeforeCommit: Deferred.Deferred<void> | undefined

/** The adapter's storage, whose transactions stop before COMMIT when armed. */
const stoppingStorage = Layer.effect(
  Storage,
  Effect.map(Storage, (storage) =>
    Storage.of({
      ...storage,
      transaction: (clinicId) => (self) =>
        storage.transaction(clinicId)(Effect.tap(self, () =>
          Effect.suspend(() => {
            const stopped = stopBeforeCommit
            if (stopped === undefined) return Effect.void
            stopBeforeCommit = undefined
            return Effect.zipRight(Deferred.succeed(stopped, undefined), Effect.never)
          })))
    }))
)

layer(withFreshDatabase(adminUrl, (db) => makeTestLayer(db, { maxConnections: 1 })), { timeout: "120 seconds", excludeTestServices: true })(
  "stock driver, one connection",
  (it) => {
    it.layer(Clinicore.layer.pipe(Layer.provide(stoppingStorage)))((it) => {
      it.effect("interrupting a booking inside its transaction rolls it back and gives the only connection back", () =>
        Effect.gen(function*() {
          const { a, book } = yield* bookable("Interrupted")
          const before = yield* written(a.clinicId)
          const stopped = yield* Deferred.make<void>()
          stopBeforeCommit = stopped
          const fiber = yield* Effect.fork(book)
          yield* Deferred.await(stopped)
          // The appointment and its audit event are written, not yet committed.
          yield* Fiber.interrupt(fiber)
          expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
          expect(yield* written(a.clinicId)).toEqual(before)
          // The one connection is free again and carries no tenant; the same slot books.
          const sql = yield* SqlClient.SqlClient
          const [left] = yield* sql<{ t: string | null }>`SELECT current_setting('clinicore.clinic_id', true) AS t`
          expect(left!.t ?? "").toBe("")
          const booked = yield* book
          const after = yield* written(a.clinicId)
          expect(after.appointments).toEqual([{ n: (before.appointments[0]!.n as number) + 1 }])
          expect(after.bookEvents).toEqual([{ n: 1 }])
          expect(booked.clinicId).toBe(a.clinicId)
        }))
    })
  }
)
