/**
 * A throwaway database per test file, with the role split the adapter expects
 * in production:
 *
 * - `<name>_owner`: owns the database and the `public` schema privileges (runs migrations),
 * - `<name>_app`: the application role; no superuser, no BYPASSRLS, only USAGE on `public`,
 *   so row-level security actually applies to it.
 */
import { randomBytes } from "node:crypto"
import pg from "pg"

export interface FreshDatabase {
  readonly name: string
  /** Connects as the owner role. */
  readonly ownerUrl: string
  /** Connects as the unprivileged application role. */
  readonly appUrl: string
  readonly appRole: string
  readonly ownerRole: string
  /** Superuser URL to this database. */
  readonly adminUrl: string
  /** Terminates connections, drops the database and both roles. Idempotent. */
  drop(): Promise<void>
}

const withClient = async <A>(url: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

/** Same server and options as `url`, different credentials and/or database. */
const withUrl = (url: string, changes: { user?: string; password?: string; database: string }): string => {
  const u = new URL(url)
  if (changes.user !== undefined) u.username = encodeURIComponent(changes.user)
  if (changes.password !== undefined) u.password = encodeURIComponent(changes.password)
  u.pathname = `/${encodeURIComponent(changes.database)}`
  return u.toString()
}

/** `adminUrl` must connect as a superuser (the globalSetup's `pgAdminUrl`). */
export const freshDatabase = async (adminUrl: string): Promise<FreshDatabase> => {
  // Generated names are [a-z0-9_], so quoting them is enough.
  const name = `ct_${randomBytes(6).toString("hex")}`
  const ownerRole = `${name}_owner`
  const appRole = `${name}_app`

  const drop = () =>
    withClient(adminUrl, async (client) => {
      // WITH (FORCE) terminates the database's backends first (PostgreSQL 13+).
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await client.query(`DROP ROLE IF EXISTS "${appRole}"`)
      await client.query(`DROP ROLE IF EXISTS "${ownerRole}"`)
    })

  const dbAdminUrl = withUrl(adminUrl, { database: name })
  try {
    await withClient(adminUrl, async (client) => {
      await client.query(
        `CREATE ROLE "${ownerRole}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD 'owner'`
      )
      await client.query(
        `CREATE ROLE "${appRole}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD 'app'`
      )
      await client.query(`CREATE DATABASE "${name}" OWNER "${ownerRole}" TEMPLATE template0`)
    })
    await withClient(dbAdminUrl, async (client) => {
      await client.query("CREATE EXTENSION IF NOT EXISTS btree_gist")
      await client.query("REVOKE ALL ON SCHEMA public FROM PUBLIC")
      await client.query(`GRANT ALL ON SCHEMA public TO "${ownerRole}"`)
      await client.query(`GRANT USAGE ON SCHEMA public TO "${appRole}"`)
    })
  } catch (error) {
    await drop().catch(() => {})
    throw error
  }

  return {
    name,
    ownerUrl: withUrl(adminUrl, { user: ownerRole, password: "owner", database: name }),
    appUrl: withUrl(adminUrl, { user: appRole, password: "app", database: name }),
    appRole,
    ownerRole,
    adminUrl: dbAdminUrl,
    drop
  }
}
