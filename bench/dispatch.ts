/**
 * `pnpm bench:dispatch`: reminders sent per second by the library's dispatcher (to a no-op
 * notifier) against **the same work by hand** (DESIGN §13) in the same run, on the same database,
 * with the same stock client and no library code on its path. One JSON line per case, with
 * `duplicates` counted afterwards (sends of one reminder beyond the first, from the notifier's own
 * count) and the first message each side sent (`sample`, `baseline_sample`).
 *
 * - Postgres: a throwaway cluster (or TEST_DATABASE_URL), 4 workers, `BENCH_DISPATCH_REMINDERS`
 *   due reminders per side (default 100,000).
 * - SQLite: one worker, `BENCH_DISPATCH_REMINDERS_SQLITE` per side (default 100,000, as on Postgres).
 *
 * Both sides work in batches of 100: a claiming transaction that leases due rows with
 * `FOR UPDATE SKIP LOCKED`, then a delivering transaction that locks the held rows, fences them
 * on fresh reads (appointment still scheduled or confirmed, same version and start, start and
 * deadline ahead, no opt-out of the channel, an address), renders the clinic's stored template in
 * the clinic's zone, sends, marks the sends and appends one chained audit event; each transaction
 * reads the system principal's clinic first. What only the library does: expired leases taken
 * over (SMS to reconciliation), deadline-passed rows ended at claim, each send's own time and
 * provider id recorded, a watchdog on the batch's sends, failures retried with backoff or ended
 * with a reason, fenced rows ended with their own reason. The bare loop (`floor`) is printed
 * beside it for information.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import type { Message, Notifier } from "@clinicore/core/Notifier"
import { defaultTemplates } from "@clinicore/core/Reminder"
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
import * as Plain from "./plain.js"

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** Each appointment's four reminders; one offset's share is released per round. */
const offsets = [2880, 1440, 120, 60]
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

/** A notifier that sends nothing, counts sends per reminder and keeps the first message. */
const counting = () => {
  const sends = new Map<string, number>()
  let sample: Message | undefined
  const notifier: Notifier = {
    send: (m) =>
      Effect.sync(() => {
        sample ??= m
        sends.set(m.reminderId, (sends.get(m.reminderId) ?? 0) + 1)
        return { providerMessageId: null }
      })
  }
  const duplicates = () => [...sends.values()].reduce((n, c) => n + c - 1, 0)
  return { notifier, sends, duplicates, sample: () => sample }
}

/** The clinics' stored reminder policy: the default e-mail template, with a link to render. */
const policy = {
  offsets: [{ minutes: 1440, channels: ["email" as const] }],
  quietHours: null,
  templates: defaultTemplates,
  lateBooking: "skip" as const,
  cutoffMinutes: 0,
  linkTemplate: "https://clinic.example/appointments/{appointmentId}"
}

/**
 * A clinic in a zone with DST, its reminder policy stored, one doctor and patient, `count / 4`
 * appointments two days ahead and four due e-mail reminders each, written in bulk by SQL (`raw`:
 * outside any tenant; the rows are what the outbox writes).
 */
const seed = (label: string, count: number, bulk: SqlClient.SqlClient, instant: (ms: number) => unknown) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: "America/New_York" })
    yield* Effect.flatMap(Reminders, (r) => r.setPolicy(policy)).pipe(a.asAdmin)
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
            offsets.map((offset) => ({
              clinic_id: a.clinicId,
              id: randomUUID(),
              appointment_id: r.id,
              appointment_version: 1,
              appointment_start: instant(r.start),
              patient_id: patient.id,
              kind: "auto",
              offset_minutes: offset,
              channel: "email",
              // Not due yet: each round makes one offset's reminders due (`release`).
              due_at: instant(now + DAY),
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

/** The tenant with its proof (`Tenancy`) on Postgres, as a host's own SQL names it. */
const tenantOf = (sql: SqlClient.SqlClient, pg: boolean, clinicId: string) =>
  pg
    ? Effect.flatMap(Effect.orDie(Effect.serviceOptional(Tenancy.Tenancy)), (t) =>
      sql`SELECT set_config('clinicore.clinic_id', ${clinicId}, true),
          set_config('clinicore.clinic_id_proof', ${t.proof("clinic_id", clinicId)}, true)`)
    : Effect.void

/** Leases up to 100 due reminders to `owner` in one statement (`FOR UPDATE SKIP LOCKED` on Postgres). */
const lease = (sql: SqlClient.SqlClient, pg: boolean, clinicId: string, owner: string, now: number) => {
  const instant = Plain.instantOf(pg ? "pg" : "sqlite")
  return sql<{ id: string }>`UPDATE reminders SET status = 'sending', lease_owner = ${owner},
      lease_until = ${instant(now + 120_000)}, attempts = attempts + 1, updated_at = ${instant(now)}
    WHERE clinic_id = ${clinicId} AND id IN (
      SELECT id FROM reminders WHERE clinic_id = ${clinicId} AND status = 'pending' AND due_at <= ${instant(now)}
      ORDER BY due_at LIMIT 100 ${sql.literal(pg ? "FOR UPDATE SKIP LOCKED" : "")})
    RETURNING id`
}

/** What the by-hand delivery reads of each reminder it holds and may send. */
interface Deliverable {
  readonly id: string
  readonly channel: string
  readonly appointment_id: string
  readonly start_at: Date | number
  readonly clinic_name: string
  readonly time_zone: string
  readonly patient_name: string
  readonly address: string
  readonly doctor_name: string
  readonly service_name: string | null
}

/** The chain key of the by-hand path: kept in the process, as the library keeps its own. */
const chainKey = randomBytes(32)

/**
 * The same work by hand (DESIGN §13), written plainly with the stock client and no library code.
 * Per batch of 100, as the library's bench settings: a claiming transaction (tenant, the system
 * principal's clinic read and checked, due rows leased with `FOR UPDATE SKIP LOCKED` in one
 * `UPDATE … RETURNING`), then a delivering transaction: tenant and principal again, the clinic's
 * stored policy (its e-mail template), one query that locks the held rows (`FOR UPDATE OF r`) and
 * returns only those that pass the fence — appointment still scheduled or confirmed, same version
 * and start, start and deadline ahead, no opt-out of the channel, an address — with what the
 * message needs; each message rendered by plain string replacement (the local start from one
 * `Intl.DateTimeFormat` per zone), sent, then one `UPDATE` marking the sent, one ending the fenced
 * (when any), and the chained audit event.
 */
const byHand = (sql: SqlClient.SqlClient, pg: boolean, clinicId: string, workers: number, notifier: Notifier) =>
  Effect.gen(function*() {
    const dialect: Plain.Dialect = pg ? "pg" : "sqlite"
    const instant = Plain.instantOf(dialect)
    const no = sql.literal(pg ? "false" : "0")
    const tenant = tenantOf(sql, pg, clinicId)
    // The dispatcher is a job of the clinic: the clinic must exist and be active.
    const allowed = Effect.flatMap(
      Plain.principal(sql, clinicId, null, null, "reminders.edit"),
      (p) => p !== undefined && Plain.truthy(p.active) ? Effect.void : Effect.dieMessage("not allowed")
    )
    const formats = new Map<string, Intl.DateTimeFormat>()
    // "2026-03-29 14:15" (sv-SE writes ISO dates and 24-hour times).
    const localStart = (zone: string, at: number) => {
      let format = formats.get(zone)
      if (format === undefined) {
        format = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, dateStyle: "short", timeStyle: "short" })
        formats.set(zone, format)
      }
      return format.format(at)
    }
    const fill = (text: string, values: Record<string, string>) =>
      text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => values[name] ?? "")
    const worker = (w: number) =>
      Effect.gen(function*() {
        const owner = `hand-${w}`
        for (;;) {
          const now = Date.now()
          const claimed = yield* sql.withTransaction(Effect.gen(function*() {
            yield* tenant
            yield* allowed
            return yield* lease(sql, pg, clinicId, owner, now)
          }))
          if (claimed.length === 0) return
          const ids = claimed.map((r) => r.id)
          yield* sql.withTransaction(Effect.gen(function*() {
            yield* tenant
            yield* allowed
            const [stored] = yield* sql<{ policy: unknown }>`SELECT policy FROM reminder_policies WHERE clinic_id = ${clinicId}`
            const policy = (typeof stored!.policy === "string" ? JSON.parse(stored!.policy) : stored!.policy) as {
              templates: Record<string, { subject?: string; body: string }>
              linkTemplate: string | null
            }
            const at = Date.now()
            const rows = yield* sql<Deliverable>`SELECT r.id, r.channel, a.id AS appointment_id, a.start_at,
                c.name AS clinic_name, c.time_zone, p.full_name AS patient_name,
                CASE WHEN r.channel = 'email' THEN p.email ELSE p.phone END AS address,
                d.name AS doctor_name, s.name AS service_name
              FROM reminders r
              JOIN clinics c ON c.id = r.clinic_id
              JOIN appointments a ON a.clinic_id = r.clinic_id AND a.id = r.appointment_id
              JOIN patients p ON p.clinic_id = r.clinic_id AND p.id = r.patient_id
              JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
              LEFT JOIN services s ON s.clinic_id = a.clinic_id AND s.id = a.service_id
              WHERE r.clinic_id = ${clinicId} AND r.id IN ${sql.in(ids)} AND r.status = 'sending' AND r.lease_owner = ${owner}
                AND a.status IN ('scheduled', 'confirmed') AND a.version = r.appointment_version
                AND a.start_at = r.appointment_start AND a.start_at > ${instant(at)} AND r.deadline > ${instant(at)}
                AND COALESCE(CASE WHEN r.channel = 'email' THEN p.email ELSE p.phone END, '') <> ''
                AND NOT EXISTS (SELECT 1 FROM reminder_consents k WHERE k.clinic_id = r.clinic_id
                  AND k.patient_id = r.patient_id AND k.channel = r.channel AND k.granted = ${no})
              ORDER BY r.due_at ${sql.literal(pg ? "FOR UPDATE OF r" : "")}`
            for (const r of rows) {
              const template = policy.templates[r.channel]!
              const local = localStart(r.time_zone, r.start_at instanceof Date ? r.start_at.getTime() : Number(r.start_at))
              const values: Record<string, string> = {
                "patient.name": r.patient_name,
                "doctor.name": r.doctor_name,
                "clinic.name": r.clinic_name,
                "start.date": local.slice(0, 10),
                "start.time": local.slice(11),
                "start.local": local,
                "service.name": r.service_name ?? "",
                link: policy.linkTemplate === null ? "" : policy.linkTemplate.replaceAll("{appointmentId}", r.appointment_id)
              }
              yield* notifier.send({
                reminderId: r.id,
                clinicId,
                channel: r.channel as "email",
                to: r.address,
                subject: template.subject === undefined ? null : fill(template.subject, values),
                body: fill(template.body, values),
                idempotencyKey: `reminder-${r.id}`
              }).pipe(Effect.orDie)
            }
            const done = Date.now()
            const sent = rows.map((r) => r.id)
            if (sent.length > 0) {
              yield* sql`UPDATE reminders SET status = 'sent', sent_at = ${instant(done)}, lease_owner = NULL, lease_until = NULL,
                  updated_at = ${instant(done)}
                WHERE clinic_id = ${clinicId} AND id IN ${sql.in(sent)}`
            }
            const fenced = ids.filter((id) => !sent.includes(id))
            if (fenced.length > 0) {
              yield* sql`UPDATE reminders SET status = 'cancelled', reason = 'fenced', lease_owner = NULL, lease_until = NULL,
                  updated_at = ${instant(done)}
                WHERE clinic_id = ${clinicId} AND id IN ${sql.in(fenced)} AND status = 'sending' AND lease_owner = ${owner}`
            }
            yield* Plain.appendAudit(sql, dialect, chainKey, {
              clinicId,
              at: done,
              actorType: "system",
              actorId: "reminder-dispatcher",
              role: null,
              action: "Reminders.deliver",
              permissionKey: "reminders.edit",
              entityType: "Reminder",
              entityId: null,
              outcome: "ok",
              reason: null
            })
          }))
        }
      })
    yield* Effect.all(Array.from({ length: workers }, (_, w) => worker(w)), { concurrency: "unbounded", discard: true })
  })

/**
 * The floor, for information: the bare `SKIP LOCKED` loop. Claim a batch under a lease, send an
 * empty body to each, mark the batch sent where the appointment still holds (one fenced UPDATE);
 * no principal, no message, no consent or address, no audit.
 */
const floor = (sql: SqlClient.SqlClient, pg: boolean, clinicId: string, workers: number, notifier: Notifier) =>
  Effect.gen(function*() {
    const instant = Plain.instantOf(pg ? "pg" : "sqlite")
    const tenant = tenantOf(sql, pg, clinicId)
    const worker = (w: number) =>
      Effect.gen(function*() {
        for (;;) {
          const now = Date.now()
          const claimed = yield* sql.withTransaction(Effect.zipRight(tenant, lease(sql, pg, clinicId, `floor-${w}`, now)))
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
              WHERE clinic_id = ${clinicId} AND lease_owner = ${`floor-${w}`} AND status = 'sending'
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
    const bare = yield* seed(`BenchFloor${adapter}`, count, seeding, instant)
    const libCount = counting()
    const handCount = counting()
    const floorCount = counting()
    const sides = [
      { clinicId: lib.a.clinicId, run: library(lib.a.clinicId, workers, libCount.notifier), seconds: 0 },
      { clinicId: hand.a.clinicId, run: byHand(sql, pg, hand.a.clinicId, workers, handCount.notifier), seconds: 0 },
      { clinicId: bare.a.clinicId, run: floor(sql, pg, bare.a.clinicId, workers, floorCount.notifier), seconds: 0 }
    ]
    // Rounds alternate between the sides in rotating order, so drift in the machine's load hits
    // each alike; each round sends one offset's share (a quarter), made due untimed just before,
    // on a freshly vacuumed and analysed table on Postgres (the updates leave dead rows behind).
    for (const [round, offset] of offsets.entries()) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length]!
        yield* seeding`UPDATE reminders SET due_at = ${instant(Date.now() - MINUTE)}
          WHERE clinic_id = ${side.clinicId} AND offset_minutes = ${offset}`
        if (pg) yield* seeding.unsafe("VACUUM ANALYZE reminders, appointments, audit_events")
        side.seconds += yield* seconds(side.run)
      }
    }
    const [libSeconds, handSeconds, floorSeconds] = sides.map((s) => s.seconds)
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
      baseline_name:
        "by hand: principal read, claim with SKIP LOCKED, fence (appointment, consent, address) and render, send, mark sent, audit event; same client, same run",
      ratio: Number((libRate / handRate).toFixed(3)),
      duplicates: libCount.duplicates(),
      baseline_duplicates: handCount.duplicates(),
      sent_rows: yield* sentRows(lib.a.clinicId),
      baseline_sent_rows: yield* sentRows(hand.a.clinicId),
      notified: libCount.sends.size,
      floor: Math.round(bare.total / floorSeconds),
      floor_name: "information: the bare SKIP LOCKED loop (empty body, fence in the final UPDATE, no principal, no audit)",
      floor_duplicates: floorCount.duplicates(),
      // The same message on both sides, but for the clinic's name and the reminder's own ids.
      sample: libCount.sample()?.body,
      baseline_sample: handCount.sample()?.body
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
    Number(process.env.BENCH_DISPATCH_REMINDERS_SQLITE ?? 100_000),
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
