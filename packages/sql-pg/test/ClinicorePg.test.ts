/**
 * The adapter's own wiring: SQLSTATE classification on real errors, the tenant of nested
 * transactions, the owner/runtime role split of `layer`, and `layerConfig`.
 */
import { randomUUID } from "node:crypto"
import * as Actor from "@clinicore/core/Actor"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Conflict } from "@clinicore/core/Errors"
import type { ClinicId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Storage } from "@clinicore/core/Storage"
import { RawAccess } from "@clinicore/testing/RawAccess"
import { describe, expect, it, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { inject } from "vitest"
import { ClinicorePg, Tenancy } from "../src/index.js"
import { freshDatabase } from "./utils/freshDatabase.js"
import { fieldCryptoLayer, makeTestLayer, rawAccessLayer, TestDatabase, withFreshDatabase } from "./utils/layer.js"
import { seedClinic } from "./utils/seed.js"

class Boom extends Data.TaggedError("Boom")<{}> {}

const adminUrl = inject("pgAdminUrl")

const tenant = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ t: string | null }>`SELECT current_setting('clinicore.clinic_id', true) AS t`
).pipe(Effect.map((rows) => rows[0]!.t ?? ""))

const patientClinics = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ clinic_id: string }>`SELECT DISTINCT clinic_id FROM patients`
).pipe(Effect.map((rows) => rows.map((r) => r.clinic_id)))

/** The SqlError a statement fails with, as the app role inside a transaction for `clinicId`. */
const failure = (clinicId: ClinicId, statement: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, SqlError>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* Effect.flip(
      sql.withTransaction(
        Effect.zipRight(Effect.flatMap(Tenancy.Tenancy, (t) => t.set("clinic_id", clinicId)), statement(sql))
      )
    )
  })

describe("dialect", () => {
  it("classifies the SQLSTATEs that carry domain meaning, naming the constraint", () => {
    const error = (cause: unknown) => new SqlError({ cause, message: "test" })
    expect(ClinicorePg.dialect.classify(error({ code: "23505", constraint: "patients_phone_key" })))
      .toEqual({ kind: "unique", detail: "patients_phone_key" })
    expect(ClinicorePg.dialect.classify(error({ code: "23503", constraint: "doctors_staff_fkey" })))
      .toEqual({ kind: "foreign_key", detail: "doctors_staff_fkey" })
    expect(ClinicorePg.dialect.classify(error({ code: "23P01", constraint: "appointments_no_overlap" })))
      .toEqual({ kind: "exclusion", detail: "appointments_no_overlap" })
    expect(ClinicorePg.dialect.classify(error({ code: "23514" }))).toEqual({ kind: "check", detail: "" })
    expect(ClinicorePg.dialect.classify(error({ code: "40001" }))).toEqual({ kind: "other" })
    expect(ClinicorePg.dialect.classify(error(new Error("no code")))).toEqual({ kind: "other" })
    expect(ClinicorePg.dialect.instant(0)).toEqual(new Date(0))
    expect(ClinicorePg.dialect.bool(true)).toBe(true)
  })
})

const TestLayer = withFreshDatabase(adminUrl, (db) => makeTestLayer(db))

layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("ClinicorePg", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect("classifies real violations by SQLSTATE and constraint name", () =>
      Effect.gen(function*() {
        const a = yield* seedClinic("ClassifyA")
        const classify = (e: SqlError) => ClinicorePg.dialect.classify(e)
        const id = a.clinic.id

        expect(classify(yield* failure(id, (sql) =>
          sql`INSERT INTO patients (clinic_id, id, full_name, phone, blocked, created_at)
            VALUES (${id}, ${randomUUID()}, 'Dup', ${a.patients[0]!.phone}, false, now())`))).toEqual({
          kind: "unique",
          detail: "patients_phone_key"
        })
        expect(classify(yield* failure(id, (sql) =>
          sql`INSERT INTO doctors (clinic_id, id, name, specialty, staff_id, active, created_at)
            VALUES (${id}, ${randomUUID()}, 'Dr X', 'GP', ${randomUUID()}, true, now())`))).toEqual({
          kind: "foreign_key",
          detail: "doctors_staff_fkey"
        })
        expect(classify(yield* failure(id, (sql) =>
          sql`INSERT INTO staff (clinic_id, id, name, email, role, status, created_at)
            VALUES (${id}, ${randomUUID()}, 'X', 'x@example.com', 'janitor', 'active', now())`))).toEqual({
          kind: "check",
          detail: "staff_role_check"
        })
        expect(classify(yield* failure(id, (sql) => sql`SELECT 1 / 0`))).toEqual({ kind: "other" })

        // And the services see the mapped domain error.
        const patients = yield* Patients
        const dup = yield* Effect.flip(
          patients.create({ fullName: "Dup", phone: a.patients[0]!.phone }).pipe(Actor.withUser(id, a.admin.id))
        )
        expect(dup).toBeInstanceOf(Conflict)
        expect((dup as Conflict).reason._tag).toBe("duplicate_phone")
      }))

    it.effect("a nested transaction for another clinic sees only that clinic, then hands the outer tenant back", () =>
      Effect.gen(function*() {
        const storage = yield* Storage
        const a = yield* seedClinic("NestA")
        const b = yield* seedClinic("NestB")
        const [A, B] = [a.clinic.id, b.clinic.id]

        const seen = yield* storage.transaction(A)(Effect.gen(function*() {
          const before = [yield* tenant, yield* patientClinics]
          const inner = yield* storage.transaction(B)(Effect.all([tenant, patientClinics]))
          const same = yield* storage.transaction(A)(Effect.all([tenant, patientClinics]))
          const afterSuccess = yield* Effect.all([tenant, patientClinics])
          const innerFailure = yield* Effect.flip(storage.transaction(B)(Effect.zipRight(tenant, new Boom())))
          const afterFailure = yield* Effect.all([tenant, patientClinics])
          return { before, inner, same, afterSuccess, innerFailure: innerFailure._tag, afterFailure }
        }))
        expect(seen).toEqual({
          before: [A, [A]],
          inner: [B, [B]],
          same: [A, [A]],
          afterSuccess: [A, [A]],
          innerFailure: "Boom",
          afterFailure: [A, [A]]
        })
        // And nothing is left on the connection afterwards.
        expect(yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(tenant))).toBe("")
      }))
  })

  it.effect("the runtime role may read and write but not change the schema or turn RLS off", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [privileges] = yield* sql<Record<string, boolean>>`
        SELECT has_table_privilege(current_user, 'patients', 'SELECT, INSERT, UPDATE, DELETE') AS dml,
               has_table_privilege(current_user, 'patients', 'TRUNCATE') AS "truncate",
               EXISTS (SELECT FROM aclexplode((SELECT proacl FROM pg_proc WHERE oid = 'clinicore_current_clinic()'::regprocedure)) a
                        WHERE a.grantee = current_user::text::regrole AND a.privilege_type = 'EXECUTE') AS "execute",
               has_schema_privilege(current_user, 'public', 'CREATE') AS "create"`
      expect(privileges).toEqual({ dml: true, truncate: false, execute: true, create: false })
      for (const statement of [
        "ALTER TABLE patients DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE patients NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY patients_tenant ON patients",
        "CREATE TABLE sneaky (id int)"
      ]) {
        const error = yield* Effect.flip(sql.unsafe(statement))
        expect({ statement, code: (error.cause as { code?: string }).code }).toEqual({ statement, code: "42501" })
      }
    }))

  it.effect("building the layer again on a migrated database neither re-runs migrations nor fails", () =>
    Effect.gen(function*() {
      const db = yield* TestDatabase
      const raw = yield* RawAccess
      const found = yield* Effect.flatMap(Storage, (storage) =>
        storage.transaction(randomUUID() as ClinicId)(storage.clinics.findById(randomUUID() as ClinicId))).pipe(
          Effect.provide(ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl) }))
        )
      expect(Option.isNone(found)).toBe(true)
      expect(yield* raw.execute("SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id")).toEqual([
        { migration_id: 1, name: "foundation" },
        { migration_id: 2, name: "access_audit" },
        { migration_id: 3, name: "scheduling" },
        { migration_id: 4, name: "versions" },
        { migration_id: 5, name: "billing" },
        { migration_id: 6, name: "reminders" },
        { migration_id: 7, name: "export_import" },
        { migration_id: 8, name: "analytics" },
        { migration_id: 9, name: "sessions" },
        { migration_id: 10, name: "platform_scan" },
        { migration_id: 11, name: "tenant_proof" },
        { migration_id: 12, name: "public_requests" }
      ])
    }))

  it.effect("layerConfig reads DATABASE_URL and DATABASE_OWNER_URL", () =>
    Effect.gen(function*() {
      const db = yield* TestDatabase
      const provider = (entries: ReadonlyArray<readonly [string, string]>) =>
        Layer.setConfigProvider(ConfigProvider.fromMap(new Map(entries)))
      const user = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ u: string }>`SELECT current_user AS u`)

      const rows = yield* user.pipe(
        Effect.provide(ClinicorePg.layerConfig().pipe(
          Layer.provide(provider([["DATABASE_URL", db.appUrl], ["DATABASE_OWNER_URL", db.ownerUrl]]))
        ))
      )
      expect(rows).toEqual([{ u: db.appRole }])

      const missing = yield* Effect.exit(
        user.pipe(Effect.provide(ClinicorePg.layerConfig().pipe(Layer.provide(provider([])))))
      )
      expect(Exit.isFailure(missing)).toBe(true)
    }))
})

describe("layer without an owner URL", () => {
  it("migrates and runs as one role, and row-level security still applies to it because it is forced", async () => {
    const db = await freshDatabase(adminUrl)
    try {
      const program = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const raw = yield* RawAccess
        const a = yield* seedClinic("Solo")
        const [me] = yield* sql<{ u: string }>`SELECT current_user AS u`
        const untenanted = yield* Effect.all([sql`SELECT * FROM clinics`, sql`SELECT * FROM patients`])
        const everything = yield* raw.execute("SELECT id FROM clinics")
        const appGrants = yield* raw.execute("SELECT has_table_privilege(?, 'patients', 'SELECT') AS granted", [db.appRole])
        return { me: me!.u, untenanted, everything, appGrants, clinicId: a.clinic.id }
      })
      const live = Clinicore.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(
          ClinicorePg.layer({ url: Redacted.make(db.ownerUrl) }),
          rawAccessLayer(db.adminUrl),
          fieldCryptoLayer
        ))
      )
      const result = await Effect.runPromise(Effect.provide(program, live))
      expect(result.me).toBe(db.ownerRole)
      expect(result.untenanted).toEqual([[], []])
      expect(result.everything).toEqual([{ id: result.clinicId }])
      // No owner URL, no grants: nobody else was given access.
      expect(result.appGrants).toEqual([{ granted: false }])
    } finally {
      await db.drop()
    }
  })
})
