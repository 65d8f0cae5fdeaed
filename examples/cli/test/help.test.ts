/**
 * `--help` works for every command and subcommand, and the list below is every command the root
 * help names (a new command without a help test fails here).
 */
import { describe, expect, it } from "vitest"
import { baseEnv, run } from "./utils/cli.js"

const commands = [
  "init",
  "seed",
  "clinic",
  "clinic create",
  "clinic list",
  "clinic show",
  "staff",
  "staff create",
  "staff list",
  "staff approve",
  "staff deactivate",
  "doctor",
  "doctor create",
  "doctor list",
  "hours",
  "patient",
  "patient create",
  "patient search",
  "service",
  "service create",
  "service list",
  "slots",
  "book",
  "reschedule",
  "cancel",
  "status",
  "invoice",
  "invoice create",
  "invoice issue",
  "pay",
  "reminders",
  "reminders dispatch",
  "audit",
  "audit verify",
  "export",
  "export patients",
  "export appointments",
  "export invoices",
  "export payments",
  "export calendar",
  "import",
  "import patients",
  "import appointments",
  "analytics",
  "analytics dashboard",
  "analytics report"
]

const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "")

describe("--help", () => {
  it("the root help lists exactly these commands", async () => {
    const result = await run(["--help"], baseEnv())
    expect(result.code).toBe(0)
    const listed = [...plain(result.stdout).matchAll(/^ {2}- ([a-z]+(?: [a-z]+)?)(?= |$)/gm)].map((m) => m[1])
    expect(listed).toEqual(commands)
  })

  it("works for every command, naming its usage", async () => {
    const env = baseEnv()
    // A few processes at a time: the machine is shared.
    for (let i = 0; i < commands.length; i += 4) {
      const batch = commands.slice(i, i + 4)
      const results = await Promise.all(batch.map((c) => run([...c.split(" "), "--help"], env)))
      results.forEach((result, j) => {
        const name = batch[j]!
        expect(result.code, `${name} --help: ${result.stderr}`).toBe(0)
        expect(plain(result.stdout)).toContain("USAGE")
        // @effect/cli prints the command's own name in its usage line (`$ create …` for `clinic create`).
        expect(plain(result.stdout)).toMatch(new RegExp(`^\\$ ${name.split(" ").pop()}( |$)`, "m"))
      })
    }
  })

  it("`pnpm cli` runs the TypeScript entry itself (tsx, no build)", async () => {
    const result = await run(["--conditions=@clinicore/source", "examples/cli/src/main.ts", "book", "--help"], baseEnv(), ["--import", "tsx"])
    expect(result.code, result.stderr).toBe(0)
    expect(plain(result.stdout)).toMatch(/^\$ book \[--json\]/m)
  })
})
