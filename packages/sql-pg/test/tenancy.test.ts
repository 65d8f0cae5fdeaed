/**
 * Postgres defence in depth (DESIGN §4): row-level security forced on every table, an
 * unprivileged runtime role, and a tenant setting that never outlives its transaction on a pooled
 * connection. Everything here runs as the app role unless it says otherwise.
 */
import { randomUUID } from "node:crypto"
import * as Clinicore from "@clinicore/core/Clinicore"
import type { ClinicId } from "@clinicore/core/Ids"
import { Storage } from "@clinicore/core/Storage"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { inject } from "vitest"
import { Tenancy } from "../src/index.js"
import { makeTestLayer, TestDatabase, withFreshDatabase } from "./utils/layer.js"
import { seedClinic } from "./utils/seed.js"

/**
 * Every tenant table, read from the catalog (every public table with a `clinic_id` column), so a
 * table added by a later migration is covered without touching this file.
 */
const tenantTables = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ table_name: string }>`SELECT table_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name = 'clinic_id' ORDER BY table_name`).pipe(
  Effect.map((rows) => rows.map((r) => r.table_name))
)
const allTables = Effect.map(tenantTables, (tables) => ["clinics", ...tables])

const setTenant = (clinicId: string) => Effect.flatMap(Tenancy.Tenancy, (t) => t.set("clinic_id", clinicId))

/** Every row of every table the app role can see right now, by table. */
const visibleRows = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const result: Record<string, ReadonlyArray<Record<string, unknown>>> = {}
  for (const table of yield* allTables) result[table] = yield* sql`SELECT * FROM ${sql(table)}`
  return result
})

/** The clinic a row belongs to (a clinic row belongs to itself). */
const owner = (table: string, row: Record<string, unknown>) => (table === "clinics" ? row.id : row.clinic_id)

class Boom extends Data.TaggedError("Boom")<{}> {}

// Two app-role connections: few enough that the stress test below reuses each one hundreds of times.
const TestLayer = withFreshDatabase(inject("pgAdminUrl"), (db) => makeTestLayer(db, { maxConnections: 2 }))

layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("PostgreSQL tenancy", (it) => {
  it.effect("RLS is enabled and forced on every table; the runtime role is unprivileged and owns nothing", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const db = yield* TestDatabase

      const tables = yield* sql<{ relname: string; rls: boolean; forced: boolean; owner: string; ownerMember: boolean }>`
        SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
               pg_get_userbyid(c.relowner) AS owner,
               pg_has_role(current_user, c.relowner, 'MEMBER') AS "ownerMember"
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'effect_sql_migrations'
         ORDER BY c.relname`
      const expected = (yield* allTables).sort()
      expect(expected).toEqual(expect.arrayContaining(["appointments", "audit_events", "clinics", "patients", "staff"]))
      expect(tables.map((t) => t.relname)).toEqual(expected)
      for (const t of tables) {
        expect({ table: t.relname, rls: t.rls, forced: t.forced }).toEqual({ table: t.relname, rls: true, forced: true })
        // Membership in the owning role would bypass RLS just like ownership (FORCE aside).
        expect({ table: t.relname, ownerMember: t.ownerMember }).toEqual({ table: t.relname, ownerMember: false })
      }

      const policies = yield* sql<{ tablename: string; cmd: string; qual: string; check: string | null }>`
        SELECT tablename, cmd, qual, with_check AS check FROM pg_policies WHERE schemaname = 'public' ORDER BY tablename`
      expect([...new Set(policies.map((p) => p.tablename))]).toEqual(expected)
      for (const p of policies) {
        expect(p.qual).toContain("clinicore_current_clinic()")
        // Only the slug lookup is read-only; every policy that lets a row in checks the tenant.
        if (p.cmd === "SELECT") expect(p.check).toBeNull()
        else expect(p.check).toContain("clinicore_current_clinic()")
      }

      const [me] = yield* sql<{ user: string; rolsuper: boolean; rolbypassrls: boolean }>`
        SELECT current_user AS "user", rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`
      expect(me).toEqual({ user: db.appRole, rolsuper: false, rolbypassrls: false })
      expect(tables.map((t) => t.owner)).not.toContain(me!.user)
      expect(new Set(tables.map((t) => t.owner))).toEqual(new Set([db.ownerRole]))
    }))

  it.layer(Clinicore.layer)((it) => {
    it.effect("as the app role, a tenant sees exactly its own rows of every table, and no tenant sees nothing", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const raw = yield* RawAccess
        const a = yield* seedClinic("RlsA", 2)
        const b = yield* seedClinic("RlsB", 3)

        // The superuser sees both clinics everywhere, so an empty result below means filtered.
        for (const table of yield* allTables) {
          const rows = yield* raw.execute(`SELECT * FROM ${table}`)
          const owners = new Set(rows.map((r) => owner(table, r)))
          expect({ table, a: owners.has(a.clinic.id), b: owners.has(b.clinic.id) }).toEqual({ table, a: true, b: true })
        }

        const asA = yield* sql.withTransaction(Effect.zipRight(setTenant(a.clinic.id), visibleRows))
        for (const table of yield* allTables) {
          const owners = asA[table]!.map((r) => owner(table, r))
          expect({ table, some: owners.length > 0 }).toEqual({ table, some: true })
          expect({ table, owners: [...new Set(owners)] }).toEqual({ table, owners: [a.clinic.id] })
        }
        expect(asA.patients).toHaveLength(2)

        const asB = yield* sql.withTransaction(Effect.zipRight(setTenant(b.clinic.id), visibleRows))
        expect(asB.patients!.map((r) => r.clinic_id)).toEqual([b.clinic.id, b.clinic.id, b.clinic.id])

        const none = yield* sql.withTransaction(visibleRows)
        const emptySetting = yield* sql.withTransaction(Effect.zipRight(setTenant(""), visibleRows))
        const outside = yield* visibleRows
        for (const table of yield* allTables) {
          expect({ table, rows: none[table] }).toEqual({ table, rows: [] })
          expect({ table, rows: emptySetting[table] }).toEqual({ table, rows: [] })
          expect({ table, rows: outside[table] }).toEqual({ table, rows: [] })
        }
      }))

    it.effect("a slug lookup shows that one clinic row and nothing else, and never inside a tenant", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const a = yield* seedClinic("SlugA")
        const b = yield* seedClinic("SlugB")
        const setSlug = (slug: string) => Effect.flatMap(Tenancy.Tenancy, (t) => t.set("slug", slug))
        const bySlug = yield* sql.withTransaction(Effect.zipRight(setSlug(b.clinic.slug), visibleRows))
        for (const [table, rows] of Object.entries(bySlug)) {
          expect({ table, ids: rows.map((r) => owner(table, r)) }).toEqual({ table, ids: table === "clinics" ? [b.clinic.id] : [] })
        }
        const mixed = yield* sql.withTransaction(
          Effect.zipRight(Effect.zipRight(setTenant(a.clinic.id), setSlug(b.clinic.slug)), visibleRows)
        )
        expect(mixed.clinics!.map((r) => r.id)).toEqual([a.clinic.id])
        const storage = yield* Storage
        const found = yield* storage.clinicBySlug(b.clinic.slug)
        expect(found._tag === "Some" && found.value.clinic.id).toBe(b.clinic.id)
        expect((yield* storage.clinicBySlug("no-such-clinic"))._tag).toBe("None")
      }))

    it.effect("the platform scan shows every clinic row and nothing else, never inside a tenant, and writes nothing", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const a = yield* seedClinic("ScanA")
        const b = yield* seedClinic("ScanB")
        const setScan = Effect.flatMap(Tenancy.Tenancy, (t) => t.set("scan", "clinics"))
        const scanned = yield* sql.withTransaction(Effect.zipRight(setScan, visibleRows))
        for (const [table, rows] of Object.entries(scanned)) {
          const ids = rows.map((r) => owner(table, r))
          if (table === "clinics") expect(ids).toEqual(expect.arrayContaining([a.clinic.id, b.clinic.id]))
          else expect({ table, ids }).toEqual({ table, ids: [] })
        }
        const mixed = yield* sql.withTransaction(Effect.zipRight(Effect.zipRight(setTenant(a.clinic.id), setScan), visibleRows))
        expect(mixed.clinics!.map((r) => r.id)).toEqual([a.clinic.id])
        // Read-only: an update under the scan touches no row.
        const updated = yield* sql.withTransaction(
          Effect.zipRight(setScan, sql`UPDATE clinics SET name = 'renamed' WHERE id = ${b.clinic.id} RETURNING id`)
        )
        expect(updated).toEqual([])
        const storage = yield* Storage
        expect((yield* storage.allClinics!()).map((c) => c.id)).toEqual(expect.arrayContaining([a.clinic.id, b.clinic.id]))
      }))

    it.effect("as the app role, a tenant cannot write another clinic's rows or move its own rows out", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const raw = yield* RawAccess
        const a = yield* seedClinic("WriteA")
        const b = yield* seedClinic("WriteB")

        const code = <R>(self: Effect.Effect<unknown, SqlError, R>) =>
          Effect.map(Effect.flip(self), (e) => (e.cause as { code?: string }).code)
        const asA = <X, E, R>(self: Effect.Effect<X, E, R>) => sql.withTransaction(Effect.zipRight(setTenant(a.clinic.id), self))

        // 42501: new row violates row-level security policy (WITH CHECK).
        expect(
          yield* code(asA(sql`INSERT INTO staff (clinic_id, id, name, email, role, status, created_at)
            VALUES (${b.clinic.id}, ${randomUUID()}, 'Mallory', 'mallory@example.com', 'admin', 'active', now())`))
        ).toBe("42501")
        expect(
          yield* code(asA(sql`UPDATE patients SET clinic_id = ${b.clinic.id} WHERE clinic_id = ${a.clinic.id}`))
        ).toBe("42501")
        expect(
          yield* code(sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
            VALUES (${randomUUID()}, 'no-tenant', 'X', 'UTC', 'USD', true, '{}', 'k', now())`)
        ).toBe("42501")

        // USING hides B's rows from UPDATE and DELETE: nothing matches, nothing changes.
        const touched = yield* asA(Effect.all([
          sql`UPDATE patients SET full_name = 'Mallory' WHERE clinic_id = ${b.clinic.id} RETURNING id`,
          sql`DELETE FROM appointments WHERE clinic_id = ${b.clinic.id} RETURNING id`,
          sql`UPDATE clinics SET active = false WHERE id = ${b.clinic.id} RETURNING id`
        ]))
        expect(touched).toEqual([[], [], []])
        const bPatients = yield* raw.execute(`SELECT full_name FROM patients WHERE clinic_id = ?`, [b.clinic.id])
        expect(bPatients).toEqual([{ full_name: "Patient WriteB 0" }])
        const bAppointments = yield* raw.execute(`SELECT count(*)::int AS n FROM appointments WHERE clinic_id = ?`, [b.clinic.id])
        expect(bAppointments).toEqual([{ n: 2 }])
      }))

    it.effect("raw SQL as the runtime role that names another clinic without its proof reads and writes nothing there", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const raw = yield* RawAccess
        const a = yield* seedClinic("InjectA")
        const b = yield* seedClinic("InjectB")
        const code = <R>(self: Effect.Effect<unknown, SqlError, R>) =>
          Effect.map(Effect.flip(self), (e) => (e.cause as { code?: string }).code)
        // What an injection in a host could run: name B by hand, with no proof, with A's proof, or
        // with a proof it made up; and the other settings the policies read.
        const [proofOfA] = yield* sql.withTransaction(Effect.zipRight(
          setTenant(a.clinic.id),
          sql<{ p: string }>`SELECT current_setting('clinicore.clinic_id_proof') AS p`
        ))
        const forged = [
          sql`SELECT set_config('clinicore.clinic_id', ${b.clinic.id}, true)`,
          sql`SELECT set_config('clinicore.clinic_id', ${b.clinic.id}, true), set_config('clinicore.clinic_id_proof', ${proofOfA!.p}, true)`,
          sql`SELECT set_config('clinicore.clinic_id', ${b.clinic.id}, true), set_config('clinicore.clinic_id_proof', ${"0".repeat(64)}, true)`,
          sql`SELECT set_config('clinicore.slug', ${b.clinic.slug}, true)`,
          sql`SELECT set_config('clinicore.scan', 'due_reminders', true)`,
          sql`SELECT set_config('clinicore.scan', 'clinics', true)`,
          // Session-level, not transaction-local: no better.
          sql`SELECT set_config('clinicore.clinic_id', ${b.clinic.id}, false)`
        ]
        for (const [i, naming] of forged.entries()) {
          const seen = yield* sql.withTransaction(Effect.zipRight(naming, visibleRows))
          for (const [table, rows] of Object.entries(seen)) expect({ i, table, rows }).toEqual({ i, table, rows: [] })
          const touched = yield* sql.withTransaction(Effect.zipRight(naming, Effect.all([
            sql`UPDATE patients SET full_name = 'Mallory' RETURNING id`,
            sql`DELETE FROM reminders RETURNING id`,
            sql`UPDATE clinics SET active = false RETURNING id`
          ])))
          expect({ i, touched }).toEqual({ i, touched: [[], [], []] })
          expect({
            i,
            code: yield* code(sql.withTransaction(Effect.zipRight(naming, sql`INSERT INTO staff (clinic_id, id, name, email, role, status, created_at)
              VALUES (${b.clinic.id}, ${randomUUID()}, 'Mallory', 'mallory@example.com', 'admin', 'active', now())`)))
          }).toEqual({ i, code: "42501" })
        }
        yield* sql`SELECT set_config('clinicore.clinic_id', '', false)`
        expect(yield* raw.execute(`SELECT full_name FROM patients WHERE clinic_id = ?`, [b.clinic.id])).toEqual([
          { full_name: "Patient InjectB 0" }
        ])
        expect(yield* raw.execute(`SELECT count(*)::int AS n FROM staff WHERE name = 'Mallory'`)).toEqual([{ n: 0 }])
      }))

    it.effect("the runtime role can read neither the tenant key nor write the migrations table", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const code = <R>(self: Effect.Effect<unknown, SqlError, R>) =>
          Effect.map(Effect.flip(self), (e) => (e.cause as { code?: string }).code)
        expect(yield* code(sql`SELECT key FROM clinicore_private.tenant_key`)).toBe("42501")
        expect(yield* code(sql`INSERT INTO effect_sql_migrations (migration_id, name) VALUES (999, 'evil')`)).toBe("42501")
        expect(yield* code(sql`DELETE FROM effect_sql_migrations`)).toBe("42501")
        expect(yield* code(sql`UPDATE effect_sql_migrations SET name = 'evil'`)).toBe("42501")
      }))

    it.effect("every policy reads its settings once per statement (an InitPlan), and still uses the tenant's indexes", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const policies = yield* sql<{ policyname: string; qual: string; check: string | null }>`
          SELECT policyname, qual, with_check AS check FROM pg_policies WHERE schemaname = 'public'`
        const calls = /clinicore_(current_clinic|slug_lookup|setting)\(/g
        const wrapped = /SELECT clinicore_(current_clinic|slug_lookup|setting)\(/g
        for (const p of policies) {
          for (const text of [p.qual, p.check ?? ""]) {
            const all = text.match(calls)?.length ?? 0
            expect({ policy: p.policyname, all: all > 0 || text === "", once: text.match(wrapped)?.length ?? 0 })
              .toEqual({ policy: p.policyname, all: true, once: all })
          }
        }
        const a = yield* seedClinic("PlanA")
        const plan = yield* sql.withTransaction(Effect.zipRight(
          setTenant(a.clinic.id),
          sql<{ "QUERY PLAN": string }>`EXPLAIN SELECT * FROM patients WHERE phone = '+12125550100'`
        ))
        const text = plan.map((r) => r["QUERY PLAN"]).join("\n")
        expect(text).toContain("InitPlan")
        expect(text).not.toContain("Seq Scan")
      }))

    it.effect("1,000 interleaved transactions over two pooled connections never see another tenant", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const storage = yield* Storage
        const raw = yield* RawAccess
        const a = yield* seedClinic("PoolA", 2)
        const b = yield* seedClinic("PoolB", 3)
        const expected: Record<string, number> = { [a.clinic.id]: 2, [b.clinic.id]: 3 }
        const countBefore = yield* raw.execute(`SELECT count(*)::int AS n FROM patients`)

        const violations: Array<string> = []
        const pids = new Set<number>()
        let failed = 0
        let untenanted = 0
        let reusedAfterFailure = 0

        const look = sql<{ clinic_id: string; pid: number }>`SELECT clinic_id, pg_backend_pid() AS pid FROM patients`

        const check = (i: number, tenant: string | undefined, rows: ReadonlyArray<{ clinic_id: string }>, extra = 0) => {
          const wrong = rows.filter((r) => r.clinic_id !== tenant)
          if (wrong.length > 0) violations.push(`#${i} as ${tenant ?? "nobody"} saw ${wrong.length} foreign row(s)`)
          const want = (tenant === undefined ? 0 : expected[tenant]!) + extra
          if (rows.length !== want) violations.push(`#${i} as ${tenant ?? "nobody"} saw ${rows.length} rows, not ${want}`)
        }

        /** A transaction that sets no tenant must see nothing, whatever ran on its connection before. */
        const noTenant = (i: number) =>
          sql.withTransaction(Effect.all([look, sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`])).pipe(
            Effect.map(([rows, [p]]) => {
              untenanted++
              pids.add(p!.pid)
              check(i, undefined, rows)
              return p!.pid
            })
          )

        /**
         * Sets its tenant, writes, reads its write, then fails (a domain failure through
         * `Storage.transaction`, or a SQL error that aborts the transaction): the whole transaction
         * rolls back, tenant included. Succeeds with the connection's backend pid.
         */
        const failing = (i: number, clinic: ClinicId, how: "domain" | "sql") => {
          let failedOn = -1
          const body = Effect.gen(function*() {
            yield* sql`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
              VALUES (${clinic}, ${randomUUID()}, 'Rolled Back', ${`+1999${i}`}, false, now())`
            const rows = yield* look
            failedOn = rows[0]!.pid
            pids.add(failedOn)
            check(i, clinic, rows, 1)
            if (how === "sql") yield* sql`SELECT 1 / 0`
            return yield* new Boom()
          })
          const run = how === "domain"
            ? storage.transaction(clinic)(body)
            : sql.withTransaction(Effect.zipRight(setTenant(clinic), body))
          return Effect.flip(run).pipe(
            Effect.flatMap((e) => (e instanceof Boom || e instanceof SqlError ? Effect.succeed(failedOn) : Effect.die(e))),
            Effect.tap(() => Effect.sync(() => failed++))
          )
        }

        const tenanted = (i: number, clinic: ClinicId) =>
          storage.transaction(clinic)(look).pipe(
            Effect.tap((rows) =>
              Effect.sync(() => {
                rows.forEach((r) => pids.add(r.pid))
                check(i, clinic, rows)
              })
            )
          )

        yield* Effect.forEach(
          Array.from({ length: 1000 }, (_, i) => i),
          (i) => {
            const clinic = i % 2 === 0 ? a.clinic.id : b.clinic.id
            switch (i % 7) {
              case 3:
              case 5:
                return Effect.gen(function*() {
                  const failedOn = yield* failing(i, clinic, i % 7 === 3 ? "domain" : "sql")
                  // Right after the rollback: when this lands on the same connection, it is the very
                  // connection that just held (and aborted with) a tenant.
                  if ((yield* noTenant(i)) === failedOn) reusedAfterFailure++
                })
              case 6:
                return Effect.asVoid(noTenant(i))
              default:
                return Effect.asVoid(tenanted(i, clinic))
            }
          },
          { concurrency: 8, discard: true }
        )

        // Outside any transaction too: autocommit statements on both connections see nothing.
        const bare = yield* Effect.all(Array.from({ length: 8 }, () => look), { concurrency: 8 })
        for (const rows of bare) check(-1, undefined, rows)

        expect(violations).toEqual([])
        expect(pids.size).toBe(2)
        expect(failed).toBeGreaterThan(250)
        expect(untenanted).toBeGreaterThan(400)
        expect(reusedAfterFailure).toBeGreaterThan(0)
        // Nothing written by a failed transaction survived.
        expect(yield* raw.execute(`SELECT count(*)::int AS n FROM patients`)).toEqual(countBefore)
      }), { timeout: 120_000 })
  })
})
