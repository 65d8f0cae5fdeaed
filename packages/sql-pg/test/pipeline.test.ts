/**
 * The adapter's round-trip savers on a real server: prepared statements (and what a column change
 * does to them), and transactions that send deferred statements with their COMMIT.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import { Storage } from "@clinicore/core/Storage"
import * as Fixtures from "@clinicore/testing/Fixtures"
import { describe, expect, it, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Tracer from "effect/Tracer"
import { inject } from "vitest"
import { RawAccess } from "@clinicore/testing/RawAccess"
import * as Audit from "../src/internal/audit.js"
import * as Pool from "../src/internal/pool.js"
import * as Transaction from "../src/internal/transaction.js"
import { freshDatabase } from "./utils/freshDatabase.js"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

const adminUrl = inject("pgAdminUrl")

describe("pool", () => {
  it("prepares statements with parameters under a name, and prepares them again after a column change", async () => {
    const db = await freshDatabase(adminUrl)
    const pool = Pool.make({ url: db.ownerUrl, maxConnections: 2 })
    try {
      const client = await pool.connect()
      const other = await pool.connect()
      try {
        await client.query("CREATE TABLE t (a int)")
        await client.query("INSERT INTO t VALUES (1)")
        const select = "SELECT * FROM t WHERE a = $1"
        expect((await client.query(select, [1])).rows).toEqual([{ a: 1 }])
        const prepared = await client.query("SELECT name, statement FROM pg_prepared_statements")
        expect(prepared.rows).toEqual([{ name: "clinicore_0_0", statement: select }])
        // Statements sent in one tick are pipelined and all answered, in order.
        const answers = await Promise.all([1, 2, 3].map((n) => client.query("SELECT $1::int AS n", [n])))
        expect(answers.map((r) => r.rows[0].n)).toEqual([1, 2, 3])

        await other.query("ALTER TABLE t ADD COLUMN b int")
        await expect(client.query(select, [1])).rejects.toMatchObject({ code: "0A000" })
        expect((await client.query(select, [1])).rows).toEqual([{ a: 1, b: null }])
      } finally {
        client.release()
        other.release()
      }
    } finally {
      await pool.end()
      await db.drop()
    }
  })
})

layer(withFreshDatabase(adminUrl, (db) => makeTestLayer(db)), { timeout: "120 seconds", excludeTestServices: true })(
  "transactions",
  (it) => {
    it.layer(Clinicore.layer)((it) => {
      const holidays = (clinicId: Fixtures.ClinicFixture["clinicId"]) =>
        Effect.flatMap(Storage, (s) => s.schedules.holidays(clinicId, "2030-01-01", "2030-12-31").pipe(s.transaction(clinicId)))

      it.effect("a deferred statement is sent with COMMIT, after everything the body did", () =>
        Effect.gen(function*() {
          const a = yield* Fixtures.clinic("Deferred")
          const sql = yield* SqlClient.SqlClient
          const order: Array<string> = []
          yield* Transaction.begin(sql, a.clinicId)(Effect.gen(function*() {
            yield* Transaction.atCommit(sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-02', 'Deferred')`)
            // Not written yet: this transaction does not see it.
            const seen = yield* sql`SELECT name FROM clinic_holidays WHERE clinic_id = ${a.clinicId}`
            order.push(`body saw ${seen.length}`)
            yield* sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Body')`
          }))
          expect(order).toEqual(["body saw 0"])
          expect((yield* holidays(a.clinicId)).map((h) => h.name)).toEqual(["Body", "Deferred"])
        }))

      it.effect("a deferred statement that fails rolls the whole transaction back and is a defect", () =>
        Effect.gen(function*() {
          const a = yield* Fixtures.clinic("DeferredFails")
          const sql = yield* SqlClient.SqlClient
          const exit = yield* Effect.exit(Transaction.begin(sql, a.clinicId)(Effect.gen(function*() {
            yield* sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Body')`
            yield* Transaction.atCommit(sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Twice')`)
          })))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          expect(yield* holidays(a.clinicId)).toEqual([])
          // The connection went back to the pool clean: the next transaction works and has no tenant left over.
          const tenant = yield* sql<{ t: string | null }>`SELECT current_setting('clinicore.clinic_id', true) AS t`
          expect(tenant[0]!.t ?? "").toBe("")
        }))

      it.effect("the audit append of a clinic without a chain head is a defect, not a silent skip", () =>
        Effect.gen(function*() {
          const a = yield* Fixtures.clinic("NoHead")
          const sql = yield* SqlClient.SqlClient
          const raw = yield* RawAccess
          yield* raw.execute("DELETE FROM audit_heads WHERE clinic_id = ?", [a.clinicId])
          const entry = {
            clinicId: a.clinicId,
            at: Date.now(),
            actorType: "system" as const,
            actorId: "test",
            role: null,
            action: "Test.append",
            permissionKey: null,
            entityType: null,
            entityId: null,
            outcome: "ok" as const,
            reason: null
          }
          const exit = yield* Effect.exit(Transaction.begin(sql, a.clinicId)(Audit.append(sql)(entry, new Uint8Array(32))))
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        }))

      it.effect("a lean client's statements run on the transaction's connection inside it, and as usual outside", () =>
        Effect.gen(function*() {
          const a = yield* Fixtures.clinic("Lean")
          const sql = Transaction.lean(yield* SqlClient.SqlClient)
          const seen = yield* Transaction.begin(sql, a.clinicId)(Effect.gen(function*() {
            yield* sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Lean')`
            // The same transaction (the tenant is set, the row is visible before commit).
            return yield* sql<{ name: string }>`SELECT name FROM clinic_holidays WHERE clinic_id = ${a.clinicId}`
          }))
          expect(seen.map((r) => r.name)).toEqual(["Lean"])
          // It went straight to the connection: no per-statement span, where the usual client makes one.
          const spans = (effect: Effect.Effect<unknown, unknown>) =>
            Tracer.tracerWith((native) => {
              const names: Array<string> = []
              const recording = Tracer.make({ span: (name, ...rest) => (names.push(name), native.span(name, ...rest)), context: native.context })
              return Effect.as(Effect.withTracer(effect, recording), names)
            })
          const usual = yield* SqlClient.SqlClient
          const count = (client: SqlClient.SqlClient) =>
            spans(Transaction.begin(usual, a.clinicId)(client`SELECT name FROM clinic_holidays WHERE clinic_id = ${a.clinicId}`))
          expect((yield* count(sql)).filter((n) => n === "sql.execute")).toEqual([])
          expect((yield* count(usual)).filter((n) => n === "sql.execute")).toEqual(["sql.execute"])
          // A violation inside is a SqlError carrying the server's error, and rolls everything back.
          const failed = yield* Effect.flip(Transaction.begin(sql, a.clinicId)(Effect.zipRight(
            sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-02', 'Kept?')`,
            sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Twice')`
          )))
          expect(failed).toMatchObject({ _tag: "SqlError", cause: { code: "23505" } })
          expect((yield* holidays(a.clinicId)).map((h) => h.name)).toEqual(["Lean"])
          // Outside a transaction of `begin`: no tenant, so row-level security shows nothing.
          expect(yield* sql`SELECT name FROM clinic_holidays WHERE clinic_id = ${a.clinicId}`).toEqual([])
        }))

      it.effect("a body that fails sends no deferred statement", () =>
        Effect.gen(function*() {
          const a = yield* Fixtures.clinic("BodyFails")
          const sql = yield* SqlClient.SqlClient
          const exit = yield* Effect.exit(Transaction.begin(sql, a.clinicId)(Effect.gen(function*() {
            yield* Transaction.atCommit(sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${a.clinicId}, '2030-01-01', 'Deferred')`)
            return yield* Effect.fail("no")
          })))
          expect(exit).toEqual(Exit.fail("no"))
          expect(yield* holidays(a.clinicId)).toEqual([])
        }))
    })
  }
)
