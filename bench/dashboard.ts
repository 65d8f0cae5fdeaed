/**
 * `pnpm bench:dashboard`: the clinic dashboard and each report through the library (`Analytics`)
 * against the same figures by hand (DESIGN §13), in the same run, on the same database, the same
 * indexes and the same stock `@effect/sql` client (the runtime role's pool, under row-level
 * security on Postgres). One JSON line per case.
 *
 * By hand means, in one transaction: the tenant set (Postgres), the principal and its permission
 * read and checked (the query shape of the repositories' `access.principal`), and the figure in
 * plain SQL as a developer would write it: `count(*) FILTER (…)`, `date_trunc(…, t AT TIME ZONE
 * zone)` on Postgres, `strftime` on SQLite (whose clinics here are in UTC, since SQLite knows no
 * zones), the same joins. Utilisation by hand reads the booked minutes, the doctors with their
 * rules and the holidays, and computes working minutes with `Report.workingMinutes` (the schedule
 * rule is not what is measured: the library runs the same function).
 *
 * Data (seeded with set-based SQL, not through the library): Postgres `BENCH_CLINICS` (50) clinics
 * × 10 doctors × `BENCH_PER_DOCTOR` (2,000) appointments = 1,000,000, `BENCH_PAYMENTS` (4,000)
 * payments per clinic = 200,000, plus invoices, expenses and pending reminders; SQLite a tenth of
 * the clinics. Each case runs one unmeasured pass per path, then `BENCH_PASSES` (25) timed passes
 * per path, alternating library and by hand pass by pass; a pass is one call per clinic (at least
 * 40 calls, the clinics cycled), 4 at a time. `value` and `baseline` are each path's median calls
 * per second; `ratio` is the median of the ratios of adjacent passes (library ÷ by hand).
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Analytics } from "@clinicore/core/Analytics"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Doctors } from "@clinicore/core/Doctors"
import * as Report from "@clinicore/core/Report"
import * as Schedule from "@clinicore/core/Schedule"
import { Schedules } from "@clinicore/core/Schedules"
import { ClinicorePg, Tenancy } from "@clinicore/sql-pg"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"

const DAY = 86_400_000
const DOCTORS = 10
const PATIENTS = 200
const CLINICS = Number(process.env.BENCH_CLINICS ?? 50)
const PER_DOCTOR = Number(process.env.BENCH_PER_DOCTOR ?? 2000)
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 4000)
const INVOICES = Number(process.env.BENCH_INVOICES ?? 2000)
const EXPENSES = Number(process.env.BENCH_EXPENSES ?? 1000)
const PASSES = Number(process.env.BENCH_PASSES ?? 25)
const MIN_CALLS = 40
const CONCURRENCY = 4

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const seconds = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.timed(effect), ([d]) => Duration.toMillis(d) / 1000)
const iso = (t: number) => new Date(t).toISOString().slice(0, 10)

interface BenchClinic {
  readonly fixture: Fixtures.ClinicFixture
  readonly zone: string
}

type Dialect = "pg" | "sqlite"

const now = Date.now()
const today = iso(now)
const ranges = {
  dashboard: { from: iso(now - 15 * DAY), to: iso(now + 14 * DAY) },
  days180: { from: iso(now - 179 * DAY), to: today },
  days90: { from: iso(now - 89 * DAY), to: today },
  days30: { from: iso(now - 29 * DAY), to: today },
  year: { from: iso(now - 364 * DAY), to: today }
}

/** The clinics, doctors (with weekday hours 09:00–13:00) and patients, and the rows in bulk. */
const seed = (dialect: Dialect, clinics: number, raw: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    const zone = dialect === "pg" ? "Europe/London" : "UTC"
    const out: Array<BenchClinic> = []
    const base = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate()) - 180 * DAY
    const rules = { weekly: [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "09:00", end: "13:00" })) }
    const t = (ms: string) => (dialect === "pg" ? `to_timestamp((${ms}) / 1000.0)` : `(${ms})`)
    const series = (n: number, name: string) =>
      dialect === "pg"
        ? `generate_series(0::bigint, ${n - 1}) AS ${name}(i)`
        : `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) SELECT i FROM s) AS ${name}`
    const uuid = dialect === "pg" ? "gen_random_uuid()" : "lower(hex(randomblob(16)))"
    const nowMs = String(now)
    for (let c = 0; c < clinics; c++) {
      const fixture = yield* Fixtures.clinic(`Dash${c}`, { timeZone: zone })
      const id = fixture.clinicId
      for (let d = 0; d < DOCTORS; d++) {
        const doctor = yield* Effect.flatMap(Doctors, (s) => s.create({ name: `Dr ${c}-${d}`, specialty: "GP" })).pipe(fixture.asAdmin)
        yield* Effect.flatMap(Schedules, (s) => s.set({ doctorId: doctor.id, rules })).pipe(fixture.asAdmin)
      }
      yield* raw.unsafe(`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
        SELECT '${id}', ${uuid}, 'Patient ' || p.i, '+1555' || ${dialect === "pg" ? "lpad(p.i::text, 7, '0')" : "substr('0000000' || p.i, -7, 7)"}, ${dialect === "pg" ? "false" : "0"}, ${t(nowMs)}
        FROM ${series(PATIENTS, "p")}`)
      // Doctor d's k-th appointment: day k / 8 from the base, 09:00 + 30 min × (k mod 8), with
      // patient (20 d + k mod 20) mod 200, so neither a doctor nor a patient is ever double-booked.
      const start = `(${base} + (k.i / 8) * ${DAY} + 32400000 + (k.i % 8) * 1800000)`
      const startExpr = dialect === "pg" ? `(${base}::bigint + (k.i / 8) * ${DAY}::bigint + 32400000 + (k.i % 8) * 1800000)` : start
      yield* raw.unsafe(`INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status,
          created_at, updated_at)
        SELECT '${id}', ${uuid}, d.id, p.id, ${t(startExpr)}, ${t(`${startExpr} + 1800000`)}, ${t(startExpr)}, ${t(`${startExpr} + 1800000`)},
          CASE WHEN ${startExpr} < ${nowMs}
            THEN CASE (k.i * 7 + d.n) % 10 WHEN 0 THEN 'no_show' WHEN 1 THEN 'cancelled' WHEN 2 THEN 'checked_in' ELSE 'completed' END
            ELSE CASE (k.i * 7 + d.n) % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'requested' WHEN 2 THEN 'scheduled' WHEN 3 THEN 'scheduled'
              ELSE 'confirmed' END END,
          ${t(nowMs)}, ${t(nowMs)}
        FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM doctors WHERE clinic_id = '${id}') AS d
        CROSS JOIN ${series(PER_DOCTOR, "k")}
        JOIN (SELECT id, row_number() OVER (ORDER BY phone) - 1 AS n FROM patients WHERE clinic_id = '${id}') AS p
          ON p.n = (d.n * 20 + k.i % 20) % ${PATIENTS}`)
      const ms = (col: string) => (dialect === "pg" ? `(extract(epoch FROM ${col}) * 1000)::bigint` : col)
      yield* raw.unsafe(`INSERT INTO payments (clinic_id, id, appointment_id, amount_minor, currency, method, status, idempotency_key,
          request_fingerprint, refunded_minor, paid_at, created_at, updated_at)
        SELECT '${id}', ${uuid}, a.id, 1000 + (a.n * 37) % 19000, 'USD', 'card',
          CASE WHEN a.n % 50 < 40 THEN 'paid' WHEN a.n % 50 < 44 THEN 'pending' WHEN a.n % 50 < 47 THEN 'failed' ELSE 'refunded' END,
          'seed-' || a.n, 'x',
          CASE WHEN a.n % 50 >= 47 THEN 1000 + (a.n * 37) % 19000 WHEN a.n % 50 < 10 THEN (a.n * 13) % 500 ELSE 0 END,
          CASE WHEN a.n % 50 < 40 OR a.n % 50 >= 47 THEN ${t(`${ms("a.start_at")} + 3600000`)} ELSE NULL END,
          a.start_at, a.start_at
        FROM (SELECT id, start_at, row_number() OVER (ORDER BY start_at, id) - 1 AS n FROM appointments
          WHERE clinic_id = '${id}' AND status = 'completed' ORDER BY start_at, id LIMIT ${PAYMENTS}) AS a`)
      const issuedMs = `(${nowMs} - (v.i % 200) * ${DAY} - (v.i % 7) * 3600000)`
      const due = dialect === "pg"
        ? `to_char(to_timestamp((${issuedMs} + 30 * ${DAY}::bigint) / 1000.0) AT TIME ZONE '${zone}', 'YYYY-MM-DD')`
        : `date((${issuedMs} + 30 * ${DAY}) / 1000, 'unixepoch')`
      yield* raw.unsafe(`INSERT INTO invoices (clinic_id, id, patient_id, currency, tax_basis_points, discount_minor, rounding_mode,
          rounding_scope, subtotal_minor, tax_minor, total_minor, paid_minor, refunded_minor, credited_minor, balance_minor, status,
          due_days, issued_at, due_date, created_at, updated_at)
        SELECT '${id}', ${uuid}, p.id, 'USD', 0, 0, 'half_up', 'invoice', 5000, 0, 5000, 0, 0, 0,
          CASE WHEN v.i % 10 < 4 THEN 5000 WHEN v.i % 10 < 6 THEN 2500 ELSE 0 END,
          CASE WHEN v.i % 10 < 4 THEN 'issued' WHEN v.i % 10 < 6 THEN 'partially_paid' WHEN v.i % 10 < 9 THEN 'paid' ELSE 'void' END,
          30, ${t(issuedMs)}, ${due}, ${t(issuedMs)}, ${t(issuedMs)}
        FROM ${series(INVOICES, "v")}
        JOIN (SELECT id, row_number() OVER (ORDER BY phone) - 1 AS n FROM patients WHERE clinic_id = '${id}') AS p ON p.n = v.i % ${PATIENTS}`)
      const expenseDate = dialect === "pg"
        ? `to_char(to_timestamp((${nowMs} - (e.i % 365) * ${DAY}::bigint) / 1000.0) AT TIME ZONE '${zone}', 'YYYY-MM-DD')`
        : `date((${nowMs} - (e.i % 365) * ${DAY}) / 1000, 'unixepoch')`
      yield* raw.unsafe(`INSERT INTO expenses (clinic_id, id, category, amount_minor, currency, date, created_at)
        SELECT '${id}', ${uuid}, 'supplies', 100 + (e.i * 53) % 9000, 'USD', ${expenseDate}, ${t(nowMs)} FROM ${series(EXPENSES, "e")}`)
      yield* raw.unsafe(`INSERT INTO reminders (clinic_id, id, appointment_id, appointment_version, appointment_start, patient_id, kind,
          offset_minutes, channel, due_at, deadline, status, created_at, updated_at)
        SELECT clinic_id, ${uuid}, id, 1, start_at, patient_id, 'auto', 1440, 'sms', ${t(`${ms("start_at")} - ${DAY}`)}, start_at, 'pending',
          ${t(nowMs)}, ${t(nowMs)}
        FROM appointments WHERE clinic_id = '${id}' AND status IN ('scheduled', 'confirmed') AND start_at > ${t(nowMs)}`)
      out.push({ fixture, zone })
    }
    yield* raw.unsafe(dialect === "pg" ? "ANALYZE" : "ANALYZE")
    const [counts] = yield* raw.unsafe<Record<string, unknown>>(`SELECT (SELECT count(*) FROM appointments) AS appointments,
      (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM invoices) AS invoices,
      (SELECT count(*) FROM expenses) AS expenses, (SELECT count(*) FROM reminders) AS reminders`)
    line({ name: `${dialect}: seeded`, clinics, ...Object.fromEntries(Object.entries(counts!).map(([k, v]) => [k, Number(v)])) })
    return out
  })

/** The by-hand transaction: tenant, principal and permission, then the figure. */
const byHand = <A>(sql: SqlClient.SqlClient, dialect: Dialect, c: BenchClinic, key: string, body: Effect.Effect<A, unknown>) =>
  sql.withTransaction(Effect.gen(function*() {
    if (dialect === "pg") {
      // The tenant with its proof (`Tenancy`), as the library names it.
      const proof = (yield* Effect.orDie(Effect.serviceOptional(Tenancy.Tenancy))).proof("clinic_id", c.fixture.clinicId)
      yield* sql`SELECT set_config('clinicore.clinic_id', ${c.fixture.clinicId}, true),
        set_config('clinicore.clinic_id_proof', ${proof}, true)`
    }
    const [p] = yield* sql<{ active: unknown; role: string | null; status: string | null; granted: unknown }>`
      SELECT c.active, s.role, s.status, rp.granted FROM clinics c
        LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${c.fixture.admin.id}
        LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = s.role AND rp.permission_key = ${key}
      WHERE c.id = ${c.fixture.clinicId}`
    const truthy = (v: unknown) => v === true || v === 1
    if (p === undefined || !truthy(p.active) || p.status !== "active" || (p.role !== "admin" && !truthy(p.granted))) {
      return yield* Effect.fail("not allowed")
    }
    return yield* body
  }))

interface Case {
  readonly name: string
  readonly library: (c: BenchClinic) => Effect.Effect<unknown, unknown>
  readonly hand: (c: BenchClinic) => Effect.Effect<unknown, unknown>
}

const cases = (dialect: Dialect, sql: SqlClient.SqlClient, analytics: Analytics): ReadonlyArray<Case> => {
  const at = (ms: number) => (dialect === "pg" ? new Date(ms) : ms)
  const start = (c: BenchClinic, date: string) => at(zonedStart(c.zone, date))
  const pg = dialect === "pg"
  const run = (c: BenchClinic, key: string, body: Effect.Effect<unknown, unknown>) => byHand(sql, dialect, c, key, body)
  const lib = <A>(c: BenchClinic, f: (a: Analytics) => Effect.Effect<A, unknown, import("@clinicore/core/Actor").Actor>) =>
    f(analytics).pipe(c.fixture.asAdmin)
  const local = (col: string, c: BenchClinic, unit: "day" | "month") =>
    pg
      ? sql`date_trunc(${unit}, ${sql.literal(col)} AT TIME ZONE ${c.zone})`
      : sql.literal(unit === "day" ? `strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch')` : `strftime('%Y-%m', ${col} / 1000, 'unixepoch')`)
  return [
    {
      name: "dashboard (30 days)",
      library: (c) => lib(c, (a) => a.dashboard(ranges.dashboard)),
      hand: (c) => {
        const sMs = zonedStart(c.zone, ranges.dashboard.from)
        const s = at(sMs)
        const e = start(c, nextDay(ranges.dashboard.to))
        return run(c, "analytics.dashboard", sql`SELECT count(*) AS total,
            count(*) FILTER (WHERE status IN ('scheduled', 'confirmed') AND start_at >= ${at(Math.max(Date.now(), sMs))}) AS upcoming,
            count(*) FILTER (WHERE status = 'completed') AS completed,
            (SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM payments
              WHERE clinic_id = ${c.fixture.clinicId} AND status = 'paid' AND paid_at >= ${s} AND paid_at < ${e}) AS revenue,
            (SELECT count(*) FROM payments WHERE clinic_id = ${c.fixture.clinicId} AND status = 'pending') AS pending,
            (SELECT coalesce(sum(amount_minor), 0) FROM payments WHERE clinic_id = ${c.fixture.clinicId} AND status = 'pending') AS pending_minor,
            (SELECT count(*) FROM reminders WHERE clinic_id = ${c.fixture.clinicId} AND status = 'pending') AS reminders
          FROM appointments WHERE clinic_id = ${c.fixture.clinicId} AND start_at >= ${s} AND start_at < ${e}`)
      }
    },
    {
      name: "revenue by day (180 days)",
      library: (c) => lib(c, (a) => a.report({ kind: "revenue_by_period", ...ranges.days180, granularity: "day" })),
      // Every day of the range, the days without payments included (as the report lists them).
      hand: (c) => {
        const days = pg
          ? sql`SELECT d::date AS day FROM generate_series(${ranges.days180.from}::date, ${ranges.days180.to}::date, interval '1 day') AS d`
          : sql`WITH RECURSIVE s(day) AS (SELECT ${ranges.days180.from} UNION ALL SELECT date(day, '+1 day') FROM s WHERE day < ${ranges.days180.to})
              SELECT day FROM s`
        return run(c, "analytics.reports", sql`SELECT ${pg ? sql`to_char(d.day, 'YYYY-MM-DD')` : sql`d.day`} AS period,
            coalesce(p.payments, 0) AS payments, coalesce(p.revenue, 0) AS revenue
          FROM (${days}) AS d
          LEFT JOIN (
            SELECT ${pg ? sql`(paid_at AT TIME ZONE ${c.zone})::date` : local("paid_at", c, "day")} AS day, count(*) AS payments, sum(amount_minor - refunded_minor) AS revenue
            FROM payments WHERE clinic_id = ${c.fixture.clinicId} AND status = 'paid'
              AND paid_at >= ${start(c, ranges.days180.from)} AND paid_at < ${start(c, nextDay(ranges.days180.to))}
            GROUP BY 1
          ) AS p ON p.day = d.day
          ORDER BY d.day`)
      }
    },
    ...(["doctor", "service"] as const).map((by): Case => ({
      name: `revenue by ${by} (90 days)`,
      library: (c) => lib(c, (a) => a.report({ kind: by === "doctor" ? "revenue_by_doctor" : "revenue_by_service", ...ranges.days90 })),
      hand: (c) =>
        run(c, "analytics.reports", sql`SELECT g.id, g.name, count(*) AS payments, sum(p.amount_minor - p.refunded_minor) AS revenue
          FROM payments p
          LEFT JOIN invoices i ON i.clinic_id = p.clinic_id AND i.id = p.invoice_id
          LEFT JOIN appointments a ON a.clinic_id = p.clinic_id AND a.id = coalesce(p.appointment_id, i.appointment_id)
          LEFT JOIN ${sql.literal(by === "doctor" ? "doctors" : "services")} g
            ON g.clinic_id = a.clinic_id AND g.id = ${sql.literal(by === "doctor" ? "a.doctor_id" : "a.service_id")}
          WHERE p.clinic_id = ${c.fixture.clinicId} AND p.status = 'paid'
            AND p.paid_at >= ${start(c, ranges.days90.from)} AND p.paid_at < ${start(c, nextDay(ranges.days90.to))}
          GROUP BY g.id, g.name ORDER BY revenue DESC`)
    })),
    {
      name: "receivables by age",
      library: (c) => lib(c, (a) => a.report({ kind: "receivables" })),
      hand: (c) => {
        const age = pg
          ? sql`(${today}::date - (issued_at AT TIME ZONE ${c.zone})::date)`
          : sql`(julianday(${today}) - julianday(date(issued_at / 1000, 'unixepoch')))`
        return run(c, "analytics.reports", sql`SELECT CASE WHEN ${age} <= 30 THEN '0-30' WHEN ${age} <= 60 THEN '31-60'
              WHEN ${age} <= 90 THEN '61-90' ELSE '90+' END AS bucket,
            count(*) AS invoices, sum(balance_minor) AS outstanding,
            count(*) FILTER (WHERE due_date < ${today}) AS overdue_invoices,
            coalesce(sum(balance_minor) FILTER (WHERE due_date < ${today}), 0) AS overdue
          FROM invoices WHERE clinic_id = ${c.fixture.clinicId} AND status IN ('issued', 'partially_paid') GROUP BY 1`)
      }
    },
    {
      name: "no-show rate by doctor (90 days)",
      library: (c) => lib(c, (a) => a.report({ kind: "no_shows", ...ranges.days90 })),
      hand: (c) =>
        run(c, "analytics.reports", sql`SELECT d.id, d.name,
            count(a.id) FILTER (WHERE a.status = 'completed') AS completed, count(a.id) FILTER (WHERE a.status = 'no_show') AS no_shows
          FROM doctors d LEFT JOIN appointments a ON a.clinic_id = d.clinic_id AND a.doctor_id = d.id
            AND a.start_at >= ${start(c, ranges.days90.from)} AND a.start_at < ${start(c, nextDay(ranges.days90.to))}
            AND a.status IN ('completed', 'no_show')
          WHERE d.clinic_id = ${c.fixture.clinicId} AND d.active = ${pg ? true : 1} GROUP BY d.id, d.name`)
    },
    {
      name: "doctor utilisation (30 days)",
      library: (c) => lib(c, (a) => a.report({ kind: "utilisation", ...ranges.days30 })),
      hand: (c) => {
        const s = zonedStart(c.zone, ranges.days30.from)
        const e = zonedStart(c.zone, nextDay(ranges.days30.to))
        const minutes = pg
          ? sql`sum(extract(epoch FROM least(end_at, ${at(e)}) - greatest(start_at, ${at(s)}))) / 60`
          : sql`sum(min(end_at, ${e}) - max(start_at, ${s})) / 60000.0`
        return run(c, "analytics.reports", Effect.gen(function*() {
          const booked = yield* sql`SELECT doctor_id, ${minutes} AS minutes FROM appointments
            WHERE clinic_id = ${c.fixture.clinicId} AND status IN ('scheduled', 'confirmed', 'checked_in', 'completed')
              AND start_at < ${at(e)} AND end_at > ${at(s)} GROUP BY doctor_id`
          const doctors = yield* sql<{ id: string; name: string; rules: unknown }>`SELECT d.id, d.name, ds.rules FROM doctors d
            LEFT JOIN doctor_schedules ds ON ds.clinic_id = d.clinic_id AND ds.doctor_id = d.id
            WHERE d.clinic_id = ${c.fixture.clinicId} AND d.active = ${pg ? true : 1}`
          const holidays = yield* sql<{ date: string }>`SELECT date FROM clinic_holidays WHERE clinic_id = ${c.fixture.clinicId}
            AND date >= ${ranges.days30.from} AND date <= ${ranges.days30.to}`
          const bookedOf = new Map(booked.map((b) => [String(b.doctor_id), Number(b.minutes)]))
          return doctors.map((d) => {
            const rules = d.rules === null ? Schedule.emptyRules : decodeRules(typeof d.rules === "string" ? JSON.parse(d.rules) : d.rules)
            const working = Report.workingMinutes(c.zone, rules, holidays.map((h) => h.date), s, e)
            return { id: d.id, booked: bookedOf.get(d.id) ?? 0, working }
          })
        }))
      }
    },
    {
      name: "expenses and net by month (365 days)",
      library: (c) => lib(c, (a) => a.report({ kind: "expenses", ...ranges.year, granularity: "month" })),
      hand: (c) =>
        run(c, "analytics.reports", Effect.all([
          sql`SELECT ${local("paid_at", c, "month")} AS period, sum(amount_minor - refunded_minor) AS revenue
            FROM payments WHERE clinic_id = ${c.fixture.clinicId} AND status = 'paid'
              AND paid_at >= ${start(c, ranges.year.from)} AND paid_at < ${start(c, nextDay(ranges.year.to))} GROUP BY 1`,
          sql`SELECT substr(date, 1, 7) AS period, sum(amount_minor) AS expenses FROM expenses
            WHERE clinic_id = ${c.fixture.clinicId} AND date >= ${ranges.year.from} AND date <= ${ranges.year.to} GROUP BY 1`
        ]))
    }
  ]
}

const decodeRules = Schema.decodeUnknownSync(Schedule.DoctorRules)
const nextDay = (date: string) => iso(Date.parse(`${date}T00:00:00Z`) + DAY)
/** The instant a local date starts (the by-hand path's own conversion, through Intl). */
const zonedStart = (zone: string, date: string): number => {
  const utc = Date.parse(`${date}T00:00:00Z`)
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" })
  const offset = (t: number) => {
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]))
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - t
  }
  return utc - offset(utc - offset(utc))
}

const compare = (dialect: Dialect, clinics: ReadonlyArray<BenchClinic>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const analytics = yield* Analytics
    const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    const only = process.env.BENCH_CASES // a substring of the case names to run, while developing
    // A pass calls every clinic in turn, at least MIN_CALLS calls (the few SQLite clinics cycled),
    // so that a pass lasts long enough to time.
    const targets = Array.from({ length: Math.max(clinics.length, MIN_CALLS) }, (_, i) => clinics[i % clinics.length]!)
    for (const c of cases(dialect, sql, analytics).filter((c) => only === undefined || c.name.includes(only))) {
      const pass = (f: (c: BenchClinic) => Effect.Effect<unknown, unknown>) =>
        seconds(Effect.forEach(targets, f, { concurrency: CONCURRENCY, discard: true }))
      yield* pass(c.library)
      yield* pass(c.hand)
      const lib: Array<number> = []
      const hand: Array<number> = []
      const pairs: Array<number> = []
      for (let round = 0; round < PASSES; round++) {
        // Alternating pass by pass, in rotating order, so drift in the machine's load hits both alike.
        let l: number
        let h: number
        if (round % 2 === 0) {
          l = yield* pass(c.library)
          h = yield* pass(c.hand)
        } else {
          h = yield* pass(c.hand)
          l = yield* pass(c.library)
        }
        lib.push(targets.length / l)
        hand.push(targets.length / h)
        pairs.push(h / l)
      }
      // Medians: a burst of load from elsewhere that hits one pass does not decide the figure.
      const value = median(lib)
      const baseline = median(hand)
      line({
        name: `${dialect}: ${c.name}, ${clinics.length} clinics, ${CONCURRENCY} at a time`,
        value: Number(value.toFixed(1)),
        unit: "calls/s",
        baseline: Number(baseline.toFixed(1)),
        baseline_name: "by hand: tenant, permission read, plain SQL on the same indexes, same client, same run",
        ratio: Number(median(pairs).toFixed(3))
      })
    }
  })

const services = Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer))

const postgres = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: CONCURRENCY })
  yield* Effect.gen(function*() {
    // Seeding writes as the superuser of this throwaway database (row-level security does not
    // apply to it); everything measured runs as the runtime role.
    const clinics = yield* Effect.flatMap(SqlClient.SqlClient, (raw) => Effect.succeed(raw)).pipe(
      Effect.flatMap((raw) => seed("pg", CLINICS, raw)),
      Effect.provide(PgClient.layer({ url: Redacted.make(db.adminUrl), maxConnections: 1 }))
    )
    yield* compare("pg", clinics)
  }).pipe(Effect.provide(services.pipe(Layer.provideMerge(storage))))
  yield* Effect.promise(() => db.drop())
  yield* Effect.promise(() => stop())
})

const sqlite = Effect.gen(function*() {
  const filename = join(mkdtempSync(join(tmpdir(), "clinicore-bench-")), "dashboard.db")
  yield* Effect.gen(function*() {
    const clinics = yield* Effect.flatMap(SqlClient.SqlClient, (raw) => seed("sqlite", Math.max(1, Math.round(CLINICS / 10)), raw))
    yield* compare("sqlite", clinics)
  }).pipe(Effect.provide(services.pipe(Layer.provideMerge(ClinicoreSqlite.layer({ filename })))))
})

const which = process.argv[2]
Effect.runPromise(Effect.gen(function*() {
  if (which === undefined || which === "sqlite") yield* sqlite
  if (which === undefined || which === "pg") yield* postgres
})).catch((error) => {
  console.error(error)
  process.exit(1)
})
