/**
 * Vitest globalSetup for the PostgreSQL adapter: provides `pgAdminUrl`, a
 * superuser connection URL that tests pass to `freshDatabase`.
 *
 * - `TEST_DATABASE_URL` set: it is provided as-is (it must be a superuser URL).
 * - Otherwise a throwaway cluster is created with `initdb`/`pg_ctl` in a temp
 *   directory on a free loopback port, and destroyed on teardown.
 *
 * Failures throw with the reason (and the tail of the server log); the suite
 * is never skipped.
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { chown, mkdir, mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}

const PG_LIB = "/usr/lib/postgresql"

const NOT_FOUND =
  `PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in ${PG_LIB}/*/bin; ` +
  "install the Debian package 'postgresql' (scripts/ensure-postgres.sh does) or set TEST_DATABASE_URL"

/** A directory holding both `initdb` and `pg_ctl`: PATH first, then the newest `/usr/lib/postgresql/<v>/bin`. */
const findBinDir = (): string | undefined => {
  const hasBoth = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && hasBoth(dir)) return dir
  }
  if (!existsSync(PG_LIB)) return undefined
  const versions = readdirSync(PG_LIB)
    .filter((v) => hasBoth(join(PG_LIB, v, "bin")))
    .sort((a, b) => b.localeCompare(a, "en", { numeric: true }))
  return versions.length > 0 ? join(PG_LIB, versions[0]!, "bin") : undefined
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not determine a free port"))))
    })
  })

const tail = (file: string, lines = 30): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no server log)"
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL
  if (external !== undefined && external !== "") {
    provide("pgAdminUrl", external)
    return async () => {}
  }

  const binDir = findBinDir()
  if (binDir === undefined) throw new Error(NOT_FOUND)

  // initdb refuses to run as root: run the server binaries as the `postgres` OS user.
  const asRoot = process.getuid?.() === 0
  let pgUid = -1
  let pgGid = -1
  if (asRoot) {
    try {
      pgUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
      pgGid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    } catch {
      throw new Error(
        "Running as root, but there is no 'postgres' OS user to run initdb/pg_ctl as " +
          "(initdb refuses to run as root); install the Debian package 'postgresql' or set TEST_DATABASE_URL"
      )
    }
  }

  const base = await mkdtemp(join(tmpdir(), "clinicore-pg-"))
  const dataDir = join(base, "data")
  const sockDir = join(base, "sock")
  const logFile = join(base, "postgres.log")
  await mkdir(sockDir)
  if (asRoot) {
    await chown(base, pgUid, pgGid)
    await chown(sockDir, pgUid, pgGid)
  }

  const command = (bin: string, args: ReadonlyArray<string>): [string, Array<string>] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir, bin), ...args]] : [join(binDir, bin), [...args]]

  const run = (bin: string, args: ReadonlyArray<string>): Promise<void> =>
    new Promise((resolve, reject) => {
      const [file, argv] = command(bin, args)
      execFile(file, argv, { cwd: base, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error === null) return resolve()
        const output = `${stderr}\n${stdout}`.trim()
        reject(new Error(`\`${[file, ...argv].join(" ")}\` failed: ${error.message.split("\n")[0]}\n${output}`))
      })
    })

  const stopArgs = ["stop", "-D", dataDir, "-m", "immediate", "-w"]
  let running = false
  // Last resort if the process exits without running the teardown.
  const onExit = () => {
    if (!running) return
    try {
      const [file, argv] = command("pg_ctl", stopArgs)
      execFileSync(file, argv, { cwd: "/", stdio: "ignore" })
    } catch {
      // nothing more we can do on exit
    }
  }
  process.once("exit", onExit)

  const teardown = async () => {
    process.removeListener("exit", onExit)
    try {
      if (running) await run("pg_ctl", stopArgs)
      running = false
    } finally {
      await rm(base, { recursive: true, force: true })
    }
  }

  try {
    await run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"])
    const port = await freePort()
    const options = [
      `-p ${port}`,
      `-k ${sockDir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c max_connections=300",
      // Extra server settings for experiments (say, pg_stat_statements while profiling a benchmark).
      ...(process.env.CLINICORE_PG_OPTIONS ? [process.env.CLINICORE_PG_OPTIONS] : [])
    ].join(" ")
    running = true // from here on a server may exist; teardown must try to stop it
    await run("pg_ctl", ["start", "-w", "-D", dataDir, "-l", logFile, "-o", options])
    provide("pgAdminUrl", `postgres://postgres@127.0.0.1:${port}/postgres`)
    return teardown
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    const log = tail(logFile)
    await teardown().catch(() => {})
    throw new Error(
      `Could not start a throwaway PostgreSQL cluster with ${binDir} ` +
        `(set TEST_DATABASE_URL to use an existing server instead): ${message}\n--- postgres log (tail) ---\n${log}`
    )
  }
}
