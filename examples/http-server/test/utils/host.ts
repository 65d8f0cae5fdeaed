/**
 * Starts the real host (the same layers `pnpm start` uses) on a free loopback port, on SQLite or on
 * a throwaway Postgres database, and gives tests plain `fetch` calls, the library's runtime (for
 * setup the HTTP API deliberately cannot do, such as a new clinic's first admin password) and a
 * snapshot of every table (to prove nothing was written).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Notifier } from "@clinicore/core"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as Duration from "effect/Duration"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import pg from "pg"
import { freshDatabase } from "../../../../packages/sql-pg/test/utils/freshDatabase.js"
import * as Host from "../../src/Host.js"
import type { RateLimits } from "../../src/Security.js"

export type Kind = "sqlite" | "pg"

export interface Response {
  readonly status: number
  readonly body: any
  readonly headers: Headers
}

export interface Call {
  readonly token?: string | undefined
  readonly body?: unknown
  readonly raw?: string | undefined
  readonly headers?: Record<string, string> | undefined
}

const generous: RateLimits = {
  login: { requests: 100_000, windowMs: 60_000 },
  public: { requests: 100_000, windowMs: 60_000 }
}

export const startHost = async (
  kind: Kind,
  pgAdminUrl: string | undefined,
  options: {
    rateLimits?: RateLimits
    log?: (line: string) => void
    notifier?: Notifier.Notifier
    dispatchInterval?: Duration.DurationInput
  } = {}
) => {
  const platformToken = `platform-${randomBytes(16).toString("hex")}`
  let database: Host.Database
  let cleanup: () => Promise<void>
  let snapshotRows: (excluded: ReadonlyArray<string>) => Promise<Record<string, unknown>>
  let pgDatabase: string | undefined
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "clinicore-http-"))
    const filename = join(dir, "host.db")
    database = { _tag: "sqlite", filename }
    cleanup = async () => rmSync(dir, { recursive: true, force: true })
    snapshotRows = async (excluded) => {
      const db = new Database(filename, { readonly: true, fileMustExist: true })
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
          .all() as Array<{ name: string }>
        const out: Record<string, unknown> = {}
        for (const { name } of tables) {
          if (excluded.includes(name)) continue
          out[name] = (db.prepare(`SELECT * FROM "${name}"`).all() as Array<unknown>).map((r) => JSON.stringify(r)).sort()
        }
        return out
      } finally {
        db.close()
      }
    }
  } else {
    if (pgAdminUrl === undefined) throw new Error("pgAdminUrl is not provided (globalSetup)")
    const fresh = await freshDatabase(pgAdminUrl)
    pgDatabase = fresh.name
    database = { _tag: "pg", url: Redacted.make(fresh.appUrl), ownerUrl: Redacted.make(fresh.ownerUrl) }
    cleanup = () => fresh.drop()
    snapshotRows = async (excluded) => {
      const client = new pg.Client({ connectionString: fresh.adminUrl })
      await client.connect()
      try {
        const tables = await client.query(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        const out: Record<string, unknown> = {}
        for (const { table_name } of tables.rows as Array<{ table_name: string }>) {
          if (excluded.includes(table_name)) continue
          const rows = await client.query(`SELECT * FROM "${table_name}"`)
          out[table_name] = rows.rows.map((r) => JSON.stringify(r)).sort()
        }
        return out
      } finally {
        await client.end()
      }
    }
  }
  const config: Host.Config = {
    database,
    masterKey: Redacted.make(randomBytes(32).toString("base64")),
    port: 0,
    host: "127.0.0.1",
    platformToken: Redacted.make(platformToken),
    notifier: options.notifier ?? false,
    dispatchInterval: options.dispatchInterval,
    log: options.log ?? false,
    rateLimits: options.rateLimits ?? generous
  }
  const runtime = ManagedRuntime.make(Host.layer(config))
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  const url = `http://127.0.0.1:${address.port}`

  const call = async (method: string, path: string, init: Call = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
    let body: string | undefined
    if (init.raw !== undefined) body = init.raw
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers["content-type"] ??= "application/json"
    }
    const response = await fetch(url + path, body === undefined ? { method, headers } : { method, headers, body })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text === "" ? null : JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers }
  }

  return {
    kind,
    url,
    platformToken,
    /** The throwaway Postgres database's name (pg only). */
    pgDatabase,
    runtime,
    call,
    /** Every table's rows (sorted), but `excluded`. */
    snapshot: (excluded: ReadonlyArray<string> = []) => snapshotRows(excluded),
    close: async () => {
      await runtime.dispose()
      await cleanup()
    }
  }
}

export type RunningHost = Awaited<ReturnType<typeof startHost>>
