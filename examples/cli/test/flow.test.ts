/**
 * The main flow end to end, each step a separate CLI process, on a SQLite file and on Postgres
 * (a fresh database with the production role split, on the server the sql-pg globalSetup starts).
 */
import { randomBytes } from "node:crypto"
import { afterAll, describe, expect, inject, it } from "vitest"
// The sql-pg globalSetup declares what it provides (`pgAdminUrl`).
import type {} from "../../../packages/sql-pg/test/globalSetup.js"
import { type FreshDatabase, freshDatabase } from "../../../packages/sql-pg/test/utils/freshDatabase.js"
import { baseEnv, freshSqlite, jsonError, run } from "./utils/cli.js"
import { mainFlow } from "./utils/flow.js"

describe("end to end on SQLite", () => {
  it("init → seed → slots → book → reschedule → cancel → invoice → pay → dispatch → audit verify", async () => {
    await mainFlow(freshSqlite())
  })

  it("without CLINICORE_MASTER_KEY, a key is made next to the file once and reused", async () => {
    const env = freshSqlite()
    delete env.CLINICORE_MASTER_KEY
    const first = await run(["init", "--json", "--name", "Keyed", "--slug", "keyed", "--admin-name", "Kim Key", "--admin-email", "kim@keyed.example"], env)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain(`${env.CLINICORE_SQLITE_FILE}.key`)
    const patient = await run(
      ["patient", "create", "--json", "--clinic", "keyed", "--as", "kim@keyed.example", "--name", "Nia Id", "--phone", "+1 415 555 0142", "--national-id", "123-45-6789"],
      env
    )
    expect(patient.code, patient.stderr).toBe(0)
    expect(patient.stderr).toBe("")
    const search = await run(["patient", "search", "--json", "--clinic", "keyed", "--as", "kim@keyed.example"], env)
    expect(JSON.parse(search.stdout)).toHaveLength(1)
  })
})

describe("end to end on Postgres", () => {
  let db: FreshDatabase | undefined
  afterAll(async () => {
    await db?.drop()
  })

  it("the same flow through DATABASE_URL (runtime role) and DATABASE_OWNER_URL (migrations)", async () => {
    db = await freshDatabase(inject("pgAdminUrl"))
    const env = baseEnv({
      DATABASE_URL: db.appUrl,
      DATABASE_OWNER_URL: db.ownerUrl,
      CLINICORE_MASTER_KEY: randomBytes(32).toString("base64")
    })
    await mainFlow(env)
  })

  it("requires CLINICORE_MASTER_KEY (usage error, exit 2)", async () => {
    const result = await run(["init", "--json"], baseEnv({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }))
    expect(result.code).toBe(2)
    expect(jsonError(result).message).toContain("CLINICORE_MASTER_KEY is required")
  })
})
