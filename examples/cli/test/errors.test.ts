/**
 * Every error type leaves with its own exit code and its message on stderr (a JSON object with
 * `--json`), and nothing on stdout. The codes are the ones docs/cli.md documents.
 */
import { randomUUID } from "node:crypto"
import { beforeAll, describe, expect, it } from "vitest"
import { freshSqlite, json, jsonError, type Result, run } from "./utils/cli.js"

const env = freshSqlite()
const as = (email: string) => ["--clinic", "errs", "--as", email]
const admin = as("ann@errs.example")

/** The same failure in text and in JSON: code, message on stderr, empty stdout. */
const expectFailure = async (args: ReadonlyArray<string>, code: number, type: string, message: RegExp) => {
  const [text, machine]: Array<Result> = await Promise.all([run(args, env), run([...args, "--json"], env)])
  expect(text.code, text.stderr).toBe(code)
  expect(text.stdout).toBe("")
  expect(text.stderr).toMatch(message)
  expect(machine.code, machine.stderr).toBe(code)
  expect(machine.stdout).toBe("")
  const error = jsonError(machine)
  expect(error.type).toBe(type)
  expect(error.exitCode).toBe(code)
  expect(error.message).toMatch(message)
  return error
}

describe("exit codes", () => {
  let receptionistId = ""

  beforeAll(async () => {
    json(await run(["init", "--json", "--name", "Errors Clinic", "--slug", "errs", "--admin-name", "Ann Admin", "--admin-email", "ann@errs.example"], env))
    const receptionist = json(await run([
      "staff", "create", "--json", ...admin, "--name", "Rita Reception", "--email", "rita@errs.example", "--role", "receptionist"
    ], env))
    json(await run(["staff", "create", "--json", ...admin, "--name", "Ivan Inactive", "--email", "ivan@errs.example", "--role", "nurse"], env))
    const ivan = json<Array<{ id: string; email: string }>>(await run(["staff", "list", "--json", ...admin, "--role", "nurse"], env))
    json(await run(["staff", "deactivate", "--json", ...admin, ivan.find((s) => s.email === "ivan@errs.example")!.id], env))
    receptionistId = receptionist.id
  })

  it("usage errors: 2 (a missing option, an unknown command, no --clinic)", async () => {
    const missing = await expectFailure(["book", ...admin, "--doctor", randomUUID()], 2, "UsageError", /--patient/)
    expect(missing.message).toContain("--start")
    await expectFailure(["no-such-command"], 2, "UsageError", /Invalid subcommand/)
    await expectFailure(["init", "--slug", "half"], 2, "UsageError", /needs all of --name, --slug/)
    // Without --clinic: the only clinic; once there are two, the operator must say which.
    expect((await run(["doctor", "list", "--json", "--as", "ann@errs.example"], env)).code).toBe(0)
    json(await run(["clinic", "create", "--json", "--name", "Other", "--slug", "errs-other", "--admin-name", "Otto Other", "--admin-email", "otto@errs.example"], env))
    await expectFailure(["doctor", "list", "--as", "ann@errs.example"], 2, "UsageError", /--clinic <slug>.*\(2 clinics: see clinic list\)/)
    await expectFailure(["doctor", "list", "--clinic", "errs"], 2, "UsageError", /--as/)
  })

  it("ValidationError: 3, naming the fields", async () => {
    const error = await expectFailure(
      ["book", ...admin, "--doctor", "nope", "--patient", randomUUID(), "--service", randomUUID(), "--start", "tomorrow"],
      3,
      "ValidationError",
      /doctorId/
    )
    expect((error as unknown as { fields: Array<{ path: string }> }).fields.map((f) => f.path)).toEqual(
      expect.arrayContaining(["doctorId", "start"])
    )
  })

  it("NotFound: 4", async () => {
    const id = randomUUID()
    await expectFailure(["cancel", ...admin, id], 4, "NotFound", new RegExp(`Appointment ${id} not found`))
  })

  it("PermissionDenied: 5 (a receptionist verifying the audit chain)", async () => {
    expect(receptionistId).not.toBe("")
    await expectFailure(["audit", "verify", ...as("rita@errs.example")], 5, "PermissionDenied", /permission denied: audit\.view/)
  })

  it("Conflict: 6 (a taken slug)", async () => {
    await expectFailure(
      ["clinic", "create", "--name", "Again", "--slug", "errs", "--admin-name", "Al Again", "--admin-email", "al@errs.example"],
      6,
      "Conflict",
      /slug errs is taken/
    )
  })

  it("Unauthenticated: 7 (an email with no account, an unknown clinic)", async () => {
    await expectFailure(["doctor", "list", ...as("nobody@errs.example")], 7, "Unauthenticated", /unauthenticated/)
    await expectFailure(["doctor", "list", "--clinic", "no-such-clinic", "--as", "ann@errs.example"], 7, "Unauthenticated", /unauthenticated/)
  })

  it("unexpected: 1 (a database that cannot be reached), the cause on stderr", async () => {
    const unreachable: NodeJS.ProcessEnv = { ...env, DATABASE_URL: "postgres://nobody:none@127.0.0.1:1/none" }
    delete unreachable.CLINICORE_SQLITE_FILE
    const [text, machine] = await Promise.all([run(["doctor", "list", ...admin], unreachable), run(["doctor", "list", "--json", ...admin], unreachable)])
    expect(text.code).toBe(1)
    expect(text.stderr).toContain("PgClient: Failed to connect")
    expect(machine.code).toBe(1)
    expect(jsonError(machine)).toMatchObject({ type: "Unexpected", exitCode: 1, message: "SqlError: PgClient: Failed to connect" })
  })

  it("Inactive: 8 (a deactivated account)", async () => {
    await expectFailure(["patient", "search", ...as("ivan@errs.example")], 8, "Inactive", /user inactive/)
  })
})
