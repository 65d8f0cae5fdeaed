/**
 * Long work shows a progress bar on a terminal (a pseudo-terminal from util-linux `script`), and
 * none with `--json` or when the output is not a terminal.
 */
import { execFileSync } from "node:child_process"
import { beforeAll, describe, expect, it } from "vitest"
import { freshSqlite, json, onTty, run } from "./utils/cli.js"

const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, "").replace(/\r/g, "")

beforeAll(() => {
  try {
    execFileSync("script", ["--version"])
  } catch {
    throw new Error("`script` (util-linux, Debian package bsdutils) is needed for the terminal tests")
  }
})

describe("progress bars", () => {
  it("seed: drawn on a terminal, with its count", async () => {
    const result = await onTty(["seed", "--patients", "8", "--appointments", "6"], freshSqlite())
    expect(result.code, result.stdout).toBe(0)
    const out = plain(result.stdout)
    // 2 + 3 doctors × 2 + 3 services + 8 patients + 6 appointments steps; redraws are throttled.
    const drawn = [...out.matchAll(/seeding \[[^\]]+\] (\d+)\/25/g)].map((m) => Number(m[1]))
    // Redraws in between depend on how fast the machine seeds (cli-progress throttles them): the
    // bar is drawn at its start and again at its end, and never counts backwards.
    expect(drawn[0]).toBe(0)
    expect(drawn.length).toBeGreaterThanOrEqual(2)
    expect(drawn).toEqual([...drawn].sort((a, b) => a - b))
    expect(out).toMatch(/seeding \[[^\]]+\] 25\/25 appointments/)
    expect(out).toContain("seeded clinic Demo Family Practice")
  })

  it("seed --json on a terminal: one JSON document, no bar", async () => {
    const result = await onTty(["seed", "--json", "--patients", "8", "--appointments", "6"], freshSqlite())
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).not.toContain("seeding")
    expect(JSON.parse(plain(result.stdout))).toMatchObject({ patients: 8, appointments: 6 })
  })

  it("seed piped (not a terminal): no bar", async () => {
    const result = await run(["seed", "--patients", "2", "--appointments", "1"], freshSqlite())
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toContain("seeding")
  })

  describe("reminders dispatch", () => {
    // Two clinics' worth of due reminders, one database each: the JSON run would empty a shared one.
    const forJson = freshSqlite()
    const forTerminal = freshSqlite()
    beforeAll(async () => {
      await Promise.all([forJson, forTerminal].map(async (env) => json(await run(["seed", "--json", "--patients", "8", "--appointments", "8"], env))))
    })

    it("--json on a terminal: the report only, no bar", async () => {
      const machine = await onTty(["reminders", "dispatch", "--json", "--until-idle"], forJson)
      expect(machine.code, machine.stdout).toBe(0)
      expect(machine.stdout).not.toContain("dispatching")
      expect((JSON.parse(plain(machine.stdout)) as { sent: number }).sent).toBeGreaterThan(0)
    })

    it("on a terminal: a bar of reminders sent out of those claimed", async () => {
      const human = await onTty(["reminders", "dispatch", "--until-idle"], forTerminal)
      expect(human.code, human.stdout).toBe(0)
      const out = plain(human.stdout)
      const sent = Number(/sent (\d+)/.exec(out)?.[1])
      expect(sent).toBeGreaterThan(0)
      expect(out).toMatch(new RegExp(`dispatching \\[[^\\]]+\\] ${sent}/${sent} `))
    })
  })
})
