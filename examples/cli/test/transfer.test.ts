/**
 * Export, import and analytics through the CLI: a clinic's patients and appointments exported to a file and
 * imported into a second clinic (the same patients), a refused import (exit 10, its rows on
 * stderr), the export's progress bar on a terminal and its absence with `--json`.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { freshSqlite, json, jsonError, onTty, root, run } from "./utils/cli.js"

const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, "").replace(/\r/g, "")

const env = freshSqlite()
const dir = join(root, ".tmp", "cli-test")
const file = (name: string) => join(dir, `${env.CLINICORE_SQLITE_FILE!.split("/").pop()}.${name}`)
const demo = ["--clinic", "demo", "--as", "admin@demo.example"]
const second = ["--clinic", "second", "--as", "sam@second.example"]

type Patient = { readonly fullName: string; readonly phone: string }
const byName = (ps: ReadonlyArray<Patient>) => ps.map((p) => `${p.fullName} ${p.phone}`).sort()

describe("export, import, analytics", () => {
  beforeAll(async () => {
    json(await run(["seed", "--json", "--patients", "40", "--appointments", "6"], env))
    json(await run(["clinic", "create", "--json", "--name", "Second", "--slug", "second", "--admin-name", "Sam Second", "--admin-email", "sam@second.example"], env))
  })

  it("export patients → import into a second clinic: the same patients; a second import changes nothing", async () => {
    const out = file("patients.csv")
    const summary = json<{ kind: string; rows: number; bytes: number; file: string }>(
      await run(["export", "patients", "--json", "--out", out, ...demo], env)
    )
    expect(summary).toEqual({ kind: "patients", rows: 40, bytes: readFileSync(out).length, file: out })
    // To stdout: the same CSV, nothing else on stdout.
    const piped = await run(["export", "patients", ...demo], env)
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stdout).toBe(readFileSync(out, "utf8"))

    const report = json<{ rows: number; created: number; unchanged: number; rejected: Array<unknown> }>(
      await run(["import", "patients", out, "--json", ...second], env)
    )
    expect(report).toMatchObject({ rows: 40, created: 40, unchanged: 0, rejected: [] })
    const [from, to] = await Promise.all([
      run(["patient", "search", "--json", "--limit", "100", ...demo], env),
      run(["patient", "search", "--json", "--limit", "100", ...second], env)
    ])
    expect(byName(json<Array<Patient>>(to))).toEqual(byName(json<Array<Patient>>(from)))

    const again = await run(["import", "patients", out, ...second], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain("40 row(s) read, 0 created, 40 unchanged, 0 rejected")
  })

  it("export appointments → import into the second clinic (patients by their imported ID, doctors by name)", async () => {
    const doctors = json<Array<{ name: string; specialty: string }>>(await run(["doctor", "list", "--json", ...demo], env))
    for (const d of doctors) {
      json(await run(["doctor", "create", "--json", "--name", d.name, "--specialty", d.specialty, ...second], env))
    }
    const out = file("appointments.csv")
    expect(json(await run(["export", "appointments", "--json", "--out", out, ...demo], env))).toMatchObject({ rows: 6 })
    const report = json<{ created: number; rejected: Array<unknown> }>(await run(["import", "appointments", out, "--json", ...second], env))
    expect(report).toMatchObject({ created: 6, rejected: [] })
    const copy = await run(["export", "appointments", "--json", ...second], env)
    expect(JSON.parse(copy.stderr.trim().split("\n").pop()!)).toMatchObject({ rows: 6 })
  })

  it("export appointments and calendar: filters, a JSON summary, the .ics file", async () => {
    const doctors = json<Array<{ id: string }>>(await run(["doctor", "list", "--json", ...demo], env))
    const csv = await run(["export", "appointments", "--status", "scheduled", "--doctor", doctors[0]!.id, ...demo], env)
    expect(csv.code, csv.stderr).toBe(0)
    const lines = csv.stdout.trimEnd().split("\r\n")
    expect(lines[0]).toMatch(/^ID,Patient Name,Doctor Name,Start Time/)
    expect(lines.length).toBe(3) // 6 appointments over 3 doctors
    // --json without --out: stdout is the CSV, the summary a JSON line on stderr.
    const machine = await run(["export", "appointments", "--json", "--range", "2020-01-01..2099-12-31", ...demo], env)
    expect(JSON.parse(machine.stderr.trim().split("\n").pop()!)).toMatchObject({ kind: "appointments", rows: 6, file: null })
    const ics = file("calendar.ics")
    const calendar = json(await run(["export", "calendar", "--json", "--doctor", doctors[0]!.id, "--range", "this_month", "--out", ics, ...demo], env))
    expect(calendar).toMatchObject({ kind: "calendar", file: ics })
    expect(readFileSync(ics, "utf8")).toMatch(/^BEGIN:VCALENDAR/)
  })

  it("a bad range or status is the library's ValidationError (3), no file left behind; an unwritable --out is a usage error (2)", async () => {
    const out = file("bad-range.csv")
    const bad = await run(["export", "invoices", "--range", "2026-03-05..2026-03-01", "--out", out, ...demo], env)
    expect(bad.code).toBe(3)
    expect(bad.stderr).toContain("range.to")
    expect(() => readFileSync(out)).toThrow()
    expect(() => readFileSync(`${out}.partial`)).toThrow()
    expect(jsonError(await run(["export", "payments", "--json", "--status", "nope", ...demo], env)).type).toBe("ValidationError")
    // An --out that cannot be written: a usage error before any work.
    const nowhere = await run(["export", "patients", "--out", join(dir, "no-such-dir", "x.csv"), ...demo], env)
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toContain("cannot write --out")
  })

  it("a refused import exits 10 with every rejected row on stderr, and writes nothing", async () => {
    const bad = file("bad.csv")
    writeFileSync(bad, "ID,Full Name,Phone\nx1,Good Guy,+1 415 555 0100\nx2,,+1 415 555 0101\nx3,Bad Phone,12\n")
    const text = await run(["import", "patients", bad, ...second], env)
    expect(text.code).toBe(10)
    expect(text.stdout).toBe("")
    expect(text.stderr).toContain("error: import refused: 2 rejected row(s), nothing written")
    expect(text.stderr).toMatch(/rejected line 3 \(ID x2\), Full Name: is required/)
    expect(text.stderr).toMatch(/rejected line 4 \(ID x3\), Phone: /)
    const machine = await run(["import", "patients", bad, "--json", ...second], env)
    expect(machine.code).toBe(10)
    const error = jsonError(machine) as unknown as { type: string; exitCode: number; report: { rejected: Array<{ line: number; field: string }> } }
    expect(error).toMatchObject({ type: "ImportRejected", exitCode: 10 })
    expect(error.report.rejected.map((r) => [r.line, r.field])).toEqual([[3, "Full Name"], [4, "Phone"]])
    const search = json<Array<Patient>>(await run(["patient", "search", "--json", "--text", "Good Guy", ...second], env))
    expect(search).toEqual([])
    // --accept-valid: the good row is written, the others reported.
    const partial = json<{ created: number; rejected: Array<unknown> }>(await run(["import", "patients", bad, "--json", "--accept-valid", ...second], env))
    expect(partial.created).toBe(1)
    expect(partial.rejected).toHaveLength(2)
  })

  it("analytics: the dashboard and a report as JSON, text and CSV", async () => {
    const dashboard = json<{ totalAppointments: number; from: string }>(
      await run(["analytics", "dashboard", "--json", "--from", "2020-01-01", "--to", "2021-12-31", ...demo], env)
    )
    expect(dashboard).toMatchObject({ from: "2020-01-01", totalAppointments: 0 })
    const today = json<{ from: string; to: string }>(await run(["analytics", "dashboard", "--json", ...demo], env))
    expect(today.from).toBe(today.to)
    const report = json<{ kind: string; rows: Array<unknown> }>(
      await run(["analytics", "report", "revenue_by_period", "--json", "--from", "2026-01-01", "--to", "2026-01-31", "--granularity", "week", ...demo], env)
    )
    expect(report.kind).toBe("revenue_by_period")
    expect(report.rows.length).toBe(5)
    const text = await run(["analytics", "report", "receivables", ...demo], env)
    expect(text.stdout).toMatch(/^bucket +invoices +outstanding/m)
    const csv = await run(["analytics", "report", "receivables", "--csv", ...demo], env)
    expect(csv.stdout.split("\r\n")[0]).toBe("bucket,invoices,outstanding,overdue_invoices,overdue,currency,as_of")
    expect((await run(["analytics", "report", "nope", ...demo], env)).code).toBe(3)
  })
})

describe("export progress", () => {
  beforeAll(() => {
    execFileSync("script", ["--version"])
  })
  const tty = freshSqlite()
  beforeAll(async () => {
    json(await run(["seed", "--json", "--patients", "150", "--appointments", "0"], tty))
  })

  it("to a file on a terminal: a bar of rows written", async () => {
    const out = join(dir, `${tty.CLINICORE_SQLITE_FILE!.split("/").pop()}.tty.csv`)
    const result = await onTty(["export", "patients", "--out", out, ...demo], tty)
    expect(result.code, result.stdout).toBe(0)
    const screen = plain(result.stdout)
    expect(screen).toMatch(/exporting patients \[[^\]]+\] 150\/150 rows/)
    expect(screen).toContain(`exported 150 row(s)`)
  })

  it("--json on a terminal: the summary only, no bar", async () => {
    const out = join(dir, `${tty.CLINICORE_SQLITE_FILE!.split("/").pop()}.tty-json.csv`)
    const result = await onTty(["export", "patients", "--json", "--out", out, ...demo], tty)
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).not.toContain("exporting")
    expect(JSON.parse(plain(result.stdout))).toMatchObject({ kind: "patients", rows: 150, file: out })
  })

  it("piped (not a terminal): no bar", async () => {
    const out = join(dir, `${tty.CLINICORE_SQLITE_FILE!.split("/").pop()}.piped.csv`)
    const result = await run(["export", "patients", "--out", out, ...demo], tty)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout).toBe(`exported 150 row(s) (${readFileSync(out).length} bytes) to ${out}\n`)
  })
})
