import pg from "pg"
import { describe, expect, inject, it } from "vitest"
import { freshDatabase } from "./utils/freshDatabase.js"

const query = async (url: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

describe("PostgreSQL test harness", () => {
  it("creates a database whose app role is unprivileged and not the owner, and drops it", async () => {
    const adminUrl = inject("pgAdminUrl")
    const db = await freshDatabase(adminUrl)
    try {
      const [me] = await query(
        db.appUrl,
        `SELECT current_user AS "user", r.rolsuper, r.rolbypassrls,
                pg_get_userbyid(d.datdba) AS "owner"
           FROM pg_roles r, pg_database d
          WHERE r.rolname = current_user AND d.datname = current_database()`
      )
      expect(me).toEqual({ user: db.appRole, rolsuper: false, rolbypassrls: false, owner: db.ownerRole })
      expect(me!.user).not.toBe(me!.owner)

      const [owner] = await query(
        db.ownerUrl,
        "SELECT current_user AS \"user\", rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
      )
      expect(owner).toEqual({ user: db.ownerRole, rolsuper: false, rolbypassrls: false })

      // The app role may use, but not create in, the public schema; btree_gist is installed.
      await expect(query(db.appUrl, "CREATE TABLE public.nope (id int)")).rejects.toMatchObject({ code: "42501" })
      const [ext] = await query(db.adminUrl, "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'btree_gist'")
      expect(ext).toEqual({ n: 1 })
    } finally {
      await db.drop()
    }

    const left = await query(
      adminUrl,
      `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = '${db.name}') AS dbs,
              (SELECT count(*)::int FROM pg_roles WHERE rolname IN ('${db.appRole}', '${db.ownerRole}')) AS roles`
    )
    expect(left).toEqual([{ dbs: 0, roles: 0 }])
  })
})
