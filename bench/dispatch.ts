/**
 * `pnpm bench:dispatch`: reminders sent per second by the library's dispatcher (to a no-op
 * notifier) against the same work done by hand in the same run, on the same database: claim with
 * `FOR UPDATE SKIP LOCKED`, fence against the appointment (still blocking, same version and start,
 * start ahead), mark sent. One JSON line per case, with `duplicates` counted afterwards (sends of
 * one reminder beyond the first, from the notifier's own count).
 *
 * - Postgres: a throwaway cluster (or TEST_DATABASE_URL), 4 workers, `BENCH_DISPATCH_REMINDERS`
 *   due reminders per side (default 100,000).
 * - SQLite: one worker, `BENCH_DISPATCH_REMINDERS_SQLITE` per side (default 10,000).
 *
 * The library does more per reminder than the by-hand loop: a permission check of its system
 * principal, one transaction per delivery (so a concurrent reschedule is fenced up to the send),
 * consent and address checks, rendering, and an audit event per send (DESIGN §10). The ratio says
 * what that costs.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import type { Notifier } from "@clinicore/core/Notifier"
import { Patients } from "@clinicore/core/Patients"
import { Reminders } from "@clinicore/core/Reminders"
import { ClinicorePg, Tenancy } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"

const MINUTE = 60_000
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

/** A notifier that sends nothing and counts sends per reminder. */
const counting = () => {
  const sends = new Map<string, number>()
  const notifier: Notifier = {
    send: (m) =>
      Effect.sync(() => {
        sends.set(m.reminderId, (sends.get(m.reminderId) ?? 0) + 1)
        return { providerMessageId: null }
      })
  }
  const duplicates = () => [...sends.values()].reduce((n, c) => n + c - 1, 0)
  return { notifier, sends, duplicates }
}

/**
 * A clinic with one doctor and patient, `count / 4` appointments a day ahead and four due e-mail
 * reminders each, written in bulk by SQL (`raw`: outside any tenant; the rows are what the outbox
 * writes).
 */
const seed = (label: string, count: number, bulk: SqlClient.SqlClient, instant: (ms: number) => unknown) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: "UTC" })
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Bench", specialty: "GP" })).pipe(a.asAdmin)
    const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Bench", phone: "+1 212 555 0199", email: "b@bench.test" }))
      .pipe(a.asAdmin)
    const sql = bulk
    const now = Date.now()
    const base = Math.ceil((now + 2 * 24 * 60 * MINUTE) / (15 * MINUTE)) * 15 * MINUTE
    const appointments = Math.ceil(count / 4)
    const chunk = 500
    yield* sql.withTransaction(Effect.gen(function*() {
      for (let from = 0; from < appointments; from += chunk) {
        const rows = Array.from({ length: Math.min(chunk, appointments - from) }, (_, j) => {
          const start = base + (from + j) * 15 * MINUTE
          return { id: randomUUID(), start }
        })
        yield* sql`INSERT INTO appointments ${
          sql.insert(rows.map((r) => ({
            clinic_id: a.clinicId,
            id: r.id,
            doctor_id: doctor.id,
            patient_id: patient.id,
            start_at: instant(r.start),
            end_at: instant(r.start + 15 * MINUTE),
            busy_start: instant(r.start),
            busy_end: instant(r.start + 15 * MINUTE),
            status: "scheduled",
            created_at: instant(now),
            updated_at: instant(now)
          })))
        }`
        yield* sql`INSERT INTO reminders ${
          sql.insert(rows.flatMap((r) =>
            [2880, 1440, 120, 60].map((offset) => ({
              clinic_id: a.clinicId,
              id: randomUUID(),
              appointment_id: r.id,
              appointment_version: 1,
              appointment_start: instant(r.start),
              patient_id: patient.id,
              kind: "auto",
              offset_minutes: offset,
              channel: "email",
              due_at: instant(now - MINUTE),
              deadline: instant(r.start),
              status: "pending",
              attempts: 0,
              created_at: instant(now),
              updated_at: instant(now)
            }))
          ))
        }`
      }
    }))
    return { a, total: appointments * 4 }
  })

/** Wall-clock seconds an effect takes. */
const seconds = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.timed(effect), ([d]) => Duration.toMillis(d) / 1000)

const library = (clinicId: string, workers: number, notifier: Notifier) =>
  Effect.gen(function*() {
    const reminders = yield* Reminders
    const worker = (w: number) =>
      Effect.gen(function*() {
        for (;;) {
          const report = yield* reminders.dispatch({ notifier, owner: `lib-${w}`, batchSize: 100, deliveryBatch: 100 }).pipe(
            Actor.withSystem(clinicId as never, "reminder-dispatcher"),
            Effect.orDie
          )
          if (report.claimed === 0) return
        }
      })
    yield* Effect.all(Array.from({ length: workers }, (_, w) => worker(w)), { concurrency: "unbounded", discard: true })
  })

/**
 * The same work by hand: claim a batch with SKIP LOCKED (Postgres) under a lease, then send each
 * and mark the batch sent where the appointment still holds (one fenced UPDATE), per batch.
 */
const byHand = (sql: SqlClient.SqlClient, pg: boolean, clinicId: string, workers: number, notifier: Notifier, instant: (ms: number) => unknown) =>
  Effect.gen(function*() {
    // The tenant with its proof (`Tenancy`) on Postgres, as a host's own SQL names it.
    const tenant = pg
      ? Effect.flatMap(Effect.orDie(Effect.serviceOptional(Tenancy.Tenancy)), (t) =>
        sql`SELECT set_config('clinicore.clinic_id', ${clinicId}, true),
          set_config('clinicore.clinic_id_proof', ${t.proof("clinic_id", clinicId)}, true)`)
      : sql`SELECT 1`
    const worker = (w: number) =>
      Effect.gen(function*() {
        for (;;) {
          const now = Date.now()
          const claimed = yield* sql.withTransaction(Effect.zipRight(
            tenant,
            sql<{ id: string; appointment_id: string }>`UPDATE reminders SET status = 'sending', lease_owner = ${`hand-${w}`},
                lease_until = ${instant(now + 120_000)}, attempts = attempts + 1
              WHERE clinic_id = ${clinicId} AND id IN (
                SELECT id FROM reminders WHERE clinic_id = ${clinicId} AND status = 'pending' AND due_at <= ${instant(now)}
                ORDER BY due_at LIMIT 100 ${sql.literal(pg ? "FOR UPDATE SKIP LOCKED" : "")})
              RETURNING id, appointment_id`
          ))
          if (claimed.length === 0) return
          for (const r of claimed) {
            yield* notifier.send({
              reminderId: r.id,
              clinicId,
              channel: "email",
              to: "b@bench.test",
              subject: null,
              body: "",
              idempotencyKey: `reminder-${r.id}`
            }).pipe(Effect.orDie)
          }
          yield* sql.withTransaction(Effect.zipRight(
            tenant,
            sql`UPDATE reminders SET status = 'sent', sent_at = ${instant(Date.now())}, lease_owner = NULL, lease_until = NULL
              WHERE clinic_id = ${clinicId} AND lease_owner = ${`hand-${w}`} AND status = 'sending'
                AND id IN ${sql.in(claimed.map((r) => r.id))}
                AND EXISTS (SELECT 1 FROM appointments a WHERE a.clinic_id = reminders.clinic_id AND a.id = reminders.appointment_id
                  AND a.status IN ('scheduled', 'confirmed') AND a.version = reminders.appointment_version
                  AND a.start_at = reminders.appointment_start AND a.start_at > ${instant(Date.now())})`
          ))
        }
      })
    yield* Effect.all(Array.from({ length: workers }, (_, w) => worker(w)), { concurrency: "unbounded", discard: true })
  })

const compare = (
  adapter: string,
  pg: boolean,
  count: number,
  workers: number,
  bulk: SqlClient.SqlClient | undefined,
  instant: (ms: number) => unknown
) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const seeding = bulk ?? sql
    const lib = yield* seed(`BenchLib${adapter}`, count, seeding, instant)
    const hand = yield* seed(`BenchHand${adapter}`, count, seeding, instant)
    const libCount = counting()
    const handCount = counting()
    // Each phase starts on a freshly vacuumed and analysed table: the other phase's updates leave
    // dead rows behind that would otherwise slow whichever runs second.
    const tidy = pg ? Effect.asVoid(seeding.unsafe("VACUUM ANALYZE reminders, appointments")) : Effect.void
    yield* tidy
    const libSeconds = yield* seconds(library(lib.a.clinicId, workers, libCount.notifier))
    yield* tidy
    const handSeconds = yield* seconds(byHand(sql, pg, hand.a.clinicId, workers, handCount.notifier, instant))
    const sentRows = (clinicId: string) =>
      seeding<{ n: number }>`SELECT count(*) AS n FROM reminders WHERE clinic_id = ${clinicId} AND status = 'sent'`.pipe(
        Effect.map((rows) => Number(rows[0]!.n))
      )
    const libRate = lib.total / libSeconds
    const handRate = hand.total / handSeconds
    line({
      name: `${adapter}: dispatch, ${workers} worker${workers > 1 ? "s" : ""}, ${lib.total} due reminders`,
      value: Math.round(libRate),
      unit: "sends/s",
      baseline: Math.round(handRate),
      baseline_name: "by hand: claim with SKIP LOCKED, fence against the appointment, mark sent; same client, same run",
      ratio: Number((libRate / handRate).toFixed(3)),
      duplicates: libCount.duplicates(),
      baseline_duplicates: handCount.duplicates(),
      sent_rows: yield* sentRows(lib.a.clinicId),
      baseline_sent_rows: yield* sentRows(hand.a.clinicId),
      notified: libCount.sends.size
    })
  }).pipe(Effect.orDie)

const postgres = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: 8 })
  // Bulk seeding names no tenant: it runs as the superuser, as a host's import would run as the owner.
  yield* Effect.gen(function*() {
    const adminContext = yield* Layer.build(PgClient.layer({ url: Redacted.make(db.adminUrl), maxConnections: 2 }))
    const adminSql = adminContext.unsafeMap.get(SqlClient.SqlClient.key) as SqlClient.SqlClient
    yield* compare("postgres", true, Number(process.env.BENCH_DISPATCH_REMINDERS ?? 100_000), 4, adminSql, (ms) => new Date(ms))
  }).pipe(Effect.scoped, Effect.provide(services.pipe(Layer.provideMerge(storage))))
  yield* Effect.promise(() => db.drop())
  yield* Effect.promise(() => stop())
})

const sqlite = Effect.gen(function*() {
  const filename = join(mkdtempSync(join(tmpdir(), "clinicore-bench-")), "bench.db")
  yield* compare(
    "sqlite",
    false,
    Number(process.env.BENCH_DISPATCH_REMINDERS_SQLITE ?? 10_000),
    1,
    undefined,
    (ms) => ms
  ).pipe(Effect.provide(services.pipe(Layer.provideMerge(ClinicoreSqlite.layer({ filename })))))
})

// `BENCH_DISPATCH_ONLY=postgres|sqlite` runs one adapter.
const only = process.env.BENCH_DISPATCH_ONLY
Effect.runPromise(Effect.gen(function*() {
  if (only !== "sqlite") yield* postgres
  if (only !== "postgres") yield* sqlite
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
