/**
 * `pnpm bench:billing`: invoices issued per second through the library (`Billing.issueInvoice`:
 * permission check, the invoice read under its lock, the counter's `UPDATE … RETURNING`, the
 * invoice written with its number, a chained audit event, all in one transaction) against the same
 * work done by hand on the same stock `@effect/sql` client, in the same run, on the same database
 * and clinic. One JSON line per case.
 *
 * - Postgres: a throwaway cluster (or TEST_DATABASE_URL), 16 concurrent clients in one clinic on
 *   the runtime role's pool of 16 connections, under row-level security.
 * - SQLite: one file, four connections (each a `ClinicoreSqlite.layer`), 16 clients spread over
 *   them; writers take turns (BEGIN IMMEDIATE).
 *
 * By hand means: BEGIN, the tenant (Postgres), the principal and its permission read and checked,
 * the counter's `UPDATE … RETURNING` (created the first time), the invoice updated from draft to
 * issued with its number (refused unless it was a draft), the clinic's audit head read under lock,
 * the event's HMAC computed in the process with node:crypto, the event inserted and the head moved,
 * COMMIT. A bare floor (counter and invoice update only, no permission, no audit) is printed as
 * information. Every path draws from the same counter; `gaps` and `duplicates` are counted by SQL
 * over all of them afterwards.
 */
import { createHmac, randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as BillingModule from "@clinicore/core/Billing"
import { Billing } from "@clinicore/core/Billing"
import * as Clinicore from "@clinicore/core/Clinicore"
import { FieldCrypto } from "@clinicore/core/FieldCrypto"
import { Patients } from "@clinicore/core/Patients"
import { ClinicorePg, Tenancy } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"

const CLIENTS = 16
const PER_CLIENT = Number(process.env.BENCH_ISSUES_PER_CLIENT ?? 25)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))

const seconds = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.timed(effect), ([d]) => Duration.toMillis(d) / 1000)

/** What one issue needs, whoever does it. */
interface Target {
  readonly clinicId: string
  readonly staffId: string
  readonly invoiceId: string
}

interface Path {
  readonly name: string
  readonly issue: (target: Target, client: number) => Effect.Effect<unknown, unknown>
}

/** A throwaway chain key: the by-hand path signs its events like the library, in the process. */
const chainKey = randomBytes(32)

/** Statements differ per dialect only in how the tenant is set and instants are bound. */
interface Dialect {
  readonly tenant: (sql: SqlClient.SqlClient, clinicId: string) => Effect.Effect<unknown, unknown>
  readonly instant: (ms: number) => unknown
}

/**
 * An issue by hand, as a careful developer would write it with the same guarantees and none of the
 * library's code.
 */
const byHand = (sql: SqlClient.SqlClient, d: Dialect) => (t: Target) =>
  sql.withTransaction(Effect.gen(function*() {
    yield* d.tenant(sql, t.clinicId)
    const [p] = yield* sql<{ active: unknown; role: string | null; status: string | null; granted: unknown }>`
      SELECT c.active, s.role, s.status, rp.granted FROM clinics c
        LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${t.staffId}
        LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = s.role AND rp.permission_key = 'billing.edit'
      WHERE c.id = ${t.clinicId}`
    const truthy = (v: unknown) => v === true || v === 1
    if (p === undefined || !truthy(p.active) || p.status !== "active" || (p.role !== "admin" && !truthy(p.granted))) {
      return yield* Effect.fail("not allowed")
    }
    const now = Date.now()
    const today = new Date(now).toISOString().slice(0, 10)
    const year = Number(today.slice(0, 4))
    let [counter] = yield* sql<{ last_number: number }>`UPDATE billing_counters SET last_number = last_number + 1
      WHERE clinic_id = ${t.clinicId} AND series = 'invoice' AND year = ${year} RETURNING last_number`
    if (counter === undefined) {
      ;[counter] = yield* sql<{ last_number: number }>`INSERT INTO billing_counters (clinic_id, series, year, last_number)
        VALUES (${t.clinicId}, 'invoice', ${year}, 1)
        ON CONFLICT (clinic_id, series, year) DO UPDATE SET last_number = billing_counters.last_number + 1 RETURNING last_number`
    }
    const sequence = Number(counter!.last_number)
    const number = `INV-${year}-${String(sequence).padStart(4, "0")}`
    const due = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10)
    const updated = yield* sql`UPDATE invoices SET status = 'issued', number = ${number}, year = ${year}, sequence = ${sequence},
        issued_at = ${d.instant(now)}, due_date = ${due}, balance_minor = total_minor, updated_at = ${d.instant(now)}
      WHERE clinic_id = ${t.clinicId} AND id = ${t.invoiceId} AND status = 'draft' RETURNING id`
    if (updated.length === 0) return yield* Effect.fail("not a draft")
    const [head] = yield* sql<{ seq: unknown; hash: string }>`SELECT seq, hash FROM audit_heads WHERE clinic_id = ${t.clinicId}
      ${sql.onDialectOrElse({ pg: () => sql.literal("FOR UPDATE"), orElse: () => sql.literal("") })}`
    const seq = Number(head!.seq) + 1
    const body = JSON.stringify([t.clinicId, now, "user", t.staffId, p.role, "Billing.issueInvoice", "billing.edit", "Invoice", t.invoiceId, "ok", null])
    const hash = createHmac("sha256", chainKey).update(`${head!.hash}\n${seq}\n${body}`).digest("base64url")
    yield* sql`INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key, entity_type, entity_id,
        outcome, reason, prev_hash, hash)
      VALUES (${t.clinicId}, ${seq}, ${d.instant(now)}, 'user', ${t.staffId}, ${p.role}, 'Billing.issueInvoice', 'billing.edit',
        'Invoice', ${t.invoiceId}, 'ok', null, ${head!.hash}, ${hash})`
    yield* sql`UPDATE audit_heads SET seq = ${seq}, hash = ${hash} WHERE clinic_id = ${t.clinicId}`
  }))

/** The floor: the counter and the invoice update, nothing else (no permission, no audit). */
const bare = (sql: SqlClient.SqlClient, d: Dialect) => (t: Target) =>
  sql.withTransaction(Effect.gen(function*() {
    yield* d.tenant(sql, t.clinicId)
    const year = new Date().getUTCFullYear()
    const [counter] = yield* sql<{ last_number: number }>`UPDATE billing_counters SET last_number = last_number + 1
      WHERE clinic_id = ${t.clinicId} AND series = 'invoice' AND year = ${year} RETURNING last_number`
    const sequence = Number(counter!.last_number)
    yield* sql`UPDATE invoices SET status = 'issued', number = ${`INV-${year}-${String(sequence).padStart(4, "0")}`}, year = ${year},
        sequence = ${sequence}, balance_minor = total_minor WHERE clinic_id = ${t.clinicId} AND id = ${t.invoiceId} AND status = 'draft'`
  }))

/** Missing and doubled numbers of the clinic's issued invoices, counted by SQL. */
const audit = (sql: SqlClient.SqlClient, d: Dialect, clinicId: string) =>
  sql.withTransaction(Effect.zipRight(
    d.tenant(sql, clinicId),
    sql<{ gaps: unknown; duplicates: unknown; issued: unknown }>`SELECT
        (SELECT coalesce(max(sequence), 0) FROM invoices WHERE clinic_id = ${clinicId})
          - (SELECT count(DISTINCT sequence) FROM invoices WHERE clinic_id = ${clinicId} AND sequence IS NOT NULL) AS gaps,
        (SELECT count(*) FROM invoices WHERE clinic_id = ${clinicId} AND sequence IS NOT NULL)
          - (SELECT count(DISTINCT sequence) FROM invoices WHERE clinic_id = ${clinicId} AND sequence IS NOT NULL) AS duplicates,
        (SELECT count(*) FROM invoices WHERE clinic_id = ${clinicId} AND sequence IS NOT NULL) AS issued`
  )).pipe(Effect.map(([r]) => ({ gaps: Number(r!.gaps), duplicates: Number(r!.duplicates), issued: Number(r!.issued) })))

/**
 * Runs each path once unmeasured (the JIT warms up), then ROUNDS times timed, alternating, over
 * fresh drafts: CLIENTS clients at once, each issuing PER_CLIENT drafts of its own one after the
 * other.
 */
const compare = (adapter: string, billers: ReadonlyArray<BillingModule.Billing>, sql: SqlClient.SqlClient, d: Dialect, extra: {
  readonly byHand: Path
  readonly bare: Path
}) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic("BillBench", { timeZone: "UTC" })
    const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Bench Patient", phone: "+1 212 555 7000" })).pipe(a.asAdmin)
    const billing = yield* Billing
    const drafts = () =>
      Effect.forEach(Array.from({ length: CLIENTS }, (_, c) => c), () =>
        Effect.forEach(Array.from({ length: PER_CLIENT }, (_, i) => i), (i) =>
          billing.createInvoice({ patientId: patient.id, lines: [{ description: `Visit ${i}`, quantity: 1, unitPriceMinor: 5000 + i }] })
            .pipe(a.asAdmin, Effect.map((inv) => inv.id))), { concurrency: 4 })
    const library: Path = {
      name: "library",
      issue: (t, c) => billers[c % billers.length]!.issueInvoice(t.invoiceId).pipe(a.asAdmin)
    }
    const paths = [library, extra.byHand, extra.bare]
    const phase = (path: Path) =>
      Effect.gen(function*() {
        const ids = yield* drafts()
        return yield* seconds(Effect.forEach(ids, (list, c) =>
          Effect.forEach(list, (invoiceId) => path.issue({ clinicId: a.clinicId, staffId: a.admin.id, invoiceId }, c), { discard: true }), {
          concurrency: CLIENTS,
          discard: true
        }))
      })
    for (const path of paths) yield* phase(path)
    // Timed in alternating rounds, each path's median kept: a machine whose load changes during
    // the run shifts every path alike instead of whichever ran last.
    const samples: Array<Array<number>> = paths.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (const [p, path] of paths.entries()) samples[p]!.push((CLIENTS * PER_CLIENT) / (yield* phase(path)))
    }
    const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    const rates = samples.map(median)
    const numbers = yield* audit(sql, d, a.clinicId)
    const report = (name: string, value: number, baseline: number, baselineName: string) =>
      line({
        name,
        value: Math.round(value),
        unit: "issues/s",
        baseline: Math.round(baseline),
        baseline_name: baselineName,
        ratio: Number((value / baseline).toFixed(3)),
        gaps: numbers.gaps,
        duplicates: numbers.duplicates,
        issued: numbers.issued
      })
    report(`${adapter}: issueInvoice vs the same work by hand, ${CLIENTS} clients, one clinic`, rates[0]!, rates[1]!, extra.byHand.name)
    report(`${adapter}: the same work by hand vs bare counter + update (information), ${CLIENTS} clients`, rates[1]!, rates[2]!, extra.bare.name)
  })

const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

/** The tenant named by hand with its proof (`Tenancy`), as a host's own SQL does. */
const pgDialect = (tenancy: Tenancy.Tenancy): Dialect => ({
  tenant: (sql, clinicId) =>
    sql`SELECT set_config('clinicore.clinic_id', ${clinicId}, true),
      set_config('clinicore.clinic_id_proof', ${tenancy.proof("clinic_id", clinicId)}, true)`,
  instant: (ms) => new Date(ms)
})
const sqliteDialect: Dialect = { tenant: () => Effect.void, instant: (ms) => ms }

const postgres = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: CLIENTS })
  yield* Effect.gen(function*() {
    const biller = yield* Billing
    const sql = yield* SqlClient.SqlClient
    const dialect = pgDialect(yield* Tenancy.Tenancy)
    yield* compare("postgres", [biller], sql, dialect, {
      byHand: {
        name: "by hand: permission read, counter UPDATE … RETURNING, invoice UPDATE, audit head FOR UPDATE + node:crypto HMAC + event INSERT + head UPDATE, same client, same run",
        issue: byHand(sql, dialect)
      },
      bare: { name: "bare: counter UPDATE … RETURNING + invoice UPDATE, same client, same run", issue: bare(sql, dialect) }
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
    const fieldCrypto = yield* FieldCrypto
    const others = yield* Effect.forEach(Array.from({ length: connections - 1 }, (_, i) => i), () =>
      Layer.build(BillingModule.layer.pipe(
        Layer.provideMerge(ClinicoreSqlite.layer({ filename })),
        Layer.provide(Layer.succeed(FieldCrypto, fieldCrypto))
      )))
    const biller = yield* Billing
    const sql = yield* SqlClient.SqlClient
    const sqls = [sql, ...others.map((ctx) => Context.get(ctx, SqlClient.SqlClient))]
    const spread = (f: (sql: SqlClient.SqlClient, d: Dialect) => (t: Target) => Effect.Effect<unknown, unknown>) => {
      const each = sqls.map((s) => f(s, sqliteDialect))
      return (t: Target, c: number) => each[c % each.length]!(t)
    }
    yield* compare("sqlite", [biller, ...others.map((ctx) => Context.get(ctx, Billing))], sql, sqliteDialect, {
      byHand: {
        name: `by hand: permission read, counter UPDATE … RETURNING, invoice UPDATE, audit head + node:crypto HMAC + event INSERT + head UPDATE, over the same ${connections} connections, same run`,
        issue: spread(byHand)
      },
      bare: { name: `bare: counter UPDATE … RETURNING + invoice UPDATE, over the same ${connections} connections, same run`, issue: spread(bare) }
    })
  }).pipe(Effect.scoped, Effect.provide(first))
})

const which = process.argv[2]
Effect.runPromise(Effect.gen(function*() {
  if (which === undefined || which === "sqlite") yield* sqlite
  if (which === undefined || which === "pg") yield* postgres
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
