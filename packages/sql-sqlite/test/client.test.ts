/**
 * The adapter's own SQLite client: connection settings, transactions that hold the write lock
 * from their first statement (BEGIN IMMEDIATE), and a busy timeout that waits for a writer on
 * another thread or process.
 */
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"
import { Storage } from "@clinicore/core/Storage"
import type { ClinicId } from "@clinicore/core/Ids"
import { expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import Sqlite from "better-sqlite3"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ClinicoreSqlite } from "../src/index.js"
import { freshFile } from "./utils/layer.js"

const clinicId = "00000000-0000-4000-8000-000000000001" as ClinicId

/** A clinic row, so that holidays (a tenant table) can be written. */
const seed = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
    VALUES (${clinicId}, 'client-test', 'Client', 'UTC', 'USD', 1, '{}', 'k', 0)`)

/**
 * A thread with its own connection that takes the write lock, reports "locked", holds it for
 * `holdMs` without yielding, then commits and reports "released".
 */
const lockHolder = (filename: string, holdMs: number) =>
  Effect.acquireRelease(
    Effect.async<Worker>((resume) => {
      const worker = new Worker(
        `const { parentPort, workerData } = require("node:worker_threads")
        const Sqlite = require(workerData.driver)
        const db = new Sqlite(workerData.filename)
        db.exec("BEGIN IMMEDIATE")
        parentPort.postMessage("locked")
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs)
        db.exec("COMMIT")
        db.close()
        parentPort.postMessage("released")`,
        { eval: true, workerData: { filename, holdMs, driver: createRequire(import.meta.url).resolve("better-sqlite3") } }
      )
      worker.once("message", () => resume(Effect.succeed(worker)))
      worker.once("error", (error) => resume(Effect.die(error)))
    }),
    (worker) => Effect.promise(() => worker.terminate())
  )

it.effect("every connection runs WAL, foreign keys, synchronous NORMAL and the configured busy timeout", () =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [journal] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
    const [fk] = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
    const [sync] = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
    const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
    expect([journal!.journal_mode, fk!.foreign_keys, sync!.synchronous, busy!.timeout]).toEqual(["wal", 1, 1, 1234])
  }).pipe(Effect.provide(ClinicoreSqlite.layer({ filename: freshFile(), busyTimeoutMs: 1234 }))))

it.effect("a transaction holds the write lock from its start, even before it writes", () =>
  Effect.gen(function*() {
    const filename = freshFile()
    const outcome = yield* Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* seed
      const storage = yield* Storage
      // Another connection that does not wait: it can start a writer only while nobody holds the lock.
      const other = new Sqlite(filename, { timeout: 0 })
      const tryWrite = () => {
        try {
          other.exec("BEGIN IMMEDIATE")
          other.exec("ROLLBACK")
          return "free"
        } catch (error) {
          return (error as { code?: string }).code
        }
      }
      const inside = yield* storage.transaction(clinicId)(
        Effect.zipRight(sql`SELECT count(*) AS n FROM clinics`, Effect.sync(tryWrite))
      )
      const after = tryWrite()
      other.close()
      return { inside, after }
    }).pipe(Effect.provide(ClinicoreSqlite.layer({ filename })))
    expect(outcome).toEqual({ inside: "SQLITE_BUSY", after: "free" })
  }))

it.effect("a writer waits for another thread's write lock up to the busy timeout, then fails", () =>
  Effect.gen(function*() {
    const filename = freshFile()
    const open = (busyTimeoutMs: number) =>
      Effect.map(Layer.build(ClinicoreSqlite.layer({ filename, busyTimeoutMs })), (ctx) => Context.get(ctx, Storage))
    const patient = yield* open(5000)
    const impatient = yield* open(50)
    yield* seed.pipe(Effect.provide(ClinicoreSqlite.layer({ filename })))
    const putHoliday = (storage: Storage, date: string) =>
      storage.schedules.putHoliday(clinicId, { date, name: "Closed" }).pipe(storage.transaction(clinicId))

    const waited = yield* Effect.scoped(Effect.gen(function*() {
      yield* lockHolder(filename, 300)
      const started = Date.now()
      yield* putHoliday(patient, "2031-01-01")
      return Date.now() - started
    }))
    expect(waited).toBeGreaterThanOrEqual(200)

    const refused = yield* Effect.scoped(Effect.gen(function*() {
      yield* lockHolder(filename, 1000)
      return yield* Effect.exit(putHoliday(impatient, "2031-01-02"))
    }))
    const defect = Exit.isFailure(refused) ? Option.getOrUndefined(Cause.dieOption(refused.cause)) : undefined
    expect(String((defect as { cause?: { code?: string } } | undefined)?.cause?.code)).toMatch(/^SQLITE_BUSY/)

    const holidays = yield* patient.schedules.holidays(clinicId, "2031-01-01", "2031-12-31")
    expect(holidays.map((h) => h.date)).toEqual(["2031-01-01"])
  }).pipe(Effect.scoped), { timeout: 30_000 })

it.effect("connections of one process take turns without blocking each other's fibers", () =>
  Effect.gen(function*() {
    const filename = freshFile()
    const layers = [1, 2, 3].map(() => ClinicoreSqlite.layer({ filename, busyTimeoutMs: 2000 }))
    const storages = yield* Effect.forEach(layers, (l) => Effect.map(Layer.build(l), (ctx) => Context.get(ctx, Storage)))
    yield* seed.pipe(Effect.provide(layers[0]!))
    // Every transaction reads, lets the others run, then writes; each on one of three connections.
    const days = Array.from({ length: 60 }, (_, i) => `2031-02-${String((i % 28) + 1).padStart(2, "0")}`)
    yield* Effect.forEach(days, (date, i) => {
      const storage = storages[i % 3]!
      return Effect.gen(function*() {
        const before = yield* storage.schedules.holidays(clinicId, date, date)
        yield* Effect.yieldNow()
        yield* storage.schedules.putHoliday(clinicId, { date, name: `Closed ${before.length}` })
      }).pipe(storage.transaction(clinicId))
    }, { concurrency: "unbounded", discard: true })
    const holidays = yield* storages[0]!.schedules.holidays(clinicId, "2031-02-01", "2031-02-28")
    expect(holidays).toHaveLength(28)
    // Days written three times: read the earlier write each time (one writer at a time).
    expect(holidays.filter((h) => h.name === "Closed 1")).toHaveLength(28)
  }).pipe(Effect.scoped))

it.effect("sql.stream steps through a result a batch at a time, inside a transaction too, and closes early", () =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const all = yield* Stream.runCollect(sql<{ n: number }>`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)
      SELECT n FROM s`.stream)
    expect(Chunk.size(all)).toBe(5000)
    expect(Chunk.unsafeLast(all)).toEqual({ n: 5000 })
    // Batches of at most 512 rows: the whole result is never read at once.
    const sizes = yield* sql<{ n: number }>`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
      SELECT n FROM s`.stream.pipe(Stream.chunks, Stream.map(Chunk.size), Stream.runCollect)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(512)
    // Taken early, inside a transaction: the statement is closed and the connection usable again.
    const firstThree = yield* sql.withTransaction(Effect.gen(function*() {
      const taken = yield* Stream.runCollect(Stream.take(sql<{ n: number }>`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000)
        SELECT n FROM s`.stream, 3))
      yield* sql`SELECT 1`
      return taken
    }))
    expect(Chunk.toReadonlyArray(firstThree)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  }).pipe(Effect.provide(ClinicoreSqlite.layer({ filename: freshFile() }))))
