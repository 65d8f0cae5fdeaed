/**
 * `pnpm start`: the HTTP host. SQLite file by default (`CLINICORE_SQLITE_FILE`, default
 * `.tmp/clinicore.db`), Postgres when `DATABASE_URL` is set (`DATABASE_OWNER_URL` runs the
 * migrations); `PORT` (default 3000) and `HOST` (default 127.0.0.1); `CLINICORE_MASTER_KEY`
 * (generated and kept next to the SQLite file when missing); `CLINICORE_PLATFORM_TOKEN` enables
 * the platform routes. Seeds a demo clinic on first start and prints its admin's credentials once.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Host from "./Host.js"
import { demoSlug, seedDemo } from "./Seed.js"

const env = process.env
const port = Number(env.PORT ?? "3000")
const host = env.HOST ?? "127.0.0.1"
const say = (line: string) => console.log(line)

const database: Host.Database = env.DATABASE_URL
  ? {
    _tag: "pg",
    url: Redacted.make(env.DATABASE_URL),
    ownerUrl: env.DATABASE_OWNER_URL ? Redacted.make(env.DATABASE_OWNER_URL) : undefined
  }
  : { _tag: "sqlite", filename: env.CLINICORE_SQLITE_FILE ?? ".tmp/clinicore.db" }

say("starting the clinicore HTTP host…")
if (database._tag === "sqlite") mkdirSync(dirname(database.filename), { recursive: true })

const masterKey = (() => {
  if (env.CLINICORE_MASTER_KEY) return Redacted.make(env.CLINICORE_MASTER_KEY)
  if (database._tag === "pg") {
    console.error("CLINICORE_MASTER_KEY is required with DATABASE_URL (32 random bytes, base64)")
    process.exit(1)
  }
  // Development only: a key kept next to the database file, so a restart can read what it wrote.
  const file = join(dirname(database.filename), "clinicore.master-key")
  mkdirSync(dirname(file), { recursive: true })
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 })
    say(`CLINICORE_MASTER_KEY is not set: generated a development key in ${file} (set the variable in production)`)
  } else {
    say(`CLINICORE_MASTER_KEY is not set: using the development key in ${file}`)
  }
  return Redacted.make(readFileSync(file, "utf8").trim())
})()

const config: Host.Config = {
  database,
  masterKey,
  port,
  host,
  platformToken: env.CLINICORE_PLATFORM_TOKEN ? Redacted.make(env.CLINICORE_PLATFORM_TOKEN) : undefined
}

const program = Effect.gen(function*() {
  const seeded = yield* seedDemo
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  say(`clinicore HTTP host on ${database._tag === "sqlite" ? `SQLite ${database.filename}` : "PostgreSQL"}`)
  if (Option.isSome(seeded)) {
    say(`seeded the demo clinic "${demoSlug}"; its admin (shown once, keep it):`)
    say(`  email: ${seeded.value.email}`)
    say(`  password: ${seeded.value.password}`)
  }
  if (config.platformToken === undefined) say("CLINICORE_PLATFORM_TOKEN is not set: platform routes (/platform/*) answer 401")
  say(`Swagger UI:   ${base}/docs`)
  say(`OpenAPI:      ${base}/openapi.json`)
  say(`Booking page: ${base}/book/${demoSlug}`)
  return yield* Effect.never
})

program.pipe(Effect.provide(Host.layer(config)), NodeRuntime.runMain)

