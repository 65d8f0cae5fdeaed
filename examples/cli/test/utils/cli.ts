/**
 * Spawns the CLI as a real process: `node build/test/cli.mjs …` (bundled by the globalSetup), with
 * its own environment, and collects the exit code, stdout and stderr.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
export const root = join(here, "..", "..", "..", "..")
export const bundle = join(here, "..", "..", "build", "test", "cli.mjs")

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The environment a test runs the CLI in: nothing inherited that selects storage or who acts. */
export const baseEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of ["DATABASE_URL", "DATABASE_OWNER_URL", "CLINICORE_SQLITE_FILE", "CLINICORE_MASTER_KEY", "CLINICORE_CLINIC", "CLINICORE_AS"]) {
    delete env[key]
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

export const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, command: ReadonlyArray<string> = [bundle]): Promise<Result> =>
  new Promise((resolve) => {
    execFile(process.execPath, [...command, ...args], { env, cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })

/** Parses the one JSON document a `--json` command prints on stdout. */
export const json = <A = any>(result: Result): A => {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as A
}

/** The JSON error object on the last line of stderr. */
export const jsonError = (result: Result): { readonly type: string; readonly message: string; readonly exitCode: number } =>
  (JSON.parse(result.stderr.trim().split("\n").pop()!) as { error: { type: string; message: string; exitCode: number } }).error

/** A fresh SQLite file under .tmp/, and a master key for it. */
export const freshSqlite = (): NodeJS.ProcessEnv => {
  const dir = join(root, ".tmp", "cli-test")
  mkdirSync(dir, { recursive: true })
  return baseEnv({
    CLINICORE_SQLITE_FILE: join(dir, `${randomBytes(6).toString("hex")}.db`),
    CLINICORE_MASTER_KEY: randomBytes(32).toString("base64")
  })
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Runs the CLI on a pseudo-terminal (`script` from util-linux), so stdout and stderr are a TTY;
 * the output is what the terminal received.
 */
export const onTty = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Result> =>
  new Promise((resolve) => {
    const command = [process.execPath, bundle, ...args].map(shellQuote).join(" ")
    execFile("script", ["-qec", command, "/dev/null"], { env: { ...env, COLUMNS: "120" }, cwd: root, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
